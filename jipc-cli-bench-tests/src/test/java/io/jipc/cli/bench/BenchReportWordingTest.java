package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How {@code jipc bench mailbox} words a mechanism's round trip against the pipe's. */
class BenchReportWordingTest {
    @Test
    void aRatioBelowOneIsFasterAboveOneSlower() {
        assertEquals("4.1 x faster", BenchReport.comparison(0.246));
        assertEquals("33.6 x slower", BenchReport.comparison(33.611)); // it said "0.0 x faster"
        assertEquals("1.1 x slower", BenchReport.comparison(1.12));
    }

    @Test
    void aFactorThatRoundsToOneIsAsFast() {
        assertEquals("as fast", BenchReport.comparison(1.0));
        assertEquals("as fast", BenchReport.comparison(1.018));
        assertEquals("as fast", BenchReport.comparison(0.97));
    }

    @Test
    void noRatioIsNotComparable() {
        assertEquals("not comparable", BenchReport.comparison(Double.NaN));
        assertEquals("not comparable", BenchReport.comparison(0));
        assertEquals("not comparable", BenchReport.comparison(Double.POSITIVE_INFINITY));
    }

    @Test
    void secondsInTheTablesReadAsInTheJson() {
        // --quick measures each ping-pong of jipc bench for 0.25 s; the table said "0.3 s", the JSON 0.250
        assertEquals("0.25", BenchReport.seconds(Duration.ofMillis(250)));
        assertEquals("1.0", BenchReport.seconds(Duration.ofSeconds(1)));
        assertEquals("1.5", BenchReport.seconds(Duration.ofMillis(1500)));
        assertEquals("0.001", BenchReport.seconds(Duration.ofMillis(1)));
        assertEquals("3.0", BenchReport.seconds(Duration.ofSeconds(3)));
    }
}
