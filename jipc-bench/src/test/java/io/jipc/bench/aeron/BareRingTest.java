package io.jipc.bench.aeron;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench's layout probe keeps records intact and in order across many wraps, in every layout. */
class BareRingTest {

    @Test
    void recordsOfRandomSizesSurviveManyWrapsInEveryLayout() {
        for (String layout : new String[] {"16:16", "16:32", "16:64", "32:32", "64:64"}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment region = arena.allocate(4096, 64);
                BareRing producer = new BareRing(region, BareRing.Layout.parse(layout));
                BareRing consumer = new BareRing(region, BareRing.Layout.parse(layout));
                MemorySegment message = arena.allocate(1024, 8);
                SplittableRandom random = new SplittableRandom(42);
                long[] seen = new long[2];
                for (long i = 0; i < 20_000; i++) {
                    int length = 9 + random.nextInt(1000); // the last byte is not one of the long's
                    message.set(ValueLayout.JAVA_LONG, 0, i);
                    message.set(ValueLayout.JAVA_BYTE, length - 1, (byte) i);
                    producer.offer(message, 0, length);
                    long expected = i;
                    assertTrue(consumer.poll((buffer, offset, len) -> {
                        assertEquals(length, len, layout);
                        assertEquals(expected, buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset), layout);
                        assertEquals((byte) expected, buffer.get(ValueLayout.JAVA_BYTE, offset + len - 1), layout);
                        seen[0]++;
                    }), layout);
                    assertFalse(consumer.poll((buffer, offset, len) -> seen[1]++), layout);
                }
                assertEquals(20_000, seen[0], layout);
                assertEquals(0, seen[1], layout);
            }
        }
    }

    @Test
    void aBadLayoutIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BareRing.Layout.parse("8:16"));
        assertThrows(IllegalArgumentException.class, () -> BareRing.Layout.parse("16:8"));
        assertThrows(IllegalArgumentException.class, () -> BareRing.Layout.parse("16:24"));
        assertThrows(IllegalArgumentException.class, () -> BareRing.Layout.parse("16"));
        assertThrows(IllegalArgumentException.class, () -> BareRing.Layout.parse("a:b"));
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class,
                    () -> new BareRing(arena.allocate(3000), BareRing.Layout.parse("16:16")));
        }
    }
}
