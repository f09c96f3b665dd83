package io.jipc.mailbox;

import java.util.concurrent.locks.LockSupport;

/**
 * The wait of one send of an {@link UnboundedMailbox} for a sender slot of its segment, which has
 * room but whose every slot is held (the ring's at-once look found none): naps growing from 10 µs
 * to 1 ms, for at most a bound per segment (the mailbox's dead-sender timeout), after which the
 * send appends a newer segment instead. A slot held by a live sender comes back within
 * microseconds; one held by a sender killed mid-send only once a receiver has skipped its claim,
 * which with no receiver running is never: without the bound the send waited for ever.
 *
 * <p>One instance per send, made when it first has to wait; used by its thread only. Nothing is
 * shared, so there are no memory effects. An interrupted thread does not wait (its interrupt
 * status is kept): the send appends at once, as it does once the bound has passed.
 */
final class SlotWait {
    private static final long NAP_MIN_NANOS = 10_000;
    private static final long NAP_MAX_NANOS = 1_000_000;

    private final long boundNanos;
    /** The segment whose slots the send waits for since {@link #since}; -1 before the first wait. */
    private long segment = -1;
    private long since;
    private long napNanos;

    /** A wait of at most {@code boundNanos} (positive) per segment. */
    SlotWait(long boundNanos) {
        this.boundNanos = boundNanos;
    }

    /**
     * Naps once (at most until the bound) while every slot of segment {@code index} is held, and
     * returns true: the caller looks again. Returns false at once if the send has waited for a
     * slot of that segment for the bound already, or its thread is interrupted (the status stays
     * set): the caller then moves on to a newer segment. A wait for another segment than the last
     * call's starts afresh.
     */
    boolean napFor(long index) {
        if (Thread.currentThread().isInterrupted()) {
            return false;
        }
        long now = System.nanoTime();
        if (index != segment) {
            segment = index;
            since = now;
            napNanos = NAP_MIN_NANOS;
        }
        long left = boundNanos - (now - since);
        if (left <= 0) {
            return false;
        }
        LockSupport.parkNanos(this, Math.min(napNanos, left));
        napNanos = Math.min(2 * napNanos, NAP_MAX_NANOS);
        return true;
    }
}
