package io.jipc.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The framing that keeps message boundaries over a byte stream (a Unix-domain or TCP connection):
 * each message is sent as an 8-byte header holding its length, followed by exactly that many
 * payload bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Length, bits 63..32 (big-endian)              |
 * +---------------------------------------------------------------+
 * |                 Length, bits 31..0                            |
 * +---------------------------------------------------------------+
 * |                 Payload (Length bytes) ...                    |
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 * <li>The length is a signed 64-bit integer in network byte order (big-endian), so that a
 *     program in any language and on any machine can implement the format. It counts the payload
 *     only; a length of 0 is an empty message.</li>
 * <li>A receiver accepts lengths {@code 0 <= length <= maxFrameSize} (its own per-connection
 *     limit, at most {@link #MAX_FRAME_SIZE}). Anything else — negative values such as
 *     {@code 0xFFFFFFFFFFFFFFFF} (-1) and {@code 0x8000000000000000} (2^63 read as signed),
 *     {@code 2^31-1}, any value above the limit — is a {@link InvalidFrameException}, raised
 *     before any memory is allocated for the payload. The stream cannot be resynchronised after
 *     that, so the connection is closed.</li>
 * <li>There is no padding, no checksum (the transports are reliable) and no type field: a frame
 *     is exactly {@code 8 + length} bytes.</li>
 * </ul>
 */
public final class FrameCodec {
    /** Bytes of the header. */
    public static final int HEADER_LENGTH = 8;
    /** The largest payload any connection accepts (a Java array must hold it). */
    public static final int MAX_FRAME_SIZE = Integer.MAX_VALUE - 64;
    /** The default per-connection limit, 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 1 << 20;

    private FrameCodec() {
    }

    /** Writes the header of a {@code length}-byte message at the buffer's position (advancing it). */
    public static void putHeader(ByteBuffer out, int length) {
        out.order(ByteOrder.BIG_ENDIAN).putLong(length);
    }

    /**
     * Checks a received length against {@code maxFrameSize} and returns it as an {@code int}.
     *
     * @throws InvalidFrameException if it is negative or above the limit
     */
    public static int checkLength(long length, int maxFrameSize) {
        if (length < 0 || length > maxFrameSize) {
            // Length is signed (docs/sockets.md): FF..FF is -1, as a C peer's int64_t reads it
            throw new InvalidFrameException("frame header announces " + length
                    + " bytes (0x" + Long.toHexString(length) + "); this connection accepts 0 to " + maxFrameSize
                    + " bytes per message", length);
        }
        return (int) length;
    }

    /** Checks {@code maxFrameSize} as a configuration value. */
    static int checkLimit(int maxFrameSize) {
        if (maxFrameSize < 0 || maxFrameSize > MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("maximum frame size must be 0 to " + MAX_FRAME_SIZE + ": " + maxFrameSize);
        }
        return maxFrameSize;
    }
}
