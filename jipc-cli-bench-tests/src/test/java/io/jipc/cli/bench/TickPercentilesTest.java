package io.jipc.cli.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TickPercentilesTest {
    private static final int SAMPLES = 200_000;

    /** True intervals from {@code truth}, timed on a clock of {@code tick} ns started at a random phase. */
    private static Histogram timed(DoubleSupplier truth, double tick, Random random, double[] trueValues) {
        Histogram histogram = new Histogram(3);
        for (int i = 0; i < SAMPLES; i++) {
            double t = truth.getAsDouble();
            trueValues[i] = t;
            double phase = random.nextDouble() * tick;
            long measured = (long) (Math.floor((phase + t) / tick) * tick) + (random.nextInt(20) == 0 ? 1 : 0);
            histogram.recordValue(measured);
        }
        return histogram;
    }

    private static double truePercentile(double[] values, double percentile) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(percentile / 100 * sorted.length) - 1)];
    }

    @ParameterizedTest(name = "a constant {0} ns on a 10 ns clock")
    @ValueSource(doubles = {120, 121.5, 125, 128, 133.3, 139})
    void aConstantIntervalIsRecoveredWithinTheTick(double t) {
        Random random = new Random((long) (t * 10));
        Histogram h = timed(() -> t, 10, random, new double[SAMPLES]);
        double raw = h.getValueAtPercentile(50);
        double estimate = TickPercentiles.valueAt(h, 50, 10);
        assertEquals(t, estimate, 1.0, "raw p50 " + raw);
    }

    /**
     * The estimate assumes the density is even within a tick: near the median of a spread of a few
     * ticks that holds well; in the tails, where the density falls steeply, less so.
     */
    @ParameterizedTest(name = "p{1} of a spread around {0} ns")
    @CsvSource({"125, 50", "125, 90", "131, 50", "131, 99", "400, 50", "400, 99"})
    void percentilesOfASpreadAreRecovered(double mean, double percentile) {
        Random random = new Random((long) (mean * 1000 + percentile));
        double[] truth = new double[SAMPLES];
        Histogram h = timed(() -> Math.max(10, mean + random.nextGaussian() * mean / 15), 10, random, truth);
        double expected = truePercentile(truth, percentile);
        assertEquals(expected, TickPercentiles.valueAt(h, percentile, 10), percentile == 50 ? 1.5 : 3.5,
                "raw " + h.getValueAtPercentile(percentile));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void theEstimateStaysWithinHalfATickOfTheRawPercentile(long seed) {
        Random random = new Random(seed);
        Histogram h = new Histogram(3);
        int values = 1 + random.nextInt(2_000);
        for (int i = 0; i < values; i++) {
            h.recordValue(10L * (5 + random.nextInt(40)) + (random.nextBoolean() ? 1 : 0));
        }
        for (double p : new double[] {0, 1, 10, 50, 90, 99, 99.9, 100}) {
            double raw = h.getValueAtPercentile(p);
            double estimate = TickPercentiles.valueAt(h, p, 10);
            assertTrue(Math.abs(estimate - raw) <= 6, "p" + p + ": raw " + raw + ", estimate " + estimate);
        }
    }

    @Test
    void aNanosecondClockGivesTheRawPercentile() {
        Histogram h = new Histogram(3);
        for (int v = 100; v < 200; v++) {
            h.recordValue(v);
        }
        assertEquals(h.getValueAtPercentile(50), TickPercentiles.valueAt(h, 50, 1));
    }

    @Test
    void bucketsWiderThanTheTickGiveTheRawPercentile() {
        Histogram h = new Histogram(3);
        for (int i = 0; i < 1000; i++) {
            h.recordValue(50_000 + 10L * i); // buckets of 32 ns at 50 µs
        }
        assertEquals(h.getValueAtPercentile(50), TickPercentiles.valueAt(h, 50, 10));
    }

    @Test
    void anEmptyHistogramGivesZero() {
        assertEquals(0, TickPercentiles.valueAt(new Histogram(3), 50, 10));
    }
}
