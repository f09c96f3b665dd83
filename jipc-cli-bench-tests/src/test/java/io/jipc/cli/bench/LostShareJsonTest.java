package io.jipc.cli.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The share of datagrams lost, in the JSON of {@code jipc bench} and {@code jipc bench sockets},
 * keeps the precision of their tables: a loss the table gives as {@code 0.04 %} is {@code 0.0004}
 * (it was {@code 0.000}).
 */
class LostShareJsonTest {
    @Test
    void allBenchJsonKeepsASmallLoss() {
        Histogram rtt = new Histogram(3);
        rtt.recordValue(20_000);
        MechanismResult udp = new MechanismResult(Mechanisms.byId("udp"), null, new BenchResult("UDP loopback", rtt,
                5e4, 0, 0), List.of(new Throughput(64, 3e5, 19.2, 0.0004)), List.of());
        AllBench.Settings settings = new AllBench.Settings(64, List.of(), AllBench.Timing.QUICK,
                List.of(udp.mechanism()));
        AllBench.Report report = new AllBench.Report(settings, List.of(udp), "test machine", 1);
        assertTrue(AllBenchReport.table(report).contains("0.04 % of the 64 B one-way messages were lost"),
                AllBenchReport.table(report));
        String json = AllBenchReport.json(report);
        assertTrue(json.contains("\"lostShare\": 0.0004}"), json);
    }

    @Test
    void socketBenchJsonKeepsASmallLoss() {
        SocketBench.Settings settings = new SocketBench.Settings(64, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1000, List.of(SocketBench.Transport.UDP));
        SocketBench.Report report = new SocketBench.Report(settings, List.of(), Map.of("udp loopback", 0.0004),
                "test machine");
        assertTrue(BenchReport.table(report).contains("one-way datagrams lost: 0.04 %"), BenchReport.table(report));
        String json = BenchReport.json(report);
        assertTrue(json.contains("\"lostShare\": {\"udp loopback\": 0.0004}"), json);
    }
}
