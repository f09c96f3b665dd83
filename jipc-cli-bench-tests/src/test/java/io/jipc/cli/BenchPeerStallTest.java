package io.jipc.cli;

import io.jipc.cli.bench.PeerProcess;
import io.jipc.platform.Processes;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench} and {@code jipc bench mailbox} in a child JVM whose own peer JVM is stopped
 * with {@code SIGSTOP} mid-run, in a wait that has no timeout of its own (a one-way send into a full
 * mailbox; a ping-pong's {@code take}): the bench gives the peer up once it has made no progress for
 * {@code PeerProcess.ANSWER_WAIT}, says in one line which case and that the peer stopped answering,
 * removes what it made and exits with code 1. The timeouts are hang guards (the bench used to hang
 * for ever); no duration is asserted. The peer is continued and killed in any case.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class BenchPeerStallTest {
    private static final Duration HANG_GUARD = Duration.ofMinutes(2);
    private static final int SIGCONT = 18;
    private static final int SIGSTOP = 19;

    @Test
    void allMechanismsBenchGivesUpAPeerStoppedInTheOneWayCase(Path root) throws Exception {
        // one-way cases of 64 B then 1 MiB: seconds of sending after the first one's progress line
        String output = assertStallReported(root, "mailbox futex: one-way", "bench", "--only", "mailbox-futex",
                "--extra-sizes", "1048576");
        assertTrue(output.contains("mailbox futex: failed: the peer process"), output); // in the table
        assertTrue(output.contains("jipc bench: mailbox futex failed: the peer process"), output); // on stderr
    }

    @Test
    void mailboxBenchGivesUpAPeerStoppedInThePingPong(Path root) throws Exception {
        String output = assertStallReported(root, "  mailbox futex", "bench", "mailbox", "--strategies", "futex",
                "--no-pipe", "--no-idle", "--no-features", "--warmup", "100ms", "--time", "5m");
        assertTrue(output.contains("jipc bench mailbox: the peer process"), output);
        assertTrue(output.contains("stopped answering during mailbox futex ping-pong"), output);
    }

    /** Starts {@code args}, stops its peer once the output has {@code started}; returns the output. */
    private static String assertStallReported(Path root, String started, String... args) throws Exception {
        ProcessHandle peer = null;
        // 10 s instead of 30 without progress: the peer is stopped by this test, no need to wait longer
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(4))
                .property(PeerProcess.ANSWER_WAIT_PROPERTY, "PT10S").args(args).start()) {
            awaitOutput(bench, started);
            peer = peerOf(bench);
            assertTrue(Processes.kill((int) peer.pid(), SIGSTOP), "SIGSTOP sent");
            int code = bench.waitFor(HANG_GUARD);
            String output = bench.output();
            assertEquals(1, code, output);
            assertTrue(output.contains("the peer process " + peer.pid() + " stopped answering during mailbox futex"),
                    output);
            assertTrue(output.contains("(it is stopped: SIGSTOP, a debugger or a frozen cgroup), so it was killed"),
                    output);
            assertFalse(output.contains("\tat "), "no stack trace:\n" + output);
            assertEquals(List.of(), files(root), "left in the jipc root");
            return output;
        } finally {
            if (peer != null && peer.isAlive()) {
                Processes.kill((int) peer.pid(), SIGCONT);
                peer.destroyForcibly();
            }
        }
    }

    /** Test code: waits until the bench's output contains {@code text}. */
    private static void awaitOutput(ChildJvm bench, String text) throws InterruptedException {
        long deadline = System.nanoTime() + HANG_GUARD.toNanos();
        while (!bench.output().contains(text)) {
            assertTrue(bench.isAlive(), "the bench ended before '" + text + "':\n" + bench.output());
            assertTrue(System.nanoTime() < deadline, "hang guard: no '" + text + "' in:\n" + bench.output());
            Thread.sleep(20);
        }
    }

    /** The bench's child JVM. */
    private static ProcessHandle peerOf(ChildJvm bench) {
        return ProcessHandle.of(bench.pid()).orElseThrow().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst()
                .orElseThrow(() -> new AssertionError("no peer JVM under " + bench.pid() + ":\n" + bench.output()));
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
