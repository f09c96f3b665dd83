package io.jipc.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reassembles the messages of a {@link FrameCodec} stream from bytes as they arrive, in pieces of
 * any size (one byte at a time, several frames at once).
 *
 * <p>Memory follows the bytes that actually arrived, not the lengths announced: nothing is
 * allocated for a payload until its whole header has arrived and its length has been checked
 * against the limit (a hostile length never causes an allocation), and a large payload's array
 * then grows as its bytes arrive (from 64 KiB, doubling, to exactly its length), so a peer that
 * announces a large frame and stalls holds no more memory than it sent. After an
 * {@link InvalidFrameException} the decoder stays failed (the stream has no boundary to resume
 * at). Not thread-safe: one reader at a time.
 */
public final class FrameDecoder {
    private static final byte[] EMPTY = new byte[0];
    /** The first array of a payload: 64 KiB, or the payload's length if smaller. */
    static final int INITIAL_CAPACITY = 64 * 1024;

    private final int maxFrameSize;
    private final ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
    /** The payload received so far (its array may still be shorter than {@link #length}). */
    private byte[] payload;
    private int length;
    private int filled;
    private InvalidFrameException failure;

    public FrameDecoder(int maxFrameSize) {
        this.maxFrameSize = FrameCodec.checkLimit(maxFrameSize);
    }

    /**
     * Consumes bytes from {@code in} up to the end of the next message and returns that message, or
     * returns null once {@code in} is used up without completing one (the bytes are kept).
     *
     * @throws InvalidFrameException if a header announces a length outside {@code [0, maxFrameSize]}
     */
    public byte[] decode(ByteBuffer in) {
        return decode(in, maxFrameSize);
    }

    /**
     * {@link #decode(ByteBuffer)} with a header that completes during this call checked against
     * {@code limit} in place of {@code maxFrameSize}: for a protocol whose first frames are much
     * smaller than its largest (a server takes only a short greeting before it knows its peer). A
     * frame whose header was checked before keeps going whatever the limit is now.
     *
     * @param limit the largest length accepted, 0 to the {@code maxFrameSize} given at construction
     * @throws InvalidFrameException if a header announces a length outside {@code [0, limit]}
     */
    public byte[] decode(ByteBuffer in, int limit) {
        if (limit < 0 || limit > maxFrameSize) {
            throw new IllegalArgumentException("limit must be 0 to " + maxFrameSize + ": " + limit);
        }
        if (failure != null) {
            throw failure;
        }
        if (payload == null) {
            while (header.hasRemaining() && in.hasRemaining()) {
                header.put(in.get());
            }
            if (header.hasRemaining()) {
                return null;
            }
            int announced;
            try {
                announced = FrameCodec.checkLength(header.getLong(0), limit);
            } catch (InvalidFrameException e) {
                failure = e;
                throw e;
            }
            length = announced;
            payload = length == 0 ? EMPTY : new byte[Math.min(length, INITIAL_CAPACITY)];
            filled = 0;
        }
        int n = Math.min(length - filled, in.remaining());
        if (filled + n > payload.length) {
            payload = Arrays.copyOf(payload, (int) Math.min(length, Math.max(filled + n, 2L * payload.length)));
        }
        in.get(payload, filled, n);
        filled += n;
        if (filled < length) {
            return null;
        }
        byte[] message = payload;
        payload = null;
        header.clear();
        return message;
    }

    /** Whether part of a frame (at least one header byte) has been consumed but not the whole frame. */
    public boolean inFrame() {
        return payload != null || header.position() > 0;
    }

    /** Bytes of the current unfinished frame received so far (header included), for messages. */
    public long progress() {
        return payload == null ? header.position() : FrameCodec.HEADER_LENGTH + (long) filled;
    }

    /** Bytes allocated for the current payload (for tests of the memory bound). */
    int allocated() {
        return payload == null ? 0 : payload.length;
    }

    /** The length of the current frame once its header is complete, else -1. */
    public long expected() {
        return payload == null ? -1 : FrameCodec.HEADER_LENGTH + (long) length;
    }
}
