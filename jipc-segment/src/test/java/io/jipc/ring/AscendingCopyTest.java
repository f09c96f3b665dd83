package io.jipc.ring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AscendingCopy} copies as {@link MemorySegment#copy} does, on both sides of its length
 * limit, with the ascending path on or off; the default follows the processor or the property.
 */
class AscendingCopyTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private static byte[] pattern(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The ascending path, whatever this processor's default ({@link AscendingCopy#ENABLED}). */
    private static void copy(MemorySegment source, long sourceOffset, MemorySegment target, long targetOffset,
                             int length) {
        AscendingCopy.copy(true, source, sourceOffset, target, targetOffset, length);
    }

    /** Every length from 0 to past the limit, at every source and target offset modulo 8, either way. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void copiesEveryLengthAndAlignmentExactlyLikeSegmentCopy(boolean ascending) {
        byte[] bytes = pattern(AscendingCopy.MAX_LENGTH + 64, 1);
        MemorySegment source = arena.allocate(bytes.length + 16, 8);
        MemorySegment.copy(bytes, 0, source, ValueLayout.JAVA_BYTE, 0, bytes.length);
        MemorySegment target = arena.allocate(bytes.length + 32, 8);
        MemorySegment expected = arena.allocate(target.byteSize(), 8);
        for (int length = 0; length <= AscendingCopy.MAX_LENGTH + 40; length++) {
            for (int from = 0; from < 8; from++) {
                for (int to = 0; to < 8; to++) {
                    target.fill((byte) 0x5A);
                    expected.fill((byte) 0x5A);
                    AscendingCopy.copy(ascending, source, from, target, 16 + to, length);
                    MemorySegment.copy(source, from, expected, 16 + to, length);
                    assertEquals(-1, target.mismatch(expected), "length " + length + " from " + from + " to " + to);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 63, 64, 65, 120, 128, 129, 300})
    void copiesFromAHeapSegmentAndIntoOne(int length) {
        byte[] bytes = pattern(length, length);
        MemorySegment ring = arena.allocate(length + 40, 8);
        copy(MemorySegment.ofArray(bytes), 0, ring, 24, length);
        byte[] back = new byte[length + 3];
        copy(ring, 24, MemorySegment.ofArray(back), 3, length);
        assertArrayEquals(bytes, Arrays.copyOfRange(back, 3, 3 + length));
    }

    /** Overlapping ranges (a message re-sent from an in-place view of the same memory) copy as through a buffer. */
    @ParameterizedTest
    @ValueSource(ints = {-9, -8, -1, 1, 8, 9, 40})
    void overlappingRangesCopyAsThroughAnIntermediateBuffer(int shift) {
        int length = 64;
        byte[] bytes = pattern(200, 7);
        MemorySegment memory = arena.allocate(200, 8);
        MemorySegment.copy(bytes, 0, memory, ValueLayout.JAVA_BYTE, 0, bytes.length);
        copy(memory, 64, memory, 64 + shift, length);
        byte[] expected = bytes.clone();
        System.arraycopy(bytes, 64, expected, 64 + shift, length);
        assertArrayEquals(expected, memory.toArray(ValueLayout.JAVA_BYTE));
        byte[] heap = bytes.clone();
        MemorySegment heapSegment = MemorySegment.ofArray(heap);
        copy(heapSegment, 64, heapSegment, 64 + shift, length);
        assertArrayEquals(expected, heap);
    }

    @Test
    void rangesOutsideTheirSegmentsAreRefused() {
        MemorySegment source = arena.allocate(64, 8);
        MemorySegment target = arena.allocate(64, 8);
        assertThrows(IndexOutOfBoundsException.class, () -> copy(source, 8, target, 0, 64));
        assertThrows(IndexOutOfBoundsException.class, () -> copy(source, 0, target, 1, 64));
        assertThrows(IndexOutOfBoundsException.class, () -> copy(source, -1, target, 0, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> copy(source, 0, target, 0, -1));
        assertThrows(IllegalArgumentException.class,
                () -> copy(source, 0, target.asReadOnly(), 0, 8));
    }

    @Test
    void aClosedArenaIsRefused() {
        Arena other = Arena.ofConfined();
        MemorySegment gone = other.allocate(64, 8);
        other.close();
        MemorySegment target = arena.allocate(64, 8);
        assertThrows(IllegalStateException.class, () -> copy(gone, 0, target, 0, 64));
    }

    @Test
    void thePublicCopyFollowsThisProcessorsDefault() {
        byte[] bytes = pattern(100, 7);
        MemorySegment target = arena.allocate(128, 8);
        AscendingCopy.copy(MemorySegment.ofArray(bytes), 0, target, 8, bytes.length);
        assertEquals(-1, target.asSlice(8, bytes.length).mismatch(MemorySegment.ofArray(bytes)));
        assertEquals(AscendingCopy.enabled(System.getProperty(AscendingCopy.PROPERTY),
                AscendingCopy.cpuVendor(Path.of("/proc/cpuinfo"))), AscendingCopy.ENABLED);
    }

    @Test
    void theChoiceIsByProcessorUnlessThePropertySaysOtherwise() {
        assertTrue(AscendingCopy.enabled(null, "GenuineIntel"));
        assertFalse(AscendingCopy.enabled(null, "AuthenticAMD"));
        assertFalse(AscendingCopy.enabled(null, ""));
        assertTrue(AscendingCopy.enabled("true", "AuthenticAMD"));
        assertTrue(AscendingCopy.enabled(" TRUE ", ""));
        assertFalse(AscendingCopy.enabled("false", "GenuineIntel"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AscendingCopy.enabled("yes", "GenuineIntel"));
        assertTrue(e.getMessage().contains(AscendingCopy.PROPERTY), e.getMessage());
    }

    @Test
    void theVendorIsReadFromCpuinfo(@TempDir Path dir) throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n\n"
                + "processor\t: 1\nvendor_id\t: AuthenticAMD\n");
        assertEquals("AuthenticAMD", AscendingCopy.cpuVendor(cpuinfo));
        Thread.currentThread().interrupt(); // the class may load on a thread with an interrupt pending
        try {
            assertEquals("AuthenticAMD", AscendingCopy.cpuVendor(cpuinfo));
        } finally {
            assertTrue(Thread.interrupted());
        }
        Files.writeString(cpuinfo, "processor\t: 0\n");
        assertEquals("", AscendingCopy.cpuVendor(cpuinfo));
        assertEquals("", AscendingCopy.cpuVendor(dir.resolve("missing")));
    }
}
