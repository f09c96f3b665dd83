package io.jipc.bench.dsm;

import io.jipc.bench.MainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc-bench dsm} with a few sections: a row of figures for each operation, and the peer
 * process gone afterwards (the run waits for its clean exit). No timing is asserted.
 */
class DsmBenchSmokeTest {
    @ParameterizedTest(name = "--keep-locks {0}")
    @ValueSource(ints = {1, 0})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void measuresEveryOperation(int keepLocks) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            assertEquals(0, DsmBench.run(new String[] {"--sections", "200", "--warmup", "40", "--size", "1000",
                    "--keep-locks", Integer.toString(keepLocks)}, out));
        }
        String output = bytes.toString(StandardCharsets.UTF_8);
        List<String> latencies = output.lines().filter(l -> l.startsWith("write section")
                || l.startsWith("ping-pong")).toList();
        assertEquals(2, latencies.size(), output);
        for (String row : latencies) {
            assertTrue(row.matches(".*(\\s+\\d+\\.\\d\\d){3}\\s+[\\d,]+"), row);
        }
        List<String> throughput = output.lines().filter(l -> l.startsWith("4 KiB region")
                || l.startsWith("1 MiB region")).toList();
        assertEquals(2, throughput.size(), output);
        assertTrue(throughput.get(0).matches(".*\\s+200\\s+[\\d,]+\\s+\\d+\\.\\d\\d"), throughput.get(0));
        assertTrue(throughput.get(1).matches(".*\\s+10\\s+[\\d,]+\\s+\\d+\\.\\d\\d"), throughput.get(1));
        assertTrue(output.contains("regions of 1,000 bytes; " + (keepLocks == 1 ? "the home keeps locks"
                : "the home never keeps locks")), output);
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        assertEquals(2, DsmBench.run(new String[] {"--sections", "0"}, System.out));
        assertEquals(2, DsmBench.run(new String[] {"--warmup", "-1"}, System.out));
        assertEquals(2, DsmBench.run(new String[] {"--size", "4"}, System.out));
        assertEquals(2, DsmBench.run(new String[] {"--sections"}, System.out));
        assertEquals(2, DsmBench.run(new String[] {"--what"}, System.out));
        assertEquals(2, DsmBench.run(new String[] {"--keep-locks", "2"}, System.out));
        MainRun.assertUsageError(DsmBench::run, "jipc-bench dsm: --keep-locks must be 0 to 1: 2\n", "--keep-locks", "2");
        MainRun.assertHelpIsUsage(DsmBench::run, DsmBench.USAGE, "--help");
    }
}
