package io.jipc.cli.bench;

import org.HdrHistogram.Histogram;

/**
 * One line of a benchmark report.
 *
 * @param mechanism     what was measured, e.g. {@code "mailbox spin"}
 * @param roundTrip     round-trip times in nanoseconds, or null if not measured
 * @param roundTripsPerSecond round trips per second during the measured ping-pong, or 0
 * @param messagesPerSecond one-way messages per second, or 0 if not measured
 * @param megabytesPerSecond one-way payload megabytes (10^6 bytes) per second, or 0
 */
public record BenchResult(String mechanism, Histogram roundTrip, double roundTripsPerSecond,
                          double messagesPerSecond, double megabytesPerSecond) {

    /**
     * A round-trip percentile in microseconds, or NaN if not measured; estimated within the tick of
     * this machine's clock ({@link TickPercentiles}), as every round trip was timed in this JVM.
     */
    public double roundTripMicros(double percentile) {
        return roundTrip == null ? Double.NaN
                : TickPercentiles.valueAt(roundTrip, percentile, ClockTick.nanos()) / 1000.0;
    }

    public BenchResult withThroughput(double messagesPerSecond, double megabytesPerSecond) {
        return new BenchResult(mechanism, roundTrip, roundTripsPerSecond, messagesPerSecond, megabytesPerSecond);
    }
}
