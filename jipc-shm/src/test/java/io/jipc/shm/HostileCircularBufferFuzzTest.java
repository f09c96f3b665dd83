package io.jipc.shm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.CorruptSegmentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process attached to a circular buffer whose bytes were written by something hostile or broken
 * must either work (items come from inside the slots) or throw {@link CorruptSegmentException}:
 * never another exception, never an access outside the memory, never an endless loop.
 *
 * <p>{@link #hostileBuffer(byte[])} is a Jazzer fuzz target ({@code JAZZER_FUZZ=1 mvn -pl jipc-shm
 * -am test -Dtest=HostileCircularBufferFuzzTest} fuzzes it for real; a plain build runs it on its
 * seed inputs); {@link #mutatedBuffers(long)} runs the same check on random mutations of valid
 * buffers in every build. Hostile lengths (item size, capacity, stride, declared length) are
 * among the mutations.
 */
class HostileCircularBufferFuzzTest {
    private static final int ITEM = 12;
    private static final int CAPACITY = 8;
    private static final int LENGTH = (int) CircularBuffer.requiredBytes(ITEM, CAPACITY);

    @FuzzTest(maxDuration = "60s")
    void hostileBuffer(byte[] input) {
        check(input);
    }

    static LongStream seeds() {
        return LongStream.range(0, 2000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedBuffers(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = validBuffer(random);
        MemorySegment view = MemorySegment.ofArray(bytes);
        int mutations = 1 + random.nextInt(8);
        for (int i = 0; i < mutations; i++) {
            switch (random.nextInt(4)) {
                case 0 -> bytes[random.nextInt(LENGTH)] = (byte) random.nextInt();
                case 1 -> {
                    int[] fields = {CircularBufferDescriptor.ITEM_SIZE_OFFSET, CircularBufferDescriptor.CAPACITY_OFFSET,
                        CircularBufferDescriptor.STRIDE_OFFSET, 16 /* declared length */};
                    int[] nasty = {-1, 0, 1, 3, 7, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 20, 1 << 30, LENGTH};
                    view.set(ValueLayout.JAVA_INT_UNALIGNED, fields[random.nextInt(fields.length)],
                            nasty[random.nextInt(nasty.length)]);
                }
                case 2 -> {
                    // a position or a slot's sequence: the words the protocol trusts
                    int[] words = {CircularBufferDescriptor.ENQUEUE_POSITION_OFFSET,
                        CircularBufferDescriptor.DEQUEUE_POSITION_OFFSET,
                        CircularBufferDescriptor.SLOTS_OFFSET + CircularBufferDescriptor.stride(ITEM) * random.nextInt(CAPACITY)};
                    long[] nasty = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 0L, 1L, 7L, 9L, 1L << 40};
                    view.set(ValueLayout.JAVA_LONG_UNALIGNED, words[random.nextInt(words.length)],
                            nasty[random.nextInt(nasty.length)]);
                }
                default -> view.set(ValueLayout.JAVA_INT_UNALIGNED, 8, random.nextInt()); // version
            }
        }
        check(bytes);
    }

    /**
     * Positions of Long.MIN_VALUE, slots consistent with them (free for the producer): that value
     * was also claim's "none", so a put claimed it and then reported the buffer full, leaving the
     * slot claimed and never published (consumers stopped there). Now both sides report it.
     */
    @Test
    void aPositionEqualToClaimsNoneIsReportedNotClaimedAndLost() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(LENGTH, 8);
            CircularBuffer.format(memory, ITEM, CAPACITY);
            memory.set(ValueLayout.JAVA_LONG, CircularBufferDescriptor.ENQUEUE_POSITION_OFFSET, Long.MIN_VALUE);
            memory.set(ValueLayout.JAVA_LONG, CircularBufferDescriptor.DEQUEUE_POSITION_OFFSET, Long.MIN_VALUE);
            for (int i = 0; i < CAPACITY; i++) { // slot i holds position MIN_VALUE + i: free for its producer
                memory.set(ValueLayout.JAVA_LONG, CircularBufferDescriptor.SLOTS_OFFSET
                        + (long) i * CircularBufferDescriptor.stride(ITEM), Long.MIN_VALUE + i);
            }
            CircularBuffer buffer = CircularBuffer.attach(memory, "min-position");
            CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> buffer.offer(new byte[ITEM]));
            assertTrue(e.getMessage().contains("min-position"), e.getMessage());
            assertEquals(Long.MIN_VALUE, buffer.putCount(), "nothing claimed");
            assertThrows(CorruptSegmentException.class, buffer::poll);
            assertEquals(Long.MIN_VALUE, buffer.takeCount());
        }
    }

    /** A valid buffer with some items in it, as bytes. */
    private static byte[] validBuffer(SplittableRandom random) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(LENGTH, 8);
            CircularBuffer.format(memory, ITEM, CAPACITY);
            CircularBuffer buffer = CircularBuffer.attach(memory, "valid");
            int puts = random.nextInt(12);
            int takes = random.nextInt(12);
            for (int i = 0; i < Math.max(puts, takes); i++) {
                if (i < puts) {
                    buffer.offer(new byte[ITEM]);
                }
                if (i < takes) {
                    buffer.poll();
                }
            }
            return memory.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static void check(byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(LENGTH, 8);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, memory, 0, Math.min(bytes.length, LENGTH));
            CircularBuffer buffer;
            try {
                buffer = CircularBuffer.attach(memory, "fuzzed");
            } catch (CorruptSegmentException expected) {
                return;
            }
            // another configuration is accepted only if it fits in the memory
            assertTrue(CircularBuffer.requiredBytes(buffer.itemSize(), buffer.capacity()) <= LENGTH);
            byte[] item = new byte[buffer.itemSize()];
            try {
                for (int i = 0; i < 32; i++) {
                    buffer.poll();
                    buffer.offer(item);
                    buffer.offer(item);
                }
                buffer.size();
            } catch (CorruptSegmentException expected) {
                // reported, not followed
            }
        }
    }
}
