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
 * yield, then park in short steps.
 *
 * <p>Not reentrant: a thread that holds the gate (e.g. with an open claim) and tries to enter again
 * gets an {@link IllegalStateException} instead of a deadlock.
 */
final class RoleGate {
    private static final VarHandle STATE;
    private static final long PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

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

    void lock() {
        if (!STATE.compareAndSet(this, 0, 1)) {
            lockSlowly();
        }
        owner = Thread.currentThread();
    }

    private void lockSlowly() {
        if (owner == Thread.currentThread()) {
            throw new IllegalStateException("this thread already holds this role of the mailbox");
        }
        for (int i = 0; !STATE.compareAndSet(this, 0, 1); i++) {
            if (i < 100) {
                Thread.onSpinWait();
            } else if (i < 200) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(this, PARK_NANOS);
            }
        }
    }

    void unlock() {
        owner = null;
        STATE.setRelease(this, 0);
    }

    boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }
}
