package io.jipc.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Blocking on several 32-bit futex words at once with {@code futex_waitv(2)} (Linux 5.16+): the
 * sleep ends when any word no longer holds its expected value, any is woken, or the deadline
 * passes. Used by selectors that wait for whichever of many channels becomes ready.
 *
 * <p>Like {@link Futex}, a platform thread sleeps in the system call itself, in slices of at most
 * {@link Futex#SLICE_NANOS} so that an interrupt is noticed; a virtual thread does not pin its
 * carrier: the system call runs on a helper platform thread while the virtual thread parks. The
 * words must lie in {@code MAP_SHARED} mappings (shared futexes, any process may wake them).
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

    private static final class Helpers {
        static final ExecutorService POOL = Executors.newCachedThreadPool(task ->
                Thread.ofPlatform().daemon().name("jipc-futex-waitv").unstarted(task));
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
        long sliceEnd = now + Futex.SLICE_NANOS;
        long until = deadlineNanos == Long.MAX_VALUE || sliceEnd - deadlineNanos < 0 ? sliceEnd : deadlineNanos;
        if (Thread.currentThread().isVirtual()) {
            CompletableFuture<Void> sleep = CompletableFuture.runAsync(() -> waitv(addresses, expected, until),
                    Helpers.POOL);
            try {
                sleep.get();
            } catch (ExecutionException e) {
                throw Libc.rethrow(e.getCause());
            }
        } else {
            waitv(addresses, expected, until);
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
     * @throws IllegalArgumentException if there are no words or more than {@link #MAX_WORDS}
     */
    public static void awaitOnce(long[] addresses, int[] expected, long deadlineNanos) {
        checkWords(addresses, expected);
        Libc.ensureAvailability();
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
                long at = (long) WAITV_LENGTH * i;
                waiters.set(JAVA_LONG, at, Integer.toUnsignedLong(expected[i]));
                waiters.set(JAVA_LONG, at + 8, addresses[i]);
                waiters.set(JAVA_INT, at + 16, FUTEX2_SIZE_U32); // shared (no FUTEX2_PRIVATE)
            }
            MemorySegment timeout = MemorySegment.NULL;
            if (deadlineNanos != Long.MAX_VALUE) {
                timeout = arena.allocate(16, 8);
                timeout.set(JAVA_LONG, 0, deadlineNanos / 1_000_000_000L);
                timeout.set(JAVA_LONG, 8, deadlineNanos % 1_000_000_000L);
            }
            MemorySegment state = Libc.captureState();
            long rc;
            try {
                rc = (long) Syscall.H.invokeExact(state, SYS_FUTEX_WAITV, waiters.address(), (long) addresses.length,
                        0L, timeout.address(), (long) CLOCK_MONOTONIC);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc >= 0) {
                return;
            }
            int errno = Libc.errno(state);
            if (errno == Errno.EAGAIN || errno == Errno.ETIMEDOUT || errno == Errno.EINTR || errno == Errno.EFAULT) {
                return;
            }
            throw Errno.exception(errno, "futex_waitv", addresses.length + " words");
        }
    }
}
