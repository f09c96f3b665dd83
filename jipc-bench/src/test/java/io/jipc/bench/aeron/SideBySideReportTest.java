package io.jipc.bench.aeron;

import io.jipc.cli.bench.BenchResult;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's layout and arithmetic, on made-up figures (no processes). */
class SideBySideReportTest {

    private static BenchResult result(String mechanism, long rttNanos, double rate) {
        Histogram h = new Histogram(1_000_000_000L, 3);
        h.recordValueWithCount(rttNanos, 1000);
        return new BenchResult(mechanism, h, rate, rate * 10, rate * 10 * 64 / 1e6);
    }

    /**
     * The p50 ratio as the JSON gives it: the percentiles are estimated within this machine's clock
     * tick ({@code BenchResult.roundTripMicros}), so 200 and 400 ns may come out as 0.201 and 0.399.
     */
    private static String p50Ratio(BenchResult jipc, BenchResult aeron) {
        return String.format(java.util.Locale.ROOT, "%.3f", jipc.roundTripMicros(50) / aeron.roundTripMicros(50));
    }

    /** A p50 of {@code nanos} as the table prints it: in µs, estimated within this machine's clock tick. */
    private static String micros(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f", result("any", nanos, 1).roundTripMicros(50));
    }

    /** The ratio of two such p50s as the table prints it ({@code 0.50x}, or {@code 0.51x} with a coarse tick). */
    private static String ratio(long nanos, long overNanos) {
        return String.format(java.util.Locale.ROOT, "%.2fx", result("any", nanos, 1).roundTripMicros(50)
                / result("any", overNanos, 1).roundTripMicros(50));
    }

    /** Round {@code number} with rates of 1, jipc first in odd rounds as {@code SideBySide} orders them. */
    private static SideBySideReport.Round round(int number, long jipcNanos, long aeronNanos) {
        return new SideBySideReport.Round(number, number % 2 == 1, result("jipc mailbox (spin)", jipcNanos, 1),
                result("aeron ipc", aeronNanos, 1));
    }

    private static SideBySideReport report(List<SideBySideReport.Round> rounds) {
        return new SideBySideReport(64, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(3), 1_000_000, "aeron config",
                "a machine", "0.1 0.2 0.3", "2026-01-01T00:00:00Z", rounds);
    }

    @Test
    void oneRoundHasBothRowsAndTheRatios() {
        BenchResult jipc = result("jipc mailbox (spin)", 200, 1_000_000);
        BenchResult aeron = result("aeron ipc", 400, 2_000_000);
        SideBySideReport r = report(List.of(new SideBySideReport.Round(1, true, jipc, aeron)));
        String table = r.table();
        assertTrue(table.contains("machine: a machine"), table);
        assertTrue(table.contains("ping-pong: 1.0 s warm-up (or more, until stable, at most 10.0 s) + 3.0 s measured"), table);
        assertTrue(table.contains("one-way: 1,000,000 messages after warm-up rounds of 250,000"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("jipc mailbox (spin)") && l.contains(micros(200))), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("aeron ipc") && l.contains(micros(400))), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("jipc / aeron") && l.contains(ratio(200, 400))), table);
        String json = r.json();
        assertTrue(json.contains("\"rounds\": 1"), json);
        assertTrue(json.contains("\"warmupSeconds\": 1.000,\n  \"maxWarmupSeconds\": 10.000,\n  \"measureSeconds\": 3.000"), json);
        assertTrue(json.contains("{\"id\": \"jipc\", \"round\": 1, \"order\": 1"), json);
        assertTrue(json.contains("{\"id\": \"aeron\", \"round\": 1, \"order\": 2"), json);
        assertTrue(json.contains("\"rttP50\": " + p50Ratio(jipc, aeron)), json);
        assertTrue(json.contains("\"messagesPerSecond\": 0.500"), json);
    }

    @Test
    void severalRoundsAddMedians() {
        SideBySideReport r = report(List.of(
                round(1, 200, 600),
                round(2, 600, 200),
                round(3, 300, 600)));
        String table = r.table();
        assertTrue(table.contains("3 rounds"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("jipc mailbox (spin) #2") && l.contains(micros(600))), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("jipc, median of 3") && l.contains(micros(300))), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("aeron, median of 3") && l.contains(micros(600))), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("jipc / aeron, medians") && l.contains(ratio(300, 600))), table);
        String json = r.json();
        assertEquals(6, json.lines().filter(l -> l.trim().startsWith("{\"id\"")).count(), json);
        assertTrue(json.contains("{\"id\": \"aeron\", \"round\": 2, \"order\": 1"), json);
        assertTrue(json.contains("\"rttP50\": " + p50Ratio(result("jipc", 300, 1), result("aeron", 600, 1))), json);
    }

    @Test
    void alternatingRoundsPairTheMechanismThatRunsTwiceInARow() {
        // order: jipc 200, aeron 600 | aeron 300, jipc 600 | jipc 300, aeron 600
        SideBySideReport r = report(List.of(
                round(1, 200, 600),
                round(2, 600, 300),
                round(3, 300, 600)));
        List<SideBySideReport.BackToBack> pairs = r.backToBack();
        assertEquals(2, pairs.size(), pairs.toString());
        assertEquals("aeron", pairs.get(0).mechanism());
        assertEquals(1, pairs.get(0).earlier());
        assertEquals(2, pairs.get(0).later());
        double half = result("any", 300, 1).roundTripMicros(50) / result("any", 600, 1).roundTripMicros(50);
        assertEquals(half, pairs.get(0).p50Ratio(), 1e-9); // 0.5, or a little more with a coarse clock tick
        assertEquals("jipc", pairs.get(1).mechanism());
        assertEquals(half, pairs.get(1).p50Ratio(), 1e-9);
        String table = r.table();
        assertTrue(table.contains("aeron #1|#2 " + ratio(300, 600) + ", jipc #2|#3 " + ratio(300, 600)), table);
        assertTrue(table.contains("same code measured twice: " + ratio(300, 600) + "-" + ratio(300, 600) + ";"), table);
        assertTrue(table.contains("the rounds' jipc / aeron p50 ratios: 0.3"), table);
        String json = r.json();
        assertTrue(json.contains("{\"mechanism\": \"aeron\", \"rounds\": [1, 2], \"rttP50Ratio\": "
                + String.format(java.util.Locale.ROOT, "%.3f", half)), json);
    }

    @Test
    void oneRoundHasNoBackToBackPair() {
        SideBySideReport r = report(List.of(new SideBySideReport.Round(1, true, result("jipc", 200, 1), result("aeron", 400, 1))));
        assertTrue(r.backToBack().isEmpty());
        assertTrue(r.json().contains("\"backToBack\": [],"), r.json());
        assertFalse(r.table().contains("twice in a row"), r.table());
    }

    @Test
    void interleavedMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(765.6, Interleaved.median(new double[] {784.9, 746.3}), 1e-9); // 2 measured blocks
        assertEquals(2.5, Interleaved.median(new double[] {4, 1, 3, 2}), 1e-9);
        assertEquals(3, Interleaved.median(new double[] {5, 1, 3}), 1e-9);
    }

    @Test
    void interleavedRatesKeepOneDecimalButShowAStarvedTransportIsNotZero() {
        assertEquals("13.5", Interleaved.millions(13_500_000));
        assertEquals("0.1", Interleaved.millions(50_000));
        assertEquals("0.041", Interleaved.millions(41_000));
        assertEquals("0.001", Interleaved.millions(1_000));
        assertEquals("0.0", Interleaved.millions(0));
    }
}
