package io.jipc.ring;

import io.jipc.platform.ProcessIdentity;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.jipc.ring.RecordDescriptor.LENGTH_OFFSET;
import static io.jipc.ring.RecordDescriptor.TYPE_MESSAGE;
import static io.jipc.ring.RecordDescriptor.TYPE_OFFSET;
import static io.jipc.ring.RecordDescriptor.recordLength;
import static io.jipc.ring.RingDescriptor.PRODUCER_LEASE_OFFSET;
import static io.jipc.ring.RingDescriptor.TAIL_OFFSET;

/**
 * A {@link RecordRing} with one producer at a time: the producer holds a lease (a process token in
 * the ring), claims need no atomic read-modify-write, and the tail is the producer's own.
 *
 * <p>Who may call: producing methods from one thread at a time of the process holding the
 * {@link #acquireProducer() producer lease}; at most one claim outstanding.
 *
 * <p>Crashes: the producer commits a record (commit word) before it publishes the tail, so a
 * producer killed at any point leaves either an invisible claim (nothing to skip) or committed
 * records beyond the published tail; the next producer to take the lease
 * {@linkplain #acquireProducer() recovers} the tail by walking over those committed records.
 */
public final class SpscRecordRing extends RecordRing {
    private long tail;
    private long cachedHead;
    private long claimed = FULL;

    SpscRecordRing(MemorySegment ring, RingConfig config, String name, MemorySegment doorbell) {
        super(ring, config, name, doorbell);
    }

    /**
     * Takes the producer lease unless a live process holds it, and recovers the tail left by a
     * dead predecessor.
     *
     * @return 0 on success, else the token of the live holder
     */
    public long acquireProducer() {
        while (true) {
            long owner = (long) LONG.getVolatile(ring, (long) PRODUCER_LEASE_OFFSET);
            if (owner == self) {
                break;
            }
            if (owner != 0 && ProcessIdentity.isAlive(owner)) {
                return owner;
            }
            if (LONG.compareAndSet(ring, (long) PRODUCER_LEASE_OFFSET, owner, self)) {
                if (owner != 0) {
                    spaceSignal.reset();
                }
                break;
            }
        }
        long h = headVolatile();
        checkPositions(h, tailVolatile());
        long t = Math.max(tailVolatile(), h);
        // A predecessor may have committed records without publishing the tail: walk over them.
        while (t - h < capacity && committed(t)) {
            long index = t & mask;
            int length = data.get(ValueLayout.JAVA_INT, index + LENGTH_OFFSET);
            if (length < 0 || (long) length > capacity - index - RecordDescriptor.HEADER_LENGTH) {
                break;
            }
            t += recordLength(length);
        }
        tail = t;
        cachedHead = h;
        claimed = FULL;
        LONG.setRelease(ring, (long) TAIL_OFFSET, t);
        return 0;
    }

    /** Gives the producer lease back (if this process holds it). */
    public void releaseProducer() {
        LONG.compareAndSet(ring, (long) PRODUCER_LEASE_OFFSET, self, 0L);
    }

    @Override
    public long tryClaim(int length) {
        long t = reserve(length);
        if (t != FULL) {
            data.set(ValueLayout.JAVA_INT, (t & mask) + LENGTH_OFFSET, length);
            claimed = t;
        }
        return t;
    }

    /**
     * Finds room for a record of {@code length} payload bytes at the tail, after padding to the
     * wrap if it does not fit before it; returns its position, or {@link #FULL}. The record's
     * header is not written yet.
     */
    private long reserve(int length) {
        checkLength(length);
        if (claimed != FULL) {
            throw new IllegalStateException("a claim at position " + claimed + " is still outstanding");
        }
        long t = tail;
        long recordLength = recordLength(length);
        long index = t & mask;
        long toEnd = capacity - index;
        long needed = recordLength <= toEnd ? recordLength : toEnd + recordLength;
        if (t + needed - cachedHead > limit) {
            cachedHead = headVolatile();
            if (t + needed - cachedHead > limit) {
                return FULL;
            }
        }
        if (needed != recordLength) {
            writePadding(t, toEnd);
            t += toEnd;
            tail = t;
        }
        return t;
    }

    @Override
    public void commit(long position) {
        checkClaim(position);
        long index = position & mask;
        int length = data.get(ValueLayout.JAVA_INT, index + LENGTH_OFFSET);
        data.set(ValueLayout.JAVA_INT, index + TYPE_OFFSET, TYPE_MESSAGE);
        claimed = FULL;
        tail = position + recordLength(length);
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.BEFORE_COMMIT);
        }
        publishCommit(position);
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.AFTER_COMMIT);
        }
        LONG.setRelease(ring, (long) TAIL_OFFSET, tail);
    }

    @Override
    public void abort(long position) {
        checkClaim(position);
        claimed = FULL;
        // nothing was made visible: the tail stays at the claim (after any padding)
        LONG.setRelease(ring, (long) TAIL_OFFSET, tail);
    }

    private void checkClaim(long position) {
        if (position != claimed || position == FULL) {
            throw new IllegalStateException("no claim at position " + position);
        }
    }

    /** Writes the header (length and type in one store), copies the payload in, then commits. */
    @Override
    public boolean offer(MemorySegment source, long offset, int length) {
        long position = reserve(length);
        if (position == FULL) {
            return false;
        }
        long index = position & mask;
        writeLengthAndType(index, length, TYPE_MESSAGE);
        // a copy that throws leaves nothing to give back: no commit word, the tail not moved, no claim
        AscendingCopy.copy(source, offset, data, index + RecordDescriptor.HEADER_LENGTH, length);
        tail = position + recordLength(length);
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.BEFORE_COMMIT);
        }
        publishCommit(position);
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.AFTER_COMMIT);
        }
        LONG.setRelease(ring, (long) TAIL_OFFSET, tail);
        return true;
    }

    @Override
    public boolean hasRoomFor(int length) {
        long t = tail;
        long recordLength = recordLength(length);
        long toEnd = capacity - (t & mask);
        long needed = recordLength <= toEnd ? recordLength : toEnd + recordLength;
        return t + needed - headVolatile() <= limit;
    }

    @Override
    long resolveStall(long h, long tail) {
        // A single producer publishes the tail only after committing: the head never waits on a claim.
        return -1;
    }

    @Override
    public void detach() {
        releaseProducer();
        super.detach();
    }
}
