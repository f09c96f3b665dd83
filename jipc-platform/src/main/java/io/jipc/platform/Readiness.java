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
 * Waiting until file descriptors are ready, with {@code ppoll(2)}, and waking such a wait from
 * another thread with an {@code eventfd(2)} counter among the polled descriptors.
 *
 * <p>A wait blocks the calling OS thread in the kernel (a virtual thread pins its carrier) and is
 * not ended by {@link Thread#interrupt()}: whoever needs that signals an event descriptor the
 * waiter polls. Safe from any thread.
 */
public final class Readiness {
    /** Readable (a message queue: not empty). */
    public static final short POLLIN = 0x1;
    /** Writable (a message queue: not full). */
    public static final short POLLOUT = 0x4;
    /** Error, hang-up, invalid descriptor: reported whatever was asked. */
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    /** struct pollfd: int fd, short events, short revents. */
    private static final long POLLFD_SIZE = 8;
    private static final int EFD_CLOEXEC = 02000000;

    private static final class Handles {
        static final MethodHandle PPOLL = Libc.errno("ppoll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS), -1);
        static final MethodHandle EVENTFD = Libc.errno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    }

    private Readiness() {
    }

    /** A native array of {@code count} {@code struct pollfd}, to fill with {@link #set} and pass to {@link #poll}. */
    public static MemorySegment pollSet(Arena arena, int count) {
        return arena.allocate(POLLFD_SIZE * count, 8);
    }

    /** Sets entry {@code index} of a poll set to wait for {@code events} on {@code fd} (a negative fd is skipped). */
    public static void set(MemorySegment pollSet, int index, int fd, short events) {
        pollSet.set(JAVA_INT, index * POLLFD_SIZE, fd);
        pollSet.set(JAVA_SHORT, index * POLLFD_SIZE + 4, events);
        pollSet.set(JAVA_SHORT, index * POLLFD_SIZE + 6, (short) 0);
    }

    /** The events the last {@link #poll} reported for entry {@code index}. */
    public static short ready(MemorySegment pollSet, int index) {
        return pollSet.get(JAVA_SHORT, index * POLLFD_SIZE + 6);
    }

    /**
     * {@code ppoll(2)}: waits until one of the descriptors of {@code pollSet} is ready, at most
     * {@code timeoutNanos} (negative: no limit).
     *
     * @return the number of ready entries; 0 on timeout or when a signal interrupted the wait
     *         (callers loop and re-check their own deadline)
     */
    public static int poll(MemorySegment pollSet, long timeoutNanos, String subject) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeout = MemorySegment.NULL;
            if (timeoutNanos >= 0) {
                timeout = arena.allocate(16, 8);
                timeout.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
                timeout.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            }
            int rc;
            try {
                rc = (int) Handles.PPOLL.invokeExact(state, pollSet, pollSet.byteSize() / POLLFD_SIZE, timeout,
                        MemorySegment.NULL);
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
            throw Errno.exception(errno, "ppoll", subject);
        }
    }

    /** {@code eventfd(0, EFD_CLOEXEC)}: a counter descriptor, readable while non-zero. Close it with {@link Libc#close}. */
    public static int eventFd(String subject) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int fd;
        try {
            fd = (int) Handles.EVENTFD.invokeExact(state, 0, EFD_CLOEXEC);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            throw Errno.exception(Libc.errno(state), "eventfd", subject);
        }
        return fd;
    }

    /** Adds one to an event descriptor's counter, which makes it readable (wakes its pollers). */
    public static void signal(int eventFd, String subject) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            Libc.write(eventFd, one.address(), 8, subject);
        }
    }

    /** Resets an event descriptor's counter to zero; call only when {@link #poll} reported it readable. */
    public static void reset(int eventFd, String subject) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            Libc.read(eventFd, value.address(), 8, subject);
        }
    }
}
