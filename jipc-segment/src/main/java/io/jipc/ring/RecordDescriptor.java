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
 *  |     Commit Word: mix(record position XOR ring salt)           |  0
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
 * <p>A record is <b>committed</b> when its commit word equals {@link #commitWord commitWord(p, salt)}:
 * {@code p ^ salt} through a bijective 64-bit mixer, where the salt is a random value chosen when the
 * ring was created (top bit set, so that {@code p ^ salt}, and with it the word, is never 0). The
 * consumer never zeroes consumed memory, so a consumer that dies in the middle of a batch leaves
 * nothing half-erased; what stays behind must therefore never read as the commit word of a later
 * record at the same index. A whole stale word never does: it belongs to another position.
 *
 * <p>Why the mixer: records of later laps start at other offsets, so the 8 bytes at a record's index
 * can be partly a stale commit word and partly payload of a record written over its other bytes.
 * Without the mixer, {@code p ^ salt} of two positions in one aligned 64 KiB span differ only in
 * their two low bytes, so two payload bytes that happened to equal them made an unwritten slot read
 * as committed: with random salts that happened in about one ring in 2,000 that carried 1,000 messages
 * of 1 to 60 bytes through 4 KiB (the consumer then read a stale header and payload). Through the
 * mixer the words of two positions are unrelated in every byte, and the bytes of a stale word that
 * remain match the new word's only by chance, 2<sup>-8</sup> per byte.
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

    /**
     * The commit word of the record at {@code position} of a ring with {@code salt}: {@code position ^
     * salt} through a bijective mixer (the finalizer of the SplitMix64 generator), so that the words of
     * any two positions differ in every byte with high probability. Never 0 for a salt with its top bit
     * set and a non-negative position.
     */
    public static long commitWord(long position, long salt) {
        long z = position ^ salt;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** Bytes a record with {@code payloadLength} bytes of payload occupies. */
    public static int recordLength(int payloadLength) {
        return (HEADER_LENGTH + payloadLength + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
