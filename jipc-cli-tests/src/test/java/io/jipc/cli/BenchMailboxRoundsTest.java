package io.jipc.cli;

import io.jipc.cli.bench.MiniJson;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench mailbox --rounds N}: N whole runs, each with its own peer process, then the
 * medians; as a table and as JSON. No figure or duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BenchMailboxRoundsTest {
    private static final String[] SHORT = {"bench", "mailbox", "--quick", "--rounds", "2", "--strategies", "spin",
            "--no-idle", "--no-features", "--messages", "200000", "--warmup", "100ms", "--max-warmup", "100ms",
            "--time", "200ms"};

    private static ChildJvm bench(String... extra) {
        String[] args = new String[SHORT.length + extra.length];
        System.arraycopy(SHORT, 0, args, 0, SHORT.length);
        System.arraycopy(extra, 0, args, SHORT.length, extra.length);
        return ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3)).args(args).start();
    }

    /** With the futex strategy too, whose ping-pong alternates with the pipe's in slices (the peer serves both in one thread). */
    @Test
    void eachRunHasItsTableThenTheMediansFollow() {
        try (ChildJvm bench = bench("--strategies", "futex")) {
            bench.assertSuccess(Duration.ofMinutes(3));
            String out = bench.output();
            assertTrue(out.contains("run 1 of 2: jipc bench mailbox"), out);
            assertTrue(out.contains("run 2 of 2: jipc bench mailbox"), out);
            String summary = out.substring(out.indexOf("jipc bench mailbox: medians of 2 runs"));
            assertTrue(summary.lines().anyMatch(l -> l.startsWith("mailbox spin ")), summary);
            assertTrue(summary.lines().anyMatch(l -> l.startsWith("pipe (FIFO) ")), summary);
            assertTrue(summary.contains("mailbox spin             RTT p50 / the pipe's, per run: "), summary);
            assertTrue(summary.lines().anyMatch(l -> l.startsWith("mailbox futex ")), summary);
            assertTrue(summary.contains("mailbox futex against the pipe in alternating slices, pairs of slices in which "
                    + "the mailbox's median was the lower, per run: "), summary);
            String firstRun = out.substring(out.indexOf("run 1 of 2"), out.indexOf("run 2 of 2"));
            assertTrue(firstRun.contains("mailbox futex and the pipe were measured in alternating slices of 20 ms (10 of each)"),
                    firstRun);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJsonHoldsBothRunsAndTheMedians() {
        try (ChildJvm bench = bench("--no-pipe", "--json")) {
            bench.assertSuccess(Duration.ofMinutes(3));
            String output = bench.output();
            Map<String, Object> json = (Map<String, Object>) MiniJson.parse(output.substring(output.indexOf("{\n")));
            List<Map<String, Object>> rounds = (List<Map<String, Object>>) json.get("rounds");
            assertEquals(2, rounds.size());
            for (Map<String, Object> round : rounds) {
                List<Map<String, Object>> results = (List<Map<String, Object>>) round.get("results");
                assertEquals(List.of("mailbox spin"), results.stream().map(r -> r.get("mechanism")).toList());
            }
            Map<String, Object> median = ((List<Map<String, Object>>) json.get("medians")).getFirst();
            assertEquals("mailbox spin", median.get("mechanism"));
            assertTrue((Double) median.get("messagesPerSecond") > 0, median.toString());
        }
    }

    @Test
    void noRoundsIsRefused() {
        CliRun run = jipc("bench", "mailbox", "--rounds", "0");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--rounds must be 1 or more: 0"), run.err());
    }
}
