package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.platform.FdPoller;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Owns one descriptor of a pipe end and closes it exactly once, never while another thread is
 * inside a call on it (so a closed number, reused by the kernel for another file, is never read or
 * written by mistake): operations {@link #acquire()} and {@link #release()} around their use;
 * {@link #close()} marks the handle closed and the last user closes the descriptor.
 *
 * <p>Virtual threads wait on the descriptor through the process's {@link FdPoller}
 * ({@link Readiness}). {@link #close()} cancels the descriptor's registration there after marking
 * the handle closed (its parked waiters are unparked at once and see the close), and again right
 * before the descriptor itself is closed: epoll watches the open file, which a child or a duplicate
 * may keep open after this close, so a registration left behind would be taken for one of a new
 * descriptor that gets the same number.
 *
 * <p>The descriptor is non-blocking while owned. For an adopted descriptor (inherited from a
 * parent), the status flags found are put back before closing, because {@code O_NONBLOCK} belongs to
 * the open file description, which other processes may share.
 */
final class FdHandle {
    private static final long CLOSED = 1L << 62;

    private final int fd;
    private final String subject;
    private final int restoreFlags;
    private final AtomicLong state = new AtomicLong();

    private FdHandle(int fd, String subject, int restoreFlags) {
        this.fd = fd;
        this.subject = subject;
        this.restoreFlags = restoreFlags;
    }

    /** Takes ownership of a descriptor jipc opened; makes it non-blocking. */
    static FdHandle own(int fd, String subject) {
        try {
            Pipes.setNonBlocking(fd, true, subject);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        return new FdHandle(fd, subject, -1);
    }

    /** Takes ownership of a descriptor as it is (such as a pidfd, which needs no flags). */
    static FdHandle ownAsIs(int fd, String subject) {
        return new FdHandle(fd, subject, -1);
    }

    /** Takes ownership of an inherited descriptor; its flags are restored on close. */
    static FdHandle adopt(int fd, String subject) {
        int flags = Pipes.setNonBlocking(fd, true, subject);
        return new FdHandle(fd, subject, flags);
    }

    int fd() {
        return fd;
    }

    String subject() {
        return subject;
    }

    /** Enters a call on the descriptor; throws {@link ClosedException} once closed. */
    int acquire() {
        long s = state.incrementAndGet();
        if ((s & CLOSED) != 0) {
            release();
            throw new ClosedException(subject + " is closed");
        }
        return fd;
    }

    void release() {
        if (state.decrementAndGet() == CLOSED) {
            closeNow();
        }
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /** Closes the descriptor now, or when the last thread inside a call leaves; idempotent. */
    void close() {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    closeNow();
                } else {
                    FdPoller.cancel(fd); // the threads inside may be waiting: open still, they see the close
                }
                return;
            }
        }
    }

    private void closeNow() {
        if (!state.compareAndSet(CLOSED, CLOSED | 1L << 61)) {
            return; // another thread got here first
        }
        try {
            if (restoreFlags >= 0) {
                Pipes.setStatusFlags(fd, restoreFlags, subject);
            }
        } finally {
            FdPoller.cancel(fd); // before the close: the number may be reused at once
            Libc.close(fd);
        }
    }
}
