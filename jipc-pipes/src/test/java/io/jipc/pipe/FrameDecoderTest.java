package io.jipc.pipe;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame decoder, fed bytes from another process: any bytes in any pieces give whole payloads no
 * longer than the maximum, or {@link CorruptFrameException}; never another exception, never an
 * allocation sized by a hostile length.
 *
 * <p>{@link #hostileStream(byte[])} is a Jazzer fuzz target: {@code mvn test} runs it on its seed
 * inputs; {@code JAZZER_FUZZ=1 mvn -pl jipc-pipes -am test -Dtest=FrameDecoderTest} fuzzes it for
 * real. {@link #framesSurviveAnySplitting(long)} and {@link #mutatedStreams(long)} run in every build.
 */
class FrameDecoderTest {
    private static final int MAX = 1024;

    @FuzzTest(maxDuration = "60s")
    void hostileStream(byte[] input) {
        decodeAll(input, input.length % 7 + 1);
    }

    static LongStream seeds() {
        return LongStream.range(0, 500);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void framesSurviveAnySplitting(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> messages = new ArrayList<>();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = random.nextInt(20); i > 0; i--) {
            byte[] message = new byte[random.nextInt(random.nextBoolean() ? 10 : MAX + 1)];
            random.nextBytes(message);
            messages.add(message);
            ByteBuffer frame = FrameCodec.encode(ByteBuffer.wrap(message), false);
            stream.write(frame.array(), 0, frame.limit());
        }
        byte[] bytes = stream.toByteArray();
        FrameDecoder decoder = new FrameDecoder(MAX);
        List<byte[]> decoded = new ArrayList<>();
        int at = 0;
        while (at < bytes.length) {
            int piece = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 3 : 2000));
            ByteBuffer input = ByteBuffer.wrap(bytes, at, piece);
            for (byte[] m; (m = decoder.decode(input)) != null; ) {
                decoded.add(m);
            }
            assertEquals(0, input.remaining());
            at += piece;
        }
        assertTrue(decoder.atBoundary());
        assertEquals(messages.size(), decoded.size());
        for (int i = 0; i < messages.size(); i++) {
            assertArrayEquals(messages.get(i), decoded.get(i));
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedStreams(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 1 + random.nextInt(5); i > 0; i--) {
            byte[] message = new byte[random.nextInt(300)];
            ByteBuffer frame = FrameCodec.encode(ByteBuffer.wrap(message), false);
            stream.write(frame.array(), 0, frame.limit());
        }
        byte[] bytes = stream.toByteArray();
        int[] nasty = {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, MAX + 1, 1 << 30};
        for (int m = 1 + random.nextInt(4); m > 0; m--) {
            int at = random.nextInt(bytes.length);
            if (random.nextBoolean() && at + 8 <= bytes.length) {
                int length = nasty[random.nextInt(nasty.length)];
                ByteBuffer.wrap(bytes, at, 8).putInt(length).putInt(~length); // a consistent hostile header
            } else {
                bytes[at] = (byte) random.nextInt();
            }
        }
        decodeAll(bytes, 1 + random.nextInt(64));
    }

    private static void decodeAll(byte[] bytes, int piece) {
        FrameDecoder decoder = new FrameDecoder(MAX);
        try {
            for (int at = 0; at < bytes.length; at += piece) {
                ByteBuffer input = ByteBuffer.wrap(bytes, at, Math.min(piece, bytes.length - at));
                for (byte[] m; (m = decoder.decode(input)) != null; ) {
                    assertTrue(m.length <= MAX);
                }
            }
        } catch (CorruptFrameException expected) {
            // the only acceptable failure
        }
    }
}
