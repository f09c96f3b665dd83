package io.jipc.platform;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Open file description locks ({@code fcntl(2)} {@code F_OFD_SETLK}, {@code F_OFD_SETLKW}): advisory
 * shared (read) and exclusive (write) locks on a whole file, owned by the <em>open file
 * description</em> of a descriptor rather than by the process.
 *
 * <p>So two descriptors obtained by two {@code open} calls exclude each other even in one process
 * (two threads each with their own descriptor), while descriptors that share one description
 * ({@code dup}, inheritance) share its locks. A lock is released by {@link #unlock}, when the last
 * descriptor of its description is closed, or when the process dies (the kernel closes its
 * descriptors); it is not released when the process closes some other descriptor of the same
 * file, unlike a classic POSIX record lock. OFD locks and POSIX record locks ({@code F_SETLK},
 * used by Java's {@code FileChannel.lock}) conflict with each other; {@code flock(2)} locks are a
 * separate kind that neither sees. Linux 3.15 or later.
 *
 * <p>Calls never block except {@link #lockOrInterrupt}, which blocks in the kernel until it gets
 * the lock or a signal handled without {@code SA_RESTART} arrives at the calling thread.
 *
 * <h2>flock locks</h2>
 * {@link #flockExclusive}, {@link #tryFlockExclusive}, {@link #tryFlockShared} and {@link #flockRelease} take and release
 * {@code flock(2)} locks: also
 * whole-file and owned by the open file description (released when it is closed, so at the latest
 * when its process dies), but an exclusive one needs no descriptor open for writing, so it works on
 * a directory opened read-only, where an OFD write lock fails with {@code EBADF}.
 */
public final class FileLocks {
    /** A shared lock: any number of holders, none exclusive. */
    public static final short SHARED = 0;       // F_RDLCK
    /** An exclusive lock: one holder, no shared ones. */
    public static final short EXCLUSIVE = 1;    // F_WRLCK
    private static final short UNLOCK = 2;      // F_UNLCK

    private static final int F_OFD_SETLK = 37;
    private static final int F_OFD_SETLKW = 38;
    private static final int LOCK_SH = 1;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int LOCK_UN = 8;

    /**
     * {@code struct flock} on x86-64 and aarch64: short l_type at 0, short l_whence at 2, off_t
     * l_start at 8, off_t l_len at 16, pid_t l_pid at 24 (must be 0 for OFD locks); 32 bytes. The
     * per-thread scratch buffer of {@link Libc#captureState()} holds the errno at 0; the struct is
     * placed in a scratch of its own.
     */
    private static final ThreadLocal<MemorySegment> FLOCK = ThreadLocal.withInitial(
            () -> java.lang.foreign.Arena.ofAuto().allocate(32, 8));

    private static final class Fcntl {
        static final MethodHandle H = Libc.errno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), 2);
    }

    private static final class Flock {
        static final MethodHandle H = Libc.errno("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    }

    private FileLocks() {
    }

    /**
     * Takes a lock of {@code type} ({@link #SHARED} or {@link #EXCLUSIVE}) on the whole file at
     * once, or converts the lock the description already holds.
     *
     * @return false if another description holds a conflicting lock
     */
    public static boolean tryLock(int fd, short type, String subject) {
        int errno = fcntl(fd, F_OFD_SETLK, type);
        if (errno == 0) {
            return true;
        }
        if (errno == Errno.EAGAIN || errno == Errno.EACCES) {
            return false;
        }
        throw Errno.exception(errno, "fcntl(F_OFD_SETLK)", subject);
    }

    /**
     * Waits in the kernel for a lock of {@code type} on the whole file ({@code F_OFD_SETLKW}), once:
     * a signal handled without {@code SA_RESTART} that reaches this thread ends the wait early.
     * The kernel does not detect deadlocks between OFD locks.
     *
     * @return true when the lock is held, false if a signal interrupted the wait ({@code EINTR})
     */
    public static boolean lockOrInterrupt(int fd, short type, String subject) {
        int errno = fcntl(fd, F_OFD_SETLKW, type);
        if (errno == 0) {
            return true;
        }
        if (errno == Errno.EINTR) {
            return false;
        }
        throw Errno.exception(errno, "fcntl(F_OFD_SETLKW)", subject);
    }

    /** Releases the whole-file lock of the description of {@code fd}; a no-op if it holds none. */
    public static void unlock(int fd, String subject) {
        int errno = fcntl(fd, F_OFD_SETLK, UNLOCK);
        if (errno != 0) {
            throw Errno.exception(errno, "fcntl(F_OFD_SETLK, F_UNLCK)", subject);
        }
    }

    /**
     * Takes the exclusive {@code flock(2)} lock of the description of {@code fd} (a file or a
     * directory), blocking while another description holds it; {@code EINTR} is retried. The thread
     * sleeps in the kernel (a virtual thread pins its carrier): hold such a lock for short steps only.
     */
    public static void flockExclusive(int fd, String subject) {
        flock(fd, LOCK_EX, subject);
    }

    /**
     * Takes the exclusive {@code flock(2)} lock of the description of {@code fd} if no other
     * description holds it ({@code LOCK_EX|LOCK_NB}); never blocks.
     *
     * @return false if another description holds the lock ({@code EWOULDBLOCK})
     */
    public static boolean tryFlockExclusive(int fd, String subject) {
        int errno = flock(fd, LOCK_EX | LOCK_NB);
        if (errno == 0) {
            return true;
        }
        if (errno == Errno.EAGAIN) { // EWOULDBLOCK
            return false;
        }
        throw Errno.exception(errno, "flock(LOCK_NB)", subject);
    }

    /**
     * Takes the exclusive {@code flock(2)} lock of the description of {@code fd}, waiting at most
     * {@code maxWaitMillis} while another description holds it; false if another still holds it then.
     * A back-off of {@code Thread.sleep}s (1 ms, doubling up to 50 ms) between non-blocking tries rather
     * than a blocking {@code flock}: the kernel offers no timed {@code flock}, a blocking one cannot be
     * interrupted (and pins a virtual thread's carrier), and a stopped process, or another user, may
     * hold the lock for ever. For locks held for a few system calls, whose contended case is rare. An
     * interrupt does not end the wait: the status is kept and set again on return. Any thread may call.
     */
    public static boolean flockExclusiveWithin(int fd, String subject, long maxWaitMillis) {
        if (tryFlockExclusive(fd, subject)) {
            return true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        long backoff = 1;
        boolean interrupted = false;
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    Thread.sleep(Math.min(backoff, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
                } catch (InterruptedException e) {
                    interrupted = true; // the status is cleared: the next sleep sleeps
                }
                if (tryFlockExclusive(fd, subject)) {
                    return true;
                }
                backoff = Math.min(backoff * 2, 50);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Takes a shared {@code flock(2)} lock of the description of {@code fd} if no other description
     * holds the exclusive one ({@code LOCK_SH|LOCK_NB}), or converts the lock it holds; never blocks.
     *
     * @return false if another description holds the exclusive lock ({@code EWOULDBLOCK})
     */
    public static boolean tryFlockShared(int fd, String subject) {
        int errno = flock(fd, LOCK_SH | LOCK_NB);
        if (errno == 0) {
            return true;
        }
        if (errno == Errno.EAGAIN) { // EWOULDBLOCK
            return false;
        }
        throw Errno.exception(errno, "flock(LOCK_SH|LOCK_NB)", subject);
    }

    /** Releases the {@code flock(2)} lock of the description of {@code fd} (closing it does too). */
    public static void flockRelease(int fd, String subject) {
        flock(fd, LOCK_UN, subject);
    }

    private static void flock(int fd, int operation, String subject) {
        int errno = flock(fd, operation);
        if (errno != 0) {
            throw Errno.exception(errno, "flock", subject);
        }
    }

    /** Runs {@code flock(fd, operation)}, retrying {@code EINTR}; returns 0 or the errno. */
    private static int flock(int fd, int operation) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        while (true) {
            int rc;
            try {
                rc = (int) Flock.H.invokeExact(state, fd, operation);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc == 0) {
                return 0;
            }
            int errno = Libc.errno(state);
            if (errno != Errno.EINTR) {
                return errno;
            }
        }
    }

    /** Runs one fcntl lock command on the whole file; returns 0 or the errno. */
    private static int fcntl(int fd, int command, short type) {
        Libc.ensureAvailability();
        MemorySegment flock = FLOCK.get();
        flock.set(JAVA_SHORT, 0, type);
        flock.set(JAVA_SHORT, 2, (short) 0);   // SEEK_SET
        flock.set(JAVA_LONG, 8, 0L);           // from the first byte
        flock.set(JAVA_LONG, 16, 0L);          // to the end, however long the file grows
        flock.set(JAVA_INT, 24, 0);            // l_pid: must be 0 for OFD locks
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Fcntl.H.invokeExact(state, fd, command, flock);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        return rc == 0 ? 0 : Libc.errno(state);
    }
}
