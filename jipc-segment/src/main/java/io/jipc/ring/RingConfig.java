package io.jipc.ring;

import io.jipc.WaitStrategy;

import java.util.Objects;

/**
 * The fixed properties of a {@link RecordRing}, chosen when it is created.
 *
 * @param capacity          bytes of the data area; a power of two
 * @param maxPayload        largest payload of one record; at most {@link RingDescriptor#maxPayloadFor}
 * @param intentSlots       producers that may have a claim in flight at once (many-producer rings);
 *                          1 for a single-producer ring
 * @param singleProducer    whether one producer at a time (a lease) or many (compare-and-set claims)
 * @param waitStrategy      how waiters wait; decides whether publishers check for sleepers
 * @param stallTimeoutNanos how long the consumer waits on an uncommitted claim before it checks
 *                          whether the claiming producer is dead
 * @param limit             bytes of the data area that records may occupy at once: the ring is full
 *                          when a claim would take more; at most {@code capacity}, a multiple of
 *                          {@link RecordDescriptor#ALIGNMENT}, at least one record of {@code
 *                          maxPayload}. With records of one power-of-two length (never padded at
 *                          the wrap) it bounds the number of records exactly. A record that does not
 *                          fit before the end of the data area takes the bytes to the end as padding
 *                          too, so with records of varying length a limit below the capacity and
 *                          below {@code 2 * recordLength(maxPayload) - ALIGNMENT} can refuse a large
 *                          record for ever, in an empty ring: use such limits only with records of
 *                          one power-of-two length (as jipc's mailboxes with a message limit do).
 */
public record RingConfig(long capacity, int maxPayload, int intentSlots, boolean singleProducer,
                         WaitStrategy waitStrategy, long stallTimeoutNanos, long limit) {

    /** A ring whose records may fill the whole data area ({@code limit == capacity}). */
    public RingConfig(long capacity, int maxPayload, int intentSlots, boolean singleProducer,
                      WaitStrategy waitStrategy, long stallTimeoutNanos) {
        this(capacity, maxPayload, intentSlots, singleProducer, waitStrategy, stallTimeoutNanos, capacity);
    }

    public RingConfig {
        if (limit <= 0 || limit > capacity || (limit & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
            throw new IllegalArgumentException("ring limit " + limit + " must be a positive multiple of "
                    + RecordDescriptor.ALIGNMENT + " up to the capacity " + capacity);
        }
        RingDescriptor.checkCapacity(capacity);
        if (maxPayload < 0 || maxPayload > RingDescriptor.maxPayloadFor(capacity)) {
            throw new IllegalArgumentException("max payload " + maxPayload + " must be between 0 and "
                    + RingDescriptor.maxPayloadFor(capacity) + " for a ring of " + capacity + " bytes");
        }
        if (limit < RecordDescriptor.recordLength(maxPayload)) { // RingDescriptor.readConfig refuses it too
            throw new IllegalArgumentException("ring limit " + limit + " is below one record of the max payload "
                    + maxPayload + " (" + RecordDescriptor.recordLength(maxPayload) + " bytes)");
        }
        if (intentSlots < 1 || intentSlots > RingDescriptor.MAX_INTENT_SLOTS) {
            throw new IllegalArgumentException("intent slots must be 1.." + RingDescriptor.MAX_INTENT_SLOTS
                    + ": " + intentSlots);
        }
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        if (stallTimeoutNanos <= 0) {
            throw new IllegalArgumentException("stall timeout must be positive: " + stallTimeoutNanos);
        }
    }
}
