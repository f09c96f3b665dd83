package io.jipc.cli.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The warm-up and measurement of a one-way throughput run, shared by every mechanism measured so
 * that all get the same treatment: rounds of warm-up messages until the rate of a round is within
 * 5 % of the previous round's (at least the minimum warm-up time, at most the cap given,
 * pausing briefly between rounds so that the JIT compiler threads get a core), then one measured
 * round.
 *
 * <p>Round protocol with the receiving peer: messages whose first 8 bytes count up from 0; a
 * message numbered {@link #END_OF_ROUND} ends a round (the peer acknowledges it), one numbered
 * {@link #END_OF_PHASE} ends the phase.
 */
public final class OneWayRegimen {
    /** First 8 bytes of the message that ends a round. */
    public static final long END_OF_ROUND = -2;
    /** First 8 bytes of the message that ends the one-way phase. */
    public static final long END_OF_PHASE = -1;

    private static final long PAUSE_MILLIS = 30;

    /** Sends one round: {@code count} messages, then {@link #END_OF_ROUND}; returns once acknowledged. */
    @FunctionalInterface
    public interface Round {
        void run(long count) throws Exception;
    }

    private OneWayRegimen() {
    }

    /**
     * Warms up with rounds of {@code warmCount} messages for at least {@code minWarmup} and at most
     * {@code maxWarmup} (taken as at least {@code minWarmup}), then measures a round of
     * {@code measuredCount}; returns {messages per second, payload megabytes (10^6) per second}.
     */
    public static double[] measure(Round round, long warmCount, long measuredCount, Duration minWarmup,
                                   Duration maxWarmup, int size) throws Exception {
        long maxWarmupNanos = Math.max(minWarmup.toNanos(), maxWarmup.toNanos());
        long warmStart = System.nanoTime();
        double previous = Double.NaN;
        while (true) {
            long t0 = System.nanoTime();
            round.run(warmCount);
            long now = System.nanoTime();
            double rate = warmCount * 1e9 / (now - t0);
            boolean settled = Math.abs(rate - previous) <= 0.05 * previous;
            if ((settled && now - warmStart >= minWarmup.toNanos()) || now - warmStart >= maxWarmupNanos) {
                break;
            }
            previous = rate;
            Thread.sleep(PAUSE_MILLIS);
        }
        long start = System.nanoTime();
        round.run(measuredCount);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new double[] {measuredCount / seconds, measuredCount * (double) size / seconds / 1e6};
    }

    /**
     * Measures for about {@code measure} of wall time, whatever the rate: warm-up rounds start with
     * 4 messages and grow fourfold while a round takes less than 20 ms (a first round of many
     * messages would take seconds on a mechanism that does ten thousand a second, such as a
     * rendezvous or a remote mailbox, and overrun the time budget); then, once the rate of a round
     * is within 5 % of the previous one (after at least {@code minWarmup}, at most
     * {@code maxWarmup}), one round of as many messages as the last rate gives in {@code measure}.
     * Returns {messages per second, payload megabytes (10^6) per second, messages of the measured round}.
     */
    public static double[] measureFor(Round round, int size, Duration minWarmup, Duration maxWarmup, Duration measure)
            throws Exception {
        long count = 4;
        long warmStart = System.nanoTime();
        double previous = Double.NaN;
        double rate;
        while (true) {
            long t0 = System.nanoTime();
            round.run(count);
            long now = System.nanoTime();
            rate = count * 1e9 / Math.max(1, now - t0);
            boolean tooShort = now - t0 < TimeUnit.MILLISECONDS.toNanos(20);
            boolean settled = !tooShort && Math.abs(rate - previous) <= 0.05 * previous;
            if ((settled && now - warmStart >= minWarmup.toNanos()) || now - warmStart > maxWarmup.toNanos()) {
                break;
            }
            if (tooShort) {
                count *= 4;
                previous = Double.NaN;
            } else {
                previous = rate;
            }
        }
        long measured = Math.max(4, (long) Math.min(rate * measure.toNanos() / 1e9, Long.MAX_VALUE / 2));
        long start = System.nanoTime();
        round.run(measured);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new double[] {measured / seconds, measured * (double) size / seconds / 1e6, measured};
    }
}
