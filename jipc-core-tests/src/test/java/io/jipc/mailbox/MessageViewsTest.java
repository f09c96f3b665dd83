package io.jipc.mailbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The reused views of received messages ({@link MessageViews}): reuse only when offset, length and buffer match, in small buffers. */
class MessageViewsTest {
    private static final long RING = 64 * 1024;
    private static final int LEVELS = 4;

    private final Arena arena = Arena.ofConfined();
    private final MessageViews views = new MessageViews(LEVELS);

    @AfterEach
    void freeTheBuffers() {
        arena.close();
    }

    @Test
    void aViewIsReusedForTheSameOffsetAndLengthAndShowsTheCurrentBytes() {
        MemorySegment buffer = arena.allocate(RING, 64);
        MemorySegment first = views.view(buffer, 160, 64);
        buffer.set(ValueLayout.JAVA_LONG, 160, 42);
        MemorySegment again = views.view(buffer, 160, 64);
        assertSame(first, again);
        assertEquals(42, again.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(buffer.address() + 160, again.address());
        assertEquals(64, again.byteSize());
    }

    @Test
    void anotherLengthAtTheSameOffsetGetsANewView() {
        MemorySegment buffer = arena.allocate(RING, 64);
        MemorySegment longer = views.view(buffer, 160, 64);
        MemorySegment shorter = views.view(buffer, 160, 10);
        assertNotSame(longer, shorter);
        assertEquals(10, shorter.byteSize());
        assertNotSame(shorter, views.view(buffer, 160, 64)); // the slot now holds the 10-byte one
    }

    @Test
    void aBufferAtTheAddressOfAClosedOneGetsViewsOfItsOwn() {
        // an unbounded mailbox unmaps a drained segment and maps the next one, possibly at the same
        // address: a view kept from the old one must not be handed out (its scope is closed)
        MemorySegment buffer = arena.allocate(RING, 64);
        MemorySegment old;
        try (Arena closed = Arena.ofConfined()) {
            MemorySegment before = MemorySegment.ofAddress(buffer.address()).reinterpret(RING, closed, null);
            old = views.view(before, 160, 64);
        }
        MemorySegment now = views.view(buffer, 160, 64);
        assertNotSame(old, now);
        assertEquals(buffer.address() + 160, now.address());
        buffer.set(ValueLayout.JAVA_LONG, 160, 7);
        assertEquals(7, now.get(ValueLayout.JAVA_LONG, 0)); // alive: the old view would throw here
        assertSame(now, views.view(buffer, 160, 64));
    }

    @Test
    void aLargerRingIsNotCoveredAndGetsAFreshViewEachTime() {
        MemorySegment buffer = arena.allocate(2 * MessageViews.MAX_COVERED_BYTES, 64);
        MemorySegment first = views.view(buffer, 160, 64);
        MemorySegment second = views.view(buffer, 160, 64);
        assertNotSame(first, second);
        assertEquals(buffer.address() + 160, second.address());
        assertEquals(64, second.byteSize());
    }

    @Test
    void eachBufferHasATableSizedForIt() {
        MemorySegment small = arena.allocate(4096, 64);
        MemorySegment large = arena.allocate(RING, 64);
        views.view(small, 0, 8);
        MemorySegment far = views.view(large, 8192, 64); // beyond the small buffer's table
        assertEquals(large.address() + 8192, far.address());
        assertSame(far, views.view(large, 8192, 64));
        MemorySegment last = views.view(small, 4096 - 16, 16);
        assertSame(last, views.view(small, 4096 - 16, 16));
    }

    @Test
    void levelsTakenInTurnKeepTheirViews() {
        // priority levels: rings of one size, messages at the same offsets
        MemorySegment[] levels = new MemorySegment[LEVELS];
        MemorySegment[] first = new MemorySegment[LEVELS];
        for (int level = 0; level < LEVELS; level++) {
            levels[level] = arena.allocate(RING, 64);
            first[level] = views.view(levels[level], 160, 64);
        }
        for (int round = 0; round < 3; round++) {
            for (int level = 0; level < LEVELS; level++) {
                MemorySegment again = views.view(levels[level], 160, 64);
                assertSame(first[level], again);
                assertEquals(levels[level].address() + 160, again.address());
            }
        }
    }

    @Test
    void aBufferBeyondTheLimitTakesOverATableEmptied() {
        MemorySegment[] levels = new MemorySegment[LEVELS + 1];
        for (int level = 0; level <= LEVELS; level++) {
            levels[level] = arena.allocate(RING, 64);
        }
        MemorySegment zero = views.view(levels[0], 160, 64);
        for (int level = 1; level <= LEVELS; level++) {
            views.view(levels[level], 160, 64); // the last one takes over level 0's table
        }
        MemorySegment extra = views.view(levels[LEVELS], 160, 64);
        assertEquals(levels[LEVELS].address() + 160, extra.address());
        assertSame(extra, views.view(levels[LEVELS], 160, 64));
        MemorySegment zeroAgain = views.view(levels[0], 160, 64);
        assertNotSame(zero, zeroAgain); // its table went to another buffer
        assertEquals(levels[0].address() + 160, zeroAgain.address());
        assertSame(zeroAgain, views.view(levels[0], 160, 64));
    }

    @Test
    void atLeastOneBuffer() {
        assertThrows(IllegalArgumentException.class, () -> new MessageViews(0));
    }

    @Test
    void anEmptyViewAtTheEndOfTheBufferWorks() {
        MemorySegment buffer = arena.allocate(4096, 64);
        MemorySegment end = views.view(buffer, 4096, 0);
        assertEquals(buffer.address() + 4096, end.address());
        assertEquals(0, end.byteSize());
    }

    @Test
    void unalignedOffsetsAndEmptyMessagesWork() {
        MemorySegment buffer = arena.allocate(RING, 64);
        MemorySegment empty = views.view(buffer, 24, 0);
        assertEquals(0, empty.byteSize());
        assertSame(empty, views.view(buffer, 24, 0));
        MemorySegment odd = views.view(buffer, 27, 5); // lanes' messages follow an envelope
        assertEquals(buffer.address() + 27, odd.address());
    }

    @Test
    void aViewBeyondTheBufferIsRefusedAsBySlicing() {
        MemorySegment buffer = arena.allocate(RING, 64);
        assertThrows(IndexOutOfBoundsException.class, () -> views.view(buffer, RING - 8, 64));
        assertThrows(IndexOutOfBoundsException.class, () -> views.view(buffer, -16, 8));
    }
}
