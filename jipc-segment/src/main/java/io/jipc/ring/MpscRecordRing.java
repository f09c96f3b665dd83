package io.jipc.ring;

import io.jipc.CorruptSegmentException;
import io.jipc.platform.ProcessIdentity;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.jipc.ring.RecordDescriptor.LENGTH_OFFSET;
import static io.jipc.ring.RecordDescriptor.TYPE_CLAIMED;
import static io.jipc.ring.RecordDescriptor.TYPE_MESSAGE;
import static io.jipc.ring.RecordDescriptor.TYPE_OFFSET;
import static io.jipc.ring.RecordDescriptor.TYPE_PADDING;
import static io.jipc.ring.RecordDescriptor.recordLength;
import static io.jipc.ring.RingDescriptor.INTENTS_OFFSET;
import static io.jipc.ring.RingDescriptor.INTENT_CLAIM_LENGTH_OFFSET;
import static io.jipc.ring.RingDescriptor.INTENT_LENGTH;
import static io.jipc.ring.RingDescriptor.INTENT_OWNER_OFFSET;
import static io.jipc.ring.RingDescriptor.INTENT_POSITION_OFFSET;
import static io.jipc.ring.RingDescriptor.NO_INTENT;
import static io.jipc.ring.RingDescriptor.TAIL_OFFSET;

/**
 * A {@link RecordRing} that many producers, threads of many processes, write at once.
 *
 * <h2>Algorithm</h2>
 * A producer takes an <em>intent slot</em> of the shared intent table for the duration of one
 * claim (a compare-and-set of its owner word from 0 to the producer's process token; a thread
 * starts its search at a slot derived from its id, so it keeps reusing a cache line of its own),
 * writes its intent {@code (tail read, bytes needed)} there, then moves the tail with a
 * compare-and-set. On success the room is its own: it writes a padding record first if the record
 * does not fit before the wrap, then the record header with the claimed flag and its slot. Commit
 * writes the type and the commit word, then gives the slot back (a release store of 0). So the
 * slots bound the sends <em>in flight</em> at one moment, not the number of sending processes.
 *
 * <h2>Waiting for a slot</h2>
 * When all slots are busy, {@link #tryClaim} and {@link #offer} look again for a few microseconds
 * (spinning, then yielding; never sleeping), which is enough for slots held by live producers in
 * the middle of a send, and then report {@link #FULL} (false) although the ring may have room. So a
 * claim never waits for long: a slot held by a dead producer comes back only once the consumer has
 * passed its claim (the consumer resolves it after the stall timeout), and one held by a stopped
 * producer only when it runs again; with every slot so held and no consumer running, a claim that
 * waited for a slot would wait for ever. A caller that may block tells the two cases apart with
 * {@link #hasRoomFor} and {@link #hasFreeSlot()}, and waits for a slot in naps ({@link
 * #awaitSlot}): a producer that gives its slot back rings nothing.
 *
 * <p>If the consumer finds the head blocked by an uncommitted record for longer than the stall
 * timeout, it looks for slots whose intent covers the head. Any live claimer means "wait"; if all
 * claimers are dead, the claimed bytes are skipped (their length comes from the intent, so a
 * producer killed right after moving the tail, before writing any header, is handled too). Should
 * two dead producers name the same position (one lost the compare-and-set just before dying) the
 * one whose end is a record boundary wins. A head blocked while no slot, live or dead, names it
 * cannot come from producers (a claim's intent is written before the tail moves and kept until
 * after its commit): it is reported as {@link io.jipc.CorruptSegmentException} (see
 * {@link RecordRing#checkStall()}).
 *
 * <p>Who may call: producing methods from any thread of any process; a thread may hold several
 * claims at once (each holds a slot). A live process that never commits or aborts a claim blocks
 * the consumer: always commit or abort in a {@code finally}.
 */
public final class MpscRecordRing extends RecordRing {
    /** Looks at the intent table before a claim gives up for want of a slot (see {@link #acquireSlot}). */
    private static final int SLOT_LOOKS = 128;
    /** Looks separated by a spin-wait hint; the rest yield. A power of two. */
    private static final int SLOT_SPINS = 64;

    private final int slots;
    /** A recent head value, to avoid reading the consumer's line on every claim. */
    private volatile long cachedHead;

    MpscRecordRing(MemorySegment ring, RingConfig config, String name, MemorySegment doorbell) {
        super(ring, config, name, doorbell);
        this.slots = config.intentSlots();
        this.cachedHead = headVolatile();
    }

    private static long slotBase(int slot) {
        return INTENTS_OFFSET + (long) slot * INTENT_LENGTH;
    }

    @Override
    public long tryClaim(int length) {
        checkLength(length);
        int slot = acquireSlot();
        if (slot < 0) {
            return FULL;
        }
        long position = claim(length, slot);
        if (position == FULL) {
            releaseSlot(slot);
        }
        return position;
    }

    private long claim(int length, int slot) {
        final long base = slotBase(slot);
        final long recordLength = recordLength(length);
        long t;
        long needed;
        while (true) {
            t = tailVolatile();
            if ((t & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
                LONG.setRelease(ring, base + INTENT_POSITION_OFFSET, NO_INTENT);
                throw new CorruptSegmentException(name + ": tail " + t + " is not a record position");
            }
            long index = t & mask;
            long toEnd = capacity - index;
            needed = recordLength <= toEnd ? recordLength : toEnd + recordLength;
            if (t + needed - cachedHead > limit) {
                long h = headVolatile();
                cachedHead = h;
                if (t + needed - h > limit) {
                    LONG.setRelease(ring, base + INTENT_POSITION_OFFSET, NO_INTENT);
                    return FULL;
                }
            }
            // the intent must be visible before the tail moves (the CAS is a full fence)
            ring.set(ValueLayout.JAVA_LONG, base + INTENT_CLAIM_LENGTH_OFFSET, needed);
            LONG.setRelease(ring, base + INTENT_POSITION_OFFSET, t);
            if (LONG.compareAndSet(ring, (long) TAIL_OFFSET, t, t + needed)) {
                break;
            }
        }
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.AFTER_TAIL_MOVE);
        }
        if (needed != recordLength) {
            long toEnd = needed - recordLength;
            writePadding(t, toEnd);
            t += toEnd;
        }
        long index = t & mask;
        data.set(ValueLayout.JAVA_INT, index + LENGTH_OFFSET, length);
        data.set(ValueLayout.JAVA_INT, index + TYPE_OFFSET, TYPE_CLAIMED | slot);
        return t;
    }

    @Override
    public void commit(long position) {
        finish(position, TYPE_MESSAGE);
    }

    @Override
    public void abort(long position) {
        finish(position, TYPE_PADDING);
    }

    private void finish(long position, int type) {
        long index = position & mask;
        int claimType = data.get(ValueLayout.JAVA_INT, index + TYPE_OFFSET);
        int slot = claimType & ~TYPE_CLAIMED;
        if ((claimType & TYPE_CLAIMED) == 0 || slot >= slots
                || (long) LONG.getVolatile(ring, slotBase(slot) + INTENT_OWNER_OFFSET) != self) {
            throw new IllegalStateException("no claim of this process at position " + position);
        }
        data.set(ValueLayout.JAVA_INT, index + TYPE_OFFSET, type);
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.BEFORE_COMMIT);
        }
        publishCommit(position);
        releaseSlot(slot);
    }

    @Override
    public boolean offer(MemorySegment source, long offset, int length) {
        checkLength(length);
        int slot = acquireSlot();
        if (slot < 0) {
            return false;
        }
        long position = claim(length, slot);
        if (position == FULL) {
            releaseSlot(slot);
            return false;
        }
        long index = position & mask;
        try {
            AscendingCopy.copy(source, offset, data, index + RecordDescriptor.HEADER_LENGTH, length);
        } catch (Throwable e) { // e.g. the source's arena closed: the claim must not block the consumer
            abandon(position, slot);
            throw e;
        }
        data.set(ValueLayout.JAVA_INT, index + TYPE_OFFSET, TYPE_MESSAGE);
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.BEFORE_COMMIT);
        }
        publishCommit(position);
        releaseSlot(slot);
        return true;
    }

    /**
     * Ends the claim at {@code position} of a send whose copy failed as {@link #abort} does (a
     * committed padding record the consumer skips) and gives its slot back: a live producer's
     * unfinished claim would hold every consumer up, and its slot would stay taken, for as long as
     * its process lives.
     */
    private void abandon(long position, int slot) {
        data.set(ValueLayout.JAVA_INT, (position & mask) + TYPE_OFFSET, TYPE_PADDING);
        publishCommit(position);
        releaseSlot(slot);
    }

    @Override
    public boolean hasRoomFor(int length) {
        long t = tailVolatile();
        long recordLength = recordLength(length);
        long toEnd = capacity - (t & mask);
        long needed = recordLength <= toEnd ? recordLength : toEnd + recordLength;
        return t + needed - headVolatile() <= limit;
    }

    // ------------------------------------------------------------------ intent slots

    /**
     * Takes a free slot of the shared table for one claim, or returns -1 if every slot stayed held
     * for {@value #SLOT_LOOKS} looks at the table: the first {@value #SLOT_SPINS} separated by a
     * spin-wait hint, the others by {@link Thread#yield()} (microseconds in all, never a sleep). A
     * live producer holds a slot for the few stores of its claim and commit, so a slot comes back
     * within that phase unless its holder is dead (until the consumer has passed its claim),
     * stopped, or descheduled. The first look and every {@value #SLOT_SPINS}th also free the slots
     * of dead producers whose claims need no resolving ({@link #reclaimDeadSlots}).
     */
    private int acquireSlot() {
        int start = (int) Math.floorMod(Thread.currentThread().threadId(), (long) slots);
        for (int attempt = 0; ; attempt++) {
            int slot = start;
            for (int i = 0; i < slots; i++) {
                long base = slotBase(slot);
                if ((long) LONG.getVolatile(ring, base + INTENT_OWNER_OFFSET) == 0
                        && LONG.compareAndSet(ring, base + INTENT_OWNER_OFFSET, 0L, self)) {
                    return slot;
                }
                if (++slot == slots) {
                    slot = 0;
                }
            }
            if (attempt == SLOT_LOOKS) {
                return -1;
            }
            if ((attempt & (SLOT_SPINS - 1)) == 0) {
                reclaimDeadSlots();
            }
            if (attempt < SLOT_SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /**
     * Whether a claim would find a slot now: one is free, or held by a dead producer whose claim
     * needs no resolving (such slots are freed here). A snapshot: other producers race for it.
     */
    @Override
    public boolean hasFreeSlot() {
        if (anySlotFree()) {
            return true;
        }
        reclaimDeadSlots();
        return anySlotFree();
    }

    private boolean anySlotFree() {
        for (int slot = 0; slot < slots; slot++) {
            if ((long) LONG.getVolatile(ring, slotBase(slot) + INTENT_OWNER_OFFSET) == 0) {
                return true;
            }
        }
        return false;
    }

    /** Gives a slot back after its claim was committed or aborted (or never made). */
    private void releaseSlot(int slot) {
        LONG.setRelease(ring, slotBase(slot) + INTENT_OWNER_OFFSET, 0L);
    }

    /** Frees the slots of dead producers whose intents need no resolving by the consumer. */
    private void reclaimDeadSlots() {
        long head = headVolatile();
        for (int slot = 0; slot < slots; slot++) {
            long base = slotBase(slot);
            long owner = (long) LONG.getVolatile(ring, base + INTENT_OWNER_OFFSET);
            if (owner == 0) {
                continue;
            }
            checkIntent(slot, base);
            if (owner != self && intentResolved(base, head) && !ProcessIdentity.isAlive(owner)) {
                LONG.compareAndSet(ring, base + INTENT_OWNER_OFFSET, owner, 0L);
            }
        }
    }

    /**
     * Refuses an intent no producer can have written: a claim position that is not a record
     * position or lies beyond the tail, or a claim length outside 1 record .. twice the capacity.
     * Otherwise a table overwritten by something that is not a jipc producer (every slot owned by
     * a "dead" process whose claim never resolves) would keep every send waiting for a slot for
     * ever, at-once sends included. The intent is read before the tail: a tail only grows, and every
     * intent position was the tail once.
     *
     * @throws CorruptSegmentException if the intent is impossible
     */
    private void checkIntent(int slot, long base) {
        long position = (long) LONG.getAcquire(ring, base + INTENT_POSITION_OFFSET);
        if (position == NO_INTENT) {
            return;
        }
        long length = ring.get(ValueLayout.JAVA_LONG, base + INTENT_CLAIM_LENGTH_OFFSET);
        if ((long) LONG.getAcquire(ring, base + INTENT_POSITION_OFFSET) != position) {
            return; // a producer is writing it right now
        }
        if (position < 0 || (position & (RecordDescriptor.ALIGNMENT - 1)) != 0 || position > tailVolatile()
                || length < RecordDescriptor.HEADER_LENGTH || length > capacity * 2
                || (length & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
            throw new CorruptSegmentException(name + ": intent slot " + slot + " holds an impossible claim (position "
                    + position + ", length " + length + "): the ring was overwritten by something that is not a"
                    + " jipc producer");
        }
    }

    private boolean intentResolved(long base, long head) {
        long position = (long) LONG.getAcquire(ring, base + INTENT_POSITION_OFFSET);
        long length = ring.get(ValueLayout.JAVA_LONG, base + INTENT_CLAIM_LENGTH_OFFSET);
        return position == NO_INTENT || position + length - head <= 0;
    }

    // ------------------------------------------------------------------ stalled claims

    @Override
    long resolveStall(long h, long tail) {
        long bestEnd = -1;
        int candidates = 0;
        long[] ends = new long[slots];
        for (int slot = 0; slot < slots; slot++) {
            long base = slotBase(slot);
            long owner = (long) LONG.getVolatile(ring, base + INTENT_OWNER_OFFSET);
            if (owner == 0) {
                continue;
            }
            long position = (long) LONG.getAcquire(ring, base + INTENT_POSITION_OFFSET);
            long length = ring.get(ValueLayout.JAVA_LONG, base + INTENT_CLAIM_LENGTH_OFFSET);
            long again = (long) LONG.getAcquire(ring, base + INTENT_POSITION_OFFSET);
            if (position != again) {
                return -1; // a producer is writing its intent right now: it is alive
            }
            if (position == NO_INTENT || length <= 0 || length > capacity * 2
                    || ((position | length) & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
                continue;
            }
            long end = position + length;
            boolean exact = position == h;
            // the claim wrapped: its padding at the end of the data area was committed and consumed
            boolean afterPadding = (h & mask) == 0 && position < h && position + (capacity - (position & mask)) == h
                    && end > h;
            if (!exact && !afterPadding) {
                continue;
            }
            if (ProcessIdentity.isAlive(owner)) {
                return -1;
            }
            ends[candidates] = end;
            candidates++;
        }
        if (candidates == 0) {
            return NO_CLAIM; // no claimer, live or dead: not a state jipc producers leave
        }
        for (int i = 0; i < candidates; i++) {
            long end = ends[i];
            if (end - tail > 0 || end - h <= 0) {
                continue;
            }
            boolean boundary = end == tail || committed(end) || intentAt(end);
            if (boundary && (bestEnd < 0 || end < bestEnd)) {
                bestEnd = end;
            }
        }
        if (bestEnd < 0) {
            for (int i = 0; i < candidates; i++) {
                long end = ends[i];
                if (end - tail <= 0 && end - h > 0 && (bestEnd < 0 || end < bestEnd)) {
                    bestEnd = end;
                }
            }
        }
        if (bestEnd < 0) {
            return NO_CLAIM; // only dead claims that end beyond the tail: none moved it
        }
        // the dead owners' slots are freed once the head has moved past their claims (afterStallSkipped)
        return bestEnd;
    }

    /**
     * Frees the slots of dead producers whose claims the head has now passed (the one just skipped,
     * and any other dead claimer of that position). Freed only now, after the head moved: a
     * consumer killed between the resolution and the move leaves them recorded for its successor.
     * Only the owner word is changed, by a compare-and-set from the dead owner: producers free such
     * slots too ({@link #reclaimDeadSlots}), and one may have taken the slot and written its own
     * intent meanwhile, which a store to the intent would erase (the intent left behind names a
     * position the head has passed, which no resolution matches). {@code ConsumerFreeingDeadSlotTest}
     * (jipc-core-process-tests) holds a consumer here (the fault point {@code before-slot-freed}).
     */
    @Override
    void afterStallSkipped() {
        long head = headVolatile();
        for (int slot = 0; slot < slots; slot++) {
            long base = slotBase(slot);
            long owner = (long) LONG.getVolatile(ring, base + INTENT_OWNER_OFFSET);
            if (owner != 0 && owner != self && intentResolved(base, head) && !ProcessIdentity.isAlive(owner)) {
                if (FaultInjection.ENABLED) {
                    FaultInjection.point(FaultInjection.BEFORE_SLOT_FREED);
                }
                LONG.compareAndSet(ring, base + INTENT_OWNER_OFFSET, owner, 0L);
            }
        }
    }

    private boolean intentAt(long position) {
        for (int slot = 0; slot < slots; slot++) {
            long base = slotBase(slot);
            if ((long) LONG.getVolatile(ring, base + INTENT_OWNER_OFFSET) != 0
                    && (long) LONG.getAcquire(ring, base + INTENT_POSITION_OFFSET) == position) {
                return true;
            }
        }
        return false;
    }
}
