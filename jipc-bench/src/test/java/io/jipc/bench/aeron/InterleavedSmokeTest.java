package io.jipc.bench.aeron;

import io.jipc.bench.GccLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the interleaved comparison with tiny blocks over every kind of transport and checks that
 * each has a row of positive figures and that nothing is left behind; and that bad transports are
 * refused before anything starts. No timing is asserted.
 */
class InterleavedSmokeTest {
    /** Whether gcc is installed: the {@code c} transport compiles its ring with it (CI installs it; without it those cases are left out). */
    private static final boolean GCC = GccLibrary.installed();
    private static final List<String> TRANSPORTS = withC(List.of("aeron@64", "mailbox", "ring@128/4", "bare:16:16",
            "bare:32:64/16", "mailbox:futex", "pipe"), "c", "cfutex");

    /** {@code transports}, and the C ones at the end if gcc is installed. */
    private static List<String> withC(List<String> transports, String... c) {
        if (!GCC) {
            return transports;
        }
        List<String> all = new ArrayList<>(transports);
        all.addAll(List.of(c));
        return List.copyOf(all);
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Interleaved.run(args, o, e);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void everyTransportGetsARowOfPositiveFiguresAndNothingIsLeft() throws Exception {
        String[] args = new String[4 + TRANSPORTS.size()];
        System.arraycopy(new String[] {"--blocks", "3", "--block-size", "2000"}, 0, args, 0, 4);
        for (int i = 0; i < TRANSPORTS.size(); i++) {
            args[4 + i] = TRANSPORTS.get(i);
        }
        Run run = run(args);
        assertEquals(0, run.status(), () -> "exit status; stderr:\n" + run.err() + "\nstdout:\n" + run.out());
        for (String transport : TRANSPORTS) {
            Matcher row = Pattern.compile("(?m)^" + Pattern.quote(transport) + " +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+)")
                    .matcher(run.out());
            assertTrue(row.find(), () -> "no row for " + transport + ":\n" + run.out());
            for (int group = 1; group <= 5; group++) {
                assertTrue(Double.parseDouble(row.group(group)) > 0, transport + ": " + row.group());
            }
        }
        for (String transport : TRANSPORTS.subList(1, TRANSPORTS.size())) {
            assertTrue(Pattern.compile("(?m)^" + Pattern.quote(transport) + " .* [+-]\\d+\\.\\d +[0-2] of 2 +\\d+\\+\\d+$")
                    .matcher(run.out()).find(), () -> transport + ": no comparison with the first:\n" + run.out());
        }

        long pid = ProcessHandle.current().pid();
        assertFalse(Files.exists(Path.of("/dev/shm", "jipc-interleaved-" + pid)), "the private jipc root is still there");
        assertFalse(Files.exists(Path.of("/dev/shm", "aeron-jipcbench-" + pid)), "the Aeron directory is still there");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.current().children().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(), "child JVMs left");
    }

    /**
     * One way, through rings small enough (64 and 128 KiB against 100,000 messages of 64 bytes in each
     * block, 8 MB) that every sender waits for room many times: every transport reports positive rates and
     * a comparison with the first; the peer checks that each block's messages arrive in order.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void oneWayBlocksGiveEveryTransportPositiveRates() throws Exception {
        List<String> transports = withC(List.of("aeron@64", "mailbox", "ring@128/4"), "c@64");
        List<String> args = new ArrayList<>(List.of("--blocks", "3", "--block-size", "2000", "--one-way", "100000",
                "--per-block"));
        args.addAll(transports);
        Run run = run(args.toArray(String[]::new));
        assertEquals(0, run.status(), () -> "exit status; stderr:\n" + run.err() + "\nstdout:\n" + run.out());
        String oneWay = run.out().substring(run.out().indexOf("one way, 100,000 messages"));
        for (String transport : transports) {
            Matcher row = Pattern.compile("(?m)^" + Pattern.quote(transport) + " +([0-9.]+) +([0-9.]+) +([0-9.]+)")
                    .matcher(oneWay);
            assertTrue(row.find(), () -> "no one-way row for " + transport + ":\n" + run.out());
            for (int group = 1; group <= 3; group++) {
                assertTrue(Double.parseDouble(row.group(group)) > 0, transport + ": " + row.group());
            }
        }
        for (String transport : transports.subList(1, transports.size())) {
            assertTrue(Pattern.compile("(?m)^" + Pattern.quote(transport) + " .* \\d+\\.\\d\\d +[0-2] of 2$")
                    .matcher(oneWay).find(), () -> transport + ": no one-way comparison with the first:\n" + run.out());
        }
        StringBuilder block = new StringBuilder("(?m)^  block   2:");
        transports.forEach(transport -> block.append(' ').append(Pattern.quote(transport)).append("=[0-9.]+/[0-9.]+M"));
        assertTrue(Pattern.compile(block.append('$').toString()).matcher(run.out()).find(), run.out());
        long pid = ProcessHandle.current().pid();
        assertFalse(Files.exists(Path.of("/dev/shm", "jipc-interleaved-" + pid)), "the private jipc root is still there");
        assertFalse(Files.exists(Path.of("/dev/shm", "aeron-jipcbench-" + pid)), "the Aeron directory is still there");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "bare:16:16", "pipe", "cfutex"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void oneWayIsRefusedWithANegativeCountOrARoundTripOnlyTransport(String what) {
        Run run = what.equals("-1") ? run("--one-way", what, "ring") : run("--one-way", "1000", "ring", what);
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains("jipc-bench interleaved:") && run.err().contains("--one-way"), run.err());
        assertFalse(run.out().contains("running"), run.out());
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aPeerKilledMidRunEndsTheRunWithAnErrorAndNothingLeft() throws Exception {
        assertAPeerKilledMidRunEndsTheRun("0", withC(List.of("mailbox", "ring", "bare:16:16", "aeron@64"), "c")
                .toArray(String[]::new));
    }

    /** The transports that sleep in the kernel: a dead peer is end of file (pipe) or ends a wait through the watchdog's interrupt. */
    @ParameterizedTest
    @ValueSource(strings = {"pipe", "mailbox:futex", "cfutex"})
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aPeerKilledWhileTheParentSleepsInTheKernelEndsTheRun(String transport) throws Exception {
        assumeTrue(GCC || !transport.equals("cfutex"), "gcc is not installed, so the C futex ping-pong cannot be built");
        assertAPeerKilledMidRunEndsTheRun("0", transport);
    }

    /**
     * One transport sending one way (64 KiB rings, most of the time full): the parent is most likely
     * waiting for room when the peer dies, a wait that only the watchdog's interrupt ends.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mailbox", "ring", "aeron@64", "c"})
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aPeerKilledWhileTheParentSendsOneWayEndsTheRun(String transport) throws Exception {
        assumeTrue(GCC || !transport.equals("c"), "gcc is not installed, so the C ring cannot be built");
        assertAPeerKilledMidRunEndsTheRun("100000000", transport);
    }

    private static void assertAPeerKilledMidRunEndsTheRun(String oneWay, String... transports) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int[] status = {-1};
        long[] killed = {0};
        Thread runner;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            String[] args = new String[6 + transports.length];
            System.arraycopy(new String[] {"--blocks", "1000", "--block-size", "100000", "--one-way", oneWay}, 0, args, 0, 6);
            System.arraycopy(transports, 0, args, 6, transports.length);
            runner = Thread.ofPlatform().start(() -> status[0] = Interleaved.run(args, o, e));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!out.toString(StandardCharsets.UTF_8).contains("running jipc-bench interleaved")) {
                assertTrue(runner.isAlive() && System.nanoTime() < deadline,
                        () -> "the measured blocks never started:\n" + out + err);
                Thread.sleep(20);
            }
            Thread.sleep(500); // into the blocks
            ProcessHandle peer = ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("")
                    .contains(InterleavedPeer.class.getName())).findFirst().orElseThrow(() -> new AssertionError(
                    "no peer among the children " + ProcessHandle.current().children().map(p -> p.pid() + " "
                            + p.info().commandLine().orElse("?")).toList() + "; the run is "
                            + (runner.isAlive() ? "alive" : "over, status " + status[0]) + ":\n" + out + err));
            killed[0] = peer.pid();
            peer.destroyForcibly();
            runner.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertFalse(runner.isAlive(), "the run did not end after its peer was killed");
        assertEquals(1, status[0], () -> "exit status; stderr:\n" + err);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("jipc-bench interleaved: the peer process "
                + killed[0] + " died (killed by signal 9) during the measured blocks"), err::toString);
        assertFalse(err.toString(StandardCharsets.UTF_8).contains("\tat "), () -> "a stack trace:\n" + err);

        long pid = ProcessHandle.current().pid();
        assertFalse(Files.exists(Path.of("/dev/shm", "jipc-interleaved-" + pid)), "the private jipc root is still there");
        assertFalse(Files.exists(Path.of("/dev/shm", "aeron-jipcbench-" + pid)), "the Aeron directory is still there");
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "bare", "bare:16", "bare:15:16", "bare:16:48", "bare:16:x", "ring@100", "ring@32", "mailbox@x",
        "aeron@", "ring/x", "ring/1001", "mailbox/8", "aeron/8", "c/8", "c@32", "pipe@64", "pipe/8", "cfutex@64", "cfutex/8", "mailbox:", "mailbox:sleep",
        "mailbox:futex/8"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aBadTransportIsRefusedBeforeAnythingStarts(String transport) {
        Run run = run("aeron", transport);
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains("jipc-bench interleaved:"), run.err());
        assertFalse(run.out().contains("running"), run.out());
    }
}
