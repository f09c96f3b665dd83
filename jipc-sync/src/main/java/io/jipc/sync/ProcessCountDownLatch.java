package io.jipc.sync;

import io.jipc.CorruptSegmentException;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A one-shot countdown in shared memory: threads of any processes wait in {@link #await()} until
 * the count, set at formatting, has been counted down to zero by {@link #countDown()} calls from
 * any processes; from then on {@link #await()} returns at once.
 *
 * <h2>Semantics</h2>
 * {@link #countDown()} decrements the count with a compare-and-set (never below zero); the
 * decrement that reaches zero wakes every sleeper. There is no reset: format a new latch.
 *
 * <h2>When a process dies</h2>
 * Count-downs are not tracked per process: one that was made stays made, one that a dead process
 * did not make is missing, and the waiters wait until their timeout ({@link #await(Duration)}). The
 * count-down to zero of a process killed before it woke the sleepers is made too: a waiting platform
 * thread, or the lookout of a handle's waiting virtual threads, looks again at least every 100 ms
 * and sees it, and the lookout's leaving wakes the others.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a thread (of any process) before {@link #countDown()} happen-before actions after a
 * successful return from {@link #await()} in another thread.
 *
 * <h2>Layout</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Tag "LTCH" (written last)                    |  0
 *  +---------------------------------------------------------------+
 *  |                       Count (&gt;= 0)                           |  4
 *  +---------------------------------------------------------------+
 *  |         Initial count, as formatted (informative, 1.1)        |  8
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero)                           |  12
 *  +---------------------------------------------------------------+
 *  |                 Waiters (sleepers registered)                 |  16
 *  +---------------------------------------------------------------+
 *  |                  Sequence (the futex word)                    |  20
 *  +---------------------------------------------------------------+
 *  |                     Reserved (zero) ...                       |  24..63
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class ProcessCountDownLatch extends SyncHandle<ProcessCountDownLatch> {
    /** The tag of a formatted latch slot, and the kind of a named latch's file. */
    public static final int TAG = Slots.tag("LTCH");
    public static final int COUNT_OFFSET = 4;
    /**
     * The count the slot was formatted with, never changed afterwards: tools tell a latch counted down
     * from a fresh one by it. Zero in a slot formatted before version 1.1 of {@link SyncFileDescriptor}.
     */
    public static final int INITIAL_COUNT_OFFSET = 8;
    public static final int WAITERS_OFFSET = 16;
    public static final int SEQUENCE_OFFSET = 20;
    /** Bytes a latch needs. */
    public static final int SLOT_LENGTH = 64;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    /** Attaches to a formatted slot (checked); {@code file} is the named object's file or {@code null}. */
    private ProcessCountDownLatch(MemorySegment slot, SharedSegment file) {
        super(Slots.attach(slot, SLOT_LENGTH, TAG, "latch"), file, "latch", WAITERS_OFFSET, SEQUENCE_OFFSET);
    }

    /** Formats a latch with {@code count} in {@code slot} ({@link #SLOT_LENGTH} bytes, 8-byte aligned). Call once. */
    public static void format(MemorySegment slot, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count " + count + " < 0");
        }
        Slots.checkPlacement(slot, SLOT_LENGTH, "latch");
        Slots.clear(slot, SLOT_LENGTH);
        slot.set(ValueLayout.JAVA_INT, COUNT_OFFSET, count);
        slot.set(ValueLayout.JAVA_INT, INITIAL_COUNT_OFFSET, count);
        Slots.publish(slot, TAG);
    }

    /**
     * Attaches to the latch formatted in {@code slot}. The handle does not own the memory.
     *
     * @throws CorruptSegmentException if the slot holds no formatted latch
     */
    public static ProcessCountDownLatch in(MemorySegment slot) {
        return new ProcessCountDownLatch(slot, null);
    }

    /** Creates a named latch with {@code count}, permissions 0600. */
    public static ProcessCountDownLatch create(String name, int count) {
        return create(name, count, 0600);
    }

    /**
     * Creates a named latch whose file has the permission bits {@code permissions}, applied
     * exactly; only processes of this user can use it, whatever they are:
     * {@link ProcessMutex#create(String, int)} says what {@code permissions} can and cannot do.
     *
     * @throws IllegalArgumentException if {@code permissions} are not permission bits that include {@code 0600}
     */
    public static ProcessCountDownLatch create(String name, int count, int permissions) {
        if (count < 0) {
            throw new IllegalArgumentException("count " + count + " < 0");
        }
        return SyncFile.create(name, TAG, SLOT_LENGTH, permissions, slot -> format(slot, count),
                ProcessCountDownLatch::new);
    }

    /** Opens a named latch created with permissions 0600. */
    public static ProcessCountDownLatch open(String name) {
        return open(name, 0600);
    }

    /** Opens a named latch created with {@code permissions}. */
    public static ProcessCountDownLatch open(String name, int permissions) {
        return SyncFile.open(name, TAG, permissions, ProcessCountDownLatch::new);
    }

    /** Removes a named latch's name; open handles keep working. Returns false if there was none. */
    public static boolean destroy(String name) {
        return SyncFile.destroy(name);
    }

    /** Decrements the count unless it is zero; the decrement to zero wakes every waiter. */
    public void countDown() {
        counted(this::decrement);
    }

    /** {@link #countDown()}'s body, counted: a close meanwhile leaves the memory mapped until it is done. */
    private void decrement() {
        ensureOpen();
        while (true) {
            int count = count();
            if (count == 0) {
                return;
            }
            if (INT.compareAndSet(slot, (long) COUNT_OFFSET, count, count - 1)) {
                if (count == 1) {
                    word.wakeIfWaiting(Integer.MAX_VALUE);
                }
                return;
            }
        }
    }

    /** The current count (a snapshot). */
    public int count() {
        int count = counted(() -> {
            ensureOpen();
            return (int) INT.getVolatile(slot, (long) COUNT_OFFSET);
        });
        if (count < 0) {
            throw corrupt("latch count is " + count);
        }
        return count;
    }

    /** The count the latch was formatted with (0 for a slot formatted before version 1.1). */
    public int initialCount() {
        return counted(() -> {
            ensureOpen();
            return slot.get(ValueLayout.JAVA_INT, INITIAL_COUNT_OFFSET);
        });
    }

    /**
     * Waits until the count is zero.
     *
     * @throws InterruptedException if interrupted while waiting, or already when the count is not zero
     */
    public void await() throws InterruptedException {
        await(check -> count() == 0 ? Boolean.TRUE : null, Blocking.FOREVER, false);
    }

    /**
     * Waits at most {@code timeout} until the count is zero.
     *
     * @return whether the count reached zero; false if the timeout passed first
     * @throws InterruptedException if interrupted while waiting; also if the thread is interrupted
     *                              already and the count is not zero, whatever the timeout (also
     *                              zero or negative). A count of zero returns true, and the
     *                              interrupt status stays set (docs/architecture.md, "Interrupts and timeouts")
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return await(check -> count() == 0 ? Boolean.TRUE : null, Blocking.deadline(timeout), false) != null;
    }

    @Override
    String describeState() {
        return "count " + count() + " of " + initialCount();
    }
}
