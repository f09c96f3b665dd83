package io.jipc.mailbox;

import io.jipc.ring.RecordDescriptor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Layout of the header ("envelope") that precedes each message's bytes in the records of a mailbox
 * created with {@linkplain MailboxOptions.Builder#headers headers} (also with priorities or a
 * message limit). The record's payload is the envelope followed by the message.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        Sender: process token (pid high, start time low)       |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |     Sequence: 1, 2, 3... per sending process and mailbox      |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |          Sent At: nanoseconds since the epoch (UTC)           |  16
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |  Ticket: 0, or rendezvous slot + 1 (16 bits) | generation (48) |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Priority (0..levels-1)                      |  32
 *  +---------------------------------------------------------------+
 *  |                     Message Length                            |  36
 *  +---------------------------------------------------------------+
 *  |                        Message ...                           ...  40
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The message length is at most the record's payload length minus {@link #LENGTH}: in a
 * mailbox with a message limit every record has the length of a full slot
 * ({@link #slotLength(int)}) and the message may be shorter. A receiver validates every field
 * before use (another process wrote them).
 */
public final class EnvelopeDescriptor {
    public static final int SENDER_OFFSET = 0;
    public static final int SEQUENCE_OFFSET = 8;
    public static final int SENT_AT_OFFSET = 16;
    public static final int TICKET_OFFSET = 24;
    public static final int PRIORITY_OFFSET = 32;
    public static final int MESSAGE_LENGTH_OFFSET = 36;
    /** Bytes of the envelope; the message follows. */
    public static final int LENGTH = 40;

    /** The envelope as a memory layout (a test checks it against the constants). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("sender"),
            JAVA_LONG.withName("sequence"),
            JAVA_LONG.withName("sentAt"),
            JAVA_LONG.withName("ticket"),
            JAVA_INT.withName("priority"),
            JAVA_INT.withName("messageLength"));

    private EnvelopeDescriptor() {
    }

    /**
     * The record length every message takes in a mailbox with a message limit: a power of two at
     * least the record of an envelope and a message of {@code maxMessageSize} bytes, so that slots
     * tile the ring without padding at the wrap.
     */
    public static long slotLength(int maxMessageSize) {
        long record = RecordDescriptor.recordLength(LENGTH + maxMessageSize);
        return Long.bitCount(record) == 1 ? record : Long.highestOneBit(record) << 1;
    }
}
