package io.jipc.bench.group;

import io.jipc.bench.MainRun;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc-bench group} with a few rounds and three members: a row of figures for each
 * operation, the peer processes gone afterwards and the group with its inboxes. No timing is
 * asserted.
 */
@ExtendWith(JipcTestExtension.class)
class GroupBenchSmokeTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void measuresEveryOperationAndLeavesNothingBehind() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            assertEquals(0, GroupBench.run(new String[] {"--members", "3", "--rounds", "300", "--warmup", "100",
                    "--messages", "2000", "--size", "100"}, out));
        }
        String output = bytes.toString(StandardCharsets.UTF_8);
        List<String> latencies = output.lines().filter(l -> l.startsWith("barrier") || l.startsWith("allReduce")
                || l.startsWith("send/receive")).toList();
        assertEquals(3, latencies.size(), output);
        for (String row : latencies) {
            assertTrue(row.matches(".*(\\s+\\d+\\.\\d\\d){4}\\s+[\\d,]+"), row);
        }
        List<String> broadcast = output.lines().filter(l -> l.startsWith("broadcast to 2 members")).toList();
        assertEquals(1, broadcast.size(), output);
        assertTrue(broadcast.getFirst().matches(".*\\s+2,000\\s+[\\d,]+\\s+\\d+\\.\\d"), broadcast.getFirst());
        for (String directory : List.of("mailbox", "group")) {
            Path path = JipcTestExtension.root().resolve(directory);
            if (Files.exists(path)) {
                try (Stream<Path> left = Files.list(path)) {
                    assertEquals(List.of(), left.toList(), directory);
                }
            }
        }
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        assertEquals(2, GroupBench.run(new String[] {"--members", "1"}, System.out));
        assertEquals(2, GroupBench.run(new String[] {"--rounds", "0"}, System.out));
        assertEquals(2, GroupBench.run(new String[] {"--rounds"}, System.out));
        assertEquals(2, GroupBench.run(new String[] {"--what"}, System.out));
    }

    @Test
    void helpIsTheUsageAndABadValueNamesItsOption() throws Exception {
        MainRun.assertHelpIsUsage(GroupBench::run, GroupBench.USAGE, "-h");
        MainRun.assertUsageError(GroupBench::run, "jipc-bench group: --messages must be at least 1: 0\n", "--messages", "0");
        MainRun.assertUsageError(GroupBench::run, "unknown option '--what'\n" + GroupBench.USAGE, "--what", "1");
    }
}
