package io.jipc.cli;

import io.jipc.cli.bench.AllBench;
import io.jipc.cli.bench.Mechanism;
import io.jipc.cli.bench.Mechanisms;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench --size} above what the benchmark's child JVM can hold (256 MiB of heap), though
 * within a mechanism's own limit (a mailbox's is 1 GiB): the size is not measured and the table says
 * why, exit code 0, instead of the child dying of an {@code OutOfMemoryError} and the mechanism
 * reported failed (exit code 1). A reason is printed once per mechanism. No figure or duration is
 * asserted; the timeouts are hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BenchSizeLimitTest {

    @Test
    void aSizeTheChildCannotHoldIsNotMeasuredAndSaysWhy() {
        String output = bench("--quick", "--only", "mailbox-futex,mailbox-unbounded,unix,signal,pipe", "--size",
                "300000000", "--extra-sizes", "0");
        assertFalse(output.contains("failed"), output);
        assertFalse(output.contains("OutOfMemoryError"), output);
        for (String label : new String[] {"mailbox futex", "mailbox unbounded", "Unix stream"}) {
            assertTrue(output.contains(label + ": not measured: ping-pong and one-way 300000000 B: messages of at most"
                    + " 32 MiB in this run (the benchmark's child JVM has a 256 MiB heap)"), output);
        }
        assertTrue(output.contains("signal (SIGUSR1): not measured: ping-pong 300000000 B: messages of at most 32 MiB"),
                output);
        // the pipe's own limit, said once (it was said twice: "no size measurable: ..." and "not measured: ...")
        assertEquals(1, count(output, "larger than the channel's 16777216-byte maximum"), output);
        assertTrue(output.contains("pipe: no size measurable\n"), output);
    }

    @Test
    void aPingPongSizeTooLargeIsSaidOnceBesideTheMeasuredOneWaySizes() {
        String output = bench("--quick", "--only", "pipe", "--size", "300000000", "--extra-sizes", "64");
        assertEquals(1, count(output, "larger than the channel's 16777216-byte maximum"), output);
        assertTrue(output.contains("pipe: not measured: ping-pong and one-way 300000000 B: larger than"), output);
    }

    @Test
    void everyMechanismRefusesAMessageLargerThanTheChildHolds() {
        for (Mechanism m : Mechanisms.all()) {
            assertTrue(AllBench.unsupported(m, AllBench.PEER_MAX_MESSAGE + 1) != null, m.id());
            assertEquals(m.unsupported(64), AllBench.unsupported(m, 64), m.id());
        }
    }

    private static String bench(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args(all).start()) {
            int code = bench.waitFor(Duration.ofMinutes(3));
            assertEquals(0, code, bench.output());
            return bench.output();
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
