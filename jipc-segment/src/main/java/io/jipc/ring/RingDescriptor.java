package io.jipc.ring;

import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ThreadLocalRandom;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of a {@link RecordRing} in shared memory: a control block, the intent table and the data
 * area. Offsets are relative to the start of the ring, which must be 4096-byte aligned. Fields
 * written by different parties live in different 128-byte blocks so that they never share a cache
 * line (nor an adjacent-line prefetch pair).
 *
 * <pre>
 *   offset  block            fields (native byte order)
 *   ------  ---------------  ------------------------------------------------------------
 *        0  configuration    capacity (long) | salt (long) | max payload (int) |
 *                            intent slots (int) | producer mode (int) | wait strategy (int) |
 *                            stall timeout ns (long) | data offset (long) |
 *                            limit (long; 0 in rings of version 1.0 = capacity) written once
 *      128  tail             tail position (long)                      written by producers
 *      256  head             head position (long) | records delivered (long) |
 *                            stalled claims skipped (long)             written by the consumer
 *      384  consumer wait    consumer waiting flag (int) | data signal (int: futex word)
 *      512  producer wait    producers waiting flag (int) | space signal (int: futex word)
 *      640  leases           producer lease (long token) | consumer lease (long token)
 *      768  intent table     slots x 64 bytes, one per in-flight producer:
 *                            owner token (long) | claim position (long) | claim length (long)
 *  dataOff  data             capacity bytes of records (see {@link RecordDescriptor}),
 *                            dataOff = align(768 + slots * 64, 4096)
 * </pre>
 *
 * <h2>Claims and intents</h2>
 * A producer of a many-producer ring writes its <em>intent</em> (the tail it read and the length
 * it needs) into its own slot before the compare-and-set that moves the tail. If it dies after the
 * compare-and-set but before committing, the consumer finds the stalled position in that slot,
 * sees the owner is dead, and skips exactly the claimed length. Owner tokens are
 * {@link io.jipc.platform.ProcessIdentity#token() process tokens} (pid + start time).
 *
 * <h2>Waiting</h2>
 * A waiter reads the signal word, sets its waiting flag (full fence), re-checks its condition and
 * sleeps in {@code futex(FUTEX_WAIT)} on the signal word. A publisher, after its publishing store,
 * reads the flag; if set (1) it replaces it with its wake mark (negative, unique to the wake),
 * increments the signal word, calls {@code FUTEX_WAKE} and then clears its mark; a publisher that
 * finds a mark (a wake under way, or a publisher killed before its {@code FUTEX_WAKE}) wakes as
 * well ({@link WakeSignal}). The flag keeps publishers out of the kernel when nobody sleeps. The
 * store-then-load on each side needs a full fence between; for spin-then-futex rings the
 * publisher's is replaced by the waiter calling {@code membarrier} before it sleeps
 * ({@link io.jipc.platform.AsymmetricFence}).
 */
public final class RingDescriptor {
    public static final int CAPACITY_OFFSET = 0;
    public static final int SALT_OFFSET = 8;
    public static final int MAX_PAYLOAD_OFFSET = 16;
    public static final int INTENT_SLOTS_OFFSET = 20;
    public static final int PRODUCER_MODE_OFFSET = 24;
    public static final int WAIT_STRATEGY_OFFSET = 28;
    public static final int STALL_TIMEOUT_OFFSET = 32;
    public static final int DATA_OFFSET_OFFSET = 40;
    public static final int LIMIT_OFFSET = 48;

    public static final int TAIL_OFFSET = 128;

    public static final int HEAD_OFFSET = 256;
    public static final int DELIVERED_OFFSET = 264;
    public static final int SKIPPED_OFFSET = 272;

    public static final int CONSUMER_WAITING_OFFSET = 384;
    public static final int DATA_SIGNAL_OFFSET = 388;

    public static final int PRODUCERS_WAITING_OFFSET = 512;
    public static final int SPACE_SIGNAL_OFFSET = 516;

    public static final int PRODUCER_LEASE_OFFSET = 640;
    public static final int CONSUMER_LEASE_OFFSET = 648;

    public static final int INTENTS_OFFSET = 768;
    public static final int INTENT_LENGTH = 64;
    public static final int INTENT_OWNER_OFFSET = 0;
    public static final int INTENT_POSITION_OFFSET = 8;
    public static final int INTENT_CLAIM_LENGTH_OFFSET = 16;
    /** Claim position of a slot that holds no intent. */
    public static final long NO_INTENT = -1L;

    /** Alignment of the data area (and of the ring itself). */
    public static final int PAGE = 4096;
    /** Smallest data capacity. */
    public static final long MIN_CAPACITY = 1024;
    /** Largest data capacity (1 TiB). */
    public static final long MAX_CAPACITY = 1L << 40;
    /** Most intent slots (producers with a claim in flight at the same time). */
    public static final int MAX_INTENT_SLOTS = 64;

    /**
     * The control block as a memory layout, up to the intent table (each 128-byte block padded);
     * a test checks it against the offset constants.
     */
    public static final StructLayout CONTROL_LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("capacity"),
            JAVA_LONG.withName("salt"),
            JAVA_INT.withName("maxPayload"),
            JAVA_INT.withName("intentSlots"),
            JAVA_INT.withName("producerMode"),
            JAVA_INT.withName("waitStrategy"),
            JAVA_LONG.withName("stallTimeoutNanos"),
            JAVA_LONG.withName("dataOffset"),
            JAVA_LONG.withName("limit"),
            MemoryLayout.paddingLayout(72),
            JAVA_LONG.withName("tail"),
            MemoryLayout.paddingLayout(120),
            JAVA_LONG.withName("head"),
            JAVA_LONG.withName("delivered"),
            JAVA_LONG.withName("skipped"),
            MemoryLayout.paddingLayout(104),
            JAVA_INT.withName("consumerWaiting"),
            JAVA_INT.withName("dataSignal"),
            MemoryLayout.paddingLayout(120),
            JAVA_INT.withName("producersWaiting"),
            JAVA_INT.withName("spaceSignal"),
            MemoryLayout.paddingLayout(120),
            JAVA_LONG.withName("producerLease"),
            JAVA_LONG.withName("consumerLease"),
            MemoryLayout.paddingLayout(112));

    /** One entry of the intent table as a memory layout. */
    public static final StructLayout INTENT_LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("owner"),
            JAVA_LONG.withName("position"),
            JAVA_LONG.withName("claimLength"),
            MemoryLayout.paddingLayout(40));

    public static final int MODE_SINGLE_PRODUCER = 1;
    public static final int MODE_MANY_PRODUCERS = 2;

    private RingDescriptor() {
    }

    /** Offset of the data area for a ring with {@code intentSlots} slots. */
    public static long dataOffset(int intentSlots) {
        long end = INTENTS_OFFSET + (long) intentSlots * INTENT_LENGTH;
        return (end + PAGE - 1) & -PAGE;
    }

    /** Total bytes of a ring with this configuration. */
    public static long length(RingConfig config) {
        return dataOffset(config.intentSlots()) + config.capacity();
    }

    /** The largest payload a ring of {@code capacity} bytes accepts: a record may fill half of it. */
    public static int maxPayloadFor(long capacity) {
        return (int) Math.min(Integer.MAX_VALUE - RecordDescriptor.ALIGNMENT,
                capacity / 2 - RecordDescriptor.HEADER_LENGTH);
    }

    /** Checks a capacity: a power of two in [{@link #MIN_CAPACITY}, {@link #MAX_CAPACITY}]. */
    public static void checkCapacity(long capacity) {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Long.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity must be a power of two between "
                    + MIN_CAPACITY + " and " + MAX_CAPACITY + ": " + capacity);
        }
    }

    /**
     * Writes a fresh ring into {@code ring} (which must be zeroed, as new shared files are).
     * The caller publishes the enclosing file afterwards.
     */
    public static void format(MemorySegment ring, RingConfig config) {
        if (ring.byteSize() < length(config)) {
            throw new IllegalArgumentException("ring needs " + length(config) + " bytes, got " + ring.byteSize());
        }
        long salt = ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE;
        ring.set(ValueLayout.JAVA_LONG, CAPACITY_OFFSET, config.capacity());
        ring.set(ValueLayout.JAVA_LONG, SALT_OFFSET, salt);
        ring.set(ValueLayout.JAVA_INT, MAX_PAYLOAD_OFFSET, config.maxPayload());
        ring.set(ValueLayout.JAVA_INT, INTENT_SLOTS_OFFSET, config.intentSlots());
        ring.set(ValueLayout.JAVA_INT, PRODUCER_MODE_OFFSET,
                config.singleProducer() ? MODE_SINGLE_PRODUCER : MODE_MANY_PRODUCERS);
        ring.set(ValueLayout.JAVA_INT, WAIT_STRATEGY_OFFSET, config.waitStrategy().code());
        ring.set(ValueLayout.JAVA_LONG, STALL_TIMEOUT_OFFSET, config.stallTimeoutNanos());
        ring.set(ValueLayout.JAVA_LONG, DATA_OFFSET_OFFSET, dataOffset(config.intentSlots()));
        ring.set(ValueLayout.JAVA_LONG, LIMIT_OFFSET, config.limit());
        for (int i = 0; i < config.intentSlots(); i++) {
            ring.set(ValueLayout.JAVA_LONG, INTENTS_OFFSET + (long) i * INTENT_LENGTH + INTENT_POSITION_OFFSET,
                    NO_INTENT);
        }
    }

    /**
     * Reads and validates the configuration of the ring in {@code ring}: every value that sizes an
     * access is checked against the segment before use, so a hostile file yields a
     * {@link CorruptSegmentException} and nothing else.
     */
    public static RingConfig readConfig(MemorySegment ring, String name) {
        if (ring.byteSize() < INTENTS_OFFSET) {
            throw new CorruptSegmentException(name + ": ring area of " + ring.byteSize() + " bytes is too small");
        }
        long capacity = ring.get(ValueLayout.JAVA_LONG, CAPACITY_OFFSET);
        int maxPayload = ring.get(ValueLayout.JAVA_INT, MAX_PAYLOAD_OFFSET);
        int slots = ring.get(ValueLayout.JAVA_INT, INTENT_SLOTS_OFFSET);
        int mode = ring.get(ValueLayout.JAVA_INT, PRODUCER_MODE_OFFSET);
        WaitStrategy strategy = WaitStrategy.ofCode(ring.get(ValueLayout.JAVA_INT, WAIT_STRATEGY_OFFSET));
        long stall = ring.get(ValueLayout.JAVA_LONG, STALL_TIMEOUT_OFFSET);
        long dataOffset = ring.get(ValueLayout.JAVA_LONG, DATA_OFFSET_OFFSET);
        long salt = ring.get(ValueLayout.JAVA_LONG, SALT_OFFSET);
        long limit = ring.get(ValueLayout.JAVA_LONG, LIMIT_OFFSET);
        if (limit == 0) {
            limit = capacity; // written by a version that had no limit
        }
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Long.bitCount(capacity) != 1) {
            throw new CorruptSegmentException(name + ": ring capacity " + capacity + " is not a valid power of two");
        }
        if (slots < 1 || slots > MAX_INTENT_SLOTS) {
            throw new CorruptSegmentException(name + ": " + slots + " intent slots (1.." + MAX_INTENT_SLOTS + " allowed)");
        }
        if (dataOffset != dataOffset(slots)) {
            throw new CorruptSegmentException(name + ": data offset " + dataOffset + ", expected " + dataOffset(slots));
        }
        if (dataOffset + capacity > ring.byteSize()) {
            throw new CorruptSegmentException(name + ": ring of " + capacity + " bytes at offset " + dataOffset
                    + " does not fit in " + ring.byteSize() + " bytes");
        }
        if (maxPayload < 0 || maxPayload > maxPayloadFor(capacity)) {
            throw new CorruptSegmentException(name + ": max payload " + maxPayload + " does not fit a ring of "
                    + capacity + " bytes");
        }
        if (mode != MODE_SINGLE_PRODUCER && mode != MODE_MANY_PRODUCERS) {
            throw new CorruptSegmentException(name + ": unknown producer mode " + mode);
        }
        if (strategy == null) {
            throw new CorruptSegmentException(name + ": unknown wait strategy code "
                    + ring.get(ValueLayout.JAVA_INT, WAIT_STRATEGY_OFFSET));
        }
        if (stall <= 0) {
            throw new CorruptSegmentException(name + ": stall timeout " + stall + " ns");
        }
        if (salt >= 0) {
            throw new CorruptSegmentException(name + ": ring salt lacks its top bit");
        }
        if (limit < RecordDescriptor.recordLength(maxPayload) || limit > capacity
                || (limit & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
            throw new CorruptSegmentException(name + ": ring limit " + limit + " does not fit a ring of "
                    + capacity + " bytes with records of up to " + RecordDescriptor.recordLength(maxPayload));
        }
        return new RingConfig(capacity, maxPayload, slots, mode == MODE_SINGLE_PRODUCER, strategy, stall, limit);
    }
}
