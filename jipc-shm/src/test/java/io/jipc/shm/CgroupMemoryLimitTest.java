package io.jipc.shm;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.MemoryCgroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process in a memory cgroup with a limit below the size it asks for (and below the free memory
 * of the host and of {@code /dev/shm}) is refused with {@code ENOMEM}, nothing left behind, and
 * goes on: until 2026-12-06 {@link io.jipc.platform.MemoryBudget} read only cgroup v2's
 * {@code memory.max}, so under cgroup v1 both creates called in the cgroup's OOM killer (exit 137),
 * and a named region's killed create left its empty file. The test makes its own cgroup (v1 or
 * v2, whichever controls memory here: {@link MemoryCgroup}; it needs root), starts each child in
 * it and removes it.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CgroupMemoryLimitTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final long LIMIT = 256L << 20;
    private static final long TOO_MUCH = 2 * LIMIT;

    @Test
    void aCreateAboveTheCgroupsMemoryLimitIsRefusedWithEnomemNotOomKilled() {
        try (MemoryCgroup cgroup = MemoryCgroup.create(LIMIT)) {
            String name = "cgroup-limited";
            assertRefused(cgroup, "create-anonymous", Long.toString(TOO_MUCH));
            assertRefused(cgroup, "create", name, Long.toString(TOO_MUCH));
            assertFalse(SharedRegion.exists(name), "the refused region's file is removed");
            try (ChildJvm child = startIn(cgroup, "create", name, Long.toString(16L << 20))) {
                assertEquals("CREATED " + (16L << 20), child.awaitLine("", LINE), "a size within the limit is made");
                child.assertSuccess(LINE);
            } finally {
                SharedRegion.unlink(name);
            }
        }
    }

    private static void assertRefused(MemoryCgroup cgroup, String... args) {
        try (ChildJvm child = startIn(cgroup, args)) {
            String outcome = child.awaitLine("", LINE);
            assertEquals(0, child.waitFor(LINE), "not killed (137: the OOM killer); said: " + outcome);
            assertTrue(outcome.startsWith("FAILED io.jipc.ErrnoException: ENOMEM") && outcome.contains("memory limit"),
                    outcome);
        }
    }

    private static ChildJvm startIn(MemoryCgroup cgroup, String... args) {
        return ChildJvm.builder(ShmChild.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                .wrapper(cgroup.wrapper()).args(args).start();
    }
}
