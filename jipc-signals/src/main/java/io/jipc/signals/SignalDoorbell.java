package io.jipc.signals;

import io.jipc.ClosedException;
import io.jipc.Timeouts;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A doorbell rung by a signal: it remembers that a signal was delivered to this JVM since the last
 * time somebody looked, and lets threads wait for that.
 *
 * <p>Why a doorbell and not a message: the kernel keeps at most one pending instance of a standard
 * signal per process, so ten signals sent in a burst may be delivered once. A signal therefore says
 * "something happened at least once"; whatever must not be lost travels elsewhere (a mailbox, a
 * file) and the signal only says "look". The verbs follow {@link java.util.concurrent.BlockingQueue}:
 *
 * <table>
 * <caption>Verbs</caption>
 * <tr><th></th><th>at once</th><th>blocks</th><th>blocks at most</th></tr>
 * <tr><td>wait for a ring</td><td>{@link #poll()} → 0 if none</td><td>{@link #take()}</td>
 *     <td>{@link #poll(Duration)} → 0 on timeout</td></tr>
 * </table>
 * Each returns the number of deliveries since the previous look (at least 1 when it rang): never
 * more than the signals sent, often fewer. One look consumes the rings for every thread: with
 * several waiters, one of them sees each ring. {@link #deliveries()} counts every delivery since
 * the doorbell was opened.
 *
 * <h2>How a signal gets here</h2>
 * HotSpot catches the signal in native code and hands it to its <em>Signal Dispatcher</em> thread,
 * which starts a short-lived platform thread named like {@code "SIGUSR1 handler"}; that thread
 * rings every open doorbell of the signal (a counter increment and a wake-up) and ends. No user code
 * runs there: the thread that returns from {@link #take()} runs it, or the virtual thread of a
 * {@link SignalListener}.
 *
 * <h2>Ownership of the signal</h2>
 * While at least one doorbell of a signal is open in this JVM, jipc owns the signal's handler; when
 * the last one closes, the handler that was there before is put back (for {@code SIGTERM},
 * {@code SIGINT}, {@code SIGHUP} that is the JVM's own: shutdown hooks, exit status 128 + n). So
 * while a {@code SIGTERM} doorbell is open, {@code SIGTERM} no longer ends the JVM: the program
 * decides. Code outside jipc that installs a handler for the same signal in the meantime breaks
 * this; don't. A doorbell still open when the JVM exits keeps the signal until the process is gone;
 * one closed just before the end gives the signal its previous action back for the time the JVM
 * takes to exit (10-250 ms), in which a further delivery takes that action (a {@code SIGUSR1} kills
 * the process, a {@code SIGTSTP} stops it). A program that ends while the signal may still come
 * therefore leaves its doorbell open, as {@code jipc signal wait} does.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of the dispatching thread before a ring happen-before the return of the {@code take} or
 * {@code poll} that reports it. Across processes, a signal orders nothing by itself in the Java
 * memory model: data the sender wrote must travel through a mechanism with its own ordering (a
 * mailbox, a locked file).
 *
 * <p>Thread-safe; waits are interruptible and never pin a virtual thread's carrier.
 */
public final class SignalDoorbell implements AutoCloseable {
    /** Timeouts this long or longer (292 years) wait without a limit: their nanoseconds overflow a long. */
    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private final Signal signal;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition rang = lock.newCondition();
    /** Written under {@link #lock}; volatile for the lock-free reader {@link #deliveries()}. */
    private volatile long deliveries;
    /** Deliveries already reported by a look; guarded by {@link #lock}. */
    private long seen;
    /** Written under {@link #lock}; volatile for the lock-free reader {@link #isClosed()}. */
    private volatile boolean closed;

    private SignalDoorbell(Signal signal) {
        this.signal = signal;
    }

    /**
     * Opens a doorbell for {@code signal}: from now on its deliveries to this JVM ring it instead of
     * taking their previous action. Does not block (the first doorbell of a signal installs its
     * handler, and for a blocked signal waits the moment its receiver thread takes to start); any
     * thread may call it.
     *
     * <p>{@code SIGCHLD} rings when a child process of this JVM ends, stops or continues, also when
     * the doorbell was opened before the JVM's first {@code ProcessBuilder.start()}: the first
     * {@code SIGCHLD} doorbell initializes the JDK's process support, which resets {@code SIGCHLD}
     * to the default action once per JVM, before it installs the handler. The JDK still reaps the
     * children ({@code Process.waitFor()} is not affected).
     *
     * <p>A signal <em>blocked</em> in this process still rings. The signal mask is per thread, and a
     * thread starts with the mask of the thread that created it, so a signal the JVM inherited blocked
     * from its parent across {@code exec} is blocked in every Java thread (HotSpot unblocks only the
     * signals it uses itself) and would stay pending for ever. If the calling thread blocks the
     * signal, the first doorbell of it therefore starts a daemon platform thread of jipc's,
     * {@code "jipc-signal-SIGxxx-receiver"}, which unblocks the signal for itself only (so the kernel
     * delivers it there; one already pending rings at once), and waits for it to do so; the last
     * doorbell's {@link #close()} blocks it there again before the previous handler comes back. The
     * masks of the other threads are left as they are.
     *
     * @throws IllegalArgumentException if the JVM keeps the signal for itself
     *                                  ({@link Signal#reservedBecause()}), or refuses or ignores it in
     *                                  this process (e.g. {@code SIGHUP} under {@code nohup},
     *                                  {@code SIGINT} in a background job of a script), or if this JVM
     *                                  runs no Java signal handlers at all ({@link #unavailableBecause()}:
     *                                  {@code -Xrs})
     * @throws IllegalStateException    if, after the handler was installed, this process's disposition
     *                                  of the signal is still the default action or ignored (changed
     *                                  outside jipc): such a doorbell could never ring
     */
    public static SignalDoorbell open(Signal signal) {
        Objects.requireNonNull(signal, "signal");
        SignalDoorbell doorbell = new SignalDoorbell(signal);
        SignalRouter.add(doorbell);
        return doorbell;
    }

    /**
     * Why no doorbell can be opened in this JVM whatever the signal, or empty. A JVM started with
     * {@code -Xrs} ({@code -XX:+ReduceSignalUsage}) starts no thread to run Java signal handlers, so
     * a doorbell would never ring (and the deliveries would be lost); {@link #open} refuses it.
     * Read once from the JVM's options; safe from any thread.
     */
    public static Optional<String> unavailableBecause() {
        return SignalRouter.unavailableBecause();
    }

    /** The signal that rings this doorbell. */
    public Signal signal() {
        return signal;
    }

    /** Called by the router on the JDK's handler thread: counts one delivery and wakes the waiters. */
    void ring() {
        lock.lock();
        try {
            deliveries++;
            rang.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns at once the number of deliveries since the previous look, 0 if it has not rung, and
     * marks them seen.
     *
     * @throws ClosedException if the doorbell is closed
     */
    public long poll() {
        lock.lock();
        try {
            ensureOpen();
            return look();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the doorbell has rung since the previous look, then returns the number of
     * deliveries since then (at least 1) and marks them seen. A ring already there is returned also
     * to an interrupted thread, which keeps its interrupt status.
     *
     * @throws InterruptedException if interrupted before or while waiting (the status is cleared)
     * @throws ClosedException      if the doorbell is or gets closed
     */
    public long take() throws InterruptedException {
        return await(-1);
    }

    /**
     * Like {@link #take()}, but waits at most {@code timeout}; returns 0 if it did not ring in time.
     * An interrupted thread gets a ring already there; without one it gets the exception, also for a
     * zero or negative timeout (only {@link #poll()} never looks at the interrupt status).
     *
     * @throws InterruptedException if interrupted before or while waiting, or at the timeout
     * @throws ClosedException      if the doorbell is or gets closed
     */
    public long poll(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return await(timeout.compareTo(FOREVER) >= 0 ? -1 : Timeouts.nanos(timeout));
    }

    /**
     * Waits for a ring at most {@code nanos} (negative: without a limit); 0 if none came. The lock is
     * held only for moments, so it is taken whatever the interrupt status: a doorbell that has rung
     * is reported to an interrupted thread too (which keeps its status); one that has not throws for
     * it, also with a zero timeout (docs/architecture.md, "Interrupts and timeouts").
     */
    private long await(long nanos) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                ensureOpen();
                if (deliveries != seen) {
                    return look();
                }
                if (nanos < 0) {
                    rang.await();
                } else if (nanos == 0) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    return 0;
                } else {
                    nanos = Math.max(0, rang.awaitNanos(nanos));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Every delivery since the doorbell was opened, seen or not. */
    public long deliveries() {
        return deliveries;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the doorbell: threads waiting on it get a {@link ClosedException}; if it was the last
     * open doorbell of its signal, the signal's previous handler is put back (after a receiver thread
     * of a blocked signal, see {@link #open}, blocked it again and ended). Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            rang.signalAll();
        } finally {
            lock.unlock();
        }
        SignalRouter.remove(this);
    }

    private long look() {
        long fresh = deliveries - seen;
        seen = deliveries;
        return fresh;
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("the " + signal + " doorbell is closed");
        }
    }

    @Override
    public String toString() {
        return "SignalDoorbell[" + signal + (isClosed() ? ", closed" : "") + "]";
    }
}
