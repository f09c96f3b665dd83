package io.jipc.bench;

import io.jipc.bench.dsm.DsmBench;
import io.jipc.bench.group.GroupBench;
import io.jipc.bench.rpc.RpcBench;
import io.jipc.cli.bench.PeerProcess;
import io.jipc.platform.Processes;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * {@code jipc-bench group}, {@code dsm} and {@code rpc} run by their {@code main} in a child JVM,
 * whose peer JVM is killed with {@code SIGKILL} mid-run, or stopped with {@code SIGSTOP} (which they
 * waited for for ever before they told {@link PeerProcess} of their progress; they give it up after
 * {@code jipc.bench.answerWait}, 3 s here): one line naming the process and the phase, exit code
 * 1, no stack trace, nothing left in the jipc root. Hang guards only, no duration asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PeerDeathTest {
    private static final Duration HANG_GUARD = Duration.ofMinutes(1);
    private static final int SIGCONT = 18;
    private static final int SIGSTOP = 19;

    @Test
    void groupSaysItsPeerDied(Path root) throws Exception {
        assertOneLine(root, GroupBench.class, "jipc-bench group: ", "the group's operations", Duration.ZERO,
                "--rounds", "100000000", "--warmup", "10");
    }

    /**
     * The peer killed as the write-section row begins, or a second into it: by then the home has
     * left the region's lock with replica A, whose sections neither wait nor look at the interrupt
     * that tells of the death, so the row must (it went on for its 100,000,000 sections before).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void dsmSaysItsPeerDied(int killAfterMillis, Path root) throws Exception {
        assertOneLine(root, DsmBench.class, "jipc-bench dsm: ", "the region's operations",
                Duration.ofMillis(killAfterMillis), "--sections", "100000000", "--warmup", "10");
    }

    @Test
    void groupSaysItsPeerStoppedAnswering(Path root) throws Exception {
        assertStallReported(root, GroupBench.class, "jipc-bench group: ", "the group's operations",
                bench -> bench.awaitLine("operation", HANG_GUARD), "--rounds", "100000000", "--warmup", "10");
    }

    /**
     * B stopped as the write-section row begins: that row goes on without it (the home acknowledges
     * A's sections, and drops B after its peer timeout), and the ping-pong after it waits for B.
     */
    @Test
    void dsmSaysItsPeerStoppedAnswering(Path root) throws Exception {
        assertStallReported(root, DsmBench.class, "jipc-bench dsm: ", "the region's operations",
                bench -> bench.awaitLine("operation", HANG_GUARD), "--sections", "20000", "--warmup", "10");
    }

    /** The server stopped a second after it registered its name: the client's calls through its mailbox have begun. */
    @Test
    void rpcSaysItsServerStoppedAnswering(Path root) throws Exception {
        assertStallReported(root, RpcBench.class, "jipc-bench rpc: ", "the calls through mailbox (shared memory)",
                bench -> {
                    Path name = root.resolve("names").resolve("rpc%rpc-bench-" + bench.pid());
                    long deadline = System.nanoTime() + HANG_GUARD.toNanos();
                    while (!Files.exists(name)) {
                        assertTrue(bench.isAlive(), "the bench ended before its server served:\n" + bench.output());
                        assertTrue(System.nanoTime() < deadline, "hang guard: no " + name + ":\n" + bench.output());
                        Thread.sleep(20);
                    }
                    Thread.sleep(1000); // not a measurement: the calls begin
                }, "--calls", "100000000", "--warmup", "10");
    }

    /** Test code: waits until the bench's peer takes part in the operations. */
    private interface Started {
        void await(ChildJvm bench) throws Exception;
    }

    private static void assertStallReported(Path root, Class<?> main, String prefix, String phase, Started started,
                                            String... args) throws Exception {
        ProcessHandle peer = null;
        try (ChildJvm bench = ChildJvm.builder(main).quickStart().hardTimeout(Duration.ofMinutes(3))
                .jvmArg("--enable-native-access=ALL-UNNAMED").property(PeerProcess.ANSWER_WAIT_PROPERTY, "PT3S")
                .args(args).start()) {
            started.await(bench);
            peer = peerOf(bench);
            assertTrue(Processes.kill((int) peer.pid(), SIGSTOP), "SIGSTOP sent");
            int code = bench.waitFor(HANG_GUARD);
            String output = bench.output();
            assertEquals(1, code, output);
            assertTrue(output.contains(prefix + "the peer process " + peer.pid() + " stopped answering during " + phase
                    + ": no progress for 3 s (it is stopped: SIGSTOP, a debugger or a frozen cgroup), so it was killed"),
                    output);
            assertFalse(output.contains("\tat "), "no stack trace:\n" + output);
            assertNothingLeft(root);
        } finally {
            if (peer != null && peer.isAlive()) {
                Processes.kill((int) peer.pid(), SIGCONT);
                peer.destroyForcibly();
            }
        }
    }

    private static void assertOneLine(Path root, Class<?> main, String prefix, String phase, Duration killAfter,
                                      String... args) throws Exception {
        try (ChildJvm bench = ChildJvm.builder(main).quickStart().hardTimeout(Duration.ofMinutes(3))
                .jvmArg("--enable-native-access=ALL-UNNAMED").args(args).start()) {
            bench.awaitLine("operation", HANG_GUARD); // the peer has joined: the operations run
            Thread.sleep(killAfter); // not a measurement: how far into the operations the peer dies
            ProcessHandle peer = peerOf(bench);
            assertTrue(peer.destroyForcibly(), "SIGKILL sent");
            int code = bench.waitFor(HANG_GUARD);
            String output = bench.output();
            assertEquals(1, code, output);
            assertTrue(output.contains(prefix + "the peer process " + peer.pid() + " died (killed by signal 9) during "
                    + phase), output);
            assertFalse(output.contains("\tat "), "no stack trace:\n" + output);
            assertNothingLeft(root);
        }
    }

    /** The bench's child JVM. */
    private static ProcessHandle peerOf(ChildJvm bench) {
        return ProcessHandle.of(bench.pid()).orElseThrow().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst()
                .orElseThrow(() -> new AssertionError("no peer JVM; output:\n" + bench.output()));
    }

    private static void assertNothingLeft(Path root) throws Exception {
        try (Stream<Path> all = Files.exists(root) ? Files.walk(root) : Stream.empty()) {
            assertEquals(List.of(), all.filter(p -> !Files.isDirectory(p)).toList(), "left in the jipc root");
        }
    }
}
