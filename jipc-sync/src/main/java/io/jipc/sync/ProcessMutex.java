package io.jipc.sync;

import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * A robust mutual-exclusion lock in shared memory for threads of any processes: when its owner
 * process dies, the next thread to acquire it is told ({@link Acquisition#OWNER_DIED}), never
 * deadlocked.
 *
 * <h2>Placement</h2>
 * In a slot of {@link #SLOT_LENGTH} bytes, 8-byte aligned (64-byte aligned keeps it on a cache line
 * of its own), of memory mapped shared by every process that uses it: format it once with
 * {@link #format}, then every process attaches with {@link #in}. Or as a named object of its own
 * under the jipc root: {@link #create}, {@link #open}, {@link #destroy}.
 *
 * <h2>Verbs</h2>
 * {@link #lock()} blocks, {@link #tryLock()} returns at once, {@link #tryLock(Duration)} blocks at
 * most the timeout; {@link #unlock()} releases. The acquiring verbs return an {@link Acquisition}.
 * Not reentrant: a thread that locks twice through one handle gets
 * {@link IllegalMonitorStateException}. Two handles of one process are two lockers, as two
 * processes are (the shared memory records the process, not the thread): a thread that holds the
 * lock through one handle and locks it through another waits for itself, forever with
 * {@link #lock()}; {@link #tryLock()} answers {@link Acquisition#NOT_ACQUIRED}.
 *
 * <h2>Ownership</h2>
 * The lock is owned by a <em>thread</em>: the thread that acquired it unlocks it, through the same
 * handle. The shared memory records the owner's <em>process</em> (pid and start time, see
 * {@link ProcessIdentity}), so other processes detect the owner's death, not a thread's end: a
 * thread that ends while holding the lock leaves it held until its process exits or the handle is
 * closed.
 *
 * <h2>When the owner dies</h2>
 * A waiter checks every 100 ms whether the owner process is alive (of the virtual threads waiting
 * through one handle, one does so for all of them; and {@link #tryLock()} checks once when the
 * lock is taken); if it is not, the waiter takes the lock over with a compare-and-set
 * of the owner word and gets {@link Acquisition#OWNER_DIED}. The mutex is then
 * <em>inconsistent</em>: every acquisition reports {@link Acquisition#OWNER_DIED} until a holder
 * repairs the protected data and calls {@link #markConsistent()}. (Unlike a POSIX robust mutex,
 * unlocking without marking it consistent does not make the mutex unusable: the next owner is told
 * again.) Closing a handle whose thread holds the lock releases it as if the owner had died.
 * A pid reused by a new process is not mistaken for the dead owner: the start time differs.
 *
 * <h2>Waiting</h2>
 * By the handle's {@link WaitStrategy} (default: spin about 20 µs, then sleep in {@code futex});
 * {@link #unlock()} wakes one sleeper, and enters the kernel only if somebody sleeps. Blocking verbs
 * are interruptible. No fairness: a releasing thread may take the lock again before a woken waiter.
 *
 * <h2>Memory consistency effects</h2>
 * The owner word is taken with a compare-and-set and given up with a compare-and-set (both
 * sequentially consistent): actions of a thread (of any process) before it unlocks happen-before
 * actions of the next owner after its acquisition returns.
 *
 * <h2>Layout</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Tag "MUTX" (written last)                    |  0
 *  +---------------------------------------------------------------+
 *  |          Consistency: 0 consistent, 1 owner died              |  4
 *  +---------------------------------------------------------------+
 *  |    Owner: pid (high 32) | start time (low 32); 0 = free      |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Waiters (sleepers registered)                 |  16
 *  +---------------------------------------------------------------+
 *  |                  Sequence (the futex word)                    |  20
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero) ...                       |  24..63
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class ProcessMutex extends SyncHandle<ProcessMutex> {
    /** The tag of a formatted mutex slot, and the kind of a named mutex's file. */
    public static final int TAG = Slots.tag("MUTX");
    public static final int CONSISTENCY_OFFSET = 4;
    public static final int OWNER_OFFSET = 8;
    public static final int WAITERS_OFFSET = 16;
    public static final int SEQUENCE_OFFSET = 20;
    /** Bytes a mutex needs. */
    public static final int SLOT_LENGTH = 64;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final long self = ProcessIdentity.current().token();
    /** The thread that holds the lock through this handle, or {@code null}. */
    private volatile Thread holder;

    /** Attaches to a formatted slot (checked); {@code file} is the named object's file or {@code null}. */
    private ProcessMutex(MemorySegment slot, SharedSegment file) {
        super(Slots.attach(slot, SLOT_LENGTH, TAG, "mutex"), file, "mutex", WAITERS_OFFSET, SEQUENCE_OFFSET);
    }

    // =================================================================== placement

    /**
     * Formats a free, consistent mutex in {@code slot}. Call once, before any process attaches,
     * while no other process uses the slot.
     */
    public static void format(MemorySegment slot) {
        Slots.checkPlacement(slot, SLOT_LENGTH, "mutex");
        Slots.clear(slot, SLOT_LENGTH);
        Slots.publish(slot, TAG);
    }

    /**
     * Attaches to the mutex formatted in {@code slot}. The handle does not own the memory:
     * closing it does not unmap anything.
     *
     * @throws CorruptSegmentException if the slot holds no formatted mutex
     */
    public static ProcessMutex in(MemorySegment slot) {
        return new ProcessMutex(slot, null);
    }

    /**
     * Creates a named mutex with permissions {@code 0600}.
     *
     * @throws SyncObjectExistsException if the name is taken
     */
    public static ProcessMutex create(String name) {
        return create(name, 0600);
    }

    /**
     * Creates a named mutex whose file has the permission bits {@code permissions}, applied exactly
     * (not masked by the umask): {@code 0600} or wider, as a mailbox's.
     *
     * <p><b>What permissions can and cannot do</b> (the same for every named object of this package).
     * A named object is shared among the processes of <em>one user</em>, whatever its mode: its file
     * lies in the jipc root, a {@code 0700} directory of this user, and every open refuses a file
     * another user owns. So a wider mode ({@code 0660}, {@code 0666}) lets no other user's jipc
     * handle in, root's included; it only lets programs of other users that reach the file by other
     * means read or write it, and one that may write it can damage the object (a
     * {@link CorruptSegmentException} for this user, at best). What it does do: an opener with
     * {@link #open(String, int) open(name, permissions)} checks that the file has exactly those
     * bits, so a file whose mode someone changed ({@code chmod}) is refused
     * ({@link io.jipc.InsecureFileException}); {@code jipc sync} opens this user's objects whatever
     * their mode. Keep the default, {@code 0600}, unless a program of this user checks for another.
     *
     * @throws IllegalArgumentException if {@code permissions} are not permission bits that include {@code 0600}
     */
    public static ProcessMutex create(String name, int permissions) {
        return SyncFile.create(name, TAG, SLOT_LENGTH, permissions, ProcessMutex::format, ProcessMutex::new);
    }

    /**
     * Opens a named mutex created with permissions {@code 0600}.
     *
     * @throws SyncObjectNotFoundException if there is none of that name
     * @throws CorruptSegmentException     if the file is damaged or is another kind of object
     */
    public static ProcessMutex open(String name) {
        return open(name, 0600);
    }

    /**
     * Opens a named mutex created with {@code permissions}: a file with other permission bits, a
     * link or another user's file is refused ({@link io.jipc.InsecureFileException}); see
     * {@link #create(String, int)} for what the bits can and cannot do.
     */
    public static ProcessMutex open(String name, int permissions) {
        return SyncFile.open(name, TAG, permissions, ProcessMutex::new);
    }

    /** Removes a named mutex's name; open handles keep working. Returns false if there was none. */
    public static boolean destroy(String name) {
        return SyncFile.destroy(name);
    }

    // =================================================================== verbs

    /**
     * Acquires the lock, waiting as long as it takes.
     *
     * @return {@link Acquisition#ACQUIRED}, or {@link Acquisition#OWNER_DIED} if an owner died since
     *         the mutex was last marked consistent
     * @throws InterruptedException        if interrupted while waiting, or already when the lock is
     *                                     not free at once (the lock is not held)
     * @throws IllegalMonitorStateException if this thread already holds it through this handle
     */
    public Acquisition lock() throws InterruptedException {
        return await(this::attempt, Blocking.FOREVER, true);
    }

    /**
     * Acquires the lock if it is free, or held by a process that is dead (checked once).
     *
     * @return {@link Acquisition#NOT_ACQUIRED} if another live owner holds it
     */
    public Acquisition tryLock() {
        // counted: a close meanwhile waits for it before unmapping, so that a lock it took is given back
        // (until 2026-12-07 a close could unmap in between and strand the lock, owned by this live process)
        Acquisition result = counted(() -> attempt(true));
        return result == null ? Acquisition.NOT_ACQUIRED : result;
    }

    /**
     * Acquires the lock, waiting at most {@code timeout}.
     *
     * @return {@link Acquisition#NOT_ACQUIRED} if the timeout passed first
     * @throws InterruptedException if interrupted while waiting (the lock is not held); also if the
     *                              thread is interrupted already and the lock is not free at once,
     *                              whatever the timeout (also zero or negative). A lock free at
     *                              once is taken, and the interrupt status stays set
     *                              (docs/architecture.md, "Interrupts and timeouts")
     */
    public Acquisition tryLock(Duration timeout) throws InterruptedException {
        Acquisition result = await(this::attempt, Blocking.deadline(timeout), true);
        return result == null ? Acquisition.NOT_ACQUIRED : result;
    }

    /** One try: take a free lock, or a dead owner's lock if {@code checkOwner}; {@code null} if held. */
    private Acquisition attempt(boolean checkOwner) {
        ensureOpen();
        if (holder == Thread.currentThread()) {
            throw new IllegalMonitorStateException("this thread already holds the mutex (it is not reentrant)");
        }
        long owner = (long) LONG.getVolatile(slot, (long) OWNER_OFFSET);
        if (owner == 0) {
            if (LONG.compareAndSet(slot, (long) OWNER_OFFSET, 0L, self)) {
                return acquired();
            }
        } else if (checkOwner && !ProcessIdentity.isAlive(owner)) {
            if (LONG.compareAndSet(slot, (long) OWNER_OFFSET, owner, self)) {
                INT.setVolatile(slot, (long) CONSISTENCY_OFFSET, 1);
                return acquired();
            }
        }
        return null;
    }

    /** Records the new owner thread, unless the handle was closed meanwhile: then gives the lock back. */
    private Acquisition acquired() {
        synchronized (lifecycle) {
            if (isClosed()) {
                release();
                ensureOpen();
            }
            holder = Thread.currentThread();
        }
        int consistency = (int) INT.getVolatile(slot, (long) CONSISTENCY_OFFSET);
        return Acquisition.of(consistency == 0);
    }

    /**
     * Releases the lock and wakes one waiter.
     *
     * <p>If another process truncated the named mutex's file, the release faults: it throws
     * {@link InternalError} ("a fault occurred in an unsafe memory access operation"), the lock counts
     * as no longer held by this thread, and {@link #close()} then throws
     * {@link CorruptSegmentException} (docs/synchronization.md, limits).
     *
     * @throws IllegalMonitorStateException if the current thread does not hold it through this handle
     */
    public void unlock() {
        synchronized (lifecycle) {
            ensureOpen();
            requireHeld("unlock");
            release();
        }
    }

    /**
     * Frees the owner word and wakes one sleeper. The owner word is read before the compare-and-set
     * frees it: a file truncated by another process then faults in that read, which HotSpot reports
     * as an {@link InternalError}, rather than in a compare-and-set that the JVM still interprets,
     * which aborts the whole JVM (docs/shared-memory.md, limits). A truncation between the read and
     * the compare-and-set can still abort it; that window is a few instructions.
     */
    private void release() {
        holder = null;
        long owner = (long) LONG.getVolatile(slot, (long) OWNER_OFFSET);
        if (owner != self || !LONG.compareAndSet(slot, (long) OWNER_OFFSET, self, 0L)) {
            owner = (long) LONG.getVolatile(slot, (long) OWNER_OFFSET);
            throw corrupt("mutex owner word changed under its holder: it names "
                    + ProcessIdentity.describe(owner) + ", not this process");
        }
        word.wakeIfWaiting(1);
    }

    /**
     * Marks the protected data repaired after an {@link Acquisition#OWNER_DIED}: later acquisitions
     * report {@link Acquisition#ACQUIRED} again.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the lock through this handle
     */
    public void markConsistent() {
        counted(() -> {
            ensureOpen();
            requireHeld("mark consistent");
            INT.setVolatile(slot, (long) CONSISTENCY_OFFSET, 0);
        });
    }

    /** Whether no owner died since the mutex was last marked consistent. */
    public boolean isConsistent() {
        return counted(() -> {
            ensureOpen();
            return (int) INT.getVolatile(slot, (long) CONSISTENCY_OFFSET) == 0;
        });
    }

    /** Whether the current thread holds the lock through this handle. */
    public boolean isHeldByCurrentThread() {
        return holder == Thread.currentThread();
    }

    /** The pid of the process that holds the lock (alive or not), or empty if it is free. */
    public OptionalLong ownerPid() {
        long owner = counted(() -> {
            ensureOpen();
            return (long) LONG.getVolatile(slot, (long) OWNER_OFFSET);
        });
        return owner == 0 ? OptionalLong.empty() : OptionalLong.of(ProcessIdentity.pidOf(owner));
    }

    @Override
    String describeState() {
        long owner = (long) LONG.getVolatile(slot, (long) OWNER_OFFSET);
        return (owner == 0 ? "free" : "held by " + ProcessIdentity.describe(owner))
                + (isConsistent() ? ", consistent" : ", inconsistent (an owner died)");
    }

    private void requireHeld(String verb) {
        if (holder != Thread.currentThread()) {
            throw new IllegalMonitorStateException("cannot " + verb + ": the current thread does not hold the mutex"
                    + " through this handle");
        }
    }

    /** A thread holding the lock through this handle gives it up as if its process had died. */
    @Override
    void afterClosing() {
        if (holder != null) {
            INT.setVolatile(slot, (long) CONSISTENCY_OFFSET, 1);
            release();
        }
    }
}
