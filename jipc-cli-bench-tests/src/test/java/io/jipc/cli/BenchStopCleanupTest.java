package io.jipc.cli;

import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench} stopped by {@code SIGTERM} (as by Ctrl-C) in a child JVM, while its own peer
 * JVM takes part: nothing it or its peer created stays in the jipc root (a process group's file, the
 * peer's inbox and its name; the socket file the peer bound; a circular buffer still being
 * created; the mailboxes of a stage whose roles the benchmark's thread holds), and no stack trace is
 * printed. No duration is asserted; the timeouts are hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BenchStopCleanupTest {
    private static final Duration WAIT = Duration.ofMinutes(2);

    /**
     * The mailbox stages (and the signal one, over a mailbox pair) bind their roles to the
     * benchmark's thread: the shutdown hook, another thread, destroys their mailboxes without closing
     * those bindings, and prints no {@code WrongThreadException}.
     */
    @ParameterizedTest
    @CsvSource({"group,process group: one-way", "unixgram,Unix datagram: one-way",
            "mailbox-futex,mailbox futex: one-way", "mailbox-spin,mailbox spin: one-way",
            "rendezvous,rendezvous mailbox: one-way", "signal,signal (SIGUSR1): ping-pong"})
    void aStopDuringAMechanismLeavesNothingOfItOrOfThePeer(String id, String step) throws Exception {
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args("bench", "--quick", "--only", id, "--extra-sizes", "0").start()) {
            awaitOrFail(bench, () -> bench.output().contains(step)); // the peer has joined and is measured
            bench.process().toHandle().destroy(); // SIGTERM
            assertEquals(143, bench.waitFor(WAIT), bench.output());
            assertFalse(bench.output().contains("Exception"), bench.output());
        }
        assertEquals(List.of(), filesUnderRoot());
    }

    @Test
    void aStopOfBenchSocketsLeavesNotThePeersDatagramSocketFile() throws Exception {
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args("bench", "sockets", "--quick", "--transports", "UNIXGRAM", "--messages", "100000").start()) {
            awaitOrFail(bench, () -> bench.output().contains("one-way throughput"));
            bench.process().toHandle().destroy(); // SIGTERM
            assertEquals(143, bench.waitFor(WAIT), bench.output());
        }
        assertEquals(List.of(), filesUnderRoot());
    }

    @Test
    void aStopWhileTheRingIsCreatedRemovesIt() throws Exception {
        Path in = JipcRoot.path("region");
        // 4 Mi items of 64 bytes: about 300 MB to allocate and format, long enough to be stopped in it
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args("bench", "ring", "--quick", "--messages", "1000", "--capacity", "4194304").start()) {
            awaitOrFail(bench, () -> {
                try (Stream<Path> files = Files.exists(in) ? Files.list(in) : Stream.empty()) {
                    return files.anyMatch(f -> f.getFileName().toString().endsWith("-ring-in"));
                } catch (IOException e) {
                    return false;
                }
            });
            bench.process().toHandle().destroy(); // SIGTERM
            bench.waitFor(WAIT); // 143 if stopped, 0 if it had ended already
        }
        assertEquals(List.of(), filesUnderRoot());
    }

    private static void awaitOrFail(ChildJvm bench, BooleanSupplier condition) throws InterruptedException {
        while (!condition.getAsBoolean()) {
            assertTrue(bench.isAlive(), bench.output());
            Thread.sleep(5);
        }
    }

    /** The files (not directories) under the jipc root, after the bench's peer had time to go. */
    private static List<String> filesUnderRoot() throws IOException {
        try (Stream<Path> all = Files.walk(JipcRoot.path())) {
            return all.filter(p -> !Files.isDirectory(p)).map(Path::toString).sorted().toList();
        }
    }
}
