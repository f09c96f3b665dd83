package io.jipc.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reassembles the messages of a {@link FrameCodec} stream from bytes as they arrive, in pieces of
 * any size (one byte at a time, several frames at once).
 *
 * <p>The payload array is allocated only once the whole header has arrived and its length has
 * been checked against the limit, so a hostile length never causes an allocation. After an
 * {@link InvalidFrameException} the decoder stays failed (the stream has no boundary to resume
 * at). Not thread-safe: one reader at a time.
 */
public final class FrameDecoder {
    private static final byte[] EMPTY = new byte[0];

    private final int maxFrameSize;
    private final ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
    private byte[] payload;
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
            int length;
            try {
                length = FrameCodec.checkLength(header.getLong(0), maxFrameSize);
            } catch (InvalidFrameException e) {
                failure = e;
                throw e;
            }
            payload = length == 0 ? EMPTY : new byte[length];
            filled = 0;
        }
        int n = Math.min(payload.length - filled, in.remaining());
        in.get(payload, filled, n);
        filled += n;
        if (filled < payload.length) {
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

    /** The length of the current frame once its header is complete, else -1. */
    public long expected() {
        return payload == null ? -1 : FrameCodec.HEADER_LENGTH + (long) payload.length;
    }
}
