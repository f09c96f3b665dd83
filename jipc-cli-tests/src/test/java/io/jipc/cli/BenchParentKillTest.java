package io.jipc.cli;

import io.jipc.cli.bench.ParentKillHarness;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A benchmark's parent killed with {@code SIGKILL}, at several moments: its child JVM (a
 * {@link io.jipc.cli.bench.BenchPeer} echoing over circular buffers, blocked in a {@code take}
 * without timeout) must end by itself, also when the parent died before the child JVM had reached
 * its {@code main} (it was handed to {@code init} by then, and watching its parent of the moment
 * would watch {@code init} for ever). Then {@code jipc gc} removes what the dead parent made, and
 * nothing is left in the jipc root. The timeouts are hang guards; no duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BenchParentKillTest {
    private static final Duration HANG_GUARD = Duration.ofMinutes(1);

    /** The parent kills itself right after starting the child, long before the child JVM runs {@code main}. */
    @Test
    void aChildWhoseParentDiedBeforeItStartedEnds(Path root) throws Exception {
        assertChildEndsWithItsParent(root, "self", false);
    }

    /** The parent is killed as soon as it has started the child (the child JVM is starting). */
    @Test
    void aChildWhoseParentIsKilledWhileItStartsEnds(Path root) throws Exception {
        assertChildEndsWithItsParent(root, "wait", false);
    }

    /** The parent is killed once the child runs (it waits for an echo to send). */
    @Test
    void aRunningChildWhoseParentIsKilledEnds(Path root) throws Exception {
        assertChildEndsWithItsParent(root, "wait", true);
    }

    private static void assertChildEndsWithItsParent(Path root, String mode, boolean started) throws Exception {
        Optional<ProcessHandle> child = Optional.empty();
        try (ChildJvm parent = ChildJvm.builder(ParentKillHarness.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args("bench-kill-" + mode + started, mode).start()) {
            String line = parent.awaitLine("PEER ", HANG_GUARD);
            long pid = Long.parseLong(line.substring("PEER ".length()).strip());
            child = ProcessHandle.of(pid);
            if (started) {
                parent.awaitLine("PEER STARTED", HANG_GUARD);
            }
            if (!mode.equals("self")) {
                parent.process().toHandle().destroyForcibly(); // SIGKILL
            }
            parent.waitFor(HANG_GUARD);
            if (child.isPresent()) {
                try {
                    child.get().onExit().get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("the bench's child " + pid + " still runs " + HANG_GUARD + " after its parent was killed ("
                            + mode + (started ? ", child started" : "") + "); parent's output:\n" + parent.output());
                }
            }
        } finally {
            child.ifPresent(ProcessHandle::destroyForcibly);
        }
        CliRun gc = CliRun.jipc("gc");
        assertEquals(0, gc.exit(), gc.err());
        assertEquals(List.of(), files(root), "left in the jipc root after jipc gc; gc said:\n" + gc.out());
    }

    private static List<Path> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> !Files.isDirectory(p)).toList();
        }
    }
}
