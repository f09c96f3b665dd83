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

    private Timeouts() {
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
}
