package io.jipc.shm;

import io.jipc.segment.SegmentHeaderDescriptor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of a {@link CircularBuffer} in a region: a jipc header, the positions and wait words,
 * then the slots.
 *
 * <pre>
 *   offset  length  content
 *   ------  ------  ----------------------------------------------------------------
 *        0     128  common header ({@link SegmentHeaderDescriptor}): magic "JIPC-CBF",
 *                   version (written last), creator pid and start time, ...
 *      128       4  item size in bytes (int)
 *      132       4  capacity in items (int, a power of two, at least 2)
 *      136       4  slot stride in bytes (int) = 8 + item size, rounded up to 8
 *      140     116  reserved (zero)
 *      256       8  enqueue position (long): items ever claimed by producers      \ each in its
 *      384       8  dequeue position (long): items ever claimed by consumers      | own 128-byte
 *      512       4  not-empty signal (int, futex word), 516: consumers asleep    | block, so that
 *      640       4  not-full signal (int, futex word), 644: producers asleep     / roles never share a line
 *      768     ...  capacity slots of stride bytes each:
 * </pre>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      Sequence (long)                          |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Item (item size bytes)                  ...  8
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The sequence of slot {@code i} starts at {@code i}. For position {@code p} (slot
 * {@code p & (capacity - 1)}): sequence {@code p} means free for the producer of {@code p};
 * {@code p + 1} means holding the item of {@code p}; {@code p + capacity} means consumed, free for
 * the producer of {@code p + capacity}. All fields are in native byte order. Version 1.0.
 */
public final class CircularBufferDescriptor {
    /** Magic of a circular buffer. */
    public static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-CBF");
    public static final int MAJOR_VERSION = 1;
    public static final int MINOR_VERSION = 0;

    public static final int ITEM_SIZE_OFFSET = 128;
    public static final int CAPACITY_OFFSET = 132;
    public static final int STRIDE_OFFSET = 136;
    public static final int ENQUEUE_POSITION_OFFSET = 256;
    public static final int DEQUEUE_POSITION_OFFSET = 384;
    public static final int NOT_EMPTY_SIGNAL_OFFSET = 512;
    /**
     * A flag (int): 1 while a consumer may be asleep on the not-empty word; the producer that wakes
     * it puts its wake mark (a negative value) there first and clears that mark after its
     * {@code FUTEX_WAKE} ({@link io.jipc.ring.WakeSignal}); any other producer that finds a mark wakes too.
     */
    public static final int CONSUMERS_ASLEEP_OFFSET = 516;
    public static final int NOT_FULL_SIGNAL_OFFSET = 640;
    /** A flag (int): 1 while a producer may be asleep on the not-full word; marked and cleared by the consumer that wakes it, as above. */
    public static final int PRODUCERS_ASLEEP_OFFSET = 644;
    /** Where the slots start. */
    public static final int SLOTS_OFFSET = 768;
    /** Offset of the item within a slot. */
    public static final int ITEM_IN_SLOT_OFFSET = 8;

    /** Largest item, so that a hostile size can never make a slot overflow an int. */
    public static final int MAX_ITEM_SIZE = 1 << 20;
    /** Largest capacity in items. */
    public static final int MAX_CAPACITY = 1 << 30;

    /** Everything up to the slots, as a memory layout (a test checks it against the constants). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SegmentHeaderDescriptor.LAYOUT.withName("header"),
            JAVA_INT.withName("itemSize"),
            JAVA_INT.withName("capacity"),
            JAVA_INT.withName("stride"),
            MemoryLayout.paddingLayout(116),
            JAVA_LONG.withName("enqueuePosition"),
            MemoryLayout.paddingLayout(120),
            JAVA_LONG.withName("dequeuePosition"),
            MemoryLayout.paddingLayout(120),
            JAVA_INT.withName("notEmptySignal"),
            JAVA_INT.withName("consumersAsleep"),
            MemoryLayout.paddingLayout(120),
            JAVA_INT.withName("notFullSignal"),
            JAVA_INT.withName("producersAsleep"),
            MemoryLayout.paddingLayout(120));

    private CircularBufferDescriptor() {
    }

    /** The slot stride for an item size: the 8-byte sequence plus the item, rounded up to 8. */
    public static int stride(int itemSize) {
        return (ITEM_IN_SLOT_OFFSET + itemSize + 7) & ~7;
    }

    /**
     * Bytes a buffer of {@code capacity} items of {@code itemSize} bytes needs.
     *
     * @throws IllegalArgumentException if the item size is not in 1..{@value #MAX_ITEM_SIZE} or the
     *                                  capacity is not a power of two in 2..{@value #MAX_CAPACITY}
     */
    public static long length(int itemSize, int capacity) {
        checkItemSize(itemSize);
        checkCapacity(capacity);
        return SLOTS_OFFSET + (long) capacity * stride(itemSize);
    }

    static void checkItemSize(int itemSize) {
        if (itemSize < 1 || itemSize > MAX_ITEM_SIZE) {
            throw new IllegalArgumentException("item size must be 1 to " + MAX_ITEM_SIZE + " bytes: " + itemSize);
        }
    }

    static void checkCapacity(int capacity) {
        if (capacity < 2 || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two from 2 to " + MAX_CAPACITY
                    + " items: " + capacity);
        }
    }
}
