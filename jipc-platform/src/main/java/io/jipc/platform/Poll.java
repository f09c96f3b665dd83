package io.jipc.platform;

import io.jipc.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Waiting for any of several descriptors, {@code poll(2)}, and the {@code eventfd(2)} counter that
 * another thread writes to wake such a wait.
 *
 * <p>The calling thread sleeps in the kernel: a virtual thread pins its carrier, so waiters run on
 * platform threads.
 */
public final class Poll {
    /** Readable (for a pidfd: the process exited). */
    public static final short IN = 0x1;
    /** Error, hang-up or invalid descriptor bits the kernel sets whatever was asked. */
    public static final short ERR_HUP_NVAL = 0x8 | 0x10 | 0x20;

    private static final int EFD_CLOEXEC = 02000000;
    private static final int EFD_NONBLOCK = 04000;
    private static final long POLLFD_SIZE = 8;

    private static final class Handles {
        static final MethodHandle POLL = Libc.errno("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
        static final MethodHandle EVENTFD = Libc.errno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    }

    private Poll() {
    }

    /**
     * Waits until at least one of {@code fds} has one of {@code events} (or an error), or
     * {@code timeoutMillis} pass ({@code -1}: no limit); {@code EINTR} is retried with the same timeout.
     *
     * @return the returned events of each descriptor, in the order of {@code fds} (all 0 on timeout)
     */
    public static short[] await(int[] fds, short events, int timeoutMillis) {
        Libc.ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfds = arena.allocate(POLLFD_SIZE * Math.max(1, fds.length), 4);
            for (int i = 0; i < fds.length; i++) {
                pollfds.set(JAVA_INT, i * POLLFD_SIZE, fds[i]);
                pollfds.set(JAVA_SHORT, i * POLLFD_SIZE + 4, events);
                pollfds.set(JAVA_SHORT, i * POLLFD_SIZE + 6, (short) 0);
            }
            MemorySegment state = Libc.captureState();
            while (true) {
                int rc;
                try {
                    rc = (int) Handles.POLL.invokeExact(state, pollfds, (long) fds.length, timeoutMillis);
                } catch (Throwable t) {
                    throw Libc.rethrow(t);
                }
                if (rc >= 0) {
                    short[] revents = new short[fds.length];
                    for (int i = 0; i < fds.length; i++) {
                        revents[i] = pollfds.get(JAVA_SHORT, i * POLLFD_SIZE + 6);
                    }
                    return revents;
                }
                int errno = Libc.errno(state);
                if (errno != Errno.EINTR) {
                    throw Errno.exception(errno, "poll", fds.length + " descriptors");
                }
            }
        }
    }

    /** A new non-blocking, close-on-exec {@code eventfd} with counter 0, for {@link #wake} / {@link #drain}. */
    public static int newWakeFd() {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int fd;
        try {
            fd = (int) Handles.EVENTFD.invokeExact(state, 0, EFD_CLOEXEC | EFD_NONBLOCK);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            throw Errno.exception(Libc.errno(state), "eventfd", null);
        }
        return fd;
    }

    /** Makes the eventfd {@code fd} readable (adds 1 to its counter); any thread may call it. */
    public static void wake(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            Libc.write(fd, one.address(), 8, "eventfd " + fd);
        }
    }

    /** Resets the eventfd {@code fd} to not readable. */
    public static void drain(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment counter = arena.allocate(JAVA_LONG);
            Libc.read(fd, counter.address(), 8, "eventfd " + fd);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EAGAIN) {
                throw e;
            }
        }
    }
}
