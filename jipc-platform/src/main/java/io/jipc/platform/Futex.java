package io.jipc.platform;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
 *     such waits would starve every other virtual thread. It registers with a per-word watcher
 *     (one daemon platform thread per futex word with waiters in this process; it stays 100 ms
 *     after the last one left, for the next wait) and parks, without slices (an interrupt unparks
 *     it), until its deadline; the watcher sleeps in {@code futex} on everybody's behalf, up to
 *     {@link #WATCHER_SLICE_NANOS} at a time, and unparks the registered virtual threads when the
 *     word changes or a wake arrives.</li>
 * </ul>
 *
 * <p>The word must lie in a {@code MAP_SHARED} mapping; the non-private futex operations are used so
 * that waiters and wakers may be in different processes. If the mapping goes away, waits end with
 * an early return (the kernel reports {@code EFAULT}), never with a crash.
 */
public final class Futex {
    /** Longest single sleep in the kernel; bounds how late an interruption is noticed. */
    public static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * How long a virtual threads' watcher stays after its last waiter left, for the next one: starting
     * a platform thread per wait made each wait of a virtual thread cost a thread start.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * Longest single sleep of a virtual threads' watcher in the kernel. Its waiters' wake-ups do not
     * depend on it (every change they wait for comes with a wake, and interrupts unpark them); it
     * bounds how long a watcher whose waiters all left (timed out or interrupted) stays, and how long
     * it sleeps on a word whose expected value no longer concerns its oldest waiter. Short slices
     * here cost a wake-up per word 20 times a second: whole CPUs with thousands of words.
     */
    static final long WATCHER_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Every platform thread that has slept without a deadline (until the watchdog sees it dead),
     * with the word it sleeps on now, if any.
     */
    private static final Set<Sleeper> SLEEPERS = ConcurrentHashMap.newKeySet();
    /** The calling thread's entry in {@link #SLEEPERS}, once it has slept without a deadline. */
    private static final ThreadLocal<Sleeper> SLEEPER = new ThreadLocal<>();
    private static final Object WATCHDOG_LOCK = new Object();
    private static Thread watchdog;
    private static final ConcurrentHashMap<Long, Watcher> WATCHERS = new ConcurrentHashMap<>();
    /** Watcher threads started so far (for tests). */
    private static final AtomicLong WATCHER_STARTS = new AtomicLong();

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
            awaitVirtual(address, expected, deadlineNanos);
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

    /** How many virtual threads' watcher threads this process has started (for tests). */
    static long watcherStarts() {
        return WATCHER_STARTS.get();
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
                        // the mapping is gone: the sleeper has already been released with EFAULT
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

    // ---------------------------------------------------------------- virtual threads

    /**
     * Parks until the watcher of the word releases the waiter (the word changed or a wake came), the
     * deadline ({@link Long#MAX_VALUE}: none) or an interrupt. Not sliced: each periodic return of
     * thousands of waiting virtual threads cost a re-registration and a wake-up, which added up to
     * whole CPUs and starved the other virtual threads.
     */
    private static void awaitVirtual(long address, int expected, long deadlineNanos) {
        Waiter waiter = new Waiter(Thread.currentThread(), expected);
        Watcher watcher = WATCHERS.compute(address, (key, existing) -> {
            Watcher w = existing != null ? existing : new Watcher(key);
            w.add(waiter);
            return w;
        });
        watcher.startIfNeeded();
        while (!waiter.released && !Thread.currentThread().isInterrupted()) {
            if (deadlineNanos == Long.MAX_VALUE) {
                LockSupport.park(Futex.class);
                continue;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                break;
            }
            LockSupport.parkNanos(Futex.class, left);
        }
        watcher.remove(waiter);
    }

    private static final class Waiter {
        final Thread thread;
        final int expected;
        volatile boolean released;

        Waiter(Thread thread, int expected) {
            this.thread = thread;
            this.expected = expected;
        }
    }

    /** Sleeps in futex on one word for the virtual threads of this process that wait on it. */
    private static final class Watcher implements Runnable {
        private final long address;
        /** In registration order; a set, so that a waiter leaves in constant time however many wait. */
        private final LinkedHashSet<Waiter> waiters = new LinkedHashSet<>();
        private boolean running;

        Watcher(long address) {
            this.address = address;
        }

        synchronized void add(Waiter waiter) {
            waiters.add(waiter);
            notifyAll(); // a lingering thread watches again at once
        }

        synchronized void remove(Waiter waiter) {
            waiters.remove(waiter);
        }

        /**
         * Starts this watcher's thread unless it runs or nobody waits any more. A caller's waiter can
         * be gone already: released by a wake-up, after which the thread retired this watcher
         * (unregistered it); a thread started then would watch for nobody.
         */
        void startIfNeeded() {
            synchronized (this) {
                if (running || waiters.isEmpty()) {
                    return;
                }
                running = true;
            }
            WATCHER_STARTS.incrementAndGet();
            Thread.ofPlatform().daemon().name("jipc-futex-0x" + Long.toHexString(address)).start(this);
        }

        /**
         * Waits up to {@code nanos} for a waiter to register; whether one did. A virtual thread that
         * waits again soon (the next receive of a ping-pong) then finds this thread still running
         * instead of paying for a new one.
         */
        private synchronized boolean lingered(long nanos) {
            long deadline = System.nanoTime() + nanos;
            for (long left = nanos; waiters.isEmpty() && left > 0; left = deadline - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    // keep watching: this thread is not interruptible by design
                }
            }
            return !waiters.isEmpty();
        }

        /** The expected value of the oldest registered waiter, or {@code null} when none waits. */
        private synchronized Integer firstExpected() {
            return waiters.isEmpty() ? null : waiters.getFirst().expected;
        }

        /**
         * Leaves the map if still without waiters, and then ends; the map's lock orders this against
         * {@code add}. A watcher that is not (or no longer) the word's registered one gets no new
         * waiters, so it ends as soon as it has none: looping on a retirement that can never happen
         * would spin a CPU forever.
         */
        private boolean retire() {
            boolean[] retired = {false};
            WATCHERS.compute(address, (key, w) -> {
                synchronized (this) {
                    if (waiters.isEmpty()) {
                        running = false;
                        retired[0] = true;
                        return w == this ? null : w;
                    }
                }
                return w;
            });
            return retired[0];
        }

        @Override
        public void run() {
            while (true) {
                Integer expected = firstExpected();
                if (expected == null) {
                    if (!lingered(LINGER_NANOS) && retire()) {
                        return;
                    }
                    continue;
                }
                int rc;
                try {
                    rc = Libc.futexWait(address, expected, WATCHER_SLICE_NANOS);
                } catch (RuntimeException e) {
                    rc = Errno.EFAULT;
                }
                if (rc == Errno.ETIMEDOUT || rc == Errno.EINTR) {
                    continue;
                }
                // woken, or the word changed (EAGAIN), or the mapping is gone: everybody re-checks
                List<Waiter> released;
                synchronized (this) {
                    released = new ArrayList<>(waiters);
                    waiters.clear();
                }
                for (Waiter w : released) {
                    w.released = true;
                    LockSupport.unpark(w.thread);
                }
            }
        }
    }
}
