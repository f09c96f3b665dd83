package io.jipc.cli;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench mailbox}, {@code jipc bench ring} and {@code jipc bench} (all mechanisms) in a
 * child JVM, whose own peer JVM is killed with {@code SIGKILL} while the bench waits for it (in a
 * ping-pong's {@code take}): the bench ends (hang guard only, no duration asserted) with exit code
 * 1, says which process died, how and during what, and leaves no file in the jipc root.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BenchPeerDeathTest {
    private static final Duration HANG_GUARD = Duration.ofMinutes(1);

    @Test
    void mailboxBenchEndsWhenItsPeerIsKilled(Path root) throws Exception {
        // a long ping-pong: the peer is killed while this process waits for an echo
        assertPeerDeathReported(root, "mailbox futex ping-pong", "  mailbox futex", "bench", "mailbox", "--strategies",
                "futex", "--no-pipe", "--no-idle", "--no-features", "--warmup", "100ms", "--time", "5m");
    }

    @Test
    void spinningMailboxBenchEndsWhenItsPeerIsKilled(Path root) throws Exception {
        assertPeerDeathReported(root, "mailbox spin ping-pong", "  mailbox spin", "bench", "mailbox", "--strategies",
                "spin", "--no-pipe", "--no-idle", "--no-features", "--warmup", "100ms", "--time", "5m");
    }

    @Test
    void ringBenchEndsWhenItsPeerIsKilled(Path root) throws Exception {
        assertPeerDeathReported(root, "circular buffer ping-pong", "  circular buffer", "bench", "ring", "--warmup",
                "100ms", "--time", "5m");
    }

    @Test
    void allMechanismsBenchFailsWhenItsPeerIsKilled(Path root) throws Exception {
        // the default timing: at least 2 s of ping-pong after its progress line
        String output = assertPeerDeathReported(root, "mailbox futex ", "  [", "bench", "--only", "mailbox-futex",
                "--extra-sizes", "0");
        assertTrue(output.contains("mailbox futex: failed: the peer process"), output); // in the table
        assertTrue(output.contains("jipc bench: mailbox futex failed: the peer process"), output); // on stderr
    }

    @Test
    void theRpcServersNameGoesWhenItsPeerIsKilled(Path root) throws Exception {
        // the peer registered its TCP server's address in the local name service, for its life
        String output = assertPeerDeathReported(root, "RPC (TCP) ping-pong", "  [", "bench", "--only", "rpc-tcp",
                "--extra-sizes", "0");
        assertTrue(output.contains("RPC (TCP): failed: the peer process"), output);
    }

    /** Starts {@code args}, kills its peer once a line starts with {@code started}; returns the output. */
    private static String assertPeerDeathReported(Path root, String phase, String started, String... args)
            throws Exception {
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args(args).start()) {
            bench.awaitLine(started, HANG_GUARD);
            ProcessHandle peer = peerOf(bench);
            assertTrue(peer.destroyForcibly(), "SIGKILL sent");
            int code = bench.waitFor(HANG_GUARD);
            String output = bench.output();
            assertEquals(1, code, output);
            assertTrue(output.contains("the peer process " + peer.pid() + " died (killed by signal 9) during " + phase),
                    output);
            assertTrue(!output.contains("\tat "), "no stack trace:\n" + output);
            assertEquals(List.of(), files(root), "left in the jipc root");
            return output;
        }
    }

    /** The bench's child JVM (waits for it to be started). */
    private static ProcessHandle peerOf(ChildJvm bench) throws InterruptedException {
        ProcessHandle self = ProcessHandle.of(bench.pid()).orElseThrow();
        for (int i = 0; i < 600; i++) {
            var child = self.children().filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                    .findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            Thread.sleep(100); // test code: the peer starts before the progress line anyway
        }
        throw new AssertionError("no peer JVM under " + bench.pid() + "; output:\n" + bench.output());
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
