package io.jipc.cli.bench;

import io.jipc.WaitStrategy;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summary of several runs of {@code jipc bench mailbox}: medians, ranges, ratios to the pipe, JSON. */
class RoundsReportTest {
    private static final MailboxBench.Settings SETTINGS = new MailboxBench.Settings(64, Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofSeconds(3), 1000, 1 << 20, List.of(WaitStrategy.SPIN), true, true,
            false);

    /** Round trips all of {@code nanos} (milliseconds: above any clock tick, so percentiles are the histogram's own). */
    private static Histogram rtt(long nanos) {
        Histogram h = new Histogram(3);
        h.recordValueWithCount(nanos, 1000);
        return h;
    }

    private static double p50Micros(long nanos) {
        return rtt(nanos).getValueAtPercentile(50) / 1000.0;
    }

    private static MailboxBench.Report run(long spinNanos, double spinRate, long pipeNanos, double idle) {
        return new MailboxBench.Report(SETTINGS, List.of(
                new BenchResult("mailbox spin", rtt(spinNanos), 1e9 / spinNanos, spinRate, spinRate * 64 / 1e6),
                new BenchResult("pipe (FIFO)", rtt(pipeNanos), 1e9 / pipeNanos, 0, 0)), idle, "test machine");
    }

    private static final List<MailboxBench.Report> THREE = List.of(
            run(5_000_000, 10e6, 20_000_000, 0.2),
            run(7_000_000, 30e6, 10_000_000, 0.1),
            run(6_000_000, 20e6, 30_000_000, 0.3));

    @Test
    void eachFigureGetsItsMedianAndRangeOverTheRuns() {
        String table = RoundsReport.table(THREE);
        assertTrue(table.startsWith("jipc bench mailbox: medians of 3 runs [lowest - highest]"), table);
        String spin = table.lines().filter(l -> l.startsWith("mailbox spin ")).findFirst().orElseThrow();
        assertTrue(spin.contains(String.format(Locale.ROOT, "%.2f [%.2f - %.2f]", p50Micros(6_000_000),
                p50Micros(5_000_000), p50Micros(7_000_000))), spin);
        assertTrue(spin.contains("20,000,000 [10,000,000 - 30,000,000]"), spin);
        String pipe = table.lines().filter(l -> l.startsWith("pipe (FIFO) ")).findFirst().orElseThrow();
        assertTrue(pipe.endsWith("-"), "the pipe has no one-way figure: " + pipe);
        assertTrue(table.lines().noneMatch(l -> l.endsWith(" ")), "no trailing blanks:\n" + table);
    }

    /** One run's table ({@code BenchReport}) gives both ratios too; the mean's from the rates, which can disagree with the p50's. */
    @Test
    void aSingleRunsTableGivesTheP50AndTheMeanRatioToThePipe() {
        MailboxBench.Report report = new MailboxBench.Report(SETTINGS, List.of(
                new BenchResult("mailbox futex", rtt(80_000_000), 1e9 / 70_000_000, 0, 0),
                new BenchResult("pipe (FIFO)", rtt(20_000_000), 1e9 / 100_000_000, 0, 0)), Double.NaN, "test machine");
        String line = BenchReport.table(report).lines().filter(l -> l.startsWith("mailbox futex ") && l.contains("pipe's"))
                .findFirst().orElseThrow();
        double p50 = p50Micros(80_000_000) / p50Micros(20_000_000);
        assertTrue(line.contains(String.format(Locale.ROOT, "RTT p50 = %.3f x the pipe's", p50)), line);
        assertTrue(line.endsWith("; mean RTT = 0.700 x the pipe's"), line);
    }

    /** --json prints the same figures: the ratios to the pipe too (they were missing until 2026-12-07). */
    @Test
    @SuppressWarnings("unchecked")
    void aSingleRunsJsonGivesTheRatiosToThePipeAsTheTableDoes() {
        MailboxBench.Report report = new MailboxBench.Report(SETTINGS, List.of(
                new BenchResult("mailbox futex", rtt(80_000_000), 1e9 / 70_000_000, 0, 0),
                new BenchResult("mailbox one-way", null, 0, 20e6, 20e6 * 64 / 1e6),
                new BenchResult("pipe (FIFO)", rtt(20_000_000), 1e9 / 100_000_000, 0, 0)), Double.NaN, "test machine");
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(BenchReport.json(report));
        double p50 = Double.parseDouble(String.format(Locale.ROOT, "%.3f", p50Micros(80_000_000) / p50Micros(20_000_000)));
        assertEquals(List.of(Map.of("mechanism", "mailbox futex", "rttP50", p50, "meanRtt", 0.7)), json.get("pipeRatios"));
        assertEquals(null, ((Map<String, Object>) MiniJson.parse(BenchReport.json(new MailboxBench.Report(SETTINGS,
                List.of(new BenchResult("mailbox spin", rtt(5_000_000), 2e8, 0, 0)), Double.NaN, "m")))).get("pipeRatios"));
    }

    /** The table and the JSON state the one-way mailbox's capacity (--capacity), which the rate depends on. */
    @Test
    @SuppressWarnings("unchecked")
    void aRunStatesItsOneWayMailboxCapacity() {
        assertTrue(BenchReport.table(THREE.getFirst()).contains("one-way: 1,000 messages through a mailbox of"
                + " 1,048,576 bytes\n"), BenchReport.table(THREE.getFirst()));
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(BenchReport.json(THREE.getFirst()));
        assertEquals(1048576.0, json.get("capacity"));
    }

    /** With a futex mailbox measured in slices alternating with the pipe's, the table, JSON and summary say how the slices compared. */
    @Test
    @SuppressWarnings("unchecked")
    void thePairingOfTheFutexMailboxWithThePipeIsReported() {
        List<MailboxBench.Report> runs = List.of(paired(7, 3), paired(2, 7), paired(10, 0));
        String table = BenchReport.table(runs.getFirst());
        assertTrue(table.contains("mailbox futex and the pipe were measured in alternating slices of 300 ms (10 of each): "
                + "the mailbox's median round trip was the lower in 7 of 10 pairs of slices, the pipe's in 3\n"), table);
        assertTrue(BenchReport.table(runs.get(1)).contains("the lower in 2 of 10 pairs of slices, the pipe's in 7 (1 equal)"));
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(BenchReport.json(runs.get(1)));
        assertEquals(Map.of("mechanism", "mailbox futex", "sliceSeconds", 0.3, "pairs", 10.0, "mailboxLower", 2.0,
                "pipeLower", 7.0), json.get("pipePairing"));
        assertTrue(RoundsReport.table(runs).contains("mailbox futex against the pipe in alternating slices, pairs of "
                + "slices in which the mailbox's median was the lower, per run: 7/10 2/10 10/10; in all 19 of 30\n"),
                RoundsReport.table(runs));
        assertEquals(null, ((Map<String, Object>) MiniJson.parse(BenchReport.json(THREE.getFirst()))).get("pipePairing"));
        assertTrue(RoundsReport.table(THREE).lines().noneMatch(l -> l.contains("alternating slices")));
    }

    private static MailboxBench.Report paired(int mailboxLower, int pipeLower) {
        return new MailboxBench.Report(SETTINGS, List.of(
                new BenchResult("mailbox futex", rtt(21_000_000), 1e9 / 21_000_000, 0, 0),
                new BenchResult("pipe (FIFO)", rtt(20_000_000), 1e9 / 20_000_000, 0, 0)), Double.NaN, "test machine",
                new MailboxBench.PipePairing("mailbox futex", Duration.ofMillis(300), 10, mailboxLower, pipeLower));
    }

    @Test
    void theRatiosToThePipeAreThoseOfEachRun() {
        String line = RoundsReport.table(THREE).lines().filter(l -> l.contains("the pipe's, per run")).findFirst()
                .orElseThrow();
        double r1 = p50Micros(5_000_000) / p50Micros(20_000_000);
        double r2 = p50Micros(7_000_000) / p50Micros(10_000_000);
        double r3 = p50Micros(6_000_000) / p50Micros(30_000_000);
        assertTrue(line.startsWith("mailbox spin "), line);
        assertTrue(line.contains(String.format(Locale.ROOT, "per run: %.3f %.3f %.3f; median %.3f", r1, r2, r3, r1)),
                line); // sorted: r3 (0.2) < r1 (0.25) < r2 (0.7)
        // the rates are exactly 1e9 / the round trip, so the mean ratios are 5/20, 7/10, 6/30
        assertTrue(line.endsWith("; mean RTT / the pipe's: 0.250 0.700 0.200; median 0.250"), line);
        assertTrue(RoundsReport.table(THREE).contains("used 0.200 % of a CPU (median; 0.100 - 0.300)"));
    }

    @Test
    void anEvenNumberOfRunsTakesTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, RoundsReport.median(new double[] {1, 2, 3, 4}));
        assertEquals(3.0, RoundsReport.median(new double[] {3}));
        String table = RoundsReport.table(THREE.subList(0, 2));
        assertTrue(table.contains("20,000,000 [10,000,000 - 30,000,000]"), table);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJsonHoldsEveryRunAndTheMedians() {
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(RoundsReport.json(THREE));
        assertEquals("mailbox", json.get("benchmark"));
        List<Map<String, Object>> rounds = (List<Map<String, Object>>) json.get("rounds");
        assertEquals(3, rounds.size());
        assertEquals("test machine", rounds.getFirst().get("machine"));
        List<Map<String, Object>> medians = (List<Map<String, Object>>) json.get("medians");
        assertEquals(List.of("mailbox spin", "pipe (FIFO)"), medians.stream().map(m -> m.get("mechanism")).toList());
        assertEquals(20e6, (Double) medians.getFirst().get("messagesPerSecond"), 1e-3);
        assertEquals(p50Micros(6_000_000), (Double) medians.getFirst().get("rttP50Micros"), 1e-3);
        assertEquals(null, medians.get(1).get("messagesPerSecond"), "the pipe has no one-way figure");
    }

    @Test
    void noRunsIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> RoundsReport.table(List.of()));
        assertThrows(IllegalArgumentException.class, () -> RoundsReport.json(List.of()));
    }
}
