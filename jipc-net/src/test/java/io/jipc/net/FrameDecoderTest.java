package io.jipc.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The framing byte by byte: what a header looks like, what is accepted, what is refused before allocating. */
class FrameDecoderTest {
    private static final int MAX = 1000;

    static byte[] frame(byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + payload.length);
        FrameCodec.putHeader(b, payload.length);
        return b.put(payload).array();
    }

    static byte[] header(long length) {
        return ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(length).array();
    }

    @Test
    void headerIsEightBytesBigEndianLengthThenPayload() {
        byte[] f = frame("hi".getBytes());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'}, f);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2}, java.util.Arrays.copyOf(frame(new byte[258]), 8));
    }

    @Test
    void decodesFramesDeliveredOneByteAtATime() {
        FrameDecoder decoder = new FrameDecoder(MAX);
        List<byte[]> messages = List.of(new byte[0], "a".getBytes(), new byte[MAX], "last".getBytes());
        List<byte[]> out = new ArrayList<>();
        for (byte[] m : messages) {
            for (byte b : frame(m)) {
                byte[] done = decoder.decode(ByteBuffer.wrap(new byte[] {b}));
                if (done != null) {
                    out.add(done);
                } else {
                    assertTrue(decoder.inFrame());
                }
            }
            assertFalse(decoder.inFrame());
        }
        assertEquals(messages.size(), out.size());
        for (int i = 0; i < messages.size(); i++) {
            assertArrayEquals(messages.get(i), out.get(i));
        }
    }

    @Test
    void decodesSeveralFramesFromOneBufferAndKeepsTheRest() {
        FrameDecoder decoder = new FrameDecoder(MAX);
        ByteBuffer in = ByteBuffer.allocate(64);
        in.put(frame("one".getBytes())).put(frame("two".getBytes())).put(header(5)).put("th".getBytes()).flip();
        assertArrayEquals("one".getBytes(), decoder.decode(in));
        assertArrayEquals("two".getBytes(), decoder.decode(in));
        assertNull(decoder.decode(in));
        assertFalse(in.hasRemaining());
        assertTrue(decoder.inFrame());
        assertEquals(10, decoder.progress());
        assertEquals(13, decoder.expected());
        assertArrayEquals("three".getBytes(), decoder.decode(ByteBuffer.wrap("ree".getBytes())));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1L, Integer.MAX_VALUE, Long.MIN_VALUE /* 2^63 */, Long.MAX_VALUE, MAX + 1L,
            1L << 32, Integer.MIN_VALUE})
    void hostileLengthsAreRefusedBeforeAnyAllocation(long length) {
        FrameDecoder decoder = new FrameDecoder(MAX);
        ByteBuffer in = ByteBuffer.wrap(header(length));
        InvalidFrameException e = assertThrows(InvalidFrameException.class, () -> decoder.decode(in));
        // Length is signed, as docs/sockets.md says: FF..FF is announced as -1, not 18446744073709551615
        assertTrue(e.getMessage().contains("announces " + length + " bytes (0x" + Long.toHexString(length) + ")"),
                e.getMessage());
        assertEquals(length, e.announcedLength());
        // the decoder stays failed: the stream has no boundary to resume at
        assertThrows(InvalidFrameException.class, () -> decoder.decode(ByteBuffer.wrap(frame(new byte[1]))));
    }

    @Test
    void theLargestAcceptedLengthIsTheLimit() {
        FrameDecoder decoder = new FrameDecoder(MAX);
        assertNull(decoder.decode(ByteBuffer.wrap(header(MAX))));
        assertEquals(MAX, decoder.decode(ByteBuffer.wrap(new byte[MAX])).length);
        FrameDecoder none = new FrameDecoder(0);
        assertEquals(0, none.decode(ByteBuffer.wrap(header(0))).length);
        assertThrows(InvalidFrameException.class, () -> none.decode(ByteBuffer.wrap(header(1))));
    }

    /**
     * A per-call limit below {@code maxFrameSize} (a server's greeting limit) refuses a header that
     * completes under it; a frame whose header was accepted before keeps going under it.
     */
    @Test
    void aLowerLimitRefusesAHeaderCompletedUnderIt() {
        FrameDecoder started = new FrameDecoder(MAX);
        assertNull(started.decode(ByteBuffer.wrap(header(MAX))));
        assertEquals(MAX, started.decode(ByteBuffer.wrap(new byte[MAX]), 10).length, "checked under the old limit");
        assertEquals(10, started.decode(ByteBuffer.wrap(frame(new byte[10])), 10).length);
        InvalidFrameException e = assertThrows(InvalidFrameException.class,
                () -> started.decode(ByteBuffer.wrap(header(11)), 10));
        assertTrue(e.getMessage().contains("accepts 0 to 10 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(MAX).decode(ByteBuffer.allocate(0), MAX + 1));
        assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(MAX).decode(ByteBuffer.allocate(0), -1));
    }

    @Test
    void aLimitAboveWhatAnArrayHoldsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(-1));
        assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(Integer.MAX_VALUE));
    }

    @Test
    void memoryFollowsTheBytesThatArrivedNotTheLengthAnnounced() {
        int big = 8 << 20;
        FrameDecoder decoder = new FrameDecoder(big);
        assertNull(decoder.decode(ByteBuffer.wrap(header(big))));
        assertNull(decoder.decode(ByteBuffer.wrap(new byte[10])));
        assertEquals(FrameDecoder.INITIAL_CAPACITY, decoder.allocated(), "a stalled 8 MiB frame holds 64 KiB");
        byte[] rest = new byte[big - 10];
        rest[rest.length - 1] = 42;
        ByteBuffer in = ByteBuffer.wrap(rest);
        byte[] message = null;
        while (message == null) {
            message = decoder.decode(in.slice(in.position(), Math.min(100_000, in.remaining())));
            in.position(Math.min(in.limit(), in.position() + 100_000));
        }
        assertEquals(big, message.length, "the finished array is exactly the payload");
        assertEquals(42, message[big - 1]);
    }
}
