package io.jipc.cli.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Percentiles of intervals timed with a clock that advances in ticks of several nanoseconds
 * ({@link ClockTick}), estimated within the tick.
 *
 * <p>With the start of an interval at a random phase of the clock, an interval of {@code t} ns
 * between {@code k} and {@code k + 1} ticks is recorded as {@code k} ticks with probability
 * {@code k + 1 - t/tick} and as {@code k + 1} ticks otherwise. So the fraction of samples recorded
 * at or below {@code k} ticks estimates the fraction of true intervals below {@code k + 1/2} ticks,
 * and a percentile is found by interpolating linearly between those points. The estimate stays
 * within half a tick of the raw percentile; where the histogram's own buckets are a tick wide or
 * wider (long intervals), the raw value is returned.
 */
public final class TickPercentiles {
    private TickPercentiles() {
    }

    /**
     * The {@code percentile} (0-100) of {@code histogram}, whose values were timed with a clock of
     * {@code tick} ns, estimated within the tick; the raw percentile if {@code tick} is below 2 ns.
     */
    public static double valueAt(Histogram histogram, double percentile, double tick) {
        long raw = histogram.getValueAtPercentile(percentile);
        long total = histogram.getTotalCount();
        if (tick < 2 || total == 0 || histogram.sizeOfEquivalentValueRange(raw) >= tick) {
            return raw;
        }
        long step = Math.round(raw / tick);
        long below = 0;
        long at = 0;
        for (HistogramIterationValue v : histogram.recordedValues()) {
            long k = Math.round(v.getValueIteratedTo() / tick);
            if (k < step) {
                below += v.getCountAtValueIteratedTo();
            } else if (k == step) {
                at += v.getCountAtValueIteratedTo();
            } else {
                break;
            }
        }
        if (at == 0) {
            return raw;
        }
        double fraction = (percentile / 100.0 * total - below) / at;
        return step * tick - tick / 2 + tick * Math.max(0, Math.min(1, fraction));
    }
}
