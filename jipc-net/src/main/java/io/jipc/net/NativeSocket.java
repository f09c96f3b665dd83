package io.jipc.net;

import io.jipc.Selectable;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.jipc.ClosedException;
import io.jipc.platform.FdPoller;
import io.jipc.platform.Futex;
import io.jipc.platform.Libc;
import io.jipc.platform.Sockets;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A non-blocking kernel socket descriptor with a safe close, and blocking waits for readiness that
 * suit both kinds of thread.
 *
 * <p><b>Closing.</b> Every operation runs between {@link #enter()} and {@link #exit()}. {@link #close()}
 * marks the socket closed, shuts it down (which wakes every thread waiting on it, in any process's
 * view the connection ends) and wakes virtual waiters; the descriptor itself is released by whoever
 * leaves last, so a descriptor number is never reused while a thread of this socket still uses it.
 *
 * <p><b>Waiting.</b> A platform thread sleeps in {@code poll(2)} in slices of at most
 * {@link #SLICE_MILLIS}, so an interrupt is noticed within that, as in the library's other
 * platform-thread waits ({@link Futex#SLICE_NANOS}; docs/architecture.md, "Interrupts and
 * timeouts": {@link Thread#interrupt()} cannot reach a thread inside a system call); a virtual
 * thread parks (an interrupt unparks it at once) and the process's
 * {@link FdPoller} (one platform thread in {@code epoll_wait} for every descriptor of jipc that
 * somebody waits on) wakes it; {@link #close()} and the release of the descriptor cancel its
 * registration, the release before the descriptor is closed.
 */
final class NativeSocket implements AutoCloseable {
    /** Longest single {@code poll(2)} of a platform thread: the library's slice, 50 ms ({@link Futex#SLICE_NANOS}). */
    static final int SLICE_MILLIS = (int) TimeUnit.NANOSECONDS.toMillis(Futex.SLICE_NANOS);
    private static final int CLOSED = 1 << 30;

    final int fd;
    /** What messages call the socket; set again once a port-0 bind has its port. */
    volatile String subject;
    /** {@link #CLOSED} bit plus the number of operations in progress. */
    private final AtomicInteger state = new AtomicInteger();
    private final AtomicInteger released = new AtomicInteger();
    /**
     * Tests only: run by {@link #close()} right after it marked the socket closed, before it shuts it
     * down, to stand for the closer's preemption there. Null otherwise.
     */
    static volatile Runnable afterCloseMarked;

    NativeSocket(int fd, String subject) {
        this.fd = fd;
        this.subject = subject;
    }

    /** A new non-blocking socket. */
    static NativeSocket open(int domain, int type, String subject) {
        return new NativeSocket(Sockets.socket(domain, type), subject);
    }

    /** Starts an operation. @throws ClosedException if the socket is closed */
    void enter() {
        if ((state.getAndIncrement() & CLOSED) != 0) {
            exit();
            throw closed();
        }
    }

    /** Ends an operation; releases the descriptor if the socket was closed meanwhile and this was the last one. */
    void exit() {
        if (state.decrementAndGet() == CLOSED) {
            releaseOnce();
        }
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /**
     * This socket as a selector's readiness source for {@code operations}; {@code buffered} tells
     * whether input already read into the process waits to be received.
     *
     * @throws ClosedException if the socket is closed
     */
    Selectable.Descriptor readinessSource(int operations, BooleanSupplier buffered) {
        return readinessSource(operations, buffered, () -> Long.MAX_VALUE);
    }

    Selectable.Descriptor readinessSource(int operations, BooleanSupplier buffered, LongSupplier readableBy) {
        enter();
        exit();
        return Selectable.Descriptor.of(fd, operations, this::whileOpen, this::isClosed, buffered, readableBy);
    }

    /**
     * Runs {@code action} as an operation (the descriptor stays open, and its number names it, until
     * it returns); false, without running it, if the socket is closed. A selector's {@code epoll_ctl}
     * runs inside, so a close meanwhile never lets it add another file that got the number.
     */
    boolean whileOpen(Runnable action) {
        if ((state.getAndIncrement() & CLOSED) != 0) {
            exit();
            return false;
        }
        try {
            action.run();
            return true;
        } finally {
            exit();
        }
    }

    ClosedException closed() {
        return new ClosedException("socket " + subject + " is closed");
    }

    /**
     * Waits until the socket may be ready for {@code events} ({@link Sockets#POLLIN},
     * {@link Sockets#POLLOUT}) or the deadline passes ({@link System#nanoTime()} based,
     * {@link Long#MAX_VALUE} for none). Returns false once the deadline has passed. A true result
     * only means "retry the call".
     *
     * @throws ClosedException      if the socket was closed
     * @throws InterruptedException if the thread was interrupted
     */
    boolean await(int events, long deadlineNanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long remaining = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            return false;
        }
        if (Thread.currentThread().isVirtual()) {
            FdPoller.await(fd, events, deadlineNanos, this::isClosed);
        } else {
            long millis = Math.min(SLICE_MILLIS, TimeUnit.NANOSECONDS.toMillis(Math.min(remaining, Long.MAX_VALUE / 2)
                    + 999_999)); // rounded up: a sub-millisecond wait still sleeps
            Sockets.poll(fd, events, (int) millis);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (isClosed()) {
            throw closed();
        }
        return true;
    }

    /**
     * Closes the socket (idempotent): shuts it down at once, releases the descriptor once unused. The
     * close counts as an operation itself while it shuts the socket down, so that the descriptor it
     * names is still this socket's: otherwise a thread that left meanwhile could release it, and another
     * socket opened then, which got its number, would be shut down (until 2026-12-07 it could: an
     * endpoint never closed failed with {@code EPIPE}, a connection's peer read an end of stream).
     */
    @Override
    public void close() {
        int s;
        do {
            s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
        } while (!state.compareAndSet(s, (s + 1) | CLOSED));
        Runnable seam = afterCloseMarked;
        if (seam != null) {
            seam.run();
        }
        if (s != 0) {
            // threads are inside: wake them; the last one to leave (perhaps this close) releases the descriptor
            try {
                Sockets.shutdown(fd, Sockets.SHUT_RDWR);
            } catch (RuntimeException ignored) {
                // a socket that cannot be shut down (e.g. a listener in a strange state) is closed anyway
            }
            FdPoller.cancel(fd);
        }
        exit();
    }

    private void releaseOnce() {
        if (released.compareAndSet(0, 1)) {
            FdPoller.cancel(fd); // before the close: the number may be reused at once
            Libc.close(fd);
        }
    }
}
