package io.jipc.bench.rpc;

import io.jipc.bench.MainRun;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc-bench rpc} with a few calls: a row of figures for each transport, the server process
 * gone afterwards and its names with it. No timing is asserted.
 */
@ExtendWith(JipcTestExtension.class)
class RpcBenchSmokeTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void measuresBothTransportsAndLeavesNothingBehind() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            assertEquals(0, RpcBench.run(new String[] {"--calls", "300", "--warmup", "100", "--size", "100"}, out));
        }
        String output = bytes.toString(StandardCharsets.UTF_8);
        List<String> rows = output.lines().filter(l -> l.startsWith("mailbox (shared memory)") || l.startsWith("TCP loopback"))
                .toList();
        assertEquals(2, rows.size(), output);
        for (String row : rows) {
            assertTrue(row.matches(".*(\\s+\\d+\\.\\d\\d){4}\\s+[\\d,]+"), row);
        }
        try (Stream<java.nio.file.Path> left = Files.list(JipcTestExtension.root().resolve("mailbox"))) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        assertEquals(2, RpcBench.run(new String[] {"--calls", "0"}, System.out));
        assertEquals(2, RpcBench.run(new String[] {"--what"}, System.out));
    }

    @Test
    void helpIsTheUsageAndABadValueNamesItsOption() throws Exception {
        MainRun.assertHelpIsUsage(RpcBench::run, RpcBench.USAGE, "--help");
        MainRun.assertUsageError(RpcBench::run, "jipc-bench rpc: --size must be 0 to 32768: 40000\n", "--size", "40000");
        MainRun.assertUsageError(RpcBench::run, "--calls: not an integer: 'x'\n" + RpcBench.USAGE, "--calls", "x");
    }
}
