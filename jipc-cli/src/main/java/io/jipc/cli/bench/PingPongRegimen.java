package io.jipc.cli.bench;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The warm-up and measurement of a ping-pong, shared by every mechanism measured so that all get
 * the same treatment (see also {@link OneWayRegimen}).
 *
 * <p>The warm-up lasts at least the configured time and continues, in 200 ms windows (a quarter of
 * the cap when that is shorter), until the median round trip of a window is within 5 % of the
 * previous window's (at most the cap given: 10 s in the commands unless {@code --max-warmup} says
 * otherwise). Windows and the measurement end at the first
 * exchange past their time, so a slow mechanism does not overrun them. Between
 * windows this thread sleeps 30 ms so that the JIT compiler threads of both processes get a core.
 * Then round trips are recorded in an HdrHistogram (3 significant digits) for the measured time,
 * and finally the stop message (-1) is exchanged.
 */
public final class PingPongRegimen {
    /** One ping-pong exchange: sends {@code sequence} and returns the sequence echoed back. */
    @FunctionalInterface
    public interface Exchange {
        long exchange(long sequence) throws Exception;
    }

    static final long WARMUP_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    static final long WARMUP_PAUSE_MILLIS = 30;

    private PingPongRegimen() {
    }

    /**
     * Warms up for at least {@code warmup} and at most {@code maxWarmup} (taken as at least
     * {@code warmup}), then measures for {@code measure}.
     */
    public static BenchResult measure(String label, Duration warmup, Duration maxWarmup, Duration measure,
                                      Exchange exchange) throws Exception {
        long maxWarmupNanos = Math.max(warmup.toNanos(), maxWarmup.toNanos());
        long windowNanos = Math.min(WARMUP_WINDOW_NANOS, Math.max(maxWarmupNanos / 4, 1));
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        Histogram window = new Histogram(TimeUnit.SECONDS.toNanos(10), 2);
        long sequence = 0;
        long warmStart = System.nanoTime();
        long minWarmEnd = warmStart + warmup.toNanos();
        double previousMedian = Double.NaN;
        while (true) {
            window.reset();
            long windowEnd = System.nanoTime() + windowNanos;
            long t1;
            do {
                long t0 = System.nanoTime();
                long echoed = exchange.exchange(sequence);
                t1 = System.nanoTime();
                window.recordValue(Math.min(t1 - t0, window.getHighestTrackableValue()));
                check(label, sequence++, echoed);
            } while (t1 - windowEnd < 0);
            double median = window.getValueAtPercentile(50);
            long now = System.nanoTime();
            boolean settled = Math.abs(median - previousMedian) <= 0.05 * previousMedian;
            if ((settled && now - minWarmEnd >= 0) || now - warmStart > maxWarmupNanos) {
                break;
            }
            previousMedian = median;
            Thread.sleep(WARMUP_PAUSE_MILLIS);
        }
        long start = System.nanoTime();
        long end = start + measure.toNanos();
        long measured = 0;
        long now;
        do {
            long t0 = System.nanoTime();
            long echoed = exchange.exchange(sequence);
            now = System.nanoTime();
            check(label, sequence++, echoed);
            histogram.recordValue(Math.min(now - t0, histogram.getHighestTrackableValue()));
            measured++;
        } while (now - end < 0);
        double seconds = (now - start) / 1e9;
        check(label, -1, exchange.exchange(-1));
        return new BenchResult(label, histogram, measured / seconds, 0, 0);
    }

    private static void check(String label, long sent, long echoed) {
        if (echoed != sent) {
            throw new IllegalStateException(label + ": echo of " + echoed + " for message " + sent);
        }
    }
}
