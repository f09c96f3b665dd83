package io.jipc.ring;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * A consumer attached to a ring whose bytes were written by something hostile or broken must
 * either deliver records that lie inside the data area or throw {@link CorruptSegmentException}:
 * never another exception, never a read outside the ring, never an allocation sized by the bytes.
 *
 * <p>{@link #hostileRing(byte[])} is a Jazzer fuzz target: {@code mvn test} runs it on its seed
 * inputs (regression mode); {@code JAZZER_FUZZ=1 mvn -pl jipc-segment -am test -Dtest=HostileRingFuzzTest}
 * fuzzes it for real. {@link #mutatedRings(long)} runs the same check on thousands of random
 * mutations of valid rings in every build.
 */
class HostileRingFuzzTest {
    private static final long CAPACITY = 4096;
    private static final int SLOTS = 2;

    @FuzzTest(maxDuration = "60s")
    void hostileRing(byte[] input) {
        check(input, input.length > 0 && (input[0] & 1) == 0);
    }

    static LongStream seeds() {
        return LongStream.range(0, 3000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedRings(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int length = (int) (RingDescriptor.dataOffset(SLOTS) + CAPACITY);
        byte[] bytes = validRing(random, length);
        int mutations = 1 + random.nextInt(16);
        for (int i = 0; i < mutations; i++) {
            int at = random.nextInt(length);
            switch (random.nextInt(3)) {
                case 0 -> bytes[at] = (byte) random.nextInt();
                case 1 -> {
                    // a hostile 32-bit value at an aligned place: lengths, types
                    int aligned = Math.min(at & ~3, length - 4);
                    int[] nasty = {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 1, 4080, 4096, 1 << 20};
                    MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_INT_UNALIGNED, aligned,
                            nasty[random.nextInt(nasty.length)]);
                }
                default -> {
                    int aligned = Math.min(at & ~7, length - 8);
                    long[] nasty = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 0L, 1L << 40, CAPACITY};
                    MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_LONG_UNALIGNED, aligned,
                            nasty[random.nextInt(nasty.length)]);
                }
            }
        }
        check(bytes, false);
    }

    /** A ring with a valid configuration and some committed records, as bytes. */
    private static byte[] validRing(SplittableRandom random, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(length, RingDescriptor.PAGE);
            boolean single = random.nextBoolean();
            RingDescriptor.format(memory, new RingConfig(CAPACITY, RingDescriptor.maxPayloadFor(CAPACITY),
                    single ? 1 : SLOTS, single, WaitStrategy.SPIN, 1_000_000));
            RecordRing ring = RecordRing.attach(memory, "valid");
            if (ring instanceof SpscRecordRing spsc) {
                spsc.acquireProducer();
            }
            int records = random.nextInt(40);
            for (int i = 0; i < records; i++) {
                byte[] payload = new byte[random.nextInt(300)];
                random.nextBytes(payload);
                if (!ring.offer(MemorySegment.ofArray(payload), 0, payload.length)) {
                    break;
                }
            }
            ring.detach();
            return memory.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /**
     * Attaches a consumer to {@code bytes} (or to a valid configuration with {@code bytes} as data
     * and control words) and reads everything it can.
     */
    private static void check(byte[] bytes, boolean keepValidConfig) {
        int length = (int) (RingDescriptor.dataOffset(SLOTS) + CAPACITY);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(length, RingDescriptor.PAGE);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, memory, 0, Math.min(bytes.length, length));
            if (keepValidConfig) {
                MemorySegment config = arena.allocate(RingDescriptor.TAIL_OFFSET);
                MemorySegment fresh = arena.allocate(length, RingDescriptor.PAGE);
                RingDescriptor.format(fresh, new RingConfig(CAPACITY, 1000, SLOTS, false, WaitStrategy.SPIN, 1));
                config.copyFrom(fresh.asSlice(0, RingDescriptor.TAIL_OFFSET));
                memory.asSlice(0, RingDescriptor.TAIL_OFFSET).copyFrom(config);
            }
            RecordRing ring;
            try {
                ring = RecordRing.attach(memory, "fuzzed");
            } catch (CorruptSegmentException expected) {
                return;
            }
            ring.acquireConsumer();
            long[] sum = {0};
            RecordHandler touchEveryByte = (buffer, offset, len) -> {
                if (offset < 0 || len < 0 || offset + len > buffer.byteSize()) {
                    throw new AssertionError("record outside the data area: " + offset + "+" + len);
                }
                for (long i = 0; i < len; i++) {
                    sum[0] += buffer.get(ValueLayout.JAVA_BYTE, offset + i);
                }
            };
            try {
                for (int i = 0; i < 64; i++) {
                    ring.nextMessageLength();
                    if (ring.read(touchEveryByte, 16) == 0) {
                        ring.checkStall();
                        ring.checkStall();
                    }
                }
            } catch (CorruptSegmentException expected) {
                // reported, not followed
            }
        }
    }
}
