package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench mailbox --capacity}: the run's figures name the ring the one-way mailbox really
 * has (rounded up to a power of two), and the space the run needs is that of its largest mailbox,
 * the 4-priority phase's (a ring per level) when the features are measured.
 */
class MailboxCapacityTest {
    private static MailboxBench.Settings settings(long capacity, boolean features) {
        return new MailboxBench.Settings(64, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 1000,
                capacity, List.of(), false, false, features);
    }

    @Test
    void theReportNamesTheRoundedUpCapacity() {
        MailboxBench.Settings s = settings(100_000_000, false);
        assertEquals(134_217_728, s.oneWayCapacity());
        MailboxBench.Report report = new MailboxBench.Report(s, List.of(), Double.NaN, "test machine");
        String json = BenchReport.json(report);
        assertTrue(json.contains("\"capacity\": 134217728,"), json);
        String table = BenchReport.table(report);
        assertTrue(table.contains("through a mailbox of 134,217,728 bytes"), table);
    }

    @Test
    void theFeaturesNeedFourRingsTheOthersOne() {
        assertEquals(4L * 134_217_728, settings(100_000_000, true).largestMailboxBytes());
        assertEquals(134_217_728, settings(100_000_000, false).largestMailboxBytes());
        assertEquals(4L * (1 << 20), settings(1 << 20, true).largestMailboxBytes());
    }
}
