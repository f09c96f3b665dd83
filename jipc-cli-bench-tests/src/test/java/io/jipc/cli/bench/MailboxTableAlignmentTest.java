package io.jipc.cli.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table of {@code jipc bench mailbox} keeps its columns aligned when a mechanism's label is wider
 * than the usual column ({@code mailbox spin-then-futex}, 23 characters, shifted its row and its
 * ratio line by one character).
 */
class MailboxTableAlignmentTest {
    private static BenchResult result(String label, long micros) {
        Histogram roundTrip = new Histogram(3);
        roundTrip.recordValue(micros * 1000);
        return new BenchResult(label, roundTrip, 1e6 / micros, 1e6, 64.0);
    }

    @Test
    void aLabelWiderThanTheColumnWidensItForEveryRow() {
        MailboxBench.Settings settings = new MailboxBench.Settings(64, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1000, 1 << 20, List.of(), true, false, false);
        String table = BenchReport.table(new MailboxBench.Report(settings, List.of(result("mailbox spin-then-futex", 5),
                result("mailbox futex", 20), result("pipe", 40)), Double.NaN, "test machine"));

        List<String> rows = table.lines().filter(line -> !line.contains(" RTT p50 = ") && (line.startsWith("mailbox ")
                || line.startsWith("pipe ") || line.startsWith("mechanism ") || line.contains("RTT p50  "))).toList();
        assertEquals(5, rows.size(), table);
        int rttEnd = rows.getFirst().indexOf("RTT p50") + "RTT p50".length();
        for (String row : rows) {
            assertEquals(rows.getFirst().length(), row.length(), "every row as wide as the heading:\n" + table);
        }
        assertEquals(rttEnd, rows.get(1).indexOf("(µs)") + "(µs)".length(), table);

        List<String> ratios = table.lines().filter(line -> line.contains(" RTT p50 = ")).toList();
        assertEquals(2, ratios.size(), table);
        for (String ratio : ratios) {
            assertEquals(ratios.getFirst().indexOf(" RTT p50 = "), ratio.indexOf(" RTT p50 = "), table);
        }
        assertTrue(ratios.getFirst().startsWith("mailbox spin-then-futex RTT p50 = "), table);
    }
}
