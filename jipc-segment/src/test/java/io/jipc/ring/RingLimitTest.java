package io.jipc.ring;

import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A ring's limit bounds the bytes in use; {@code peek} does not consume; lanes can share a doorbell. */
@ExtendWith(JipcTestExtension.class)
class RingLimitTest {
    private static final int SLOT = 128;

    private static RingConfig limited(boolean single, long limit) {
        return new RingConfig(4096, SLOT - RecordDescriptor.HEADER_LENGTH, single ? 1 : 4, single, WaitStrategy.SPIN,
                50_000_000L, limit);
    }

    @ParameterizedTest(name = "single producer = {0}")
    @ValueSource(booleans = {true, false})
    void slotsOfOnePowerOfTwoLengthFillExactlyTheLimitLapAfterLap(boolean single) {
        int slots = 5;
        try (RingFixture fixture = new RingFixture(limited(single, (long) slots * SLOT))) {
            RecordRing producer = fixture.attach();
            RecordRing consumer = fixture.attach();
            if (producer instanceof SpscRecordRing spsc) {
                assertEquals(0, spsc.acquireProducer());
            }
            assertEquals(0, consumer.acquireConsumer());
            MemorySegment slot = MemorySegment.ofArray(new byte[SLOT - RecordDescriptor.HEADER_LENGTH]);
            for (int lap = 0; lap < 40; lap++) {
                for (int i = 0; i < slots; i++) {
                    assertTrue(producer.hasRoomFor((int) slot.byteSize()));
                    assertTrue(producer.offer(slot, 0, (int) slot.byteSize()), "lap " + lap + " slot " + i);
                }
                assertFalse(producer.hasRoomFor((int) slot.byteSize()));
                assertFalse(producer.offer(slot, 0, (int) slot.byteSize()), "the limit, not the capacity, is full");
                assertEquals(RecordRing.FULL, producer.tryClaim(0), "even an empty record");
                assertEquals((long) slots * SLOT, producer.usedBytes());
                // consume a varying number, refill: the bound holds wherever the head is
                int consumed = consumer.read((b, o, l) -> { }, 1 + lap % slots);
                assertEquals(1 + lap % slots, consumed);
                consumer.read((b, o, l) -> { }, slots);
            }
        }
    }

    @Test
    void peekShowsTheNextMessageWithoutConsumingIt() {
        try (RingFixture fixture = new RingFixture(RingFixture.config(4096, false, WaitStrategy.SPIN))) {
            RecordRing ring = fixture.attach();
            assertEquals(0, ring.acquireConsumer());
            List<String> seen = new ArrayList<>();
            RecordHandler text = (b, o, l) -> seen.add(new String(b.asSlice(o, l).toArray(ValueLayout.JAVA_BYTE)));
            assertFalse(ring.peek(text));
            ring.offer(MemorySegment.ofArray("one".getBytes()), 0, 3);
            ring.offer(MemorySegment.ofArray("two".getBytes()), 0, 3);
            assertTrue(ring.peek(text));
            assertTrue(ring.peek(text));
            assertEquals(1, ring.read(text, 1));
            assertTrue(ring.peek(text));
            assertEquals(List.of("one", "one", "one", "two"), seen);
            assertEquals(1, ring.delivered());
        }
    }

    @Test
    void ringsThatShareADoorbellWakeTheOneWaiter() throws Exception {
        try (RingFixture first = new RingFixture(RingFixture.config(4096, false, WaitStrategy.FUTEX));
             RingFixture second = new RingFixture(RingFixture.config(4096, false, WaitStrategy.FUTEX))) {
            RecordRing doorbell = RecordRing.attach(first.ringMemory, "first", first.ringMemory);
            RecordRing other = RecordRing.attach(second.ringMemory, "second", first.ringMemory);
            assertEquals(0, other.acquireConsumer());
            int signal = doorbell.prepareDataWait();
            Thread producer = Thread.ofPlatform().start(() ->
                    other.offer(MemorySegment.ofArray(new byte[8]), 0, 8));
            // sleeps on the first ring's word; the second ring's commit rings it
            while (!other.hasCommitted()) {
                doorbell.awaitData(signal, System.nanoTime() + 30_000_000_000L);
                signal = doorbell.prepareDataWait();
            }
            producer.join();
            assertEquals(1, other.read((b, o, l) -> { }, 10));
        }
    }

    @Test
    void aLimitOutsideTheRingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> limited(true, 8192));
        assertThrows(IllegalArgumentException.class, () -> limited(true, 100));
        // below one record of the max payload: every attach refused it (CorruptSegmentException), so
        // until 2026-12-07 a creator could make a ring nobody could attach
        assertThrows(IllegalArgumentException.class, () -> limited(true, SLOT - RecordDescriptor.ALIGNMENT));
        try (RingFixture fixture = new RingFixture(limited(true, 512))) {
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, RingDescriptor.LIMIT_OFFSET, 64); // below one record
            assertThrows(CorruptSegmentException.class, fixture::attach);
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, RingDescriptor.LIMIT_OFFSET, 8192);
            assertThrows(CorruptSegmentException.class, fixture::attach);
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, RingDescriptor.LIMIT_OFFSET, 0);
            assertEquals(4096, fixture.attach().config().limit(), "0: a ring written before limits existed");
        }
    }
}
