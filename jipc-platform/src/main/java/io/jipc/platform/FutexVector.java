package io.jipc.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Blocking on several 32-bit futex words at once with {@code futex_waitv(2)} (Linux 5.16+): the
 * sleep ends when any word no longer holds its expected value, any is woken, or the deadline
 * passes. Used by selectors that wait for whichever of many channels becomes ready.
 *
 * <p>Like {@link Futex}, a platform thread sleeps in the system call itself, in slices of at most
 * {@link Futex#SLICE_NANOS} so that an interrupt is noticed; a virtual thread does not pin its
 * carrier: it parks, and the watchers of {@link VirtualFutexWaits} sleep on its words for it
 * (with the words of other waits, so thousands of waiting virtual threads take a few platform
 * threads). The words must lie in {@code MAP_SHARED} mappings (shared futexes, any process may
 * wake them).
 */
public final class FutexVector {
    /** Most words one call waits on (the kernel's limit). */
    public static final int MAX_WORDS = 128;

    private static final long SYS_FUTEX_WAITV = 449; // the same on x86-64 and aarch64
    private static final int FUTEX2_SIZE_U32 = 2;
    private static final int CLOCK_MONOTONIC = 1;
    private static final int WAITV_LENGTH = 24;

    private static final class Syscall {
        static final MethodHandle H = Libc.errno("syscall", FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    }

    private FutexVector() {
    }

    /**
     * Sleeps while every word {@code addresses[i]} holds {@code expected[i]}, until one changes or is
     * woken, the deadline ({@link System#nanoTime()} based, which on Linux is
     * {@code CLOCK_MONOTONIC}; {@link Long#MAX_VALUE} for none) or an interrupt. May return early:
     * callers re-check their conditions.
     *
     * @throws InterruptedException     if the thread is interrupted before or while waiting
     * @throws IllegalArgumentException if there are no words or more than {@link #MAX_WORDS}
     */
    public static void await(long[] addresses, int[] expected, long deadlineNanos) throws InterruptedException {
        checkWords(addresses, expected);
        Libc.ensureAvailability();
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long now = System.nanoTime();
        if (deadlineNanos != Long.MAX_VALUE && deadlineNanos - now <= 0) {
            return;
        }
        if (Thread.currentThread().isVirtual()) {
            // parked, not in a system call: an interrupt unparks it at once, so it is not sliced
            VirtualFutexWaits.shared().await(addresses, expected, deadlineNanos);
        } else {
            long sliceEnd = now + Futex.SLICE_NANOS;
            waitv(addresses, expected,
                    deadlineNanos == Long.MAX_VALUE || sliceEnd - deadlineNanos < 0 ? sliceEnd : deadlineNanos);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /**
     * One {@code futex_waitv} call without slices, for a helper platform thread that nobody
     * interrupts: returns when a word no longer holds its expected value or is woken, at the
     * deadline ({@link Long#MAX_VALUE}: none), on a signal, or at once if a word's page is unmapped.
     * Callers re-check their conditions.
     *
     * @throws IllegalArgumentException      if there are no words or more than {@link #MAX_WORDS}
     * @throws UnsupportedOperationException if {@code futex_waitv} is not {@linkplain #isAvailable() available}
     * @throws io.jipc.ErrnoException        if the call fails otherwise (e.g. {@code EINVAL})
     */
    public static void awaitOnce(long[] addresses, int[] expected, long deadlineNanos) {
        checkWords(addresses, expected);
        Libc.ensureAvailability();
        ensureAvailability();
        waitv(addresses, expected, deadlineNanos);
    }

    private static void checkWords(long[] addresses, int[] expected) {
        if (addresses.length == 0 || addresses.length > MAX_WORDS || addresses.length != expected.length) {
            throw new IllegalArgumentException("futex_waitv takes 1.." + MAX_WORDS + " words, with one expected"
                    + " value each: " + addresses.length + " words, " + expected.length + " values");
        }
    }

    /** One {@code futex_waitv} call with an absolute monotonic deadline ({@link Long#MAX_VALUE}: none). */
    private static void waitv(long[] addresses, int[] expected, long deadlineNanos) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment waiters = arena.allocate((long) WAITV_LENGTH * addresses.length, 8);
            for (int i = 0; i < addresses.length; i++) {
                entry(waiters, i, addresses[i], expected[i]);
            }
            long rc = waitv(waiters, addresses.length, deadlineNanos, arena.allocate(16, 8));
            if (rc >= 0) {
                return;
            }
            int errno = (int) -rc;
            if (errno == Errno.EAGAIN || errno == Errno.ETIMEDOUT || errno == Errno.EINTR || errno == Errno.EFAULT) {
                return;
            }
            throw Errno.exception(errno, "futex_waitv", addresses.length + " words");
        }
    }

    /** Bytes of one entry of a {@code futex_waitv} vector (for callers that keep their own vector). */
    static long entryBytes() {
        return WAITV_LENGTH;
    }

    /**
     * Fills entry {@code index} of a vector for {@link #waitv(MemorySegment, int, long, MemorySegment)}:
     * a shared 32-bit futex word (any process may wake it) and the value it must hold for the sleep.
     */
    static void entry(MemorySegment vector, int index, long address, int expected) {
        long at = (long) WAITV_LENGTH * index;
        vector.set(JAVA_LONG, at, Integer.toUnsignedLong(expected));
        vector.set(JAVA_LONG, at + 8, address);
        vector.set(JAVA_INT, at + 16, FUTEX2_SIZE_U32); // shared (no FUTEX2_PRIVATE)
        vector.set(JAVA_INT, at + 20, 0);
    }

    /**
     * One {@code futex_waitv} call on the first {@code count} entries of a prepared vector, without
     * slices (for helper platform threads, which nobody interrupts), with an absolute monotonic
     * deadline ({@link Long#MAX_VALUE}: none) written into {@code timespec} (16 bytes).
     *
     * @return the index of the entry that was woken (0 or more), or minus the errno: {@code EAGAIN}
     *         (an entry did not hold its value when the call began, which one is not said),
     *         {@code ETIMEDOUT}, {@code EINTR}, {@code EFAULT} (an entry's page is not mapped), or
     *         another errno of a kernel that lacks or refuses the call
     */
    static long waitv(MemorySegment vector, int count, long deadlineNanos, MemorySegment timespec) {
        MemorySegment timeout = MemorySegment.NULL;
        if (deadlineNanos != Long.MAX_VALUE) {
            timespec.set(JAVA_LONG, 0, deadlineNanos / 1_000_000_000L);
            timespec.set(JAVA_LONG, 8, deadlineNanos % 1_000_000_000L);
            timeout = timespec;
        }
        MemorySegment state = Libc.captureState();
        long rc;
        try {
            rc = (long) Syscall.H.invokeExact(state, SYS_FUTEX_WAITV, vector.address(), (long) count,
                    0L, timeout.address(), (long) CLOCK_MONOTONIC);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        return rc >= 0 ? rc : -Libc.errno(state);
    }

    /**
     * Whether this kernel runs {@code futex_waitv} (Linux 5.16+, and no seccomp filter refusing it):
     * asked once, with a call that returns at once ({@code EAGAIN}) where it is available. A platform
     * thread's {@link #await} and every {@link #awaitOnce} need it; a virtual thread's {@link #await}
     * does not (its watchers then sleep with {@code FUTEX_WAIT}, one word each).
     */
    public static boolean isAvailable() {
        return Availability.ERRNO == 0;
    }

    /** Why {@code futex_waitv} does not work here (the probe's errno, or the native layer's cause), or empty. */
    public static Optional<String> unavailabilityCause() {
        if (isAvailable()) {
            return Optional.empty();
        }
        return Optional.of(Availability.ERRNO < 0 ? Libc.unavailabilityCause().orElse("no native layer")
                : Errno.name(Availability.ERRNO) + " (" + Errno.description(Availability.ERRNO)
                        + ") from futex_waitv: Linux 5.16 or later is needed, and no seccomp filter refusing it");
    }

    /**
     * Throws {@link UnsupportedOperationException} with the {@linkplain #unavailabilityCause() cause}
     * when {@code futex_waitv} is unavailable; its cause is the probe's {@link io.jipc.ErrnoException}
     * (e.g. {@code ENOSYS} before Linux 5.16, {@code EPERM} under a seccomp filter).
     */
    public static void ensureAvailability() {
        if (!isAvailable()) {
            UnsupportedOperationException e = new UnsupportedOperationException(
                    "futex_waitv unavailable: " + unavailabilityCause().orElseThrow());
            if (Availability.ERRNO > 0) {
                e.initCause(Errno.exception(Availability.ERRNO, "futex_waitv", "a probe word"));
            }
            throw e;
        }
    }

    private static final class Availability {
        /** 0: available; the probe's errno; -1: no native layer. */
        static final int ERRNO = probe();

        private static int probe() {
            if (!Libc.isAvailable()) {
                return -1;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment word = arena.allocate(4, 4); // zero
                MemorySegment vector = arena.allocate(WAITV_LENGTH, 8);
                entry(vector, 0, word.address(), 1); // not the word's value: the call returns at once
                long rc = waitv(vector, 1, Long.MAX_VALUE, arena.allocate(16, 8));
                if (rc == -Errno.EAGAIN) {
                    return 0;
                }
                return rc < 0 ? (int) -rc : Errno.EINVAL; // a word that differs cannot be woken: a kernel bug
            }
        }
    }
}
