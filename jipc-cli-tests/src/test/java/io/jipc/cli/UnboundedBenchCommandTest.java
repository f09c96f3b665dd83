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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench --quick --only mailbox-unbounded --json} and {@code jipc bench mailbox --quick
 * --json} in a child JVM (which starts its own peer JVM): the unbounded mailbox is measured like the
 * other mechanisms, at every size, with its traits. The extension fails the test if a run leaves a
 * control or segment file behind. No figure or duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UnboundedBenchCommandTest {

    @Test
    @SuppressWarnings("unchecked")
    void theUnboundedMailboxIsMeasuredAtEverySize() {
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args("bench", "--quick", "--only", "mailbox-unbounded", "--extra-sizes", "4096,1048576", "--json")
                .start()) {
            bench.assertSuccess(Duration.ofMinutes(3));
            String output = bench.output();
            Map<String, Object> json = (Map<String, Object>) MiniJson.parse(output.substring(output.indexOf("{\n")));
            List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
            assertEquals(1, results.size());
            Map<String, Object> r = results.getFirst();
            assertEquals("mailbox-unbounded", r.get("id"));
            assertNull(r.get("problem"), () -> "problem: " + r);
            Map<String, Object> rtt = (Map<String, Object>) r.get("rttMicros");
            assertInstanceOf(Double.class, rtt.get("p50"));
            List<Map<String, Object>> oneWay = (List<Map<String, Object>>) r.get("oneWay");
            assertEquals(List.of(64.0, 4096.0, 1048576.0), oneWay.stream().map(t -> t.get("size")).toList());
            oneWay.forEach(t -> assertTrue((Double) t.get("messagesPerSecond") > 0, t.toString()));
            assertEquals("until destroyed", r.get("persistence"));
        }
    }

    /** {@code jipc bench mailbox}: the unbounded mailbox is the last feature row, measured both ways. */
    @Test
    @SuppressWarnings("unchecked")
    void benchMailboxHasAnUnboundedRow() {
        try (ChildJvm bench = ChildJvm.builder(Main.class).quickStart().hardTimeout(Duration.ofMinutes(3))
                .args("bench", "mailbox", "--quick", "--strategies", "futex", "--no-pipe", "--no-idle",
                        "--messages", "200000", "--warmup", "100ms", "--max-warmup", "100ms", "--time", "200ms",
                        "--json")
                .start()) {
            bench.assertSuccess(Duration.ofMinutes(3));
            String output = bench.output();
            Map<String, Object> json = (Map<String, Object>) MiniJson.parse(output.substring(output.indexOf("{\n")));
            List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
            Map<String, Object> r = results.getLast();
            assertEquals("mailbox unbounded", r.get("mechanism"), results.toString());
            assertInstanceOf(Double.class, ((Map<String, Object>) r.get("rttMicros")).get("p50"));
            assertTrue((Double) r.get("messagesPerSecond") > 0, r.toString());
        }
    }
}
