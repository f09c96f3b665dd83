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

    /** The message that ends a ping-pong (echoed like any other). */
    public static final long STOP = -1;
    /**
     * The message {@link #measurePaired} exchanges on one side before it turns to the other (echoed
     * like any other), so that a peer serving both sides in one thread knows which to serve next.
     */
    public static final long SWITCH = -3;

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
        Run run = new Run(label, exchange);
        run.sequence = warmUp(label, exchange, 0, warmup, maxWarmup);
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        run.measureFor(measure.toNanos(), histogram, null);
        run.exchangeMarker(STOP);
        return new BenchResult(label, histogram, run.rate(), 0, 0);
    }

    /** The measured exchanges of one ping-pong: its next sequence number, how many so far, in how long. */
    private static final class Run {
        final String label;
        final Exchange exchange;
        long sequence;
        long count;
        long nanos;

        Run(String label, Exchange exchange) {
            this.label = label;
            this.exchange = exchange;
        }

        /**
         * Exchanges until {@code duration} nanoseconds have passed (ending at the first exchange past
         * it), recording each round trip into {@code histogram} and, unless null, into {@code also}.
         */
        void measureFor(long duration, Histogram histogram, Histogram also) throws Exception {
            long start = System.nanoTime();
            long end = start + duration;
            long now;
            do {
                long t0 = System.nanoTime();
                long echoed = exchange.exchange(sequence);
                now = System.nanoTime();
                check(label, sequence++, echoed);
                long rtt = Math.min(now - t0, histogram.getHighestTrackableValue());
                histogram.recordValue(rtt);
                if (also != null) {
                    also.recordValue(rtt);
                }
                count++;
            } while (now - end < 0);
            nanos += now - start;
        }

        /** Exchanges a marker ({@link #STOP}, {@link #SWITCH}), untimed. */
        void exchangeMarker(long marker) throws Exception {
            check(label, marker, exchange.exchange(marker));
        }

        /** Round trips per second over the measured exchanges. */
        double rate() {
            return count * 1e9 / nanos;
        }
    }

    /** One of the two ping-pongs of {@link #measurePaired}: its label and its exchange. */
    public record Side(String label, Exchange exchange) {
    }

    /**
     * The outcome of {@link #measurePaired}: each side's figures over all its slices, and how the
     * medians of the two compared slice pair by slice pair.
     *
     * @param first       the first side's round trips over all its measured slices
     * @param second      the second side's
     * @param slice       how long each slice lasted (each ends at the first exchange past it)
     * @param pairs       pairs of adjacent slices, one of each side
     * @param firstLower  pairs in which the first side's median round trip was the lower
     * @param secondLower pairs in which the second side's was the lower (the rest were equal)
     */
    public record Paired(BenchResult first, BenchResult second, Duration slice, int pairs, int firstLower,
                         int secondLower) {
    }

    /**
     * Two ping-pongs between the same processes, measured in alternating slices so that both see the
     * same states of the machine: each side warms up as {@link #measure} does (first one, then the
     * other), then {@code pairs} pairs of slices of {@code measure / pairs} each are measured, in the
     * order first-second, second-first, first-second, ... (so that neither side is always the one that
     * runs after a switch), and finally each side exchanges {@link #STOP}, the side measured last
     * first. Each side thus gets {@code measure} of measured time in all, as with {@link #measure}.
     * On a small VM whose state changes a round trip severalfold from one minute to the next, two
     * mechanisms measured one after the other compare states as much as mechanisms; slices of a
     * fraction of a second do not.
     *
     * <p>Both exchanges run in this thread. Before it turns from one side to the other (after the
     * first side's warm-up, and between slices of different sides) it exchanges {@link #SWITCH} on
     * the side it leaves, untimed; so the peer can serve both sides in one thread, as this process
     * does: echo on one side until {@code SWITCH} or {@code STOP}, then turn to the other, until
     * both have stopped.
     */
    public static Paired measurePaired(Side first, Side second, Duration warmup, Duration maxWarmup, Duration measure,
                                       int pairs) throws Exception {
        if (pairs < 1) {
            throw new IllegalArgumentException("pairs must be 1 or more: " + pairs);
        }
        Run[] runs = {new Run(first.label(), first.exchange()), new Run(second.label(), second.exchange())};
        runs[0].sequence = warmUp(first.label(), first.exchange(), 0, warmup, maxWarmup);
        runs[0].exchangeMarker(SWITCH);
        runs[1].sequence = warmUp(second.label(), second.exchange(), 0, warmup, maxWarmup);
        int current = 1;
        long sliceNanos = Math.max(1, measure.toNanos() / pairs);
        Histogram[] histograms = {new Histogram(TimeUnit.SECONDS.toNanos(10), 3),
                new Histogram(TimeUnit.SECONDS.toNanos(10), 3)};
        Histogram slice = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        int[] lower = new int[2];
        for (int pair = 0; pair < pairs; pair++) {
            long[] medians = new long[2];
            for (int k = 0; k < 2; k++) {
                int s = pair % 2 == 0 ? k : 1 - k;
                if (s != current) {
                    runs[current].exchangeMarker(SWITCH);
                    current = s;
                }
                slice.reset();
                runs[s].measureFor(sliceNanos, slice, histograms[s]);
                medians[s] = slice.getValueAtPercentile(50);
            }
            if (medians[0] != medians[1]) {
                lower[medians[0] < medians[1] ? 0 : 1]++;
            }
        }
        runs[current].exchangeMarker(STOP);
        runs[1 - current].exchangeMarker(STOP);
        return new Paired(new BenchResult(first.label(), histograms[0], runs[0].rate(), 0, 0),
                new BenchResult(second.label(), histograms[1], runs[1].rate(), 0, 0), Duration.ofNanos(sliceNanos),
                pairs, lower[0], lower[1]);
    }

    /**
     * The warm-up windows of {@link #measure} and {@link #measurePaired}, from {@code sequence};
     * returns the next sequence.
     */
    private static long warmUp(String label, Exchange exchange, long sequence, Duration warmup, Duration maxWarmup)
            throws Exception {
        long maxWarmupNanos = Math.max(warmup.toNanos(), maxWarmup.toNanos());
        long windowNanos = Math.min(WARMUP_WINDOW_NANOS, Math.max(maxWarmupNanos / 4, 1));
        Histogram window = new Histogram(TimeUnit.SECONDS.toNanos(10), 2);
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
                return sequence;
            }
            previousMedian = median;
            Thread.sleep(WARMUP_PAUSE_MILLIS);
        }
    }

    private static void check(String label, long sent, long echoed) {
        if (echoed != sent) {
            throw new IllegalStateException(label + ": echo of " + echoed + " for message " + sent);
        }
    }
}
