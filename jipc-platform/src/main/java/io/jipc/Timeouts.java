package io.jipc;

import java.time.Duration;
import java.util.Objects;

/**
 * The one conversion of a caller's timeout into nanoseconds for a deadline: every timed operation
 * of jipc takes a {@link Duration}, which may be negative (treated as zero: try once) or far longer
 * than {@code long} nanoseconds hold (treated as about 146 years: no deadline in practice).
 */
public final class Timeouts {
    /** The longest timeout in nanoseconds: {@code System.nanoTime()} plus it cannot overflow. */
    public static final long MOST_NANOS = Long.MAX_VALUE / 2;
    /** The {@link #deadline} of a timeout of {@link #MOST_NANOS} or more: none. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private Timeouts() {
    }

    /**
     * {@code duration} as people write it, and as the {@code jipc} command takes it: {@code 300ms},
     * {@code 2s}, {@code 1500ms}, {@code 5m}, {@code 2h}, {@code 250us}, {@code 7ns} — the largest unit
     * that states it exactly, so nothing is rounded away (not ISO-8601's {@code PT0.3S}). For the
     * messages of exceptions that name a timeout.
     *
     * @throws NullPointerException if {@code duration} is null
     */
    public static String text(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            if (duration.getSeconds() == Long.MIN_VALUE) { // cannot be negated: in seconds, exactly
                return new java.math.BigDecimal(duration.getSeconds())
                        .add(java.math.BigDecimal.valueOf(duration.getNano(), 9)).stripTrailingZeros().toPlainString() + "s";
            }
            return "-" + text(duration.negated());
        }
        long seconds = duration.getSeconds();
        int nanos = duration.getNano();
        if (nanos == 0) {
            if (seconds != 0 && seconds % 3600 == 0) {
                return seconds / 3600 + "h";
            }
            return seconds != 0 && seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
        }
        try {
            long total = duration.toNanos();
            if (total % 1_000_000 == 0) {
                return total / 1_000_000 + "ms";
            }
            return total % 1_000 == 0 ? total / 1_000 + "us" : total + "ns";
        } catch (ArithmeticException tooLong) {
            return seconds + "." + String.format(java.util.Locale.ROOT, "%09d", nanos) + "s";
        }
    }

    /**
     * {@code timeout} in nanoseconds: 0 if negative, at most {@link #MOST_NANOS}.
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    public static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            return 0;
        }
        try {
            return Math.min(timeout.toNanos(), MOST_NANOS);
        } catch (ArithmeticException tooLong) {
            return MOST_NANOS;
        }
    }

    /**
     * The {@link System#nanoTime()} deadline {@code timeout} from now: now for a zero or negative
     * timeout (minus centuries too), {@link #NO_DEADLINE} for {@link #MOST_NANOS} (about 146 years)
     * or more.
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    public static long deadline(Duration timeout) {
        long nanos = nanos(timeout);
        return nanos >= MOST_NANOS ? NO_DEADLINE : System.nanoTime() + nanos;
    }
}
