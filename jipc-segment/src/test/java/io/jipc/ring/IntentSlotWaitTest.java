package io.jipc.ring;

import io.jipc.WaitStrategy;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A many-producer ring whose intent slots are all held (here by open claims of this process; the
 * process tests' {@code SenderSlotWaitTest} holds them with killed senders): a claim does not wait
 * for a slot, it reports {@link RecordRing#FULL} although the ring has room; {@link
 * RecordRing#hasFreeSlot()} tells the two apart, and {@link RecordRing#awaitSlot} naps for a
 * bounded time and ends on an interrupt. Until 2026-12-07 {@code tryClaim} and {@code offer}
 * waited for a slot without limit, deaf to interrupts: each step runs under {@code
 * assertTimeoutPreemptively} (no duration asserted).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class IntentSlotWaitTest {
    private static final Duration HANG = Duration.ofSeconds(30);

    @Test
    void aClaimWithEverySlotHeldReportsFullAndTheWaitForASlotEnds() throws Exception {
        RingConfig config = new RingConfig(4096, 256, 2, false, WaitStrategy.SPIN_THEN_FUTEX, 50_000_000L);
        try (RingFixture fixture = new RingFixture(config)) {
            RecordRing ring = fixture.attach();
            assertTrue(ring.hasFreeSlot());
            long first = ring.tryClaim(8);
            long second = ring.tryClaim(8);
            assertNotEquals(RecordRing.FULL, first);
            assertNotEquals(RecordRing.FULL, second);
            assertFalse(ring.hasFreeSlot(), "both slots are held");
            assertTrue(ring.hasRoomFor(8), "the ring itself has room");

            assertEquals(RecordRing.FULL, assertTimeoutPreemptively(HANG, () -> ring.tryClaim(8)));
            MemorySegment payload = MemorySegment.ofArray(new byte[8]);
            assertFalse(assertTimeoutPreemptively(HANG, () -> ring.offer(payload, 0, 8)));

            // a nap ends by its bound (nothing rings) and, interrupted, at once
            assertTimeoutPreemptively(HANG, () -> ring.awaitSlot(ring.prepareSpaceWait(), 1_000_000L, Long.MAX_VALUE));
            assertTimeoutPreemptively(HANG, () -> ring.awaitSlot(ring.prepareSpaceWait(), Long.MAX_VALUE / 4,
                    System.nanoTime() + 1_000_000L));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class,
                    () -> ring.awaitSlot(ring.prepareSpaceWait(), Long.MAX_VALUE / 4, Long.MAX_VALUE));

            ring.commit(first);
            assertTrue(ring.hasFreeSlot(), "a committed claim gives its slot back");
            assertTrue(ring.offer(payload, 0, 8));
            ring.commit(second);
            RecordRing consumer = fixture.attach();
            assertEquals(0, consumer.acquireConsumer());
            assertEquals(3, consumer.read((b, o, l) -> { }, 10));
        }
    }
}
