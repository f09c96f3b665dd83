package io.jipc.group;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The envelope every group message carries in front of its payload, big-endian:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |     Kind      |      Op       |     Step      |   Reserved 0  |  0
 *  +---------------+---------------+---------------+---------------+
 *  |                       Sender's rank                           |  4
 *  +---------------------------------------------------------------+
 *  |                    Sender's incarnation                       |  8
 *  +---------------------------------------------------------------+
 *  |                       Reserved (zero)                         |  12
 *  +---------------------------------------------------------------+
 *  |          Collective sequence number (long; 0 if none)         |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Payload (the rest of the message)            |  24
 * </pre>
 *
 * Kinds: 1 a message to one member, 2 a broadcast, 3 a part of a collective operation (op and step
 * say which part), 4 a member giving up a collective operation: step 1 gives up that operation
 * only (the payload is its reason, UTF-8), step 2 ({@link #BROKEN}) all of them for good (the
 * payload is the lost rank, an int, then the reason).
 * Messages come from other processes, so {@link #decode} checks every field and copies nothing
 * before it has; it reads a message in place in the receiver's inbox.
 *
 * @param kind        {@link #DIRECT}, {@link #BROADCAST}, {@link #COLLECTIVE} or {@link #ABORT}
 * @param op          the collective operation ({@link Op#code()}), 0 for direct and broadcast messages
 * @param step        the part of the collective operation: {@link #UP} towards the root, {@link #DOWN} from
 *                    it; or {@link #BROKEN} in an abort
 * @param sender      the sender's rank
 * @param incarnation the sender's incarnation of its rank
 * @param sequence    the collective operation's sequence number
 * @param payload     the payload
 */
record GroupEnvelope(int kind, int op, int step, int sender, int incarnation, long sequence, byte[] payload) {
    static final int LENGTH = 24;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    static final int DIRECT = 1;
    static final int BROADCAST = 2;
    static final int COLLECTIVE = 3;
    static final int ABORT = 4;

    static final int UP = 0;
    static final int DOWN = 1;
    /**
     * The step of an {@link #ABORT} that says the sender's collective operations are broken for good
     * (it lost a member, timed out or was interrupted); its payload is the lost rank (int, or the
     * sender's own) and the reason in UTF-8.
     */
    static final int BROKEN = 2;

    /** The collective operations, by their code on the wire. */
    enum Op {
        BARRIER(1), BROADCAST_FROM(2), SCATTER(3), GATHER(4), ALL_GATHER(5), REDUCE(6), ALL_REDUCE(7),
        /** {@code allReduce(long, op)}: its own code, so that a member in the {@code byte[]} form finds the mismatch. */
        ALL_REDUCE_LONG(8);

        private final int code;

        Op(int code) {
            this.code = code;
        }

        int code() {
            return code;
        }

        /** The operation of {@code code}, or {@code null} if there is none. */
        static Op of(int code) {
            for (Op op : values()) {
                if (op.code == code) {
                    return op;
                }
            }
            return null;
        }
    }

    /** The message: the envelope, then {@code payload}. */
    static byte[] encode(int kind, int op, int step, int sender, int incarnation, long sequence, byte[] payload) {
        byte[] message = new byte[LENGTH + payload.length];
        ByteBuffer.wrap(message).order(ByteOrder.BIG_ENDIAN)
                .put((byte) kind).put((byte) op).put((byte) step).put((byte) 0)
                .putInt(sender).putInt(incarnation).putInt(0).putLong(sequence)
                .put(payload);
        return message;
    }

    /**
     * Reads a message of a group of {@code size} ranks whose payloads are at most {@code maxPayload}
     * bytes (the same as {@link #decode(MemorySegment, int, int)}).
     *
     * @throws GroupProtocolException if it is not a well-formed message of such a group
     */
    static GroupEnvelope decode(byte[] message, int size, int maxPayload) {
        return decode(MemorySegment.ofArray(message), size, maxPayload);
    }

    /**
     * Reads a message in place (a mailbox's view of it, valid during the call): checks every field,
     * then copies the payload out, once.
     *
     * @throws GroupProtocolException if it is not a well-formed message of such a group
     */
    static GroupEnvelope decode(MemorySegment message, int size, int maxPayload) {
        long length = message.byteSize();
        if (length < LENGTH) {
            throw new GroupProtocolException("a group message of " + length + " bytes, shorter than its "
                    + LENGTH + "-byte envelope");
        }
        if (length - LENGTH > maxPayload) {
            throw new GroupProtocolException("a group message with a payload of " + (length - LENGTH)
                    + " bytes, more than the group's " + maxPayload);
        }
        int kind = message.get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
        int op = message.get(ValueLayout.JAVA_BYTE, 1) & 0xFF;
        int step = message.get(ValueLayout.JAVA_BYTE, 2) & 0xFF;
        int reserved = message.get(ValueLayout.JAVA_BYTE, 3) & 0xFF;
        int sender = message.get(INT, 4);
        int incarnation = message.get(INT, 8);
        int reserved2 = message.get(INT, 12);
        long sequence = message.get(LONG, 16);
        if (kind < DIRECT || kind > ABORT) {
            throw new GroupProtocolException("a group message of unknown kind " + kind);
        }
        if (reserved != 0 || reserved2 != 0) {
            throw new GroupProtocolException("a group message with non-zero reserved fields");
        }
        if (sender < 0 || sender >= size) {
            throw new GroupProtocolException("a group message from rank " + sender + ", outside 0.." + (size - 1));
        }
        boolean collective = kind == COLLECTIVE || kind == ABORT;
        if (collective) {
            if (Op.of(op) == null) {
                throw new GroupProtocolException("a collective message of unknown operation " + op);
            }
            if (step != UP && step != DOWN && !(kind == ABORT && step == BROKEN)) {
                throw new GroupProtocolException("a collective message of unknown step " + step);
            }
            if (sequence <= 0) {
                throw new GroupProtocolException("a collective message with sequence " + sequence);
            }
        } else if (op != 0 || step != 0 || sequence != 0) {
            throw new GroupProtocolException("a " + (kind == DIRECT ? "direct" : "broadcast")
                    + " message with collective fields set");
        }
        return new GroupEnvelope(kind, op, step, sender, incarnation, sequence,
                message.asSlice(LENGTH).toArray(ValueLayout.JAVA_BYTE));
    }
}
