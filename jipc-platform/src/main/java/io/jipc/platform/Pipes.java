package io.jipc.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Downcalls for kernel pipes and FIFOs: {@code pipe2}, {@code fcntl} (flags, pipe capacity,
 * duplication), {@code poll}, {@code ioctl(FIONREAD)}, {@code tee} (a look without reading), non-blocking {@code read}/{@code write}
 * that report {@code EAGAIN} and {@code EPIPE} as results instead of exceptions, and
 * {@code chmod}.
 *
 * <p>Every method is safe to call from any thread. None blocks except {@link #poll}, and only for
 * its timeout: pipe descriptors are meant to be non-blocking, with callers waiting in {@code poll}.
 * Failures other than the ones a method returns throw an {@link io.jipc.ErrnoException} naming the
 * errno, the call and the subject.
 */
public final class Pipes {
    /** Bytes a {@code write(2)} of at most this many bytes puts into a pipe at once, never interleaved. */
    public static final int PIPE_BUF = 4096;

    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    /** Size of one {@code struct pollfd} in a poll array: {@code int fd; short events; short revents}. */
    public static final long POLLFD_SIZE = 8;

    public static final int O_PATH = 010000000;

    private static final int F_GETFD = 1;
    private static final int F_SETFD = 2;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;
    private static final int FD_CLOEXEC = 1;
    private static final int SPLICE_F_NONBLOCK = 2;

    private Pipes() {
    }

    private static final class Pipe2 {
        static final MethodHandle H = Libc.errno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
    }

    private static final class Fcntl {
        static final MethodHandle H = Libc.errno("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    }

    private static final class Poll {
        static final MethodHandle H = Libc.errno("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
    }

    private static final class ReadWrite {
        // the buffer is an ADDRESS, passed as the MemorySegment itself: the linker checks that it is
        // alive and accessible from the calling thread, and keeps its arena open during the call
        static final MethodHandle READ = Libc.errno("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
        static final MethodHandle WRITE = Libc.errno("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    }

    private static final class Tee {
        static final MethodHandle H = Libc.errno("tee",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), -1);
    }

    private static final class Chmod {
        static final MethodHandle H = Libc.errno("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
    }

    /**
     * {@code pipe2(2)}: a new kernel pipe, both ends close-on-exec; {@code [0]} is the read end,
     * {@code [1]} the write end. Neither end is non-blocking: see {@link #setNonBlocking}.
     */
    public static int[] pipe() {
        Libc.ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            MemorySegment state = Libc.captureState();
            int rc;
            try {
                rc = (int) Pipe2.H.invokeExact(state, fds, Libc.O_CLOEXEC);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc != 0) {
                throw Errno.exception(Libc.errno(state), "pipe2", null);
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** The file status flags ({@code F_GETFL}), such as {@link Libc#O_NONBLOCK}. */
    public static int statusFlags(int fd, String subject) {
        return fcntl(fd, F_GETFL, 0, "fcntl(F_GETFL)", subject);
    }

    /**
     * Sets or clears {@code O_NONBLOCK} on the open file description of {@code fd} (shared with every
     * process holding a descriptor of the same description); returns the flags before.
     */
    public static int setNonBlocking(int fd, boolean nonBlocking, String subject) {
        int flags = statusFlags(fd, subject);
        int wanted = nonBlocking ? flags | Libc.O_NONBLOCK : flags & ~Libc.O_NONBLOCK;
        if (wanted != flags) {
            fcntl(fd, F_SETFL, wanted, "fcntl(F_SETFL)", subject);
        }
        return flags;
    }

    /** Restores status flags saved by {@link #setNonBlocking}. */
    public static void setStatusFlags(int fd, int flags, String subject) {
        fcntl(fd, F_SETFL, flags, "fcntl(F_SETFL)", subject);
    }

    /** Whether {@code fd} is closed on {@code exec} ({@code FD_CLOEXEC}). */
    public static boolean isCloseOnExec(int fd, String subject) {
        return (fcntl(fd, F_GETFD, 0, "fcntl(F_GETFD)", subject) & FD_CLOEXEC) != 0;
    }

    /** Sets {@code FD_CLOEXEC} on {@code fd}. */
    public static void setCloseOnExec(int fd, String subject) {
        int flags = fcntl(fd, F_GETFD, 0, "fcntl(F_GETFD)", subject);
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC, "fcntl(F_SETFD)", subject);
    }

    /** A close-on-exec duplicate of {@code fd} numbered at least {@code minimum} ({@code F_DUPFD_CLOEXEC}). */
    public static int duplicate(int fd, int minimum, String subject) {
        return fcntl(fd, F_DUPFD_CLOEXEC, minimum, "fcntl(F_DUPFD_CLOEXEC)", subject);
    }

    /** The capacity of the pipe in bytes ({@code F_GETPIPE_SZ}). */
    public static int capacity(int fd, String subject) {
        return fcntl(fd, F_GETPIPE_SZ, 0, "fcntl(F_GETPIPE_SZ)", subject);
    }

    /**
     * Sets the capacity of the pipe ({@code F_SETPIPE_SZ}); the kernel rounds it up to a power-of-two
     * number of pages and returns the capacity it set. An unprivileged process may not exceed
     * {@code /proc/sys/fs/pipe-max-size} ({@code EPERM}); a capacity below the bytes in the pipe
     * fails with {@code EBUSY}.
     */
    public static int setCapacity(int fd, int bytes, String subject) {
        return fcntl(fd, F_SETPIPE_SZ, bytes, "fcntl(F_SETPIPE_SZ)", subject);
    }

    private static int fcntl(int fd, int command, int argument, String call, String subject) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        while (true) {
            int rc;
            try {
                rc = (int) Fcntl.H.invokeExact(state, fd, command, argument);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc >= 0) {
                return rc;
            }
            int errno = Libc.errno(state);
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, call, subject);
            }
        }
    }

    /** Bytes waiting in the pipe, ready to be read ({@code ioctl(FIONREAD)}). */
    public static int available(int fd, String subject) {
        return Libc.unreadBytes(fd, "ioctl(FIONREAD)", subject);
    }

    /** What a read of a pipe's read end would find now ({@link #look}). */
    public enum Look {
        /** Empty, and no process has the pipe open for writing: a read returns end of file. */
        END_OF_FILE,
        /** Empty, and some process has it open for writing: a read waits (or says {@code EAGAIN}). */
        WRITER,
        /** Bytes wait in it; whether a writer has it open is not told. */
        BYTES
    }

    /**
     * What a read of the pipe or FIFO read end {@code fd} would find now: bytes, or none and a
     * writer (also one still waiting in a blocking {@code open(2)} of a FIFO: the kernel counts it as
     * a writer from its call on), or end of file. Reads nothing: {@code tee(2)} of at most one byte
     * with {@code SPLICE_F_NONBLOCK} into a scratch pipe, closed at once, which returns 0 for an empty
     * pipe without writers and {@code EAGAIN} for an empty pipe with one. {@code poll} cannot tell the
     * last two apart (neither is readable; a FIFO opened non-blocking while no writer was there shows
     * no {@code POLLHUP}), and a {@code read} would take a byte. Any thread; does not block.
     */
    public static Look look(int fd, String subject) {
        int[] scratch = pipe();
        try {
            Libc.ensureAvailability();
            MemorySegment state = Libc.captureState();
            while (true) {
                long n;
                try {
                    n = (long) Tee.H.invokeExact(state, fd, scratch[1], 1L, SPLICE_F_NONBLOCK);
                } catch (Throwable t) {
                    throw Libc.rethrow(t);
                }
                if (n >= 0) {
                    return n > 0 ? Look.BYTES : Look.END_OF_FILE;
                }
                int errno = Libc.errno(state);
                if (errno == Errno.EAGAIN) {
                    return Look.WRITER; // empty, and a writer has it open (the scratch pipe has room)
                }
                if (errno != Errno.EINTR) {
                    throw Errno.exception(errno, "tee", subject);
                }
            }
        } finally {
            Libc.close(scratch[0]);
            Libc.close(scratch[1]);
        }
    }

    /**
     * {@code poll(2)} on one descriptor; returns the events that occurred ({@code revents}), 0 when
     * the timeout passed or a signal interrupted the wait (the caller re-checks its deadline).
     *
     * @param timeoutMillis at most this long; 0 returns at once, negative waits without limit
     */
    public static int poll(int fd, short events, int timeoutMillis) {
        Libc.ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(POLLFD_SIZE, 4);
            setPollEntry(pollfd, 0, fd, events);
            return poll(pollfd, 1, timeoutMillis) > 0 ? pollEvents(pollfd, 0) : 0;
        }
    }

    /**
     * {@code poll(2)} on {@code count} entries of a {@code struct pollfd} array (see
     * {@link #setPollEntry}, {@link #pollEvents}); returns how many entries have events, 0 on
     * timeout or interruption by a signal.
     */
    public static int poll(MemorySegment pollfds, int count, int timeoutMillis) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Poll.H.invokeExact(state, pollfds, (long) count, timeoutMillis);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc >= 0) {
            return rc;
        }
        int errno = Libc.errno(state);
        if (errno == Errno.EINTR) {
            return 0;
        }
        throw Errno.exception(errno, "poll", count + " descriptors");
    }

    /** Writes entry {@code index} of a {@code struct pollfd} array, clearing its {@code revents}. */
    public static void setPollEntry(MemorySegment pollfds, int index, int fd, short events) {
        long at = index * POLLFD_SIZE;
        pollfds.set(JAVA_INT, at, fd);
        pollfds.set(JAVA_SHORT, at + 4, events);
        pollfds.set(JAVA_SHORT, at + 6, (short) 0);
    }

    /** The {@code revents} of entry {@code index} of a {@code struct pollfd} array. */
    public static int pollEvents(MemorySegment pollfds, int index) {
        return Short.toUnsignedInt(pollfds.get(JAVA_SHORT, index * POLLFD_SIZE + 6));
    }

    /**
     * {@code read(2)} into {@code destination}, a native segment (at most its size); returns the bytes
     * read ({@code 0} at end of file), or {@code -EAGAIN} when a non-blocking descriptor has nothing
     * to read. {@code EINTR} is retried.
     *
     * <p>The segment itself goes to the downcall, never its raw address: the linker refuses a segment
     * whose arena is closed ({@link IllegalStateException}) or that is confined to another thread
     * ({@link WrongThreadException}), and keeps its arena from closing until the call returns, so
     * freed memory is never written.
     *
     * @throws IllegalArgumentException if {@code destination} is a heap segment (copy through native memory)
     */
    public static long read(int fd, MemorySegment destination, String subject) {
        return transfer(ReadWrite.READ, "read", fd, destination, subject);
    }

    /**
     * {@code write(2)} from {@code source}, a native segment (at most its size); returns the bytes
     * written, {@code -EAGAIN} when a non-blocking descriptor has no room, or {@code -EPIPE} when no
     * reader is left (the JVM ignores {@code SIGPIPE}, so the write fails instead of killing the
     * process). {@code EINTR} is retried.
     *
     * <p>As for {@link #read(int, MemorySegment, String)}, the linker checks the segment (closed:
     * {@link IllegalStateException}; another thread's confined segment: {@link WrongThreadException})
     * and keeps its arena open during the call, so freed memory is never read.
     *
     * @throws IllegalArgumentException if {@code source} is a heap segment (copy through native memory)
     */
    public static long write(int fd, MemorySegment source, String subject) {
        return transfer(ReadWrite.WRITE, "write", fd, source, subject);
    }

    private static long transfer(MethodHandle handle, String call, int fd, MemorySegment buffer, String subject) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        long length = buffer.byteSize();
        while (true) {
            long n;
            try {
                n = (long) handle.invokeExact(state, fd, buffer, length);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = Libc.errno(state);
            if (errno == Errno.EAGAIN || errno == Errno.EPIPE) {
                return -errno;
            }
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, call, subject);
            }
        }
    }

    /** {@code chmod(2)}: sets the permission bits of {@code path} exactly (it follows symbolic links). */
    public static void chmod(String path, int mode) {
        Libc.ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.captureState();
            int rc;
            try {
                rc = (int) Chmod.H.invokeExact(state, arena.allocateFrom(path), mode);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc != 0) {
                throw Errno.exception(Libc.errno(state), "chmod", path);
            }
        }
    }
}
