package io.jipc.pipe;

import io.jipc.platform.FdPoller;
import io.jipc.platform.Pipes;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until the descriptor of a pipe end (or a child's pidfd) is ready ({@code poll(2)} events).
 *
 * <ul>
 * <li>A <b>platform thread</b> sleeps in {@code poll} itself, at most {@link #SLICE_NANOS} at a time,
 *     so that an interrupt or a close by another thread is noticed within a slice.</li>
 * <li>A <b>virtual thread</b> must not sleep in a native call (it would pin its carrier): it parks
 *     while the process's one {@link FdPoller} thread watches the descriptor, until the descriptor
 *     is ready, the thread is interrupted (at once; the status stays set), the deadline passes, or
 *     the handle is closed ({@link FdHandle#close()} cancels the registration, which unparks it at
 *     once). No slices: nothing needs looking at again while it is parked.</li>
 * </ul>
 * Who may call: a thread inside a call on the handle ({@link FdHandle#acquire()}d, so the descriptor
 * stays open for the whole wait). Callers loop: re-try their operation, check closing, interruption
 * and their deadline, and call {@link #await} again. A return says "worth re-trying", never "ready".
 */
final class Readiness {
    /** Longest single wait of a platform thread; bounds how late it notices a close or an interrupt. */
    static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private Readiness() {
    }

    /**
     * Waits until the descriptor of {@code handle} has one of {@code events}, at most until the
     * deadline ({@link Deadlines}; a platform thread at most one slice); a close of the handle by
     * another thread ends the wait of a virtual thread at once.
     *
     * @throws io.jipc.ErrnoException if the poller cannot watch the descriptor
     */
    static void await(FdHandle handle, short events, long deadline) {
        if (Thread.currentThread().isVirtual()) {
            if (Deadlines.remaining(deadline, 1) > 0) {
                FdPoller.await(handle.fd(), events, deadline == Deadlines.NONE ? FdPoller.FOREVER : deadline,
                        handle::isClosed);
            }
            return;
        }
        long slice = Deadlines.remaining(deadline, SLICE_NANOS);
        if (slice > 0) {
            Pipes.poll(handle.fd(), events, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(slice)));
        }
    }

    /**
     * Parks for one slice, at most until the deadline; an interrupt ends it at once (the status
     * stays set). For a wait with nothing to watch (a child without a pidfd, checked each slice).
     */
    static void pause(long deadline) {
        long slice = Deadlines.remaining(deadline, SLICE_NANOS);
        if (slice > 0) {
            LockSupport.parkNanos(Readiness.class, slice);
        }
    }
}
