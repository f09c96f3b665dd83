package io.jipc.mailbox;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Mutual exclusion of the threads of one process that use a role of a mailbox (sending on a
 * single-sender mailbox, receiving): a compare-and-set to enter and a release store to leave (one
 * atomic instruction, where a {@link java.util.concurrent.locks.ReentrantLock} costs two).
 * Contention is the rare case (one thread per role is the norm); waiters spin briefly, then
 * yield a few times, then park in steps that double from 50 µs to 1 ms (a holder may hold for
 * long: a handler inside a receive, a binding, an open claim). Few yields: on an idle machine each
 * returns at once, so a long run of them only burns the CPU, and on a busy one each may give up a
 * whole scheduler slice (until 2026-12-07 a waiter yielded 100 times, up to about 0.4 s under load,
 * before it parked).
 *
 * <p>Not reentrant: a thread that holds the gate (e.g. with an open claim) and tries to enter again
 * gets an {@link IllegalStateException} instead of a deadlock.
 */
final class RoleGate {
    private static final VarHandle STATE;
    private static final long PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** The longest park step: the steps double from {@link #PARK_NANOS} while the gate stays held. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Spin-wait hints before the first yield. */
    private static final int SPINS = 100;
    /** Yields before the first park. */
    private static final int YIELDS = 10;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(RoleGate.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    private Thread owner;

    /**
     * The deadline of a lock that waits as long as the holder holds, not interruptibly: the
     * at-once calls' ({@code offer}, {@code poll}), whose wait here is another thread's call.
     */
    static final long UNTIL_FREE = Long.MIN_VALUE;

    /** No deadline: a blocking call's lock, which only an interrupt ends. */
    static final long NO_DEADLINE = Long.MAX_VALUE;

    /**
     * A deadline that has passed already: a lock that spins and yields briefly and gives up if
     * the holder stays (a selector's readiness check, which must not wait for a holder).
     */
    static long passedDeadline() {
        long now = System.nanoTime();
        return now == UNTIL_FREE ? now + 1 : now == NO_DEADLINE ? now - 1 : now;
    }

    void lock() {
        lock(UNTIL_FREE);
    }

    /**
     * Locks, waiting at most until {@code deadline} ({@link System#nanoTime()} based, {@link
     * #NO_DEADLINE} or {@link #UNTIL_FREE}); false if it gave up: the deadline passed or, unless
     * {@code UNTIL_FREE}, the thread was interrupted (its interrupt status is left set). A holder
     * may hold for long (a handler, an open claim, a binding): a blocking call must not wait past
     * its own deadline or an interrupt for it.
     */
    boolean lock(long deadline) {
        if (!STATE.compareAndSet(this, 0, 1) && !lockSlowly(deadline)) {
            return false;
        }
        owner = Thread.currentThread();
        return true;
    }

    /** Locks if the gate is free now; false at once otherwise (no spin, no yield). */
    boolean tryLock() {
        if (!STATE.compareAndSet(this, 0, 1)) {
            return false;
        }
        owner = Thread.currentThread();
        return true;
    }

    private boolean lockSlowly(long deadline) {
        if (owner == Thread.currentThread()) {
            throw new IllegalStateException("this thread already holds this role of the mailbox");
        }
        long park = PARK_NANOS;
        for (int i = 0; !STATE.compareAndSet(this, 0, 1); i++) {
            if (i < SPINS) {
                Thread.onSpinWait();
            } else if (i < SPINS + YIELDS) {
                Thread.yield();
            } else {
                if (deadline != UNTIL_FREE && givesUp(deadline)) {
                    return false;
                }
                LockSupport.parkNanos(this, park);
                park = Math.min(park * 2, MAX_PARK_NANOS); // held for long (a handler, a binding): fewer wake-ups
            }
        }
        return true;
    }

    /** Whether a bounded wait ends now: interrupted, or past {@code deadline}. */
    static boolean givesUp(long deadline) {
        return Thread.currentThread().isInterrupted()
                || (deadline != NO_DEADLINE && System.nanoTime() - deadline >= 0);
    }

    void unlock() {
        owner = null;
        STATE.setRelease(this, 0);
    }

    /** Whether some thread holds the gate now. */
    boolean isLocked() {
        return (int) STATE.getVolatile(this) != 0;
    }

    boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }
}
