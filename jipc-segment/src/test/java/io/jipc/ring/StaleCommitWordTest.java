package io.jipc.ring;

import io.jipc.WaitStrategy;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * What earlier laps leave in a ring's memory never reads as a commit: before each message is sent
 * the ring reads as empty, and the message read afterwards is the one sent.
 *
 * <p>The case behind it: with commit words {@code p ^ salt}, the 8 bytes at a record's index could
 * be six bytes of the commit word of a record two laps earlier (positions less than 64 KiB apart
 * share them) and two payload bytes of the lap in between; with the salt below, those two bytes
 * matched, and the consumer read round 526 of a ping-pong before it was sent (a stale header and
 * payload): the failure of the mailbox contract tests' ping-pongs in CI.
 */
@ExtendWith(JipcTestExtension.class)
class StaleCommitWordTest {
    /** The salt of the ring in which a 4 KiB ping-pong read round 526 before it was sent. */
    private static final long SALT_OF_THE_FAILURE = 0x8b42_572a_4340_adfbL;

    /** The contract tests' message: {@code length} bytes derived from {@code seed}. */
    private static byte[] message(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i * 7 + (i >>> 8));
        }
        return bytes;
    }

    @ParameterizedTest(name = "single producer: {0}")
    @ValueSource(booleans = {true, false})
    void theRingOfTheFailureReadsEmptyBeforeEverySend(boolean single) {
        sendOneAtATime(single, SALT_OF_THE_FAILURE, 1000);
    }

    @Test
    void ringsWithRandomSaltsReadEmptyBeforeEverySend() {
        SplittableRandom random = new SplittableRandom(20261202L);
        for (int ring = 0; ring < 200; ring++) {
            sendOneAtATime(ring % 2 == 0, random.nextLong() | Long.MIN_VALUE, 1000);
        }
    }

    @Test
    void theWordsOfPositionsALapApartDifferInEveryByte() {
        // the property the mixer is there for, for the failure's salt and ring size
        for (long position = 0; position < 64 * 1024; position += RecordDescriptor.ALIGNMENT) {
            long word = RecordDescriptor.commitWord(position, SALT_OF_THE_FAILURE);
            long twoLapsLater = RecordDescriptor.commitWord(position + 2 * 4096, SALT_OF_THE_FAILURE);
            assertNotEquals(0L, word);
            int sameBytes = 0;
            for (int b = 0; b < Long.BYTES; b++) {
                if (((word ^ twoLapsLater) >>> (8 * b) & 0xFF) == 0) {
                    sameBytes++;
                }
            }
            // random words share about one byte in 32; six shared bytes would be the old flaw
            assertEquals(true, sameBytes <= 3, "position " + position + ": " + sameBytes + " bytes alike");
        }
    }

    /**
     * The contract tests' ping-pong in one thread through a 4 KiB ring whose salt is {@code salt}:
     * messages of 1 to 60 bytes, each read back before the next is sent.
     */
    private static void sendOneAtATime(boolean single, long salt, int rounds) {
        try (RingFixture fixture = new RingFixture(RingFixture.config(4096, single, WaitStrategy.SPIN))) {
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, RingDescriptor.SALT_OFFSET, salt);
            RingFixture.Ends ends = fixture.attachEnds();
            byte[][] got = new byte[1][];
            RecordHandler copy = (buffer, offset, length) ->
                    got[0] = buffer.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
            for (int round = 0; round < rounds; round++) {
                got[0] = null;
                assertEquals(0, ends.consumer().read(copy, 1), "salt " + Long.toHexString(salt)
                        + ": the ring read as holding a message before round " + round + " was sent");
                byte[] ball = message(1 + round % 60, round);
                assertEquals(true, ends.producer().offer(MemorySegment.ofArray(ball), 0, ball.length));
                assertEquals(1, ends.consumer().read(copy, 1));
                assertArrayEquals(ball, got[0], "round " + round);
            }
        }
    }
}
