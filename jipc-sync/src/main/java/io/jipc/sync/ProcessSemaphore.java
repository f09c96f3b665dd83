package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.platform.Futex;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A counting semaphore in shared memory for threads of any processes, which can track its holders
 * so that the permits of a process that dies are given back.
 *
 * <h2>Two modes, fixed at formatting</h2>
 * <ul>
 * <li><b>Tracked</b> ({@code holderEntries > 0}): the permits are a pool of resources. Each handle
 *     that acquires takes an entry of the slot's <em>holder table</em> and records there how many
 *     permits it holds; only a handle that holds permits may release them. When the process of an
 *     entry dies, a waiting acquirer gives its permits back and every acquisition reports
 *     {@link Acquisition#OWNER_DIED} until a holder calls {@link #markConsistent()}.</li>
 * <li><b>Untracked</b> ({@code holderEntries == 0}): a classic semaphore for signalling: anyone
 *     releases, acquirers consume; nothing is given back when a process dies.</li>
 * </ul>
 *
 * <h2>Verbs</h2>
 * {@link #acquire()} blocks, {@link #tryAcquire()} returns at once, {@link #tryAcquire(Duration)}
 * blocks at most the timeout: each takes one permit and returns an {@link Acquisition}.
 * {@link #release()} and {@link #release(int)} give permits back and wake as many sleepers. No
 * fairness.
 *
 * <h2>Exact accounting across a kill</h2>
 * The permit count and a holder entry are two words; a process may be killed between updating one
 * and the other. So every tracked change goes through the state word's <em>pending</em> field: the
 * changer writes its intent (delta and a sequence number) into its entry, moves the count and sets
 * pending to its entry in one compare-and-set, updates its entry's record (held permits and the same
 * sequence number), and clears pending. While pending is set nobody else changes the count. If the
 * changer is found dead with pending set, whoever finds it completes the change from the intent
 * (the record shows by its sequence number whether it was already done). So no permit is ever lost
 * or counted twice, whatever instruction the kill hits. The cost is a second atomic store per
 * tracked operation, and that operations of all processes are serialized through the pending
 * window (a few instructions; a process stopped inside it, e.g. by {@code SIGSTOP} or a debugger,
 * holds up the others until it continues or dies: acquirers then wait as for a permit, and
 * re-check every 100 ms, also while they give back a dead holder's permits, within their timeout
 * and until an interrupt; {@link #release(int)} <em>waits</em> too, asleep, see there). A pending
 * change that can never complete, because its entry is free, is corruption:
 * {@link CorruptSegmentException} naming the object.
 *
 * <h2>What is tracked, and what is not</h2>
 * <ul>
 * <li>Tracked: the permits each handle holds, and the death of the handle's process (pid and start
 *     time, so a reused pid is not mistaken for the dead holder). A waiter checks the entries with
 *     held permits every 100 ms while it waits (of the virtual threads waiting through one handle,
 *     one does so for all of them), and {@link #tryAcquire()} checks them when no
 *     permit is available (one read of {@code /proc/<pid>/stat} per holding process).</li>
 * <li>Not tracked: a thread that ends while its process lives (permits belong to the handle, not to a
 *     thread); permits of untracked semaphores; a handle closed while holding permits keeps its
 *     entry, and the permits are given back only when its process exits.</li>
 * <li>A release is made by its compare-and-set: a releaser killed after it, before waking the
 *     sleepers, leaves them to see the permits within 100 ms (a waiting platform thread, or the
 *     lookout of a handle's waiting virtual threads, looks again at least that often, and what it
 *     takes it passes on with a wake).</li>
 * <li>Bound: at most {@code holderEntries} handles (of live processes) may hold or have held
 *     permits at once; an entry is freed when its handle closes holding nothing, or when its process
 *     is found dead: with its permits by an acquirer that finds none free (above), or by a handle
 *     that finds no free entry; holding nothing (its process killed, or ended without closing, after
 *     releasing all it took) also by every handle opened or attached to the semaphore, which checks
 *     the entries in use once. A handle that finds no free entry gets {@link HolderTableFullException}.</li>
 * </ul>
 *
 * <h2>Memory consistency effects</h2>
 * Permits are moved with sequentially consistent compare-and-sets: actions of a thread (of any
 * process) before it releases a permit happen-before actions of a thread after an acquisition that
 * obtains that permit.
 *
 * <h2>Layout</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Tag "SEMA" (written last)                    |  0
 *  +---------------------------------------------------------------+
 *  |             Holder Entries (0 = untracked, &lt;= 4096)            |  4
 *  +---------------------------------------------------------------+
 *  |  State: available permits (low 32, &gt;= 0) |                     |  8
 *  |         pending entry + 1 (high 32, 0 = none)                  |
 *  +---------------------------------------------------------------+
 *  |                 Waiters (sleepers registered)                 |  16
 *  +---------------------------------------------------------------+
 *  |                  Sequence (the futex word)                    |  20
 *  +---------------------------------------------------------------+
 *  |          Consistency: 0 consistent, 1 a holder died           |  24
 *  +---------------------------------------------------------------+
 *  |        Initial permits, as formatted (informative, 1.1)       |  28
 *  +---------------------------------------------------------------+
 *  |   Settlers flag: not 0 if a thread may sleep until a pending  |  32
 *  |   change clears                                               |
 *  +---------------------------------------------------------------+
 *  |   Settle wakes: bumped when a set flag is cleared (futex word)|  36
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero) ...                       |  40..63
 *  +---------------------------------------------------------------+
 *  |  Holder entry 0 (32 bytes), entry 1, ...                      |  64
 *  +---------------------------------------------------------------+
 *
 *  Holder entry (at 64 + 32 * i):
 *  +---------------------------------------------------------------+
 *  |        Process token: pid (high 32) | start time (low 32)    |  0
 *  |                        0 = free entry                         |
 *  +---------------------------------------------------------------+
 *  |  Record: held permits (low 32) | sequence (high 32)           |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  Intent: delta of held permits (low 32) | sequence (high 32)  |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        Reserved (zero)                        |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class ProcessSemaphore extends SyncHandle<ProcessSemaphore> {
    /** The tag of a formatted semaphore slot, and the kind of a named semaphore's file. */
    public static final int TAG = Slots.tag("SEMA");
    public static final int HOLDER_ENTRIES_OFFSET = 4;
    public static final int STATE_OFFSET = 8;
    public static final int WAITERS_OFFSET = 16;
    public static final int SEQUENCE_OFFSET = 20;
    public static final int CONSISTENCY_OFFSET = 24;
    /**
     * The permits the slot was formatted with, never changed afterwards: tools tell a semaphore in use
     * from a fresh one by it. Zero in a slot formatted before version 1.1 of {@link SyncFileDescriptor}.
     */
    public static final int INITIAL_PERMITS_OFFSET = 28;
    /**
     * The settlers flag: not zero if a thread (of any process) may be asleep until the pending change
     * clears ({@link #release(int)}; a <em>settler</em>). A settler sets it before it looks at the
     * state a last time and sleeps on {@link #SETTLE_WAKES_OFFSET}; whoever clears a pending change
     * and finds it set swaps it to 0, bumps that word and wakes all its sleepers; those still behind a
     * pending change set it again. A settler killed asleep (or one that leaves abnormally) so costs
     * at most one needless wake, made by the next change. Zero in a slot of jipc before 2026-12-06,
     * whose changers never look at it (their settlers are then woken by the 100 ms bound of their
     * sleep); jipc of 2026-12-06 counted settlers here and slept on the state: its count reads as a
     * set flag, which costs one wake, and its settlers look again after at most 100 ms.
     */
    public static final int SETTLERS_OFFSET = 32;
    /**
     * The futex word settlers sleep on: bumped (with wrap-around) by whoever clears a set
     * {@link #SETTLERS_OFFSET} flag, before it wakes them; also by a {@code close()} of a handle
     * whose acquirer sleeps there while it gives back a dead holder's permits (settlers of other
     * handles wake once for nothing and sleep again). Reserved (zero, never written) before
     * 2026-12-06.
     */
    public static final int SETTLE_WAKES_OFFSET = 36;
    public static final int ENTRIES_OFFSET = 64;
    public static final int ENTRY_LENGTH = 32;
    public static final int ENTRY_TOKEN_OFFSET = 0;
    public static final int ENTRY_RECORD_OFFSET = 8;
    public static final int ENTRY_INTENT_OFFSET = 16;
    /** Most holder entries a semaphore may have. */
    public static final int MAX_HOLDER_ENTRIES = 4096;
    /** Holder entries of a named semaphore created without saying. */
    public static final int DEFAULT_HOLDER_ENTRIES = 64;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** How long an operation waits for another process's pending change before checking that it lives. */
    private static final long SETTLE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long an acquirer or a releaser waits for a pending change before it sleeps instead. */
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final long self = ProcessIdentity.current().token();
    private final int holderEntries;
    /** Serializes this handle's tracked changes (they all go through its one entry). */
    private final ReentrantLock entryLock = new ReentrantLock();
    /** This handle's holder entry, or -1 until its first acquisition. Guarded by entryLock. */
    private int entry = -1;
    /**
     * The last pending change a {@link #settle} of this handle gave up on (a live changer stopped in
     * its window), or null: found again, it is not spun on again (the caller sleeps again at once).
     */
    private volatile Stall stalled;
    /**
     * This handle's threads inside a recovery's {@link #move}: {@link #afterClosing()} wakes their
     * sleep behind a pending change when there are any (process-local).
     */
    private final AtomicInteger recoverers = new AtomicInteger();

    /** Attaches to a formatted slot (checked); {@code file} is the named object's file or {@code null}. */
    private ProcessSemaphore(MemorySegment slot, SharedSegment file) {
        Slots.attach(slot, ENTRIES_OFFSET, TAG, "semaphore");
        int holderEntries = holderEntries(slot);
        super(slot.asSlice(0, slotLength(holderEntries)), file, "semaphore", WAITERS_OFFSET, SEQUENCE_OFFSET);
        this.holderEntries = holderEntries;
        // what dead processes left holding nothing (one /proc read per entry in use)
        freeDeadEntries(false, true, Blocking.FOREVER, false);
    }

    /** The holder entries a formatted slot says it has, checked against the table's bound and the slot. */
    private static int holderEntries(MemorySegment slot) {
        int holderEntries = slot.get(ValueLayout.JAVA_INT, HOLDER_ENTRIES_OFFSET);
        if (holderEntries < 0 || holderEntries > MAX_HOLDER_ENTRIES) {
            throw new CorruptSegmentException("semaphore slot says it has " + holderEntries + " holder entries");
        }
        if (slot.byteSize() < slotLength(holderEntries)) {
            throw new CorruptSegmentException("semaphore slot of " + slot.byteSize() + " bytes cannot hold "
                    + holderEntries + " holder entries");
        }
        return holderEntries;
    }

    /** Bytes a semaphore with {@code holderEntries} entries needs. */
    public static long slotLength(int holderEntries) {
        if (holderEntries < 0 || holderEntries > MAX_HOLDER_ENTRIES) {
            throw new IllegalArgumentException("holder entries " + holderEntries + " not in [0, " + MAX_HOLDER_ENTRIES
                    + "]");
        }
        return ENTRIES_OFFSET + (long) ENTRY_LENGTH * holderEntries;
    }

    // =================================================================== placement

    /**
     * Formats a consistent semaphore with {@code permits} available permits in {@code slot}, of
     * {@link #slotLength(int)} bytes. Call once, before any process attaches.
     *
     * @param holderEntries 0 for an untracked semaphore, else the size of the holder table
     * @throws IllegalArgumentException if {@code permits} is negative, or 0 for a tracked semaphore
     *                                  (it could never be used)
     */
    public static void format(MemorySegment slot, int permits, int holderEntries) {
        long length = slotLength(holderEntries);
        checkPermits(permits, holderEntries);
        Slots.checkPlacement(slot, length, "semaphore");
        Slots.clear(slot, length);
        slot.set(ValueLayout.JAVA_INT, HOLDER_ENTRIES_OFFSET, holderEntries);
        slot.set(ValueLayout.JAVA_LONG, STATE_OFFSET, state(permits, 0));
        slot.set(ValueLayout.JAVA_INT, INITIAL_PERMITS_OFFSET, permits);
        Slots.publish(slot, TAG);
    }

    /**
     * Refuses initial permits no semaphore can work with: a negative count, and 0 for a tracked one
     * ({@code holderEntries > 0}). Only a holder releases a tracked semaphore's permits, and a
     * tracked semaphore has no other way to gain any: starting with none, nobody could ever acquire
     * or release it. A semaphore that starts at 0 to signal (one process releases, another acquires)
     * is untracked: {@code holderEntries} 0.
     *
     * @throws IllegalArgumentException if so, naming the way out
     */
    static void checkPermits(int permits, int holderEntries) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits " + permits + " < 0");
        }
        if (permits == 0 && holderEntries > 0) {
            throw new IllegalArgumentException("a tracked semaphore (" + holderEntries + " holder entries) with 0"
                    + " permits could never be acquired nor released (only a holder releases); to signal with"
                    + " a semaphore that starts at 0, make it untracked: holderEntries 0");
        }
    }

    /**
     * Attaches to the semaphore formatted in {@code slot}. The handle does not own the memory.
     *
     * @throws CorruptSegmentException if the slot holds no valid semaphore
     */
    public static ProcessSemaphore in(MemorySegment slot) {
        return new ProcessSemaphore(slot, null);
    }

    /**
     * Creates a named, tracked semaphore with {@link #DEFAULT_HOLDER_ENTRIES} entries and permissions
     * 0600: a pool of {@code permits} resources.
     *
     * @throws IllegalArgumentException if {@code permits} is not positive (a tracked semaphore without
     *                                  permits could never be used: for one that starts at 0 to signal,
     *                                  {@code create(name, 0, 0, 0600)}, untracked)
     */
    public static ProcessSemaphore create(String name, int permits) {
        return create(name, permits, DEFAULT_HOLDER_ENTRIES, 0600);
    }

    /**
     * Creates a named semaphore whose file has the permission bits {@code permissions}, applied
     * exactly; only processes of this user can use it, whatever they are:
     * {@link ProcessMutex#create(String, int)} says what {@code permissions} can and cannot do.
     *
     * @param holderEntries 0 for an untracked semaphore, else the size of the holder table
     * @throws SyncObjectExistsException if the name is taken
     * @throws IllegalArgumentException if {@code permissions} are not permission bits that include
     *                                  {@code 0600}; if {@code permits} is negative, or 0 while
     *                                  {@code holderEntries > 0} (it could never be used)
     */
    public static ProcessSemaphore create(String name, int permits, int holderEntries, int permissions) {
        slotLength(holderEntries);
        checkPermits(permits, holderEntries);
        return SyncFile.create(name, TAG, slotLength(holderEntries), permissions,
                slot -> format(slot, permits, holderEntries), ProcessSemaphore::new);
    }

    /** Opens a named semaphore created with permissions 0600. */
    public static ProcessSemaphore open(String name) {
        return open(name, 0600);
    }

    /**
     * Opens a named semaphore created with {@code permissions}.
     *
     * @throws SyncObjectNotFoundException if there is none of that name
     * @throws CorruptSegmentException     if the file is damaged or is another kind of object
     */
    public static ProcessSemaphore open(String name, int permissions) {
        return SyncFile.open(name, TAG, permissions, ProcessSemaphore::new);
    }

    /** Removes a named semaphore's name; open handles keep working. Returns false if there was none. */
    public static boolean destroy(String name) {
        return SyncFile.destroy(name);
    }

    // =================================================================== verbs

    /**
     * Takes a permit, waiting as long as it takes. Also a wait to give back a dead holder's permits,
     * when no permit is free, behind another process's change pending meanwhile (a process stopped
     * inside that window, see "Exact accounting across a kill") ends at an interrupt: the dead
     * holder's entry keeps its permits for the next acquirer.
     *
     * @return {@link Acquisition#ACQUIRED}, or {@link Acquisition#OWNER_DIED} if a holder died since
     *         the semaphore was last marked consistent
     * @throws InterruptedException      if interrupted while waiting, or already when no permit is
     *                                   available at once (nothing was taken)
     * @throws HolderTableFullException  if tracked and no holder entry is free for this handle
     */
    public Acquisition acquire() throws InterruptedException {
        return await(check -> attempt(check, Blocking.FOREVER, true), Blocking.FOREVER, tracked());
    }

    /**
     * Takes a permit if one is available, after giving back the permits of dead holders if none is.
     * Returns at once: if another process's change of a tracked semaphore is pending, it spins
     * briefly (100 spin-waits) and checks that process once (completing its change if it is dead);
     * if it lives, this returns {@link Acquisition#NOT_ACQUIRED} even if permits are free. So also
     * when such a change comes while it gives back a dead holder's permits: the dead holder's entry
     * keeps the permits not yet given back, for the next acquirer.
     *
     * @return {@link Acquisition#NOT_ACQUIRED} if no permit is available, or another process's change
     *         is pending
     * @throws CorruptSegmentException if the semaphore's memory is damaged, e.g. a change is pending
     *                                 on a free holder entry
     * @throws ClosedException         if the handle is closed, also by another thread meanwhile
     */
    public Acquisition tryAcquire() {
        long now = System.nanoTime();
        Acquisition result = counted(() -> attempt(tracked(), now, false));
        return result == null ? Acquisition.NOT_ACQUIRED : result;
    }

    /**
     * Takes a permit, waiting at most {@code timeout}. Also a wait to give back a dead holder's
     * permits, when no permit is free, behind another process's change pending meanwhile (a process
     * stopped inside that window, see "Exact accounting across a kill") ends at the timeout or an
     * interrupt: the dead holder's entry keeps its permits for the next acquirer.
     *
     * @return {@link Acquisition#NOT_ACQUIRED} if the timeout passed first
     * @throws InterruptedException if interrupted while waiting (nothing was taken); also if the
     *                              thread is interrupted already and no permit is available at
     *                              once, whatever the timeout (also zero or negative). A permit
     *                              available at once is taken, and the interrupt status stays set
     *                              (docs/architecture.md, "Interrupts and timeouts")
     */
    public Acquisition tryAcquire(Duration timeout) throws InterruptedException {
        long deadline = Blocking.deadline(timeout);
        Acquisition result = await(check -> attempt(check, deadline, true), deadline, tracked());
        return result == null ? Acquisition.NOT_ACQUIRED : result;
    }

    /** Gives back one permit. */
    public void release() {
        release(1);
    }

    /**
     * Gives back {@code permits} permits and wakes as many sleepers.
     *
     * <p><b>What blocks.</b> An untracked semaphore's release never waits. A tracked one's waits
     * while another process's change is pending (see "Exact accounting across a kill"): normally a
     * few instructions, but a process <em>stopped</em> inside that window ({@code SIGSTOP}, a
     * debugger breakpoint) holds this release up until it continues, however long that is. The
     * release spins for about 10 ms, then sleeps in {@code futex} without using a CPU; the changer
     * wakes it when it clears its change (a release killed in that sleep costs the next change one
     * needless wake, nothing more: {@link #SETTLERS_OFFSET}), and it looks again at least every
     * 100 ms: a changer that died meanwhile has its change completed by this release, which then
     * goes on. There is no timeout, and the wait is <b>not interruptible</b> (the method declares no
     * {@link InterruptedException}, and a release that gave up would leave the permits held): an
     * interrupt meanwhile is kept, the interrupt status is set when release returns. Closing the
     * handle from another thread waits for it too. A pending change on a free holder entry, which
     * no process can complete, ends the wait with {@link CorruptSegmentException}.
     *
     * @throws IllegalStateException   if tracked and this handle holds fewer permits, or if the count
     *                                 would exceed {@link Integer#MAX_VALUE}
     * @throws CorruptSegmentException if the semaphore's memory is damaged (a negative count, a
     *                                 pending entry outside the table or on a free entry, ...)
     */
    public void release(int permits) {
        if (permits <= 0) {
            throw new IllegalArgumentException("permits " + permits + " <= 0");
        }
        // counted: a close meanwhile leaves the memory mapped until the permits are back and the sleepers
        // woken (until 2026-12-07 it could unmap in between: the release threw, done or not)
        counted(() -> releaseCounted(permits));
    }

    private void releaseCounted(int permits) {
        ensureOpen();
        if (!tracked()) {
            while (true) {
                long s = state();
                if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, state(added(s, permits), 0))) {
                    word.wakeIfWaiting(permits);
                    return;
                }
            }
        }
        entryLock.lock();
        try {
            int held = entry < 0 ? 0 : held(record(entry));
            if (held < permits) {
                throw new IllegalStateException("this handle holds " + held + " permit(s) of the tracked semaphore;"
                        + " it cannot release " + permits);
            }
            move(entry, -permits);
        } finally {
            entryLock.unlock();
        }
    }

    /**
     * Marks the protected resources repaired after an {@link Acquisition#OWNER_DIED}: later
     * acquisitions report {@link Acquisition#ACQUIRED} again.
     *
     * @throws IllegalMonitorStateException if tracked and this handle holds no permit
     */
    public void markConsistent() {
        ensureOpen();
        if (tracked() && heldPermits() == 0) {
            throw new IllegalMonitorStateException("only a holder of a permit may mark the semaphore consistent");
        }
        INT.setVolatile(slot, (long) CONSISTENCY_OFFSET, 0);
    }

    /** Whether no holder died since the semaphore was last marked consistent. */
    public boolean isConsistent() {
        ensureOpen();
        return (int) INT.getVolatile(slot, (long) CONSISTENCY_OFFSET) == 0;
    }

    /** The permits available now (a snapshot). */
    public int availablePermits() {
        ensureOpen();
        return count(state());
    }

    /** The permits the semaphore was formatted with (0 for a slot formatted before version 1.1). */
    public int initialPermits() {
        ensureOpen();
        return slot.get(ValueLayout.JAVA_INT, INITIAL_PERMITS_OFFSET);
    }

    /** The permits this handle holds (always 0 when untracked). */
    public int heldPermits() {
        ensureOpen();
        entryLock.lock();
        try {
            return entry < 0 ? 0 : held(record(entry));
        } finally {
            entryLock.unlock();
        }
    }

    /** Whether the semaphore tracks its holders. */
    public boolean tracked() {
        return holderEntries > 0;
    }

    /** The size of the holder table (0 when untracked). */
    public int holderEntries() {
        return holderEntries;
    }

    /**
     * The holder table as it is now (a snapshot, for tools): one line per entry in use, e.g.
     * {@code "pid 1234 (alive) holds 2"}; empty when untracked.
     */
    public List<String> holders() {
        ensureOpen();
        List<String> holders = new ArrayList<>();
        for (int i = 0; i < holderEntries; i++) {
            long token = (long) LONG.getVolatile(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET);
            if (token != 0) {
                holders.add(ProcessIdentity.describe(token) + " holds " + held(record(i)));
            }
        }
        return holders;
    }

    @Override
    String describeState() {
        String state = availablePermits() + " of " + initialPermits() + " available, " + (tracked()
                ? "tracked (" + holderEntries + " entries): " + (holders().isEmpty() ? "no holders" : String.join(", ",
                holders()))
                : "untracked");
        return state + (isConsistent() ? ", consistent" : ", inconsistent (a holder died)");
    }

    // =================================================================== acquisition

    /**
     * One try at taking a permit; {@code checkHolders} gives back dead holders' permits if none is
     * free. Waits for another process's pending change to clear at most about {@link #SETTLE_NANOS}
     * and not past {@code deadlineNanos} (once it passed: spins briefly and checks that process
     * once, see {@link #settle}); giving back a dead holder's permits behind such a change waits
     * until the deadline, or (if {@code interruptible}) until the thread is interrupted, and then
     * returns null, leaving the interrupt status set ({@link #move(int, int, boolean, long, boolean)}).
     */
    private Acquisition attempt(boolean checkHolders, long deadlineNanos, boolean interruptible) {
        ensureOpen();
        while (true) {
            long s = state();
            int pending = pending(s);
            if (pending != 0) {
                if (!settle(s, settleBudget(deadlineNanos))) {
                    return null;
                }
                continue;
            }
            int count = count(s);
            if (count == 0) {
                if (checkHolders && freeDeadEntries(true, false, deadlineNanos, interruptible) == Recovery.RECOVERED) {
                    continue;
                }
                return null;
            }
            if (!tracked()) {
                if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, state(count - 1, 0))) {
                    return acquired();
                }
                continue;
            }
            entryLock.lock();
            try {
                ensureOpen(); // under the lock, so that close() either sees this acquisition or stops it
                int own = ownEntry(deadlineNanos, interruptible);
                if (own < 0) {
                    return null; // gave up giving back a dead holder's permits behind a pending change
                }
                if (tryMove(own, s, 1)) {
                    return acquired();
                }
            } finally {
                entryLock.unlock();
            }
        }
    }

    private Acquisition acquired() {
        return Acquisition.of((int) INT.getVolatile(slot, (long) CONSISTENCY_OFFSET) == 0);
    }

    /**
     * How long to wait for a pending change: {@link #SETTLE_NANOS}, less if the deadline comes first,
     * 0 once it passed.
     */
    private static long settleBudget(long deadlineNanos) {
        if (deadlineNanos == Blocking.FOREVER) {
            return SETTLE_NANOS;
        }
        return Math.max(0, Math.min(SETTLE_NANOS, deadlineNanos - System.nanoTime()));
    }

    // =================================================================== the pending protocol

    /**
     * Moves {@code delta} permits from the count to entry {@code i} (negative: back to the count) if
     * the state is still {@code s} (which has no pending change). Returns false if the state moved.
     */
    private boolean tryMove(int i, long s, int delta) {
        long record = record(i);
        int sequence = sequence(record) + 1;
        int count = added(s, -delta);
        LONG.setVolatile(slot, entryOffset(i) + ENTRY_INTENT_OFFSET, pack(delta, sequence));
        long pendingState = state(count, i + 1);
        if (!LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pendingState)) {
            return false;
        }
        LONG.setVolatile(slot, entryOffset(i) + ENTRY_RECORD_OFFSET, pack(held(record) + delta, sequence));
        LONG.compareAndSet(slot, (long) STATE_OFFSET, pendingState, state(count, 0));
        wakeSettlers();
        if (delta < 0) {
            word.wakeIfWaiting(-delta);
        }
        return true;
    }

    /**
     * Moves {@code delta} permits as {@link #tryMove}, retrying until it is done (never fails for
     * releases). While another process's change is pending it waits: briefly spinning, then asleep
     * until the change clears ({@link #sleepWhilePending}), however long that process stays
     * stopped; not interruptible (an interrupt meanwhile stays set on the thread).
     *
     * @throws CorruptSegmentException if the pending change can never complete ({@link #settle})
     */
    private void move(int i, int delta) {
        move(i, delta, false, Blocking.FOREVER, false);
    }

    /**
     * As {@link #move(int, int)}; a {@code recovery} (giving back the permits of a dead holder's
     * entry {@code i}, on behalf of an acquirer) waits behind another process's pending change only
     * as long as its acquirer may: it gives up, returning false, once the handle is closed
     * ({@link #afterClosing()} wakes its sleep), once {@code deadlineNanos} passed (after at least
     * one brief {@link #settle}, which completes the change of a dead changer), or, if
     * {@code interruptible}, once the thread is interrupted (the status stays set). Then nothing of
     * this move was done: the pending change stays for its changer to complete (or, should it die,
     * whoever finds it dead), and entry {@code i} keeps its permits.
     */
    private boolean move(int i, int delta, boolean recovery, long deadlineNanos, boolean interruptible) {
        boolean interrupted = false;
        if (recovery) {
            recoverers.incrementAndGet(); // before isClosed() is read: see sleepWhilePending
        }
        try {
            while (true) {
                long s = state();
                if (pending(s) == 0) {
                    if (tryMove(i, s, delta)) {
                        return true;
                    }
                    continue;
                }
                boolean givingUp = recovery && interruptible && interrupted;
                if (settle(s, !recovery ? SETTLE_NANOS : givingUp ? 0 : settleBudget(deadlineNanos))) {
                    continue;
                }
                if (recovery && (isClosed() || givingUp || deadlineNanos != Blocking.FOREVER
                        && System.nanoTime() - deadlineNanos >= 0
                        || interruptible && Thread.currentThread().isInterrupted())) {
                    return false;
                }
                interrupted |= sleepWhilePending(s, recovery, deadlineNanos);
            }
        } finally {
            if (recovery) {
                recoverers.decrementAndGet();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Sleeps while the state is {@code s} (a change of a live process is pending), at most
     * {@link Blocking#LIVENESS_CHECK_NANOS} and not past {@code deadlineNanos}, until whoever clears
     * a pending change wakes it; a {@code recovery} (see {@link #move(int, int, boolean, long, boolean)})
     * also until the handle is closed.
     *
     * <p>No lost wake-up: the settler reads the wake word {@link #SETTLE_WAKES_OFFSET} ({@code w}),
     * sets the flag {@link #SETTLERS_OFFSET} (a read-modify-write), reads the state and, if it is
     * still {@code s}, sleeps while the wake word is {@code w}. A changer clears the pending change
     * (a compare-and-set), then reads the flag; if set, it swaps it to 0, bumps the wake word and
     * wakes all. All these accesses are volatile, so sequentially consistent: if the settler's state
     * read came before the clear of the change it sees pending (the same state may also be a later
     * change: then the clear of that one), the changer's flag read comes after the flag was set, and
     * the flag is cleared by this changer or by another one after the set; whoever clears it bumps
     * the wake word after the settler read {@code w}, and wakes after the bump. {@code FUTEX_WAIT}
     * compares the word with queueing the sleeper, so the settler either does not sleep or is
     * queued before that wake. A settler that does not sleep, or dies, leaves the flag set: the
     * next change clears it with one needless wake. Nothing counts settlers, so nothing is left
     * to repair.
     *
     * <p>A close of the handle does the same for a recovery: the recovery counts itself in
     * {@link #recoverers} before it reads the wake word, and checks that the handle is open after;
     * {@link #afterClosing()}, after marking the handle closed, finds it counted and bumps the wake
     * word and wakes all (the settlers of other processes wake once for nothing and sleep again).
     *
     * <p>The bound covers changers of older versions, who wake nobody, and a changer that dies in
     * the window: the caller then checks its process again. Returns whether the thread was
     * interrupted meanwhile (the status is cleared: the caller restores it).
     */
    private boolean sleepWhilePending(long s, boolean recovery, long deadlineNanos) {
        int wakes = (int) INT.getVolatile(slot, (long) SETTLE_WAKES_OFFSET);
        INT.getAndSet(slot, (long) SETTLERS_OFFSET, 1);
        try {
            if (state() == s && !(recovery && isClosed())) {
                Futex.await(slot, slot.address() + SETTLE_WAKES_OFFSET, wakes,
                        Blocking.sleepUntil(deadlineNanos, System.nanoTime()));
            }
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    /**
     * Wakes the settlers, if the flag says there may be any, after this thread cleared a pending
     * change (see {@link #sleepWhilePending}): one volatile read when there are none.
     */
    private void wakeSettlers() {
        if ((int) INT.getVolatile(slot, (long) SETTLERS_OFFSET) != 0
                && (int) INT.getAndSet(slot, (long) SETTLERS_OFFSET, 0) != 0) {
            INT.getAndAdd(slot, (long) SETTLE_WAKES_OFFSET, 1);
            Futex.wakeAll(slot.address() + SETTLE_WAKES_OFFSET);
        }
    }

    /**
     * Waits briefly for another change's pending window (state {@code s}) to close: spins, then
     * yields and every {@link #SETTLE_CHECK_NANOS} checks the changer's entry: completes the change
     * if its process is dead; throws if it can never complete. Returns false if it is still open
     * after {@code budgetNanos} (0: after the spins and one check; so also for the change this handle
     * gave up on before, {@link #givenUpBefore}).
     *
     * @throws CorruptSegmentException if the change is pending on a free entry ({@link #pendingOnFreeEntry})
     */
    private boolean settle(long s, long budgetNanos) {
        int i = pending(s) - 1;
        long intentOffset = entryOffset(i) + ENTRY_INTENT_OFFSET;
        boolean seen = givenUpBefore(s);
        if (seen) {
            budgetNanos = 0;
        }
        long start = System.nanoTime();
        long nextCheck = start + Math.min(SETTLE_CHECK_NANOS, budgetNanos);
        for (int spins = 0; state() == s; spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
                continue;
            }
            long now = System.nanoTime();
            if (now - nextCheck >= 0) {
                long token = (long) LONG.getVolatile(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET);
                // token 0: the entry is free, so its owner finished the change (it clears the pending
                // state before it frees the entry) and `s` is stale, unless the change can never end;
                // only a dead owner's change is ours to complete, and only while the state still shows it pending
                if (token == 0 && pendingOnFreeEntry(i, s)) {
                    throw corrupt("semaphore state has a change pending on holder entry " + i + ", which is free:"
                            + " no process can complete it (state count " + count(s) + ", pending entry " + i + ")");
                }
                if (token != 0 && !ProcessIdentity.isAlive(token) && state() == s) {
                    rollForward(i, s);
                    return true;
                }
                if (now - start >= budgetNanos) {
                    // the intent is written before the change is made pending; its changer writes no other meanwhile
                    stalled = new Stall(s, (long) LONG.getVolatile(slot, intentOffset));
                    return false;
                }
                nextCheck = now + SETTLE_CHECK_NANOS;
            }
            Thread.yield();
        }
        if (seen) {
            stalled = null; // it did clear
        }
        return true;
    }

    /**
     * Whether the change pending in state {@code s} is the one a {@link #settle} of this handle last
     * gave up on ({@link #stalled}): the same state and the same intent of the pending entry. The
     * intent's sequence number moves on with every change made through the entry, so a later
     * change that leaves the same state (the same count, pending on the same entry) is not taken
     * for it and is spun on as usual (until 2026-12-06 the state alone was compared, and such a
     * change was given up on at once, its acquirer left asleep up to 100 ms). For tests too.
     */
    boolean givenUpBefore(long s) {
        Stall stall = stalled;
        return stall != null && stall.state() == s && pending(s) != 0 && stall.intent()
                == (long) LONG.getVolatile(slot, entryOffset(pending(s) - 1) + ENTRY_INTENT_OFFSET);
    }

    /** A pending change a {@link #settle} gave up on: the state, and the intent of the entry it is pending on. */
    private record Stall(long state, long intent) {
    }

    /**
     * Whether the change pending on entry {@code i} (state {@code s}) can never complete because the
     * entry is free. Reads, in this order: the intent, the token (0), the state (still {@code s}),
     * the token (0), the state ({@code s}), the intent (unchanged). A change pending on an entry
     * keeps the entry's token set until it is cleared (a changer clears before it frees; a
     * recoverer adopts the entry, rolls the change forward and only then frees it). So for a real
     * change each "token 0, then pending on the entry" pair needs a new claim of the entry and a new
     * change made through it in between, the second with a sequence number above the first's and
     * above that of the intent read first: the intent would differ. It does not (short of 2^32
     * changes in between): nobody holds the entry, and nobody will clear the pending field.
     */
    private boolean pendingOnFreeEntry(int i, long s) {
        long intentOffset = entryOffset(i) + ENTRY_INTENT_OFFSET;
        long tokenOffset = entryOffset(i) + ENTRY_TOKEN_OFFSET;
        long intent = (long) LONG.getVolatile(slot, intentOffset);
        return (long) LONG.getVolatile(slot, tokenOffset) == 0 && state() == s
                && (long) LONG.getVolatile(slot, tokenOffset) == 0 && state() == s
                && (long) LONG.getVolatile(slot, intentOffset) == intent;
    }

    /** Completes the change of a dead process pending on entry {@code i} (state {@code s}). Idempotent. */
    private void rollForward(int i, long s) {
        long intent = (long) LONG.getVolatile(slot, entryOffset(i) + ENTRY_INTENT_OFFSET);
        int delta = (int) intent;
        int sequence = sequence(intent);
        long record = record(i);
        if (sequence(record) != sequence) {
            if (sequence(record) + 1 != sequence || (long) held(record) + delta < 0
                    || (long) held(record) + delta > Integer.MAX_VALUE) {
                throw corrupt("semaphore holder entry " + i + " has record " + held(record) + "#"
                        + sequence(record) + " and intent " + delta + "#" + sequence);
            }
            LONG.compareAndSet(slot, entryOffset(i) + ENTRY_RECORD_OFFSET, record, pack(held(record) + delta, sequence));
        }
        if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, state(count(s), 0))) {
            wakeSettlers();
            if (delta < 0) {
                word.wakeIfWaiting(-delta);
            }
        }
    }

    // =================================================================== holder entries

    /**
     * This handle's entry, claimed on first use; -1 if the table was full and giving back a dead
     * holder's permits to free its entry gave up behind another process's pending change (at the
     * deadline or an interrupt, see {@link #freeDeadEntries}). Caller holds entryLock.
     */
    private int ownEntry(long deadlineNanos, boolean interruptible) {
        if (entry >= 0) {
            return entry;
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < holderEntries; i++) {
                if (LONG.compareAndSet(slot, entryOffset(i) + ENTRY_TOKEN_OFFSET, 0L, self)) {
                    entry = i;
                    return i;
                }
            }
            if (round == 0 && freeDeadEntries(true, true, deadlineNanos, interruptible) == Recovery.GAVE_UP) {
                return -1;
            }
        }
        throw new HolderTableFullException("all " + holderEntries + " holder entries of the semaphore belong to"
                + " handles of live processes");
    }

    /** What {@link #freeDeadEntries} did. */
    private enum Recovery {
        /** No permits given back. */
        NONE,
        /** Permits of dead holders given back. */
        RECOVERED,
        /** Stopped behind another process's pending change, at the deadline or an interrupt. */
        GAVE_UP
    }

    /**
     * Frees the entries of dead processes: if {@code holding} those that hold permits (giving them
     * back), if {@code empty} those that hold none (a process killed, or ended without closing, after
     * it released all it took). Returns whether permits were given back, or {@link Recovery#GAVE_UP}
     * if giving back an entry's permits waited behind another process's pending change until
     * {@code deadlineNanos} passed or, if {@code interruptible}, the thread was interrupted (its
     * status stays set): that entry is given back to its dead process with its permits, for the
     * next recoverer, and the entries after it are left as they are. The caller is counted in the
     * handle's lifecycle ({@link #await}, {@link #counted}) or holds {@link #entryLock}, so a
     * {@code close()} meanwhile leaves the memory mapped.
     *
     * @throws ClosedException if the handle was closed while it waited to give back an entry's
     *                         permits (behind another process's pending change): the entry is given
     *                         back to its dead process with its permits, for the next recoverer
     */
    private Recovery freeDeadEntries(boolean holding, boolean empty, long deadlineNanos, boolean interruptible) {
        boolean recovered = false;
        for (int i = 0; i < holderEntries; i++) {
            long tokenOffset = entryOffset(i) + ENTRY_TOKEN_OFFSET;
            long token = (long) LONG.getVolatile(slot, tokenOffset);
            if (token == 0 || token == self) {
                continue;
            }
            boolean holds = held(record(i)) != 0 || pending(state()) == i + 1;
            if ((holds ? !holding : !empty) || ProcessIdentity.isAlive(token)) {
                continue;
            }
            // adopt the dead entry: from here on it is this process's, so only this thread changes it
            if (!LONG.compareAndSet(slot, tokenOffset, token, self)) {
                continue;
            }
            long s = state();
            if (pending(s) == i + 1) {
                rollForward(i, s);
            }
            int held = held(record(i));
            if (held > 0) {
                INT.setVolatile(slot, (long) CONSISTENCY_OFFSET, 1);
                boolean moved = false;
                try {
                    moved = move(i, -held, true, deadlineNanos, interruptible);
                } finally {
                    if (!moved) { // the entry goes back to its dead process, for the next recoverer to take
                        LONG.setVolatile(slot, tokenOffset, token);
                    }
                }
                if (!moved) {
                    if (isClosed()) {
                        throw new ClosedException(label + ": handle was closed while giving back the permits of a"
                                + " dead holder (behind another process's pending change); they stay for the next"
                                + " acquirer");
                    }
                    return Recovery.GAVE_UP;
                }
                recovered = true;
            }
            LONG.setVolatile(slot, tokenOffset, 0L);
        }
        return recovered ? Recovery.RECOVERED : Recovery.NONE;
    }

    /**
     * Wakes this handle's recoveries asleep behind another process's pending change (they give up,
     * see {@link #sleepWhilePending}), then frees this handle's entry if it holds nothing; a handle
     * that holds permits keeps it until its process ends.
     */
    @Override
    void afterClosing() {
        if (recoverers.get() != 0) {
            INT.getAndAdd(slot, (long) SETTLE_WAKES_OFFSET, 1);
            Futex.wakeAll(slot.address() + SETTLE_WAKES_OFFSET);
        }
        entryLock.lock();
        try {
            if (entry >= 0 && held(record(entry)) == 0) {
                LONG.compareAndSet(slot, entryOffset(entry) + ENTRY_TOKEN_OFFSET, self, 0L);
                entry = -1;
            }
        } finally {
            entryLock.unlock();
        }
    }

    // =================================================================== words

    /** The state word, checked: a count below zero or a pending entry outside the table is corruption. */
    private long state() {
        long s = (long) LONG.getVolatile(slot, (long) STATE_OFFSET);
        int pending = pending(s);
        if (count(s) < 0 || pending < 0 || pending > holderEntries) {
            throw corrupt("semaphore state has count " + count(s) + " and pending entry "
                    + (pending - 1) + " (" + holderEntries + " entries)");
        }
        return s;
    }

    /** Entry {@code i}'s record, checked: held permits below zero are corruption. */
    private long record(int i) {
        long record = (long) LONG.getVolatile(slot, entryOffset(i) + ENTRY_RECORD_OFFSET);
        if (held(record) < 0) {
            throw corrupt("semaphore holder entry " + i + " holds " + held(record) + " permits");
        }
        return record;
    }

    /** The count of {@code s} plus {@code delta}, refusing to pass {@link Integer#MAX_VALUE}. */
    private static int added(long s, int delta) {
        long sum = (long) count(s) + delta;
        if (sum > Integer.MAX_VALUE) {
            throw new IllegalStateException("the semaphore's permit count would exceed " + Integer.MAX_VALUE);
        }
        return (int) sum;
    }

    private static long entryOffset(int i) {
        return ENTRIES_OFFSET + (long) ENTRY_LENGTH * i;
    }

    private static long state(int count, int pending) {
        return pack(count, pending);
    }

    private static int count(long state) {
        return (int) state;
    }

    private static int pending(long state) {
        return (int) (state >>> 32);
    }

    private static int held(long record) {
        return (int) record;
    }

    private static int sequence(long recordOrIntent) {
        return (int) (recordOrIntent >>> 32);
    }

    private static long pack(int low, int high) {
        return ((long) high << 32) | (low & 0xFFFF_FFFFL);
    }
}
