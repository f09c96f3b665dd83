package io.jipc.filelock;

import io.jipc.JipcException;
import io.jipc.platform.FileLocks;
import io.jipc.platform.Libc;
import io.jipc.platform.Signals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One blocking lock acquisition, waited for in the kernel ({@code F_OFD_SETLKW}) on a platform
 * thread of its own, that the caller can give up on (deadline, interrupt, close).
 *
 * <p>The kernel's wait has no timeout and a Java interrupt cannot reach a thread inside a system
 * call. So the wait runs on a helper platform thread (an OFD lock belongs to the open file
 * description, not to a thread, so any thread may take it for the caller), while the caller waits
 * for it in Java — timed, interruptible, parked without pinning if it is a virtual thread. To give
 * up, the caller sends the helper thread the JDK's own I/O interrupt signal ({@code SIGRTMAX-2},
 * which the JDK installs without {@code SA_RESTART} to make {@code FileChannel.lock} interruptible),
 * so that the kernel returns {@code EINTR}; it repeats the signal every few milliseconds until the
 * helper has left its loop, which covers a signal that arrives just before the helper enters the
 * kernel. No polling of the lock: the kernel queues the waiter and wakes it when the lock is free.
 * The helper first unblocks the signal in its own signal mask: a JVM started by a parent that had
 * blocked it inherits the blocked mask in every thread, and the signal would stay pending instead
 * of ending the wait.
 *
 * <p>Should the helper still not leave the kernel — the signal's disposition was changed after the
 * {@linkplain #probe() probe}, or it has not left {@value #GIVE_UP_SECONDS} s after the first
 * signal — the caller gives up on it instead of waiting for ever: {@link #cancel()} returns false
 * and the helper is <em>abandoned</em>. It stays in the kernel; if it gets the lock it releases it
 * at once, and a descriptor handed to {@link #closeWhenLeft(int)} is closed by it, not before.
 *
 * <p>If the helper got the lock at the moment the caller gave up, a timed-out caller keeps it (it
 * was acquired within the deadline, give or take the hand-over) and an interrupted caller releases
 * it before throwing.
 */
final class LockWaiter {
    /** {@code __SIGRTMAX - 2}: the JDK's NIO interrupt signal on Linux. */
    static final int INTERRUPT_SIGNAL = 62;
    private static final long RESIGNAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    static final int GIVE_UP_SECONDS = 10;
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(GIVE_UP_SECONDS);
    private static final String UNAVAILABLE = probe();

    private final int fd;
    private final short type;
    private final String subject;
    /** The signal that ends the helper's wait: {@link #INTERRUPT_SIGNAL} but in tests. */
    private final int signal;
    private final CountDownLatch done = new CountDownLatch(1);
    /**
     * Counted down when the helper has left ({@link #done}) or was abandoned by any thread: what
     * {@link #await} waits for, so that a {@link #cancel()} of another thread (a close) that gives up
     * on the helper also ends the caller's wait.
     */
    private final CountDownLatch settled = new CountDownLatch(1);
    private volatile boolean cancelled;
    private volatile boolean acquired;
    private volatile Throwable failure;
    /** Kernel id of the helper thread, 0 before it runs; guarded by {@code this}. */
    private int tid;
    /** The helper has left its loop and may exit; guarded by {@code this}. */
    private boolean finished;
    /** Why the caller gave up on a helper it could not end, or null; guarded by {@code this}. */
    private String abandoned;
    /** A descriptor the abandoned helper closes when it leaves, or -1; guarded by {@code this}. */
    private int closeOnLeaving = -1;

    LockWaiter(int fd, short type, String subject) {
        this(fd, type, subject, INTERRUPT_SIGNAL);
    }

    /** With another signal to end the wait: for tests of a signal that cannot end it. */
    LockWaiter(int fd, short type, String subject, int signal) {
        this.fd = fd;
        this.type = type;
        this.subject = subject;
        this.signal = signal;
    }

    /** Why blocking waits cannot be given up on in this JVM, or empty when they can. */
    static Optional<String> unavailabilityCause() {
        return Optional.ofNullable(UNAVAILABLE);
    }

    /*
     * The JDK installs the handler of its interrupt signal when its NIO thread signalling is first
     * used; a read from a FileChannel does that. Then the disposition is checked, not assumed: a
     * signal without a handler would kill the process.
     */
    static String probe() {
        // with an interrupt pending the channel would close itself (ClosedByInterruptException) and
        // make blocking waits unavailable for the life of the process: kept aside, then restored
        boolean interrupted = Thread.interrupted();
        try (FileChannel channel = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.READ)) {
            channel.read(ByteBuffer.allocate(1));
        } catch (IOException e) {
            return "cannot read /dev/null: " + e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (!Signals.interruptsWithoutRestart(INTERRUPT_SIGNAL)) {
            return "this JVM has no handler for signal " + INTERRUPT_SIGNAL + " (the JDK's I/O interrupt signal) "
                    + "that interrupts system calls, so a blocked lock wait could not be ended";
        }
        return null;
    }

    /** Starts the helper thread, which waits in the kernel until it has the lock or is cancelled. */
    void start() {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException("blocking file-lock waits are unavailable: " + UNAVAILABLE);
        }
        Thread.ofPlatform().daemon().name("jipc-filelock-wait-fd" + fd).start(this::run);
    }

    private void run() {
        try {
            synchronized (this) {
                tid = Signals.gettid();
            }
            // blocked in the mask this JVM inherited, the signal would stay pending and never end the
            // wait; the mask is this thread's own and dies with it
            Signals.setBlockedInThisThread(signal, false);
            while (!cancelled) {
                if (FileLocks.lockOrInterrupt(fd, type, subject)) {
                    acquired = true;
                    break;
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            synchronized (this) {
                finished = true;
                if (abandoned != null) {
                    leaveAbandoned();
                }
            }
            done.countDown();
            settled.countDown();
        }
    }

    /** The caller has given up on this helper: no lock is kept, a descriptor handed over is closed. */
    private void leaveAbandoned() {
        try {
            if (acquired) {
                FileLocks.unlock(fd, subject);
            }
        } catch (RuntimeException e) {
            // nobody to tell; closing the descriptor below releases the lock at the latest
        } finally {
            if (closeOnLeaving >= 0) {
                Libc.close(closeOnLeaving);
            }
        }
    }

    /**
     * Waits until the helper has the lock, the deadline passes ({@link System#nanoTime()} based,
     * {@link Long#MAX_VALUE} for none) or this thread is interrupted; then the helper is gone.
     *
     * @return whether the lock is held
     * @throws InterruptedException if interrupted (the lock is then not held)
     * @throws JipcException        if the helper could not be made to leave the kernel when the
     *                              deadline passed or the caller was interrupted: it is abandoned
     *                              (see {@link #cancel()}), no lock is held, an interrupt stays set
     */
    boolean await(long deadlineNanos) throws InterruptedException {
        InterruptedException interrupted = null;
        boolean finishedInTime;
        try {
            if (deadlineNanos == Long.MAX_VALUE) {
                settled.await();
                finishedInTime = true;
            } else {
                finishedInTime = settled.await(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            interrupted = e;
            finishedInTime = false;
        }
        if (!finishedInTime && !cancel()) {
            if (interrupted != null) {
                Thread.currentThread().interrupt();
            }
            throw new JipcException("could not end the wait for a lock on " + subject + ": " + abandonedCause());
        }
        if (abandonedCause() != null) {
            // another thread's cancel (a close) gave up on the helper: a lock it gets later is given up
            if (interrupted != null) {
                throw interrupted;
            }
            return false;
        }
        if (failure != null) {
            throw failure instanceof RuntimeException r ? r : new JipcException("lock wait failed", failure);
        }
        if (interrupted != null) {
            throw interrupted; // the caller releases a lock the helper got meanwhile (acquired()), under its state lock
        }
        return acquired;
    }

    /** Whether the helper got the lock; read once {@link #await} has returned or thrown. */
    boolean acquired() {
        return acquired;
    }

    /**
     * Makes the helper give up and returns once it has (or has got the lock meanwhile). Any thread
     * may call this, more than once; it does not respond to interrupts (the helper leaves within
     * a few milliseconds) but keeps the caller's interrupt status.
     *
     * <p>If the signal cannot end the helper's wait — its disposition no longer interrupts system
     * calls, or the helper is still in its loop {@value #GIVE_UP_SECONDS} s after the first
     * signal — the helper is abandoned instead ({@link #abandonedCause()}): it releases a lock it
     * gets later at once, and this returns false.
     *
     * @return true once the helper has left, false if it was abandoned
     */
    boolean cancel() {
        cancelled = true;
        boolean interrupted = false;
        long start = System.nanoTime();
        try {
            while (true) {
                synchronized (this) {
                    if (finished) {
                        return true;
                    }
                    if (abandoned != null) {
                        return false;
                    }
                    if (tid != 0) {
                        abandoned = cannotEnd(start);
                        if (abandoned != null) {
                            settled.countDown(); // ends a caller's await, also one on another thread
                            return false;
                        }
                        // the helper is alive until it sets finished under this monitor, so tid is its own
                        Signals.tgkill(tid, signal);
                    }
                }
                try {
                    if (done.await(RESIGNAL_NANOS, TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Why the signal cannot end the helper's wait, or null while it still may. */
    private String cannotEnd(long start) {
        if (!Signals.interruptsWithoutRestart(signal)) {
            return "signal " + signal + " no longer has a handler that interrupts system calls (its disposition "
                    + "was changed in this process), so the waiting thread cannot be made to leave the kernel";
        }
        if (System.nanoTime() - start > GIVE_UP_NANOS) {
            return "the waiting thread did not leave the kernel within " + GIVE_UP_SECONDS + " s of signal " + signal
                    + " (the signal does not reach it)";
        }
        return null;
    }

    /** Why {@link #cancel()} gave up on the helper, or null if it did not. */
    synchronized String abandonedCause() {
        return abandoned;
    }

    /**
     * Hands {@code descriptor} to an abandoned helper that is still in the kernel, which closes it
     * when it leaves (it waits on it); returns false, closing nothing, if the helper has left.
     */
    synchronized boolean closeWhenLeft(int descriptor) {
        if (finished) {
            return false;
        }
        closeOnLeaving = descriptor;
        return true;
    }

    /** Waits at most {@code timeout} for the helper to leave (for tests). */
    boolean awaitLeft(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit);
    }
}
