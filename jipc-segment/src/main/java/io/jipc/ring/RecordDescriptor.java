package io.jipc.ring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of one record in a {@link RecordRing}'s data area.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |          Commit Word: record position XOR ring salt           |  0
 *  |              (written last, release; 64 bits)                 |
 *  +---------------------------------------------------------------+
 *  |                        Payload Length                         |  8
 *  +---------------------------------------------------------------+
 *  |   Type: 1 = message, 2 = padding; while claimed: 0x8000_0000 | |  12
 *  |         the claimer's intent slot                             |
 *  +---------------------------------------------------------------+
 *  |                         Payload ...                          ...  16
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A record starts at a multiple of {@link #ALIGNMENT} and occupies
 * {@code align(HEADER_LENGTH + payloadLength, ALIGNMENT)} bytes. Positions are 64-bit byte counts
 * that only grow; a record at position {@code p} lives at index {@code p & (capacity - 1)}.
 *
 * <p>A record is <b>committed</b> when its commit word equals {@code p ^ salt}, where the salt is a
 * random value chosen when the ring was created (top bit set, so the word is never 0). The consumer
 * never zeroes consumed memory: a stale commit word from an earlier lap holds another position, so
 * it can never look committed at the current position, and a consumer that dies in the middle of
 * a batch leaves nothing half-erased. Payload bytes that happen to equal {@code p ^ salt} at exactly
 * the right index are as unlikely as guessing a random 64-bit number.
 *
 * <p>A <b>padding</b> record is skipped by the consumer: it fills the end of the data area when a
 * record does not fit before the wrap, and it replaces an aborted claim.
 */
public final class RecordDescriptor {
    /** Offset of the 64-bit commit word. */
    public static final int COMMIT_OFFSET = 0;
    /** Offset of the 32-bit payload length. */
    public static final int LENGTH_OFFSET = 8;
    /** Offset of the 32-bit type. */
    public static final int TYPE_OFFSET = 12;
    /** Length of the record header; the payload starts here. */
    public static final int HEADER_LENGTH = 16;
    /** Records start at multiples of this. */
    public static final int ALIGNMENT = 16;

    /** The record header as a memory layout (a test checks it against the constants). */
    public static final StructLayout HEADER_LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("commit"),
            JAVA_INT.withName("length"),
            JAVA_INT.withName("type"));

    /** Type of a record that carries a message. */
    public static final int TYPE_MESSAGE = 1;
    /** Type of a record the consumer skips. */
    public static final int TYPE_PADDING = 2;
    /** Flag in the type field of a claimed, not yet committed record; the low bits hold the intent slot. */
    public static final int TYPE_CLAIMED = 0x8000_0000;

    private RecordDescriptor() {
    }

    /**
     * The length and type fields as one 64-bit word in native byte order, to be stored or loaded at
     * {@link #LENGTH_OFFSET} in one access (the length is the field at the lower address).
     */
    public static long lengthAndType(int length, int type) {
        return BIG_ENDIAN ? ((long) length << 32) | (type & 0xFFFF_FFFFL)
                : ((long) type << 32) | (length & 0xFFFF_FFFFL);
    }

    /** The length field of a word read with {@link #lengthAndType}'s layout. */
    public static int lengthOf(long lengthAndType) {
        return (int) (BIG_ENDIAN ? lengthAndType >>> 32 : lengthAndType);
    }

    /** The type field of a word read with {@link #lengthAndType}'s layout. */
    public static int typeOf(long lengthAndType) {
        return (int) (BIG_ENDIAN ? lengthAndType : lengthAndType >>> 32);
    }

    private static final boolean BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    /** Bytes a record with {@code payloadLength} bytes of payload occupies. */
    public static int recordLength(int payloadLength) {
        return (HEADER_LENGTH + payloadLength + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
