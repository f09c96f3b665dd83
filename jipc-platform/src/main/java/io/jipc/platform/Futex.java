package io.jipc.platform;

import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Blocking on a 32-bit word in shared memory, across processes, with {@code futex(2)}.
 *
 * <p>{@link #await} sleeps until the word no longer holds the expected value, somebody calls
 * {@link #wake}, the deadline passes or the thread is interrupted. It may also return early
 * (spuriously): callers always re-check their condition in a loop, which is also how they see a
 * deadline or an interruption.
 *
 * <h2>Threads</h2>
 * <ul>
 * <li>A <b>platform thread</b> sleeps in the {@code futex} system call itself. Without a deadline
 *     it sleeps without a kernel timer (arming one per wait costs more than the wake-up itself on
 *     virtual machines); {@link Thread#interrupt()} cannot reach a thread inside a system call, so
 *     while such sleepers exist an <em>interrupt watchdog</em> thread looks every
 *     {@link #SLICE_NANOS} for interrupted sleepers and wakes their word with {@code FUTEX_WAKE}
 *     (the other sleepers on that word wake spuriously and sleep again). A thread registers with
 *     the watchdog once, on its first such sleep; each later sleep only sets and clears the word
 *     it sleeps on (no map entry, no boxed address). With a deadline it sleeps at most
 *     {@link #SLICE_NANOS} at a time.</li>
 * <li>A <b>virtual thread</b> must not sleep in a native call: it would pin its carrier, and a few
 *     such waits would starve every other virtual thread. It parks, without slices (an interrupt
 *     unparks it), and a watcher platform thread of {@link VirtualFutexWaits} sleeps on its word
 *     on its behalf, together with up to 126 other words in one {@code futex_waitv(2)}, and
 *     unparks it when the word changes or a wake arrives.</li>
 * </ul>
 *
 * <p>The word must lie in a {@code MAP_SHARED} mapping; the non-private futex operations are used so
 * that waiters and wakers may be in different processes. A wait on a word whose mapping is gone
 * when it begins returns early (the kernel reports {@code EFAULT}), never with a crash. A platform
 * thread already asleep without a deadline when its word's page goes (the file truncated by another
 * process) cannot be woken at all, by the watchdog either: a wake finds the sleepers through the
 * word's page ({@code EFAULT}); waits with a deadline still end with their slice.
 */
public final class Futex {
    /** Longest single sleep in the kernel; bounds how late an interruption is noticed. */
    public static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * Every platform thread that has slept without a deadline (until the watchdog sees it dead),
     * with the word it sleeps on now, if any.
     */
    private static final Set<Sleeper> SLEEPERS = ConcurrentHashMap.newKeySet();
    /** The calling thread's entry in {@link #SLEEPERS}, once it has slept without a deadline. */
    private static final ThreadLocal<Sleeper> SLEEPER = new ThreadLocal<>();
    private static final Object WATCHDOG_LOCK = new Object();
    private static Thread watchdog;

    private Futex() {
    }

    /**
     * Sleeps while the word at {@code address} holds {@code expected}, until a wake, the deadline
     * ({@link System#nanoTime()} based; {@link Long#MAX_VALUE} for none) or an interrupt.
     *
     * @throws InterruptedException if the thread is interrupted before or while waiting
     */
    public static void await(long address, int expected, long deadlineNanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long remaining = deadlineNanos == Long.MAX_VALUE ? SLICE_NANOS : deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            return;
        }
        long slice = Math.min(remaining, SLICE_NANOS);
        if (Thread.currentThread().isVirtual()) {
            // parked, not in a system call: an interrupt unparks it at once, so it is not sliced
            VirtualFutexWaits.shared().await(address, expected, deadlineNanos);
        } else if (deadlineNanos == Long.MAX_VALUE) {
            Sleeper self = sleeper();
            self.address = address; // before the watchdog check: see watch()
            ensureWatchdog();
            try {
                if (!self.thread.isInterrupted()) {
                    Libc.futexWait(address, expected, -1);
                }
            } finally {
                self.address = Sleeper.AWAKE;
            }
        } else {
            Libc.futexWait(address, expected, slice);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /**
     * As {@link #await(long, int, long)}, for a word inside {@code memory}, a mapping that another
     * thread of this process may close (unmap) while this one waits or is about to: an interrupt seen
     * once {@code memory} is closed throws {@link IllegalStateException} (the JDK's exception for an
     * access to closed memory, which callers already take for "closed under me"), leaving the
     * thread's interrupt status set, instead of {@link InterruptedException}.
     *
     * <p>Why: when a thread closes a shared arena while another thread is inside an access of its
     * memory, the JDK (22 and later) stops that access with an asynchronous exception and, for a
     * platform thread, also sets its interrupt status, although nobody called {@code interrupt()}
     * (measured on JDK 25: in about 2 % of such closes; a virtual thread is only unparked). A caller
     * whose last access took that hit and then came here would report the other thread's close as
     * an interruption. The status stays set because it may also be a real interrupt: only the
     * thread's owner can tell.
     *
     * @throws IllegalStateException if interrupted after {@code memory} was closed
     * @throws InterruptedException  if interrupted before or while waiting, {@code memory} open
     */
    public static void await(MemorySegment memory, long address, int expected, long deadlineNanos)
            throws InterruptedException {
        try {
            await(address, expected, deadlineNanos);
        } catch (InterruptedException e) {
            if (memory.scope().isAlive()) {
                throw e;
            }
            Thread.currentThread().interrupt(); // the status await() took: it may be a real interrupt too
            throw new IllegalStateException("Already closed: the memory of a futex word was unmapped while"
                    + " this thread waited on it", e);
        }
    }

    /** The calling platform thread's entry in {@link #SLEEPERS}, registered on first use. */
    private static Sleeper sleeper() {
        Sleeper self = SLEEPER.get();
        if (self == null) {
            self = new Sleeper(Thread.currentThread());
            SLEEPER.set(self);
            SLEEPERS.add(self);
        }
        return self;
    }

    /** Whether the interrupt watchdog knows of {@code thread} now (for tests). */
    static boolean isRegistered(Thread thread) {
        return SLEEPERS.stream().anyMatch(sleeper -> sleeper.thread == thread);
    }

    private static void ensureWatchdog() {
        synchronized (WATCHDOG_LOCK) {
            if (watchdog == null) {
                watchdog = Thread.ofPlatform().daemon().name("jipc-futex-interrupt-watchdog").start(Futex::watch);
            }
        }
    }

    /**
     * Wakes the word of every untimed sleeper whose thread was interrupted and forgets threads that
     * ended; ends when nobody sleeps. A sleeper sets its word before it calls
     * {@link #ensureWatchdog()}, so either this check (under the same lock) sees the word, or the
     * sleeper finds no watchdog and starts one.
     */
    private static void watch() {
        while (true) {
            try {
                TimeUnit.NANOSECONDS.sleep(SLICE_NANOS);
            } catch (InterruptedException e) {
                // keep watching: this thread is not interruptible by design
            }
            boolean anyAsleep = false;
            for (Sleeper sleeper : SLEEPERS) {
                long address = sleeper.address;
                if (address == Sleeper.AWAKE) {
                    if (!sleeper.thread.isAlive()) {
                        SLEEPERS.remove(sleeper);
                    }
                    continue;
                }
                anyAsleep = true;
                if (sleeper.thread.isInterrupted()) {
                    try {
                        Libc.futexWake(address, Integer.MAX_VALUE);
                    } catch (RuntimeException unmapped) {
                        // EFAULT: the word's page is gone. Unmapped before the sleep: that returned
                        // at once. Truncated during it: nothing can wake the sleeper (see the class comment)
                    }
                }
            }
            if (!anyAsleep) {
                synchronized (WATCHDOG_LOCK) {
                    if (SLEEPERS.stream().allMatch(sleeper -> sleeper.address == Sleeper.AWAKE)) {
                        watchdog = null;
                        return;
                    }
                }
            }
        }
    }

    /** A platform thread that sleeps without a deadline, and the word it sleeps on now. */
    private static final class Sleeper {
        /** The word of a thread that does not sleep now (a futex word is never at address 0). */
        static final long AWAKE = 0;

        final Thread thread;
        volatile long address = AWAKE;

        Sleeper(Thread thread) {
            this.thread = thread;
        }
    }

    /** Wakes every waiter on the word at {@code address}, in every process. */
    public static void wakeAll(long address) {
        Libc.futexWake(address, Integer.MAX_VALUE);
    }

    /**
     * Wakes up to {@code count} waiters on the word at {@code address}, in every process. A waiter
     * that is a virtual thread's watcher counts as one and releases all the virtual threads it
     * sleeps for (they re-check their condition).
     */
    public static void wake(long address, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("count " + count + " <= 0");
        }
        Libc.futexWake(address, count);
    }
}
