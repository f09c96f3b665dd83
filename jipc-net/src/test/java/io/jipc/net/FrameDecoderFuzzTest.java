package io.jipc.net;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Whatever bytes a peer sends, in whatever pieces, the decoder either returns messages no longer
 * than its limit or throws {@link InvalidFrameException}: no other exception, no allocation above
 * the limit, no byte lost or invented between consecutive valid frames.
 *
 * <p>{@link #hostileStream(byte[])} is a Jazzer fuzz target: {@code mvn test} runs it on its seed
 * inputs; {@code JAZZER_FUZZ=1 mvn -pl jipc-net -am test -Dtest=FrameDecoderFuzzTest} fuzzes it.
 * {@link #mutatedStreams(long)} runs the same check on random mutations of valid streams in every build.
 */
class FrameDecoderFuzzTest {
    private static final int MAX = 4096;

    @FuzzTest(maxDuration = "60s")
    void hostileStream(byte[] input) {
        int piece = input.length == 0 ? 1 : 1 + (input[0] & 0x1f);
        check(input, piece);
    }

    static LongStream seeds() {
        return LongStream.range(0, 2000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedStreams(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer stream = ByteBuffer.allocate(64 * 1024);
        while (stream.remaining() > MAX + 8 && random.nextInt(8) != 0) {
            byte[] payload = new byte[random.nextInt(random.nextBoolean() ? 64 : MAX + 1)];
            random.nextBytes(payload);
            FrameCodec.putHeader(stream, payload.length);
            stream.put(payload);
        }
        byte[] bytes = new byte[stream.position()];
        stream.flip().get(bytes);
        int mutations = random.nextInt(4);
        for (int i = 0; i < mutations && bytes.length > 0; i++) {
            int at = random.nextInt(bytes.length);
            if (random.nextBoolean()) {
                bytes[at] = (byte) random.nextInt();
            } else {
                long[] nasty = {-1L, Integer.MAX_VALUE, Long.MIN_VALUE, MAX + 1L, 0L};
                ByteBuffer.wrap(bytes).putLong(Math.min(at, Math.max(0, bytes.length - 8)),
                        nasty[random.nextInt(nasty.length)]);
            }
        }
        check(bytes, 1 + random.nextInt(300));
    }

    private static void check(byte[] bytes, int piece) {
        FrameDecoder decoder = new FrameDecoder(MAX);
        long consumed = 0;
        long delivered = 0;
        try {
            for (int at = 0; at < bytes.length; at += piece) {
                ByteBuffer in = ByteBuffer.wrap(bytes, at, Math.min(piece, bytes.length - at));
                byte[] message;
                while ((message = decoder.decode(in)) != null) {
                    if (message.length > MAX) {
                        throw new AssertionError("message of " + message.length + " bytes above the limit");
                    }
                    delivered += FrameCodec.HEADER_LENGTH + message.length;
                }
                consumed += Math.min(piece, bytes.length - at);
            }
        } catch (InvalidFrameException expected) {
            return;
        }
        long pending = decoder.inFrame() ? decoder.progress() : 0;
        if (delivered + pending != consumed) {
            throw new AssertionError("bytes lost or invented: " + consumed + " consumed, " + delivered
                    + " delivered, " + pending + " pending");
        }
    }
}
