package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * A cyclic barrier in shared memory for a fixed number of parties (threads of any processes): each
 * party waits in {@link #await()} until all have arrived, then all go on together and the barrier
 * is ready for the next round (generation).
 *
 * <h2>Semantics</h2>
 * An arrival increments the arrival count of the current generation with a compare-and-set; the last
 * arrival moves to the next generation (count 0) in the same compare-and-set and wakes every
 * sleeper. {@link #await()} returns the arrival index: {@code parties - 1} for the first to arrive,
 * 0 for the last. {@link #await(Duration)} gives up after the timeout and then <em>withdraws</em> its
 * arrival (unless the round completed meanwhile, in which case it returns normally), so the barrier
 * stays usable; likewise when interrupted, and when another thread closes the handle: {@link #close()}
 * withdraws the arrivals of the handle's waiting threads before it unmaps anything, and their waits
 * end with {@link ClosedException}.
 *
 * <h2>When a process dies</h2>
 * Arrivals are not tracked per process: a party that dies after arriving still counts, one that
 * dies before arriving leaves the others waiting; use {@link #await(Duration)} where a party may die.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of each party before its arrival happen-before actions of every party after its
 * {@link #await()} returns for that generation.
 *
 * <h2>Layout</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Tag "BARR" (written last)                    |  0
 *  +---------------------------------------------------------------+
 *  |                     Parties (&gt;= 1)                          |  4
 *  +---------------------------------------------------------------+
 *  |   State: arrived in this generation (low 32) |               |  8
 *  |          generation (high 32)                                 |
 *  +---------------------------------------------------------------+
 *  |                 Waiters (sleepers registered)                 |  16
 *  +---------------------------------------------------------------+
 *  |                  Sequence (the futex word)                    |  20
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero) ...                       |  24..63
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class ProcessBarrier extends SyncHandle<ProcessBarrier> {
    /** The tag of a formatted barrier slot, and the kind of a named barrier's file. */
    public static final int TAG = Slots.tag("BARR");
    public static final int PARTIES_OFFSET = 4;
    public static final int STATE_OFFSET = 8;
    public static final int WAITERS_OFFSET = 16;
    public static final int SEQUENCE_OFFSET = 20;
    /** Bytes a barrier needs. */
    public static final int SLOT_LENGTH = 64;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final int parties;

    /**
     * The threads of this handle waiting at the barrier, with the generation they arrived in; guarded by
     * {@link #lifecycle}, so that {@link #close()} withdraws exactly the arrivals their threads have not.
     */
    private final Map<Thread, Integer> waiting = new HashMap<>();

    /** Attaches to a formatted slot (checked); {@code file} is the named object's file or {@code null}. */
    private ProcessBarrier(MemorySegment slot, SharedSegment file) {
        MemorySegment checked = Slots.attach(slot, SLOT_LENGTH, TAG, "barrier");
        int parties = checked.get(ValueLayout.JAVA_INT, PARTIES_OFFSET);
        if (parties < 1) {
            throw new CorruptSegmentException("barrier slot says it has " + parties + " parties");
        }
        super(checked, file, "barrier", WAITERS_OFFSET, SEQUENCE_OFFSET);
        this.parties = parties;
    }

    /** Formats a barrier for {@code parties} parties in {@code slot} ({@link #SLOT_LENGTH} bytes). Call once. */
    public static void format(MemorySegment slot, int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties " + parties + " < 1");
        }
        Slots.checkPlacement(slot, SLOT_LENGTH, "barrier");
        Slots.clear(slot, SLOT_LENGTH);
        slot.set(ValueLayout.JAVA_INT, PARTIES_OFFSET, parties);
        Slots.publish(slot, TAG);
    }

    /**
     * Attaches to the barrier formatted in {@code slot}. The handle does not own the memory.
     *
     * @throws CorruptSegmentException if the slot holds no valid barrier
     */
    public static ProcessBarrier in(MemorySegment slot) {
        return new ProcessBarrier(slot, null);
    }

    /** Creates a named barrier for {@code parties} parties, permissions 0600. */
    public static ProcessBarrier create(String name, int parties) {
        return create(name, parties, 0600);
    }

    /** Creates a named barrier whose file has the permission bits {@code permissions}. */
    public static ProcessBarrier create(String name, int parties, int permissions) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties " + parties + " < 1");
        }
        return SyncFile.create(name, TAG, SLOT_LENGTH, permissions, slot -> format(slot, parties),
                ProcessBarrier::new);
    }

    /** Opens a named barrier created with permissions 0600. */
    public static ProcessBarrier open(String name) {
        return open(name, 0600);
    }

    /** Opens a named barrier created with {@code permissions}. */
    public static ProcessBarrier open(String name, int permissions) {
        return SyncFile.open(name, TAG, permissions, ProcessBarrier::new);
    }

    /** Removes a named barrier's name; open handles keep working. Returns false if there was none. */
    public static boolean destroy(String name) {
        return SyncFile.destroy(name);
    }

    /** The number of parties. */
    public int parties() {
        return parties;
    }

    /** The parties that arrived in the current generation and wait (a snapshot). */
    public int arrived() {
        ensureOpen();
        return arrived(state());
    }

    /**
     * Arrives and waits for the other parties.
     *
     * @return the arrival index: {@code parties() - 1} for the first to arrive, 0 for the last
     * @throws InterruptedException if interrupted while waiting (the arrival is withdrawn)
     */
    public int await() throws InterruptedException {
        try {
            return await(Blocking.FOREVER);
        } catch (TimeoutException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Arrives and waits at most {@code timeout} for the other parties.
     *
     * @return the arrival index
     * @throws TimeoutException     if the timeout passed first (the arrival is withdrawn)
     * @throws InterruptedException if interrupted while waiting (the arrival is withdrawn); also if
     *                              the thread is interrupted already and this is not the last
     *                              party, whatever the timeout (also zero or negative). The last
     *                              party completes the barrier, and its interrupt status stays set
     *                              (docs/architecture.md, "Interrupts and timeouts")
     */
    public int await(Duration timeout) throws InterruptedException, TimeoutException {
        return await(Blocking.deadline(timeout));
    }

    private int await(long deadlineNanos) throws InterruptedException, TimeoutException {
        Thread me = Thread.currentThread();
        while (true) {
            int generation;
            int index;
            synchronized (lifecycle) { // an arrival and its registration, atomic against close()
                ensureOpen();
                long s = state();
                int arrived = arrived(s);
                generation = generation(s);
                index = parties - 1 - arrived;
                if (arrived + 1 == parties) {
                    if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pack(0, generation + 1))) {
                        word.wakeIfWaiting(Integer.MAX_VALUE);
                        return index;
                    }
                    continue;
                }
                if (!LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pack(arrived + 1, generation))) {
                    continue;
                }
                waiting.put(me, generation);
            }
            return awaitGeneration(me, generation, index, deadlineNanos);
        }
    }

    /**
     * Waits for {@code generation} to complete. Whatever ends the wait, the thread's registration in
     * {@link #waiting} is taken back under {@link #lifecycle}: if {@link #close()} took it first, close
     * withdrew the arrival (the memory was still mapped) and the wait ends with {@link ClosedException}.
     */
    private int awaitGeneration(Thread me, int generation, int index, long deadlineNanos)
            throws InterruptedException, TimeoutException {
        Integer done;
        try {
            done = await(check -> {
                ensureOpen();
                return generation(state()) != generation ? index : null;
            }, deadlineNanos, false);
        } catch (InterruptedException e) {
            boolean withdrawn;
            try {
                withdrawn = withdrawOwn(me, generation);
            } catch (ClosedException closed) { // closed meanwhile: the interrupt is kept for the caller
                Thread.currentThread().interrupt();
                throw closed;
            }
            if (withdrawn) {
                throw e;
            }
            Thread.currentThread().interrupt();
            return index;
        } catch (RuntimeException closed) { // ClosedException: close() withdraws the arrival (or already did)
            unregister(me);
            throw closed;
        }
        if (done != null) {
            if (!unregister(me)) {
                throw closedWhileWaiting();
            }
            return done;
        }
        if (withdrawOwn(me, generation)) {
            throw new TimeoutException("not all " + parties + " parties arrived in time");
        }
        return index;
    }

    /**
     * Takes back this thread's arrival of {@code generation} after a timeout or an interrupt; false if
     * the generation completed meanwhile (the wait succeeded after all).
     *
     * @throws ClosedException if {@link #close()} withdrew it already
     */
    private boolean withdrawOwn(Thread me, int generation) {
        synchronized (lifecycle) {
            if (waiting.remove(me) == null) {
                throw closedWhileWaiting();
            }
            return withdraw(generation);
        }
    }

    /** Ends this thread's registration; false if {@link #close()} took it (and withdrew the arrival). */
    private boolean unregister(Thread me) {
        synchronized (lifecycle) {
            return waiting.remove(me) != null;
        }
    }

    private static ClosedException closedWhileWaiting() {
        return new ClosedException("barrier handle was closed while waiting (its arrival was withdrawn)");
    }

    /** Withdraws the arrivals of this handle's waiting threads: the memory is still mapped. */
    @Override
    void afterClosing() {
        waiting.values().forEach(this::withdraw);
        waiting.clear();
    }

    @Override
    String describeState() {
        long s = state();
        return parties + " parties, " + arrived(s) + " arrived, generation " + Integer.toUnsignedString(generation(s));
    }

    /** Takes back an arrival of {@code generation}; false if that generation has completed meanwhile. */
    private boolean withdraw(int generation) {
        while (true) {
            long s = state();
            if (generation(s) != generation) {
                return false;
            }
            if (LONG.compareAndSet(slot, (long) STATE_OFFSET, s, pack(arrived(s) - 1, generation))) {
                return true;
            }
        }
    }

    /** The state word, checked: an arrival count outside [0, parties) is corruption. */
    private long state() {
        long s = (long) LONG.getVolatile(slot, (long) STATE_OFFSET);
        if (arrived(s) < 0 || arrived(s) >= parties) {
            throw new CorruptSegmentException("barrier of " + parties + " parties says " + arrived(s) + " arrived");
        }
        return s;
    }

    private static int arrived(long state) {
        return (int) state;
    }

    private static int generation(long state) {
        return (int) (state >>> 32);
    }

    private static long pack(int arrived, int generation) {
        return ((long) generation << 32) | (arrived & 0xFFFF_FFFFL);
    }
}
