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

    private final Arena arena = Arena.ofConfined();
    private final MessageViews views = new MessageViews();

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
    void offsetsBeyondTheFirstBuffersTableGetFreshViews() {
        MemorySegment small = arena.allocate(4096, 64);
        MemorySegment large = arena.allocate(RING, 64);
        views.view(small, 0, 8); // sizes the table for 4096 bytes
        MemorySegment far = views.view(large, 8192, 64);
        assertEquals(large.address() + 8192, far.address());
        assertNotSame(far, views.view(large, 8192, 64));
        MemorySegment near = views.view(large, 160, 64);
        assertSame(near, views.view(large, 160, 64));
    }

    @Test
    void anotherBufferGetsItsOwnViews() {
        MemorySegment level0 = arena.allocate(RING, 64);
        MemorySegment level1 = arena.allocate(RING, 64);
        MemorySegment zero = views.view(level0, 160, 64);
        MemorySegment one = views.view(level1, 160, 64);
        assertNotSame(zero, one);
        assertEquals(level1.address() + 160, one.address());
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
