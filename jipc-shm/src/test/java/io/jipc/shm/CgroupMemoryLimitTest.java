package io.jipc.shm;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * A process in a memory cgroup with a limit below the size it asks for (and below the free memory
 * of the host and of {@code /dev/shm}) is refused with {@code ENOMEM}, nothing left behind, and
 * goes on: until 2026-12-06 {@link io.jipc.platform.MemoryBudget} read only cgroup v2's
 * {@code memory.max}, so under cgroup v1 both creates called in the cgroup's OOM killer (exit 137),
 * and a named region's killed create left its empty file. The test makes its own cgroup (v1 or
 * v2, whichever controls memory here; it needs root), starts each child in it and removes it.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CgroupMemoryLimitTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final long LIMIT = 256L << 20;
    private static final long TOO_MUCH = 2 * LIMIT;
    private static final Path V1 = Path.of("/sys/fs/cgroup/memory");
    private static final Path V2 = Path.of("/sys/fs/cgroup");

    @Test
    void aCreateAboveTheCgroupsMemoryLimitIsRefusedWithEnomemNotOomKilled() throws IOException {
        Path group = makeGroup();
        try {
            String name = "cgroup-limited";
            assertRefused(group, "create-anonymous", Long.toString(TOO_MUCH));
            assertRefused(group, "create", name, Long.toString(TOO_MUCH));
            assertFalse(SharedRegion.exists(name), "the refused region's file is removed");
            try (ChildJvm child = startIn(group, "create", name, Long.toString(16L << 20))) {
                assertEquals("CREATED " + (16L << 20), child.awaitLine("", LINE), "a size within the limit is made");
                child.assertSuccess(LINE);
            } finally {
                SharedRegion.unlink(name);
            }
        } finally {
            removeGroup(group);
        }
    }

    private static void assertRefused(Path group, String... args) {
        try (ChildJvm child = startIn(group, args)) {
            String outcome = child.awaitLine("", LINE);
            assertEquals(0, child.waitFor(LINE), "not killed (137: the OOM killer); said: " + outcome);
            assertTrue(outcome.startsWith("FAILED io.jipc.ErrnoException: ENOMEM") && outcome.contains("memory limit"),
                    outcome);
        }
    }

    /** A child JVM that moves itself into {@code group} before it execs java. */
    private static ChildJvm startIn(Path group, String... args) {
        return ChildJvm.builder(ShmChild.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                .wrapper("/bin/sh", "-c", "echo $$ > '" + group.resolve("cgroup.procs") + "' && exec \"$@\"", "sh")
                .args(args).start();
    }

    /** A fresh memory cgroup limited to {@link #LIMIT}; aborts the test where none can be made. */
    private static Path makeGroup() throws IOException {
        String leaf = "jipc-test-" + ProcessHandle.current().pid();
        boolean v1 = Files.isRegularFile(V1.resolve("memory.limit_in_bytes"));
        boolean v2 = !v1 && Files.isRegularFile(V2.resolve("cgroup.subtree_control"))
                && Files.readString(V2.resolve("cgroup.subtree_control")).contains("memory");
        if (!v1 && !v2) {
            abort("no memory cgroup controller is mounted at " + V1 + " (v1) or enabled for the children of " + V2
                    + " (v2)");
        }
        Path group = (v1 ? V1 : V2).resolve(leaf);
        try {
            Files.createDirectory(group);
        } catch (IOException e) {
            abort("cannot make a memory cgroup (needs root and a writable cgroup file system): " + e);
        }
        try {
            Files.writeString(group.resolve(v1 ? "memory.limit_in_bytes" : "memory.max"), Long.toString(LIMIT));
        } catch (IOException | RuntimeException e) {
            removeGroup(group);
            throw e;
        }
        return group;
    }

    /** Removes the cgroup; its children have exited (ChildJvm.close waits for them). */
    private static void removeGroup(Path group) throws IOException {
        Files.delete(group); // rmdir: a cgroup's control files go with it
    }
}
