package io.jipc.segment;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.MemoryCgroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A segment (a mailbox's file) longer than its creator's memory cgroup allows is refused with
 * {@code ENOMEM} by jipc's memory check, and the file removed: its pages would be charged to that
 * cgroup, so the {@code fallocate} that {@code /dev/shm} has room for would call in the cgroup's
 * OOM killer instead (until 2026-12-06: the creator killed, exit 137, its empty file left). The
 * child runs in a 256 MiB memory cgroup of the test's own ({@link MemoryCgroup}; needs root).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SharedSegmentCgroupLimitTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final long LIMIT = 256L << 20;

    @Test
    void aSegmentAboveTheCgroupsMemoryLimitIsRefusedWithEnomemAndLeavesNoFile() {
        Path path = JipcRoot.directory("segment").resolve("cgroup-limited");
        try (MemoryCgroup cgroup = MemoryCgroup.create(LIMIT);
             ChildJvm creator = ChildJvm.builder(SegmentChild.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                     .wrapper(cgroup.wrapper()).args("create-length", path.toString(), "600", Long.toString(2 * LIMIT))
                     .start()) {
            String outcome = creator.awaitLine("", LINE);
            assertEquals(0, creator.waitFor(LINE), "not killed (137: the OOM killer); said: " + outcome);
            assertTrue(outcome.startsWith("FAILED io.jipc.ErrnoException ENOMEM") && outcome.contains("memory limit"),
                    outcome);
            assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "the refused file is removed");
        }
    }
}
