package io.jipc.pipe;

import java.time.Duration;
import java.util.Objects;

/**
 * Deadlines on {@link System#nanoTime()}: {@link #NONE} for "wait without limit", {@link #NOW} for
 * the at-once calls ("do not wait", and do not look at the interrupt status). A timed call's zero
 * or negative timeout is not {@link #NOW} but a deadline that has passed: such a call, unlike an
 * at-once one, throws {@link InterruptedException} when it cannot complete at once and the thread is
 * interrupted (docs/architecture.md, "Interrupts and timeouts"; {@link #interruptedAt}).
 */
final class Deadlines {
    static final long NONE = Long.MAX_VALUE;
    static final long NOW = Long.MIN_VALUE;
    private static final long CENTURY_NANOS = Duration.ofDays(36_500).toNanos();

    private Deadlines() {
    }

    /**
     * The deadline {@code timeout} from now: now for zero or negative (passed already), {@link #NONE}
     * for a century or more. Every public timed call passes its {@code timeout} here first.
     *
     * @throws NullPointerException naming {@code timeout} if it is null
     */
    static long after(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            return System.nanoTime();
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

    /**
     * At a timed call's {@code deadline}, with nothing done: throws if the thread is interrupted
     * (clearing the status), as it would while waiting. Not for {@link #NOW}: an at-once call never
     * looks at the interrupt status.
     */
    static void interruptedAt(long deadline) throws InterruptedException {
        if (deadline != NOW && Thread.interrupted()) {
            throw new InterruptedException();
        }
    }
}
