package io.jipc.remote;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Whatever bytes a peer puts in a frame, {@link Wire} either decodes them to a message that encodes
 * back to the same bytes or throws {@link ProtocolException}: no other exception, no allocation beyond
 * the frame's length.
 *
 * <p>{@link #hostileFrame(byte[])} is a Jazzer fuzz target: {@code mvn test} runs it on its seed
 * inputs; {@code JAZZER_FUZZ=1 mvn -pl jipc-remote-tests -am test -Dtest=WireFuzzTest} fuzzes it.
 * {@link #mutatedFrames(long)} runs the same check on random mutations of valid frames in every build.
 */
class WireFuzzTest {
    private static final List<byte[]> VALID = List.of(
            Wire.encode(new Wire.Open(Wire.VERSION, "orders")),
            Wire.encode(new Wire.Send(Wire.Wait.TIMED, 2, 1_000_000, new byte[] {1, 2, 3})),
            Wire.encode(new Wire.Receive(Wire.Wait.FOREVER, 0)),
            Wire.encode(new Wire.Ack(42)),
            Wire.encode(new Wire.Ping()),
            Wire.encode(new Wire.Cancel()),
            Wire.encode(new Wire.Opened(1024, 3)),
            Wire.encode(new Wire.Sent(true)),
            Wire.encode(new Wire.Delivery(7, new byte[] {9, 8})),
            Wire.encode(new Wire.PrioritizedDelivery(7, 2, new byte[] {9, 8})),
            Wire.encode(new Wire.Empty()),
            Wire.encode(new Wire.Heartbeat()),
            Wire.encode(new Wire.Error(Wire.ErrorCode.NO_SUCH_MAILBOX, "no mailbox 'x'")));

    @FuzzTest(maxDuration = "60s")
    void hostileFrame(byte[] frame) {
        check(frame);
    }

    static LongStream seeds() {
        return LongStream.range(0, 3000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedFrames(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] frame = VALID.get(random.nextInt(VALID.size())).clone();
        int mutations = random.nextInt(4);
        for (int i = 0; i < mutations && frame.length > 0; i++) {
            frame[random.nextInt(frame.length)] = (byte) random.nextInt();
        }
        if (random.nextInt(4) == 0) {
            frame = java.util.Arrays.copyOf(frame, random.nextInt(frame.length + 12));
        }
        check(frame);
    }

    private static void check(byte[] frame) {
        try {
            Wire.Request request = Wire.decodeRequest(frame);
            assertArrayEquals(frame, Wire.encode(request), "request round trip");
        } catch (ProtocolException expected) {
            // refused: fine
        }
        try {
            Wire.Reply reply = Wire.decodeReply(frame);
            assertArrayEquals(frame, Wire.encode(reply), "reply round trip");
        } catch (ProtocolException expected) {
            // refused: fine
        }
    }
}
