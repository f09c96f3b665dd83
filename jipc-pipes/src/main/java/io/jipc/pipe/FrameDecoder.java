package io.jipc.pipe;

import java.nio.ByteBuffer;

/**
 * Splits a byte stream back into the payloads of its frames ({@link FrameCodec}), fed in pieces of
 * any size as they arrive.
 *
 * <p>The header is validated before anything is allocated: a length above the maximum (which
 * includes every "negative" 32-bit value) or a wrong check word throws
 * {@link CorruptFrameException}, and the decoder stays failed. At most one payload array of at most
 * the maximum length is allocated per frame.
 *
 * <p>Not thread-safe: one receiving thread at a time.
 */
public final class FrameDecoder {
    private final int maxLength;
    private final ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_LENGTH);
    private byte[] payload;
    private int filled;
    private String failure;

    /** A decoder that accepts payloads of at most {@code maxLength} bytes. */
    public FrameDecoder(int maxLength) {
        if (maxLength < 0 || maxLength > FrameCodec.MAX_LENGTH) {
            throw new IllegalArgumentException("maximum payload length must be 0.." + FrameCodec.MAX_LENGTH + ": "
                    + maxLength);
        }
        this.maxLength = maxLength;
    }

    public int maxLength() {
        return maxLength;
    }

    /**
     * Consumes bytes of {@code input} (advancing its position) until one frame is complete and
     * returns its payload, or returns null once {@code input} is used up in the middle of a frame.
     *
     * @throws CorruptFrameException if a header is invalid (also on every later call)
     */
    public byte[] decode(ByteBuffer input) {
        if (failure != null) {
            throw new CorruptFrameException(failure);
        }
        if (payload == null) {
            while (header.hasRemaining() && input.hasRemaining()) {
                header.put(input.get());
            }
            if (header.hasRemaining()) {
                return null;
            }
            long length = Integer.toUnsignedLong(header.getInt(FrameCodec.LENGTH_OFFSET));
            int check = header.getInt(FrameCodec.CHECK_OFFSET);
            if (check != FrameCodec.check((int) length)) {
                return fail("frame header " + hex(header) + " is not a length and its complement: not a jipc frame,"
                        + " or frames of several writers interleaved");
            }
            if (length > maxLength) {
                return fail("frame of " + length + " bytes exceeds the maximum of " + maxLength);
            }
            payload = new byte[(int) length];
            filled = 0;
        }
        int n = Math.min(input.remaining(), payload.length - filled);
        input.get(payload, filled, n);
        filled += n;
        if (filled < payload.length) {
            return null;
        }
        byte[] complete = payload;
        payload = null;
        header.clear();
        return complete;
    }

    /** Whether the bytes consumed so far end exactly at a frame boundary. */
    public boolean atBoundary() {
        return payload == null && header.position() == 0;
    }

    /** A description of the incomplete frame, for an error at end of stream. */
    String partialFrame() {
        return payload == null ? header.position() + " of " + FrameCodec.HEADER_LENGTH + " header bytes"
                : filled + " of " + payload.length + " payload bytes";
    }

    private byte[] fail(String message) {
        failure = message;
        throw new CorruptFrameException(message);
    }

    private static String hex(ByteBuffer bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < bytes.limit(); i++) {
            s.append(String.format("%02x", bytes.get(i)));
        }
        return s.toString();
    }
}
