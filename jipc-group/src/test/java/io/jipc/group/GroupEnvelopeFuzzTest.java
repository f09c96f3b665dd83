package io.jipc.group;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever bytes arrive in a member's inbox, {@link GroupEnvelope#decode} either returns an envelope
 * that holds (payload length = message length - 24, sender in {@code [0, size)}, the collective
 * fields set exactly for collective kinds) and encodes back to the same bytes, or throws
 * {@link GroupProtocolException}. No other exception.
 *
 * <p>{@link #hostileEnvelope(FuzzedDataProvider)} is a Jazzer fuzz target: {@code mvn test} replays its
 * seed inputs (under {@code src/test/resources/io/jipc/group/GroupEnvelopeFuzzTestInputs/hostileEnvelope});
 * {@code JAZZER_FUZZ=1 mvn -pl jipc-group -am test -Dtest=GroupEnvelopeFuzzTest#hostileEnvelope} fuzzes
 * it. An input is the message, then the largest payload (3 bytes, little-endian) and the group's size
 * (2 bytes, little-endian) at its end: Jazzer's {@code consumeInt} reads from the end and keeps a value
 * that is in range as it is (others are reduced modulo the range). {@link #mutatedEnvelopes(long)}
 * runs the same check on random mutations of valid envelopes in every build; the explicit tests pin
 * each refusal and the round trip of every valid kind.
 */
class GroupEnvelopeFuzzTest {
    private static final int SIZE = 4;
    private static final int MAX_PAYLOAD = 64 * 1024;
    private static final int LENGTH = GroupEnvelope.LENGTH;

    // ------------------------------------------------------------------ the property

    /** Refused with {@link GroupProtocolException}, or decoded to an envelope that holds and encodes back to {@code message}. */
    private static void check(byte[] message, int size, int maxPayload) {
        byte[] original = message.clone();
        GroupEnvelope e;
        try {
            e = GroupEnvelope.decode(message, size, maxPayload);
        } catch (GroupProtocolException refused) {
            assertArrayEquals(original, message, "decode changed the message it refused");
            return;
        }
        assertNotNull(e);
        assertArrayEquals(original, message, "decode changed the message");
        assertEquals(message.length - LENGTH, e.payload().length, "payload length");
        assertTrue(e.payload().length <= maxPayload, "payload of " + e.payload().length + " > " + maxPayload);
        assertTrue(e.sender() >= 0 && e.sender() < size, "sender " + e.sender() + " of a group of " + size);
        assertTrue(e.kind() >= GroupEnvelope.DIRECT && e.kind() <= GroupEnvelope.ABORT, "kind " + e.kind());
        if (e.kind() == GroupEnvelope.COLLECTIVE || e.kind() == GroupEnvelope.ABORT) {
            assertNotNull(GroupEnvelope.Op.of(e.op()), "op " + e.op());
            assertTrue(e.step() == GroupEnvelope.UP || e.step() == GroupEnvelope.DOWN
                    || e.kind() == GroupEnvelope.ABORT && e.step() == GroupEnvelope.BROKEN, "step " + e.step());
            assertTrue(e.sequence() > 0, "sequence " + e.sequence());
        } else {
            assertEquals(0, e.op());
            assertEquals(0, e.step());
            assertEquals(0, e.sequence());
        }
        byte[] again = GroupEnvelope.encode(e.kind(), e.op(), e.step(), e.sender(), e.incarnation(), e.sequence(),
                e.payload());
        assertArrayEquals(message, again, "round trip of " + e);
        // the payload is a copy: the inbox may reuse the message's bytes
        if (message.length > LENGTH) {
            byte before = e.payload()[0];
            message[LENGTH] ^= 0x5A;
            assertEquals(before, e.payload()[0], "the payload shares the message's bytes");
            message[LENGTH] ^= 0x5A;
        }
    }

    @FuzzTest(maxDuration = "60s")
    void hostileEnvelope(FuzzedDataProvider data) {
        int size = data.consumeInt(1, GroupDescriptor.MAX_SIZE);
        int maxPayload = data.consumeInt(0, MAX_PAYLOAD);
        check(data.consumeRemainingAsBytes(), size, maxPayload);
    }

    /**
     * The seed inputs are what their names say: {@code valid-*} decode, the others are refused. Reads
     * them as the fuzz target's provider does (message, then the largest payload in 3 and the size in
     * 2 little-endian bytes; every seed's values are in range, so they are taken as written).
     */
    @Test
    void seedInputsAreWhatTheirNamesSay() throws Exception {
        java.net.URL url = GroupEnvelopeFuzzTest.class.getResource("GroupEnvelopeFuzzTestInputs/hostileEnvelope");
        assertNotNull(url, "seed directory");
        List<java.nio.file.Path> seeds;
        try (Stream<java.nio.file.Path> files = java.nio.file.Files.list(java.nio.file.Path.of(url.toURI()))) {
            seeds = files.sorted().toList();
        }
        assertTrue(seeds.size() >= 10, "seeds: " + seeds);
        for (java.nio.file.Path seed : seeds) {
            byte[] input = java.nio.file.Files.readAllBytes(seed);
            int n = input.length;
            assertTrue(n >= 5, seed + " has no size and limit");
            int size = (input[n - 2] & 0xFF) | (input[n - 1] & 0xFF) << 8;
            int maxPayload = (input[n - 5] & 0xFF) | (input[n - 4] & 0xFF) << 8 | (input[n - 3] & 0xFF) << 16;
            assertTrue(size >= 1 && size <= GroupDescriptor.MAX_SIZE && maxPayload <= MAX_PAYLOAD, seed.toString());
            byte[] message = Arrays.copyOf(input, n - 5);
            String name = seed.getFileName().toString();
            if (name.startsWith("valid-")) {
                GroupEnvelope.decode(message, size, maxPayload);
            } else {
                refused(message, size, maxPayload);
            }
            check(message, size, maxPayload);
        }
    }

    // ------------------------------------------------------------------ valid envelopes

    /** Every valid shape: direct, broadcast, and each operation and step of collective and abort messages. */
    static Stream<Arguments> validShapes() {
        List<Arguments> shapes = new ArrayList<>();
        shapes.add(Arguments.of("DIRECT", GroupEnvelope.DIRECT, 0, 0, 0L));
        shapes.add(Arguments.of("BROADCAST", GroupEnvelope.BROADCAST, 0, 0, 0L));
        for (GroupEnvelope.Op op : GroupEnvelope.Op.values()) {
            for (int step : new int[] {GroupEnvelope.UP, GroupEnvelope.DOWN}) {
                shapes.add(Arguments.of("COLLECTIVE " + op + " step " + step, GroupEnvelope.COLLECTIVE, op.code(), step,
                        1L + op.code() * 1000L + step));
                shapes.add(Arguments.of("ABORT " + op + " step " + step, GroupEnvelope.ABORT, op.code(), step,
                        Long.MAX_VALUE - op.code()));
            }
            shapes.add(Arguments.of("ABORT " + op + " BROKEN", GroupEnvelope.ABORT, op.code(), GroupEnvelope.BROKEN,
                    2L + op.code()));
        }
        return shapes.stream();
    }

    static Stream<Arguments> validShapesAndLengths() {
        return validShapes().flatMap(shape -> IntStream.of(0, 1, MAX_PAYLOAD).mapToObj(length -> {
            Object[] a = shape.get();
            return Arguments.of(a[0] + ", " + length + " bytes", a[1], a[2], a[3], a[4], length);
        }));
    }

    private static final List<byte[]> VALID = validShapes().map(a -> {
        Object[] s = a.get();
        byte[] payload = new byte[((int) s[1]) * 3];
        Arrays.fill(payload, (byte) 0xC3);
        return GroupEnvelope.encode((int) s[1], (int) s[2], (int) s[3], SIZE - 1, 7, (long) s[4], payload);
    }).toList();

    private static byte[] payload(int length, long seed) {
        byte[] payload = new byte[length];
        new SplittableRandom(seed).nextBytes(payload);
        return payload;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validShapesAndLengths")
    void everyValidKindRoundTrips(String name, int kind, int op, int step, long sequence, int length) {
        byte[] payload = payload(length, length);
        for (int sender : new int[] {0, SIZE - 1}) {
            for (int incarnation : new int[] {1, 0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
                byte[] message = GroupEnvelope.encode(kind, op, step, sender, incarnation, sequence, payload);
                assertEquals(LENGTH + length, message.length);
                GroupEnvelope e = GroupEnvelope.decode(message, SIZE, MAX_PAYLOAD);
                assertEquals(kind, e.kind());
                assertEquals(op, e.op());
                assertEquals(step, e.step());
                assertEquals(sender, e.sender());
                assertEquals(incarnation, e.incarnation());
                assertEquals(sequence, e.sequence());
                assertArrayEquals(payload, e.payload());
                check(message, SIZE, MAX_PAYLOAD);
            }
        }
    }

    @Test
    void theEnvelopeIsBigEndianAsDocumented() {
        byte[] message = GroupEnvelope.encode(GroupEnvelope.COLLECTIVE, 5, 1, 0x0102_0304, 0x0A0B_0C0D, 0x1122_3344_5566_7788L,
                new byte[] {(byte) 0xEE});
        ByteBuffer in = ByteBuffer.wrap(message);
        assertEquals(3, in.get());
        assertEquals(5, in.get());
        assertEquals(1, in.get());
        assertEquals(0, in.get());
        assertEquals(0x0102_0304, in.getInt());
        assertEquals(0x0A0B_0C0D, in.getInt());
        assertEquals(0, in.getInt());
        assertEquals(0x1122_3344_5566_7788L, in.getLong());
        assertEquals((byte) 0xEE, in.get());
        assertEquals(0, in.remaining());
    }

    // ------------------------------------------------------------------ hostile envelopes

    private static GroupProtocolException refused(byte[] message) {
        return refused(message, SIZE, MAX_PAYLOAD);
    }

    private static GroupProtocolException refused(byte[] message, int size, int maxPayload) {
        GroupProtocolException e = assertThrows(GroupProtocolException.class,
                () -> GroupEnvelope.decode(message, size, maxPayload));
        assertNotNull(e.getMessage());
        return e;
    }

    private static void assertMentions(GroupProtocolException e, String part) {
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }

    private static byte[] direct(int payloadLength) {
        return GroupEnvelope.encode(GroupEnvelope.DIRECT, 0, 0, 1, 1, 0, new byte[payloadLength]);
    }

    private static byte[] collective(int op, int step, long sequence) {
        return GroupEnvelope.encode(GroupEnvelope.COLLECTIVE, op, step, 1, 1, sequence, new byte[3]);
    }

    private static byte[] abort(int op, int step, long sequence) {
        return GroupEnvelope.encode(GroupEnvelope.ABORT, op, step, 1, 1, sequence, new byte[3]);
    }

    @Test
    void anEmptyMessageIsRefused() {
        assertMentions(refused(new byte[0]), "0 bytes");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 8, 16, 23})
    void messagesShorterThanTheEnvelopeAreRefused(int length) {
        byte[] valid = GroupEnvelope.encode(GroupEnvelope.DIRECT, 0, 0, 1, 1, 0, new byte[0]);
        assertMentions(refused(Arrays.copyOf(valid, length)), length + " bytes");
    }

    @Test
    void everyValidMessageCutShortIsRefused() {
        for (byte[] valid : VALID) {
            for (int length = 0; length < LENGTH; length++) {
                byte[] cut = Arrays.copyOf(valid, length);
                assertThrows(GroupProtocolException.class, () -> GroupEnvelope.decode(cut, SIZE, MAX_PAYLOAD),
                        "cut to " + length + " bytes");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 1000, MAX_PAYLOAD})
    void aPayloadOneByteOverTheLimitIsRefusedAndOneAtTheLimitAccepted(int maxPayload) {
        assertEquals(maxPayload, GroupEnvelope.decode(direct(maxPayload), SIZE, maxPayload).payload().length);
        assertMentions(refused(direct(maxPayload + 1), SIZE, maxPayload), "payload of " + (maxPayload + 1) + " bytes");
        assertEquals(0, GroupEnvelope.decode(direct(0), SIZE, 0).payload().length);
        refused(direct(1), SIZE, 0);
    }

    static IntStream unknownKinds() {
        return IntStream.concat(IntStream.of(0), IntStream.rangeClosed(5, 255));
    }

    @ParameterizedTest
    @MethodSource("unknownKinds")
    void unknownKindsAreRefused(int kind) {
        for (byte[] valid : List.of(direct(5), collective(1, 0, 1))) {
            byte[] message = valid.clone();
            message[0] = (byte) kind;
            assertMentions(refused(message), "kind " + kind);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, SIZE, SIZE + 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 16})
    void sendersOutsideTheGroupAreRefused(int sender) {
        for (int kind = GroupEnvelope.DIRECT; kind <= GroupEnvelope.ABORT; kind++) {
            boolean collective = kind >= GroupEnvelope.COLLECTIVE;
            byte[] message = GroupEnvelope.encode(kind, collective ? 1 : 0, 0, sender, 1, collective ? 1 : 0, new byte[2]);
            assertMentions(refused(message), "rank " + sender);
        }
    }

    @Test
    void sendersAtTheEdgesOfTheGroupAreAccepted() {
        assertEquals(0, GroupEnvelope.decode(GroupEnvelope.encode(GroupEnvelope.DIRECT, 0, 0, 0, 1, 0, new byte[0]),
                1, 64).sender());
        refused(GroupEnvelope.encode(GroupEnvelope.DIRECT, 0, 0, 1, 1, 0, new byte[0]), 1, 64);
        int max = GroupDescriptor.MAX_SIZE;
        assertEquals(max - 1, GroupEnvelope.decode(GroupEnvelope.encode(GroupEnvelope.BROADCAST, 0, 0, max - 1, 1, 0,
                new byte[0]), max, 64).sender());
        refused(GroupEnvelope.encode(GroupEnvelope.BROADCAST, 0, 0, max, 1, 0, new byte[0]), max, 64);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 9, 10, 127, 128, 255})
    void collectiveAndAbortMessagesOfUnknownOperationsAreRefused(int op) {
        assertMentions(refused(collective(op, GroupEnvelope.UP, 1)), "operation " + op);
        assertMentions(refused(abort(op, GroupEnvelope.DOWN, 1)), "operation " + op);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 128, 255})
    void collectiveAndAbortMessagesOfUnknownStepsAreRefused(int step) {
        assertMentions(refused(collective(1, step, 1)), "step " + step);
        if (step != GroupEnvelope.BROKEN) { // an abort's step 2 says the sender's collectives broke
            assertMentions(refused(abort(7, step, 1)), "step " + step);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE, -4096})
    void collectiveAndAbortMessagesWithoutAPositiveSequenceAreRefused(long sequence) {
        assertMentions(refused(collective(2, GroupEnvelope.DOWN, sequence)), "sequence " + sequence);
        assertMentions(refused(abort(2, GroupEnvelope.UP, sequence)), "sequence " + sequence);
    }

    static Stream<Arguments> collectiveFieldsOnPlainMessages() {
        List<Arguments> cases = new ArrayList<>();
        for (int kind : new int[] {GroupEnvelope.DIRECT, GroupEnvelope.BROADCAST}) {
            cases.add(Arguments.of(kind, 1, 0, 0L));
            cases.add(Arguments.of(kind, 7, 0, 0L));
            cases.add(Arguments.of(kind, 255, 0, 0L));
            cases.add(Arguments.of(kind, 0, 1, 0L));
            cases.add(Arguments.of(kind, 0, 255, 0L));
            cases.add(Arguments.of(kind, 0, 0, 1L));
            cases.add(Arguments.of(kind, 0, 0, -1L));
            cases.add(Arguments.of(kind, 0, 0, Long.MIN_VALUE));
            cases.add(Arguments.of(kind, 3, 1, 42L));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "kind {0}, op {1}, step {2}, sequence {3}")
    @MethodSource("collectiveFieldsOnPlainMessages")
    void directAndBroadcastMessagesWithCollectiveFieldsAreRefused(int kind, int op, int step, long sequence) {
        byte[] message = GroupEnvelope.encode(kind, op, step, 2, 1, sequence, new byte[4]);
        assertMentions(refused(message), "collective fields set");
    }

    /** Byte 3 and bytes 12..15 are reserved and must be zero. */
    static Stream<Arguments> reservedBytes() {
        List<Arguments> cases = new ArrayList<>();
        for (int at : new int[] {3, 12, 13, 14, 15}) {
            for (int value : new int[] {1, 0x80, 0xFF}) {
                cases.add(Arguments.of(at, value));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "byte {0} = {1}")
    @MethodSource("reservedBytes")
    void nonZeroReservedBytesAreRefused(int at, int value) {
        for (byte[] valid : VALID) {
            byte[] message = valid.clone();
            message[at] = (byte) value;
            assertMentions(refused(message), "reserved");
        }
    }

    @Test
    void validSeedsDecode() {
        for (byte[] valid : VALID) {
            check(valid, SIZE, MAX_PAYLOAD);
            GroupEnvelope.decode(valid, SIZE, MAX_PAYLOAD);
        }
    }

    // ------------------------------------------------------------------ random mutations, in every build

    static LongStream seeds() {
        return LongStream.range(0, 2000);
    }

    /** Up to three random bytes changed (mostly in the envelope), now and then cut short or lengthened, with odd sizes and limits. */
    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedEnvelopes(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = VALID.get(random.nextInt(VALID.size())).clone();
        int mutations = random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            int at = random.nextInt(4) == 0 ? random.nextInt(bytes.length) : random.nextInt(LENGTH);
            bytes[at] = random.nextBoolean() ? (byte) random.nextInt() : (byte) new int[] {0, 1, 2, 3, 4, 5, 7, 8, 0xFF}[random.nextInt(9)];
        }
        switch (random.nextInt(6)) {
            case 0 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            case 1 -> bytes = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(40));
            default -> {
                // only the bytes change
            }
        }
        int size = new int[] {1, 2, SIZE, GroupDescriptor.MAX_SIZE}[random.nextInt(4)];
        int maxPayload = new int[] {0, 1, 12, 64, MAX_PAYLOAD}[random.nextInt(5)];
        check(bytes, size, maxPayload);
    }
}
