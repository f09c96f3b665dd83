package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

/**
 * A condition variable in shared memory: threads of any processes wait, with a {@link ProcessMutex}
 * held, until another thread signals that the state the mutex protects has changed.
 *
 * <p>Use it as a monitor, re-checking the predicate in a loop:
 * <pre>{@code
 * mutex.lock();
 * try {
 *     while (!ready(shared)) {
 *         condition.await(mutex);          // releases the mutex while asleep, holds it again on return
 *     }
 *     ... use shared ...
 * } finally {
 *     mutex.unlock();
 * }
 * // elsewhere, with the mutex held: change shared, then condition.signal() or signalAll()
 * }</pre>
 *
 * <h2>Semantics</h2>
 * {@link #await} reads the condition's sequence number, registers as a sleeper, releases the mutex,
 * and sleeps in {@code futex} until the sequence number changes; then it takes the mutex again
 * (uninterruptibly, like {@link java.util.concurrent.locks.Condition}) and returns the outcome of
 * that acquisition: {@link Acquisition#OWNER_DIED} says a mutex owner died and the protected state
 * may need repair. {@link #signal()} wakes at least one sleeper (possibly more), {@link #signalAll()}
 * every sleeper; both only enter the kernel when somebody sleeps. Because the sequence number is
 * read before the mutex is released, a signal sent after that (with the mutex held, as the idiom
 * above does) is never lost. Wake-ups without a signal may happen: always re-check the predicate.
 *
 * <h2>When a process dies</h2>
 * Nothing is held by a waiter, so a waiter that dies affects nobody (except that signallers enter
 * the kernel for it until the count of sleepers is corrected by nobody: a cost, not a hazard). A
 * signaller that dies before signalling leaves the waiters asleep: use the timed {@link #await(ProcessMutex, Duration)}
 * where that matters. One killed while it signals, after moving the sequence number but before its
 * {@code FUTEX_WAKE}, has signalled: the waiters see the move within 100 ms (a waiting platform
 * thread, or the lookout of a handle's waiting virtual threads, looks again at least that often,
 * and a virtual waiter's sleep on the moved word ends at once) and return. The mutex's own robustness is described in {@link ProcessMutex}.
 *
 * <h2>Memory consistency effects</h2>
 * Those of the mutex: actions before a signaller releases the mutex happen-before actions of a
 * waiter after {@link #await} returns with the mutex.
 *
 * <h2>Layout</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Tag "COND" (written last)                    |  0
 *  +---------------------------------------------------------------+
 *  |                 Waiters (sleepers registered)                 |  4
 *  +---------------------------------------------------------------+
 *  |                  Sequence (the futex word)                    |  8
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero) ...                       |  12..63
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class ProcessCondition extends SyncHandle<ProcessCondition> {
    /** The tag of a formatted condition slot, and the kind of a named condition's file. */
    public static final int TAG = Slots.tag("COND");
    public static final int WAITERS_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 8;
    /** Bytes a condition needs. */
    public static final int SLOT_LENGTH = 64;


    /** This handle's threads counted in the shared sleeper word; guarded by {@link #lifecycle}. */
    private int registered;

    /** Attaches to a formatted slot (checked); {@code file} is the named object's file or {@code null}. */
    private ProcessCondition(MemorySegment slot, SharedSegment file) {
        super(Slots.attach(slot, SLOT_LENGTH, TAG, "condition"), file, "condition", WAITERS_OFFSET, SEQUENCE_OFFSET);
    }

    /** Formats a condition in {@code slot} ({@link #SLOT_LENGTH} bytes, 8-byte aligned). Call once. */
    public static void format(MemorySegment slot) {
        Slots.checkPlacement(slot, SLOT_LENGTH, "condition");
        Slots.clear(slot, SLOT_LENGTH);
        Slots.publish(slot, TAG);
    }

    /**
     * Attaches to the condition formatted in {@code slot}. The handle does not own the memory.
     *
     * @throws CorruptSegmentException if the slot holds no formatted condition
     */
    public static ProcessCondition in(MemorySegment slot) {
        return new ProcessCondition(slot, null);
    }

    /** Creates a named condition with permissions 0600; see {@link ProcessMutex#create(String, int)}. */
    public static ProcessCondition create(String name) {
        return create(name, 0600);
    }

    /**
     * Creates a named condition whose file has the permission bits {@code permissions}, applied
     * exactly; only processes of this user can use it, whatever they are:
     * {@link ProcessMutex#create(String, int)} says what {@code permissions} can and cannot do.
     *
     * @throws IllegalArgumentException if {@code permissions} are not permission bits that include {@code 0600}
     */
    public static ProcessCondition create(String name, int permissions) {
        return SyncFile.create(name, TAG, SLOT_LENGTH, permissions, ProcessCondition::format, ProcessCondition::new);
    }

    /** Opens a named condition created with permissions 0600. */
    public static ProcessCondition open(String name) {
        return open(name, 0600);
    }

    /** Opens a named condition created with {@code permissions}. */
    public static ProcessCondition open(String name, int permissions) {
        return SyncFile.open(name, TAG, permissions, ProcessCondition::new);
    }

    /** Removes a named condition's name; open handles keep working. Returns false if there was none. */
    public static boolean destroy(String name) {
        return SyncFile.destroy(name);
    }

    /**
     * Releases {@code mutex}, sleeps until signalled (or spuriously woken), and takes the mutex again.
     *
     * @return the outcome of taking the mutex again
     * @throws InterruptedException         if interrupted while asleep; the mutex is held again
     *                                      (check {@link ProcessMutex#isConsistent()}). Also if the
     *                                      thread is interrupted already when it calls: a wait never
     *                                      completes at once, so it throws without releasing the mutex,
     *                                      as {@code java.util.concurrent}'s conditions do
     *                                      (docs/architecture.md, "Interrupts and timeouts")
     * @throws ClosedException              if another thread closed this handle meanwhile; the mutex is
     *                                      held again
     * @throws IllegalMonitorStateException if the current thread does not hold {@code mutex}
     * @throws InternalError                ("a fault occurred in an unsafe memory access operation") if
     *                                      another process truncated the condition's or the mutex's
     *                                      file meanwhile (docs/synchronization.md, limits). The mutex
     *                                      is then held again if it could be retaken, which
     *                                      {@link ProcessMutex#isHeldByCurrentThread()} tells: so
     *                                      {@code finally { mutex.unlock(); }} throws nothing more when
     *                                      only the condition's file was cut. If the mutex's own memory
     *                                      faulted, it is not held (the fault of retaking it, if tried, is
     *                                      {@linkplain Throwable#getSuppressed() suppressed} in this
     *                                      error): unlock only if {@code isHeldByCurrentThread()}, or
     *                                      the unlock's {@link IllegalMonitorStateException} hides this
     *                                      error. Another {@link Error} ({@link StackOverflowError},
     *                                      {@link OutOfMemoryError}) is thrown as it is, the mutex not
     *                                      retaken: a lock tried on a stack that just overflowed could
     *                                      itself be cut between taking the owner word and recording the
     *                                      holder, and leave the mutex owned by nobody who can release it
     */
    public Acquisition await(ProcessMutex mutex) throws InterruptedException {
        return await(mutex, Blocking.FOREVER);
    }

    /**
     * Like {@link #await(ProcessMutex)}, but sleeps at most {@code timeout}. Whether the wait ended
     * by a signal or by the timeout is for the caller to see from its predicate and its clock. A
     * thread interrupted already gets {@link InterruptedException}, whatever the timeout (also zero or
     * negative), and keeps the mutex.
     */
    public Acquisition await(ProcessMutex mutex, Duration timeout) throws InterruptedException {
        return await(mutex, Blocking.deadline(timeout));
    }

    private Acquisition await(ProcessMutex mutex, long deadlineNanos) throws InterruptedException {
        Objects.requireNonNull(mutex, "mutex");
        ensureOpen();
        if (!mutex.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("await needs the mutex held by the current thread");
        }
        if (Thread.interrupted()) { // a wait that cannot complete at once: the library's rule
            throw new InterruptedException();
        }
        register();
        boolean unlocked = false;
        InterruptedException interrupted = null;
        RuntimeException closed = null;
        Error fault = null;
        int sequence = 0;
        Lookout lookout = word.lookout();
        boolean virtual = Thread.currentThread().isVirtual();
        try {
            sequence = word.sequence();
            mutex.unlock();
            unlocked = true;
            while (word.sequence() == sequence
                    && (deadlineNanos == Blocking.FOREVER || System.nanoTime() - deadlineNanos < 0)) {
                ensureOpen();
                if (virtual && !lookout.isHeldByCurrentThread()
                        && lookout.sleepUnlessTaken(word, sequence, deadlineNanos)) {
                    continue;
                }
                // bounded: a signaller killed after moving the sequence, before its FUTEX_WAKE, woke nobody
                word.sleep(sequence, Blocking.sleepUntil(deadlineNanos, System.nanoTime()));
            }
            ensureOpen(); // woken by close(): not a signal
        } catch (InterruptedException e) {
            interrupted = e;
        } catch (ClosedException e) {
            closed = e;
        } catch (IllegalStateException unmapped) {
            closed = closedDuring(unmapped);
        } catch (InternalError e) { // the condition's file truncated by another process (not another Error: see above)
            fault = e;
        } finally {
            try {
                deregister(fault);
            } finally {
                lookout.leave();
            }
        }
        if (fault != null) {
            throw retakeAfter(fault, mutex);
        }
        if (interrupted != null && unlocked) {
            passOnSignal(sequence);
        }
        Acquisition relocked = unlocked ? relock(mutex) : null; // the mutex is its own handle: held again
        if (closed != null) {
            throw closed;
        }
        if (interrupted != null) {
            throw interrupted;
        }
        return relocked;
    }

    /**
     * After an interrupted wait: a signal since {@code sequence} may have woken this thread (a
     * platform thread notices its interrupt only when the watchdog wakes it, up to 50 ms later, and
     * a wake-one in between picks it), so it is passed on to another waiter, if any; at worst that
     * one wakes spuriously, which a condition allows.
     */
    private void passOnSignal(int sequence) {
        synchronized (lifecycle) {
            if (!isClosed() && word.sequence() != sequence) {
                word.wakeIfWaiting(1);
            }
        }
    }

    /** Counts the calling thread as a sleeper of this handle; refused once the handle is closed. */
    private void register() {
        synchronized (lifecycle) {
            ensureOpen();
            word.waiters(); // read first: a truncated file faults here, not in the update (docs/synchronization.md, limits)
            word.register();
            registered++;
        }
    }

    /**
     * Uncounts the calling thread, unless {@link #close()} did (the memory may be unmapped since).
     * After a {@code fault} of the wait the count is read first, so that a truncated file faults in
     * that read rather than in the update (docs/synchronization.md, limits); a fault here is added
     * to {@code fault} and the thread stays counted (close uncounts it).
     */
    private void deregister(Error fault) {
        synchronized (lifecycle) {
            if (isClosed()) {
                return;
            }
            if (fault != null) {
                try {
                    word.waiters();
                } catch (Error again) {
                    fault.addSuppressed(again);
                    return;
                }
            }
            word.deregister();
            registered--;
        }
    }

    /**
     * After {@code fault} ended a wait: takes the mutex again if this thread no longer holds it (a
     * fault in its release leaves it unheld too), as every other end of a wait does, so the caller's
     * {@code finally { mutex.unlock(); }} releases it and {@code fault} is what the caller sees. If
     * that faults too (the mutex's file truncated as well), its fault is added to {@code fault} and
     * the mutex stays unheld. Returns {@code fault}, to be thrown.
     */
    private static Error retakeAfter(Error fault, ProcessMutex mutex) {
        if (!mutex.isHeldByCurrentThread()) {
            try {
                relock(mutex);
            } catch (Throwable again) {
                fault.addSuppressed(again);
            }
        }
        return fault;
    }

    /**
     * Wakes this handle's sleepers, then uncounts them while the memory is still mapped: their waits
     * end with {@link ClosedException}, holding the mutex again.
     */
    @Override
    void afterClosing() {
        if (registered > 0) {
            word.wakeIfWaiting(Integer.MAX_VALUE);
            for (; registered > 0; registered--) {
                word.deregister();
            }
        }
    }

    /** Takes the mutex again whatever interrupts arrive meanwhile; keeps the interrupt status. */
    private static Acquisition relock(ProcessMutex mutex) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return mutex.lock();
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

    @Override
    String describeState() {
        return "sequence " + word.sequence();
    }

    /** Wakes at least one thread waiting on this condition, if any. */
    public void signal() {
        counted(() -> {
            ensureOpen();
            word.wakeIfWaiting(1);
        });
    }

    /** Wakes every thread waiting on this condition. */
    public void signalAll() {
        counted(() -> {
            ensureOpen();
            word.wakeIfWaiting(Integer.MAX_VALUE);
        });
    }
}
