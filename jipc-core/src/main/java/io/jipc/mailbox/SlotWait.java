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
 * <p>An interrupted thread waits less: it looks again for {@value #INTERRUPTED_LOOK_NANOS} ns
 * (spinning, then yielding: a park would return at once), long enough for a running live sender's
 * slot to come back (not for one descheduled while it holds it: a loaded host can still cost a
 * needless segment), and then the send appends at once, keeping the interrupt status. If the ceiling
 * then forbids the append, the send waits on through the interrupt ({@link #napThroughInterrupt}),
 * up to the bound, before it reports the ceiling: a segment it does not need yet must not make it
 * fail. (Until 2026-12-07 an interrupted send appended at once, and a slot held for a moment by
 * a live sender, with an interrupt status left set, cost a needless segment, or at the ceiling a
 * send refused though its segment had room.)
 *
 * <p>One instance per send, made when it first has to wait; used by its thread only. Nothing is
 * shared, so there are no memory effects.
 */
final class SlotWait {
    private static final long NAP_MIN_NANOS = 10_000;
    private static final long NAP_MAX_NANOS = 1_000_000;
    /** How long an interrupted thread looks again (spins and yields) before its send appends. */
    static final long INTERRUPTED_LOOK_NANOS = 100_000;

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
     * slot of that segment for the bound already, or its thread is interrupted and has looked again
     * for {@link #INTERRUPTED_LOOK_NANOS} (the status stays set): the caller then moves on to a
     * newer segment. A wait for another segment than the last call's starts afresh.
     */
    boolean napFor(long index) {
        long waited = start(index);
        if (waited >= boundNanos) {
            return false;
        }
        if (Thread.currentThread().isInterrupted()) {
            if (waited >= INTERRUPTED_LOOK_NANOS) {
                return false;
            }
            if (waited < INTERRUPTED_LOOK_NANOS / 2) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            return true;
        }
        nap(waited);
        return true;
    }

    /**
     * As {@link #napFor}, but an interrupt does not shorten the wait (the status is cleared for the
     * nap and set again after it): for a send whose append the ceiling refused, which may fail
     * only once the slots stayed held for the bound.
     */
    boolean napThroughInterrupt(long index) {
        long waited = start(index);
        if (waited >= boundNanos) {
            return false;
        }
        boolean interrupted = Thread.interrupted();
        try {
            nap(waited);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
    }

    /** How long the send has waited for a slot of segment {@code index} (0 on the first call for it). */
    private long start(long index) {
        long now = System.nanoTime();
        if (index != segment) {
            segment = index;
            since = now;
            napNanos = NAP_MIN_NANOS;
        }
        return now - since;
    }

    private void nap(long waited) {
        LockSupport.parkNanos(this, Math.min(napNanos, boundNanos - waited));
        napNanos = Math.min(2 * napNanos, NAP_MAX_NANOS);
    }
}
