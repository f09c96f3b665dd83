package io.jipc.pipe;

import java.time.Duration;

/** Deadlines on {@link System#nanoTime()}: {@link #NONE} for "wait without limit", {@link #NOW} for "do not wait". */
final class Deadlines {
    static final long NONE = Long.MAX_VALUE;
    static final long NOW = Long.MIN_VALUE;
    private static final long CENTURY_NANOS = Duration.ofDays(36_500).toNanos();

    private Deadlines() {
    }

    /** The deadline {@code timeout} from now: {@link #NOW} for zero or negative, {@link #NONE} for a century or more. */
    static long after(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            return NOW;
        }
        if (timeout.compareTo(Duration.ofNanos(CENTURY_NANOS)) >= 0) {
            return NONE;
        }
        return System.nanoTime() + timeout.toNanos();
    }

    /** Nanoseconds left before the deadline (at most {@code cap}); 0 or less once it passed. */
    static long remaining(long deadline, long cap) {
        if (deadline == NONE) {
            return cap;
        }
        if (deadline == NOW) {
            return 0;
        }
        return Math.min(cap, deadline - System.nanoTime());
    }

    static boolean passed(long deadline) {
        return remaining(deadline, 1) <= 0;
    }
}
