package io.jipc.mailbox;

import java.util.concurrent.locks.LockSupport;

/**
 * One role of a mailbox for the threads of this process (sending on a single-sender mailbox, or
 * receiving): a {@link RoleGate} that one thread at a time passes, and the lease that makes this
 * process the role's holder among processes, taken by the first thread that enters.
 *
 * <p>A thread may {@link #bind()} the role: it then holds the gate until it unbinds, and its own
 * {@link #enter()}s cost nothing.
 */
final class ProcessRole {
    private final RoleGate gate = new RoleGate();
    private final Runnable takeLease;
    private boolean leased;
    /** Whether a thread holds the gate through a binding (not for one call). */
    private volatile boolean bound;

    /** @param takeLease takes the role among processes, or throws (e.g. {@link MailboxBusyException}) */
    ProcessRole(Runnable takeLease) {
        this.takeLease = takeLease;
    }

    boolean isHeldByCurrentThread() {
        return gate.isHeldByCurrentThread();
    }

    /**
     * Passes the gate, unless the calling thread holds it already (a binding, or an open claim),
     * waiting as long as another thread holds it; takes the lease on first use. Returns whether it
     * took the gate, for {@link #exit}.
     */
    boolean enter() {
        return enter(RoleGate.UNTIL_FREE);
    }

    /**
     * {@link #enter()} for a blocking call: waits for the gate at most until {@code deadline} (see
     * {@link RoleGate#lock(long)}).
     *
     * @throws RoleBusy if it gave up (the deadline passed, or the thread was interrupted)
     */
    boolean enter(long deadline) {
        if (gate.isHeldByCurrentThread()) {
            return false;
        }
        if (!gate.lock(deadline)) {
            throw RoleBusy.INSTANCE;
        }
        leaseOrUnlock(() -> { });
        return true;
    }

    /**
     * With the gate held: runs {@code check}, then takes the process's lease if it has none yet; if
     * either throws, lets the gate go and rethrows.
     */
    private void leaseOrUnlock(Runnable check) {
        try {
            check.run();
            if (!leased) {
                takeLease.run();
                leased = true;
            }
        } catch (RuntimeException e) {
            gate.unlock();
            throw e;
        }
    }

    void exit(boolean entered) {
        if (entered) {
            gate.unlock();
        }
    }

    /**
     * Binds the role to the calling thread: at once if no other thread holds it (whatever the
     * interrupt status), else waiting until that thread's binding, call or claim ends, the handle
     * is closed ({@code checkOpen} throws, looked at every {@link #BIND_LOOK_NANOS}), or the thread
     * is interrupted (seen within a park step of the gate, at most 1 ms). Until 2026-12-07 the
     * wait ignored both and then bound a closed handle.
     *
     * @param checkOpen throws {@link io.jipc.ClosedException} once the handle is closed; also run
     *                  once the gate is passed, before the lease is taken
     * @throws MailboxException caused by an {@link InterruptedException} if interrupted while it
     *                          waits (the bind methods declare no {@code InterruptedException}):
     *                          nothing is bound, and the interrupt status stays set
     */
    RoleBinding bind(String description, Runnable checkOpen) {
        if (gate.isHeldByCurrentThread()) {
            throw new IllegalStateException("this thread already holds the " + description);
        }
        // a bounded lock gives up on an interrupt or at its deadline: a look at the close in between
        while (!gate.lock(System.nanoTime() + BIND_LOOK_NANOS)) {
            checkOpen.run(); // a close ends the wait also when the thread is interrupted by then
            if (Thread.currentThread().isInterrupted()) {
                throw new MailboxException("interrupted while waiting for another thread of this process to leave the "
                        + description + " (nothing bound; the interrupt status stays set)", new InterruptedException());
            }
        }
        leaseOrUnlock(checkOpen); // closed while it waited: ClosedException
        bound = true;
        return new RoleBinding(this);
    }

    /** How often a {@link #bind} that waits for another thread looks whether its handle was closed. */
    private static final long BIND_LOOK_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10);

    void unbind() {
        bound = false;
        gate.unlock();
    }

    /**
     * For the close of the process's last handle: takes the gate, so that no call of another thread
     * is inside the mapping while it is given up and unmapped, waiting for a call in progress (a
     * receive copying out, a handler) at most {@code waitNanos}, also when the calling thread is
     * interrupted (a close in a cleanup after an interrupt is common; the status is kept). Not taken
     * — false, the close goes on without it — while a binding holds it (its thread must not be inside
     * a call then), when the calling thread holds it itself (a close from a handler), or after
     * {@code waitNanos}. Release it with {@link #releaseAfterClose} once unmapped: the calls that
     * waited then find the mapping gone.
     */
    boolean holdForClose(long waitNanos) {
        boolean interrupted = Thread.interrupted(); // the gate's bounded lock would give up at once
        try {
            long end = System.nanoTime() + waitNanos;
            if (!bound && !gate.isHeldByCurrentThread() && gate.lock(RoleGate.passedDeadline())) {
                return true; // free, or freed while it spun and yielded briefly
            }
            // then a look every millisecond, parked in between: a binding taken meanwhile is seen within
            // 1 ms. (Until 2026-12-07 each look was a bounded lock of 1 ms, whose spins and yields took
            // all of it on a busy machine, so the close never parked while it waited for a handler.)
            while (!bound && !gate.isHeldByCurrentThread()) {
                if (gate.tryLock()) {
                    return true;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, Math.min(left, 1_000_000));
            }
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void releaseAfterClose(boolean held) {
        if (held) {
            gate.unlock();
        }
    }

    /**
     * Whether a thread holds the gate for a call (a send, a claim) rather than through a binding:
     * read after a volatile write of the caller's, it sees a gate taken before (the gate's
     * compare-and-set is a full fence).
     */
    boolean heldForASend() {
        return gate.isLocked() && !bound;
    }
}
