package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.FdPoller;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;

import java.util.HashMap;
import java.util.Map;
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
 * <p>The descriptor is non-blocking while owned. {@code O_NONBLOCK} belongs to the open file
 * description, which other processes may share, so an adopted descriptor (inherited from a parent) is
 * not made non-blocking itself: the handle owns a new, private description of the same pipe
 * ({@link #reopen}) and keeps the inherited descriptor, untouched, until it closes both. Only if the
 * pipe cannot be reopened does it make the inherited descriptor non-blocking and put the flags found
 * back before closing it (which a process that dies first never does).
 *
 * <p>Linux reports no {@code POLLHUP} on a description of a named FIFO that was opened without
 * waiting while the FIFO had no writer, until a writer opens it again ("suppress EPOLLHUP until we
 * have seen a writer"). So the private description of a FIFO whose writers all left before the adopt
 * does not show the end of file that the inherited one (opened when a writer came) shows; such a
 * handle asks the inherited descriptor ({@link #endOfFileOnInherited()}), until the next writer
 * opens the FIFO and the private description shows end of file again by itself. A new description
 * for a child ({@code Spawner}) hides it the same way, so a child is then given the kept one
 * ({@link #keptShowingEndOfFile}). For that, the read end of a FIFO this process opened
 * ({@link #ownFifoReadEnd}) is kept too, blocking, as an adopted one is.
 *
 * <p>A descriptor number is adopted by one handle at a time ({@link #adopt} refuses a second, see
 * there): two handles that both closed the number would close, the second time, whatever file the
 * kernel gave that number meanwhile. The number is released once its handle has closed it.
 */
final class FdHandle {
    private static final long CLOSED = 1L << 62;

    /**
     * The descriptor numbers adopted ({@link #adopt}) and not yet closed, with their handles; guarded
     * by itself, also across an adopt and across the close of an adopted number, so that a number
     * is held from before the adopt looks at it until after it is closed.
     */
    private static final Map<Integer, Adoption> ADOPTED = new HashMap<>();

    /**
     * The pipe and FIFO descriptors jipc opened that a handle holds (its own descriptor; the one a
     * FIFO reader keeps), with that handle; guarded by {@link #ADOPTED}, also across their close, so
     * that {@link #adopt} refuses such a number while it is the handle's (two handles would close it).
     */
    private static final Map<Integer, FdHandle> OWNED = new HashMap<>();

    /**
     * The handles that adopted one descriptor: a reader, a writer, or (of an {@code O_RDWR}
     * descriptor, each through a description of its own) both; the last to close closes it.
     */
    private static final class Adoption {
        /** Whether a handle of the other direction may join: {@code O_RDWR}, and reopened. */
        private final boolean shareable;
        private FdHandle reader;
        private FdHandle writer;

        private Adoption(boolean shareable) {
            this.shareable = shareable;
        }

        private FdHandle holder() {
            return reader != null ? reader : writer;
        }
    }

    private final int fd;
    private final String subject;
    private final int restoreFlags;
    /** The inherited descriptor an adopted handle keeps open beside its private one, or -1. */
    private final int inherited;
    /**
     * Whether, at the adopt, the inherited read end showed end of file ({@code POLLHUP}) and the
     * private one did not: a FIFO whose writers all left before the adopt.
     */
    private final boolean endOfFileHidden;
    /** The number this handle adopted ({@link #ADOPTED}): {@link #inherited}, or {@link #fd} if not reopened; else -1. */
    private final int adopted;
    private final AtomicLong state = new AtomicLong();

    private FdHandle(int fd, String subject, int restoreFlags, int inherited) {
        this(fd, subject, restoreFlags, inherited, false, -1);
    }

    private FdHandle(int fd, String subject, int restoreFlags, int inherited, boolean endOfFileHidden, int adopted) {
        this.fd = fd;
        this.subject = subject;
        this.restoreFlags = restoreFlags;
        this.inherited = inherited;
        this.endOfFileHidden = endOfFileHidden;
        this.adopted = adopted;
    }

    /** Takes ownership of a descriptor jipc opened; makes it non-blocking. */
    static FdHandle own(int fd, String subject) {
        try {
            Pipes.setNonBlocking(fd, true, subject);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        return owning(new FdHandle(fd, subject, -1, -1), fd);
    }

    /** Records that {@code handle} holds the numbers {@code numbers} (see {@link #OWNED}); returns it. */
    private static FdHandle owning(FdHandle handle, int... numbers) {
        synchronized (ADOPTED) {
            for (int number : numbers) {
                OWNED.put(number, handle);
            }
        }
        return handle;
    }

    /** Closes a number this process's handle held, and forgets it (see {@link #OWNED}), under the lock. */
    private static void closeOwned(int number) {
        synchronized (ADOPTED) {
            Libc.close(number);
            OWNED.remove(number);
        }
    }

    /** Takes ownership of a descriptor as it is (such as a pidfd, which needs no flags). */
    static FdHandle ownAsIs(int fd, String subject) {
        return new FdHandle(fd, subject, -1, -1);
    }

    /**
     * Takes ownership of an inherited pipe or FIFO descriptor, to read from it ({@code readEnd}) or
     * write to it, without changing its open file description, which the parent and other processes
     * may share: the handle works on a private non-blocking description ({@link #reopen}) and closes
     * the inherited descriptor with it. If the pipe cannot be reopened ({@code /proc} missing, a pipe
     * of another user, a write end without a reader), the inherited descriptor is made non-blocking
     * and its flags are restored on close. A read end whose inherited descriptor shows end of file
     * that the private one hides (see the class comment) is marked so: {@link #endOfFileOnInherited()}.
     *
     * <p>A number adopted already and not yet closed is refused: only a reader and a writer may share
     * an {@code O_RDWR} descriptor, each through its own description, and the last of them to close
     * closes it.
     *
     * @throws IllegalArgumentException if {@code fd} is not open for that direction
     * @throws IllegalStateException    if another handle of this process adopted {@code fd} and has not
     *                                  closed it (other than one of the other direction of an
     *                                  {@code O_RDWR} descriptor that was reopened)
     */
    static FdHandle adopt(int fd, boolean readEnd, String subject) {
        synchronized (ADOPTED) {
            // again under the lock: a handle that adopted fd may have closed it since the caller's check (the
            // number then may be another file's, or none: EBADF is "not open", as there)
            PipeEnd.checkPipe(fd);
            int flags;
            try {
                flags = Pipes.statusFlags(fd, subject);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EBADF) {
                    throw new IllegalArgumentException("descriptor " + fd + " is not open (EBADF from fcntl)", e);
                }
                throw e;
            }
            int access = flags & (Libc.O_RDONLY | Libc.O_WRONLY | Libc.O_RDWR);
            if ((flags & Libc.O_PATH) != 0 || access != Libc.O_RDWR && access != (readEnd ? Libc.O_RDONLY : Libc.O_WRONLY)) {
                throw new IllegalArgumentException(subject + " is not open for " + (readEnd ? "reading" : "writing"));
            }
            FdHandle owner = OWNED.get(fd);
            if (owner != null) {
                throw new IllegalStateException("descriptor " + fd + " belongs to " + owner.subject
                        + " in this process, which jipc opened and has not closed; use that one, or close it first");
            }
            Adoption held = ADOPTED.get(fd);
            if (held != null) {
                FdHandle same = readEnd ? held.reader : held.writer;
                if (same != null || !held.shareable || access != Libc.O_RDWR) {
                    throw alreadyAdopted(fd, same != null ? same : held.holder(), "");
                }
            }
            FdHandle handle;
            int copy;
            try {
                copy = reopen(fd, readEnd);
            } catch (ErrnoException cannotReopen) {
                if (held != null) { // it would have to be made non-blocking under the other handle
                    throw alreadyAdopted(fd, held.holder(), " (and " + subject + " cannot be reopened: "
                            + cannotReopen.getMessage() + ")");
                }
                Pipes.setNonBlocking(fd, true, subject);
                handle = new FdHandle(fd, subject, flags, -1, false, fd);
                held = new Adoption(false);
                ADOPTED.put(fd, held);
                return hold(held, handle, readEnd);
            }
            handle = owning(overReopened(fd, copy, readEnd, subject, fd), copy);
            if (held == null) {
                held = new Adoption(access == Libc.O_RDWR);
                ADOPTED.put(fd, held);
            }
            return hold(held, handle, readEnd);
        }
    }

    private static FdHandle hold(Adoption adoption, FdHandle handle, boolean readEnd) {
        if (readEnd) {
            adoption.reader = handle;
        } else {
            adoption.writer = handle;
        }
        return handle;
    }

    private static IllegalStateException alreadyAdopted(int fd, FdHandle holder, String why) {
        return new IllegalStateException("descriptor " + fd + " is adopted already in this process, by "
                + holder.subject + ", which has not closed it yet" + why + "; use that one, or close it first");
    }

    /**
     * Takes ownership of the read end of a FIFO this process opened ({@link Fifo}), {@code fd}: it is
     * kept, made blocking, for children that find the FIFO at end of file (see the class comment),
     * and the handle reads through a private non-blocking description, as an adopted one does. If
     * the FIFO cannot be reopened, as {@link #own}.
     */
    static FdHandle ownFifoReadEnd(int fd, String subject) {
        int copy;
        try {
            Pipes.setNonBlocking(fd, false, subject); // openReaderNow's open is non-blocking
            copy = reopen(fd, true);
        } catch (ErrnoException cannotReopen) {
            return own(fd, subject);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        try {
            return owning(overReopened(fd, copy, true, subject, -1), copy, fd);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** A handle over {@code copy}, {@link #reopen reopened} from {@code fd}, which it keeps; closes {@code copy} if that fails. */
    private static FdHandle overReopened(int fd, int copy, boolean readEnd, String subject, int adopted) {
        boolean endOfFileHidden;
        try {
            // hidden now or never: it lasts from the reopen (no writer then) until a writer opens
            endOfFileHidden = readEnd && hidesEndOfFile(copy, fd);
        } catch (RuntimeException e) {
            Libc.close(copy);
            throw e;
        }
        return new FdHandle(copy, subject, -1, fd, endOfFileHidden, adopted);
    }

    /** Whether {@code original} shows end of file ({@code POLLHUP}) and the read end {@code fresh} does not. */
    private static boolean hidesEndOfFile(int fresh, int original) {
        return (Pipes.poll(fresh, Pipes.POLLIN, 0) & Pipes.POLLHUP) == 0
                && (Pipes.poll(original, Pipes.POLLIN, 0) & Pipes.POLLHUP) != 0;
    }

    /**
     * A new non-blocking, close-on-exec open file description of the pipe or FIFO behind {@code fd},
     * for reading or writing, opened through its {@code /proc/self/fd} link: its flags are its own,
     * not shared with the processes holding {@code fd}'s description. Non-blocking also so that the
     * open itself never waits ({@code ENXIO} for a write end without a reader).
     *
     * @throws ErrnoException if the open fails
     */
    static int reopen(int fd, boolean readEnd) {
        int flags = (readEnd ? Libc.O_RDONLY : Libc.O_WRONLY) | Libc.O_NONBLOCK | Libc.O_CLOEXEC;
        return Libc.open("/proc/self/fd/" + fd, flags, 0);
    }

    int fd() {
        return fd;
    }

    /**
     * Whether the inherited descriptor of an adopted FIFO read end shows end of file
     * ({@code POLLHUP}: no writer left) that the private descriptor hides, because every writer left
     * before the adopt (see the class comment); false for every other handle, and once closed.
     * Whether the private descriptor shows end of file itself is the caller's to ask. Any thread;
     * does not block.
     */
    boolean endOfFileOnInherited() {
        if (!endOfFileHidden) {
            return false;
        }
        long s = state.incrementAndGet(); // as acquire(), without throwing: the selector asks too
        try {
            return (s & CLOSED) == 0 && (Pipes.poll(inherited, Pipes.POLLIN, 0) & Pipes.POLLHUP) != 0;
        } finally {
            release();
        }
    }

    /**
     * For a child's read end: the descriptor this handle keeps (inherited, or the FIFO's own opened
     * one), when it shows end of file that {@code fresh}, a new description for the child just
     * {@link #reopen reopened}, hides (the FIFO's writers all left before the reopen; see the class
     * comment) and it is blocking; else -1. The caller is inside a call ({@link #acquire()}).
     */
    int keptShowingEndOfFile(int fresh) {
        if (inherited < 0 || (Pipes.statusFlags(inherited, subject) & Libc.O_NONBLOCK) != 0) {
            return -1;
        }
        return hidesEndOfFile(fresh, inherited) ? inherited : -1;
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

    /**
     * Runs {@code action} inside a call on the descriptor (it stays open, and its number names it,
     * until the action returns); false, without running it, once closed. For a selector's
     * {@code epoll_ctl}.
     */
    boolean whileOpen(Runnable action) {
        long s = state.incrementAndGet(); // as acquire(), without throwing
        try {
            if ((s & CLOSED) != 0) {
                return false;
            }
            action.run();
            return true;
        } finally {
            release();
        }
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
            // the close counts as a call inside while it cancels the poller's registration, so that the number
            // is still this handle's: otherwise the last thread out could close it meanwhile, and the registration
            // of another descriptor that got the number would be cancelled (until 2026-12-07)
            if (state.compareAndSet(s, (s + 1) | CLOSED)) {
                if (s != 0) {
                    FdPoller.cancel(fd); // the threads inside may be waiting: open still, they see the close
                }
                release(); // the last one out (perhaps this close) closes the descriptor
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
            if (adopted == fd) { // not reopened: the adopted number itself
                synchronized (ADOPTED) {
                    Libc.close(fd);
                    ADOPTED.remove(fd);
                }
            } else {
                closeOwned(fd);
                if (adopted >= 0) {
                    releaseAdopted();
                } else if (inherited >= 0) {
                    closeOwned(inherited);
                }
            }
        }
    }

    /** Gives up this handle's share of the adopted number, and closes it if no other handle has it. */
    private void releaseAdopted() {
        synchronized (ADOPTED) {
            Adoption adoption = ADOPTED.get(adopted);
            if (adoption != null) {
                if (adoption.reader == this) {
                    adoption.reader = null;
                } else if (adoption.writer == this) {
                    adoption.writer = null;
                }
                if (adoption.holder() != null) {
                    return; // the other direction's handle still uses it
                }
                ADOPTED.remove(adopted);
            }
            Libc.close(inherited);
        }
    }
}
