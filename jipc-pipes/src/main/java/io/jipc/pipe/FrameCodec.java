package io.jipc.pipe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The frame that keeps message boundaries on a byte stream (a pipe): an 8-byte header, then the
 * payload.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Length (unsigned, big-endian)                |
 * +---------------------------------------------------------------+
 * |                 Check = Length XOR 0xFFFFFFFF                 |
 * +---------------------------------------------------------------+
 * |                   Payload (Length bytes) ...                  |
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 * <li>Big-endian (network order), so that any program can write or read frames, e.g. from a shell:
 *     {@code printf '\0\0\0\5\377\377\377\372hello'} is the message {@code hello}.</li>
 * <li>The check word is the bitwise complement of the length. A reader that meets anything else —
 *     bytes of a program that does not speak the format, or frames of two writers interleaved (a
 *     frame larger than {@code PIPE_BUF} is not written atomically) — rejects the stream instead of
 *     reading a garbage length.</li>
 * <li>A reader rejects a length above its configured maximum before allocating anything
 *     ({@link FrameDecoder}); the largest maximum is {@link #MAX_LENGTH}.</li>
 * <li>A frame of at most {@link #ATOMIC_PAYLOAD} payload bytes fits {@code PIPE_BUF} (4096 bytes)
 *     and is written with one {@code write(2)}: frames of several writer processes on one pipe never
 *     interleave then.</li>
 * </ul>
 */
public final class FrameCodec {
    public static final int LENGTH_OFFSET = 0;
    public static final int CHECK_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;
    /** The largest payload any frame may carry: an array of it, plus its header, stays addressable. */
    public static final int MAX_LENGTH = Integer.MAX_VALUE - 64;
    /** The largest payload whose frame fits {@code PIPE_BUF} and is thus written atomically. */
    public static final int ATOMIC_PAYLOAD = io.jipc.platform.Pipes.PIPE_BUF - HEADER_LENGTH;

    private FrameCodec() {
    }

    /** The check word that must follow {@code length}. */
    public static int check(int length) {
        return ~length;
    }

    /** A new buffer holding the frame of {@code payload}'s remaining bytes (the payload's position is not moved). */
    public static ByteBuffer encode(ByteBuffer payload, boolean direct) {
        int length = HEADER_LENGTH + payload.remaining();
        return encode(payload, direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length));
    }

    /**
     * Puts the frame of {@code payload}'s remaining bytes into {@code frame} (from its position, which
     * must leave room) and returns {@code frame} flipped, ready to be written.
     */
    public static ByteBuffer encode(ByteBuffer payload, ByteBuffer frame) {
        int length = payload.remaining();
        frame.order(ByteOrder.BIG_ENDIAN).putInt(length).putInt(check(length)).put(payload.duplicate()).flip();
        return frame;
    }
}
