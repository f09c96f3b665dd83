package io.jipc.ring;

import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jipc.ring.RingDescriptor.INTENTS_OFFSET;
import static io.jipc.ring.RingDescriptor.INTENT_CLAIM_LENGTH_OFFSET;
import static io.jipc.ring.RingDescriptor.INTENT_LENGTH;
import static io.jipc.ring.RingDescriptor.INTENT_OWNER_OFFSET;
import static io.jipc.ring.RingDescriptor.INTENT_POSITION_OFFSET;
import static io.jipc.ring.RingDescriptor.PRODUCER_LEASE_OFFSET;
import static io.jipc.ring.RingDescriptor.TAIL_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's handling of claims left behind by dead producers, with the dead producer played
 * by writing the shared state a producer killed at each step would leave (the owner token names a
 * pid above the kernel's maximum, so it is never alive). The same situations are produced by real
 * SIGKILLs in the crash tests of jipc-core.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StalledClaimTest {
    /** A process token that is never alive: pid 2^22 + 1 is above pid_max on every Linux. */
    private static final long DEAD = ((1L << 22) + 1) << 32 | 12345;

    private static RingConfig manyProducers() {
        return new RingConfig(4096, RingDescriptor.maxPayloadFor(4096), 4, false, WaitStrategy.SPIN,
                TimeUnit.MILLISECONDS.toNanos(20));
    }

    private static void writeIntent(MemorySegment ring, int slot, long owner, long position, long length) {
        long base = INTENTS_OFFSET + (long) slot * INTENT_LENGTH;
        ring.set(ValueLayout.JAVA_LONG, base + INTENT_OWNER_OFFSET, owner);
        ring.set(ValueLayout.JAVA_LONG, base + INTENT_CLAIM_LENGTH_OFFSET, length);
        ring.set(ValueLayout.JAVA_LONG, base + INTENT_POSITION_OFFSET, position);
    }

    private static List<String> drain(RecordRing consumer) {
        List<String> got = new ArrayList<>();
        consumer.read((b, o, l) -> got.add(new String(b.asSlice(o, l).toArray(ValueLayout.JAVA_BYTE))), 1000);
        return got;
    }

    private static void offer(RecordRing producer, String text) {
        assertTrue(producer.offer(MemorySegment.ofArray(text.getBytes()), 0, text.length()));
    }

    /** Calls checkStall until it skips something (it must, within the stall timeout), or throws what it throws. */
    private static void awaitSkip(RecordRing consumer) throws InterruptedException {
        while (!consumer.checkStall()) {
            Thread.sleep(5);
        }
    }

    @Test
    void aProducerKilledAfterMovingTheTailButBeforeWritingAnyHeaderIsSkipped() throws Exception {
        try (RingFixture fixture = new RingFixture(manyProducers())) {
            RecordRing producer = fixture.attach();
            RecordRing consumer = fixture.attach();
            consumer.acquireConsumer();
            offer(producer, "before");
            // the dead producer: intent written, tail moved by 64 bytes, nothing else
            long tail = fixture.ringMemory.get(ValueLayout.JAVA_LONG, TAIL_OFFSET);
            writeIntent(fixture.ringMemory, 3, DEAD, tail, 64);
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, TAIL_OFFSET, tail + 64);
            offer(producer, "after");
            assertEquals(List.of("before"), drain(consumer));
            assertTrue(drain(consumer).isEmpty(), "the stalled claim blocks until it is resolved");
            awaitSkip(consumer);
            assertEquals(List.of("after"), drain(consumer));
            assertEquals(1, consumer.stalledClaimsSkipped());
            // the dead producer's slot is free again
            assertEquals(0, fixture.ringMemory.get(ValueLayout.JAVA_LONG,
                    INTENTS_OFFSET + 3L * INTENT_LENGTH + INTENT_OWNER_OFFSET));
        }
    }

    @Test
    void aProducerKilledBetweenClaimAndCommitIsSkippedButALiveOneIsWaitedFor() throws Exception {
        try (RingFixture fixture = new RingFixture(manyProducers())) {
            MpscRecordRing producer = (MpscRecordRing) fixture.attach();
            RecordRing consumer = fixture.attach();
            consumer.acquireConsumer();
            long claim = producer.tryClaim(10);
            offer(producer, "queued");
            // while the claimer (this process) is alive, the consumer waits, however long
            for (int i = 0; i < 10; i++) {
                assertFalse(consumer.checkStall());
                assertTrue(drain(consumer).isEmpty());
                Thread.sleep(5);
            }
            // now the claimer "dies": its slot names a dead process
            int slot = fixture.attach().buffer().get(ValueLayout.JAVA_INT,
                    (claim & (4096 - 1)) + RecordDescriptor.TYPE_OFFSET) & ~RecordDescriptor.TYPE_CLAIMED;
            fixture.ringMemory.set(ValueLayout.JAVA_LONG,
                    INTENTS_OFFSET + (long) slot * INTENT_LENGTH + INTENT_OWNER_OFFSET, DEAD);
            awaitSkip(consumer);
            assertEquals(List.of("queued"), drain(consumer));
        }
    }

    @Test
    void aDeadClaimThatWrappedIsSkippedWhetherOrNotItsPaddingWasCommitted() throws Exception {
        for (boolean paddingCommitted : new boolean[] {false, true}) {
            try (RingFixture fixture = new RingFixture(manyProducers())) {
                RecordRing producer = fixture.attach();
                RecordRing consumer = fixture.attach();
                consumer.acquireConsumer();
                // move the ring near its end: 4096 - 3 * 1024 leaves 1024 bytes before the wrap
                for (int i = 0; i < 3; i++) {
                    assertTrue(producer.offer(MemorySegment.ofArray(new byte[1008]), 0, 1008));
                    assertEquals(1, consumer.read((b, o, l) -> { }, 10));
                }
                long tail = fixture.ringMemory.get(ValueLayout.JAVA_LONG, TAIL_OFFSET);
                assertEquals(3072, tail);
                // a dead producer claimed 1024 bytes of padding plus a 2000-byte record
                long toEnd = 4096 - tail;
                long recordLength = RecordDescriptor.recordLength(2000);
                writeIntent(fixture.ringMemory, 2, DEAD, tail, toEnd + recordLength);
                fixture.ringMemory.set(ValueLayout.JAVA_LONG, TAIL_OFFSET, tail + toEnd + recordLength);
                if (paddingCommitted) {
                    consumer.writePadding(tail, toEnd);
                }
                offer(producer, "next");
                assertTrue(drain(consumer).isEmpty());
                awaitSkip(consumer);
                assertEquals(List.of("next"), drain(consumer), "padding committed: " + paddingCommitted);
            }
        }
    }

    /**
     * A tail moved on by something that is not a producer (no intent slot, live or dead, names the
     * head): not a state producers leave, so the consumer reports it (the class's timeout is the
     * hang guard) instead of waiting for ever as for a live claimer.
     */
    @Test
    void aHeadBlockedByAClaimNoProducerRecordedIsReported() throws Exception {
        try (RingFixture fixture = new RingFixture(manyProducers())) {
            RecordRing producer = fixture.attach();
            RecordRing consumer = fixture.attach();
            consumer.acquireConsumer();
            offer(producer, "before");
            long tail = fixture.ringMemory.get(ValueLayout.JAVA_LONG, TAIL_OFFSET);
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, TAIL_OFFSET, tail + 64);
            assertEquals(List.of("before"), drain(consumer));
            CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> awaitSkip(consumer));
            assertTrue(e.getMessage().contains("no producer, live or dead, claimed"), e.getMessage());
            assertEquals(0, consumer.stalledClaimsSkipped());
        }
    }

    /** The same for a head whose only claimers are dead and claimed beyond the tail: none of them moved it. */
    @Test
    void aHeadWhoseOnlyDeadClaimEndsBeyondTheTailIsReported() throws Exception {
        try (RingFixture fixture = new RingFixture(manyProducers())) {
            RecordRing consumer = fixture.attach();
            consumer.acquireConsumer();
            long tail = fixture.ringMemory.get(ValueLayout.JAVA_LONG, TAIL_OFFSET);
            writeIntent(fixture.ringMemory, 1, DEAD, tail, 128);
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, TAIL_OFFSET, tail + 64);
            assertThrows(CorruptSegmentException.class, () -> awaitSkip(consumer));
        }
    }

    @Test
    void twoDeadClaimersOfOnePositionResolveToTheRecordBoundary() throws Exception {
        try (RingFixture fixture = new RingFixture(manyProducers())) {
            RecordRing producer = fixture.attach();
            RecordRing consumer = fixture.attach();
            consumer.acquireConsumer();
            long tail = fixture.ringMemory.get(ValueLayout.JAVA_LONG, TAIL_OFFSET);
            // slot 0 lost the race for `tail` (wanted 512 bytes) and died; slot 1 won it with 48 and died
            writeIntent(fixture.ringMemory, 0, DEAD, tail, 512);
            writeIntent(fixture.ringMemory, 1, DEAD - 1, tail, 48);
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, TAIL_OFFSET, tail + 48);
            offer(producer, "survivor");
            awaitSkip(consumer);
            assertEquals(List.of("survivor"), drain(consumer));
        }
    }

    @Test
    void aNewSingleProducerRecoversTheTailOfOneKilledAfterCommitting() {
        RingConfig config = new RingConfig(4096, RingDescriptor.maxPayloadFor(4096), 1, true, WaitStrategy.SPIN,
                TimeUnit.MILLISECONDS.toNanos(20));
        try (RingFixture fixture = new RingFixture(config)) {
            SpscRecordRing first = (SpscRecordRing) fixture.attach();
            assertEquals(0, first.acquireProducer());
            offer(first, "one");
            // "two" is committed, but the producer dies before it publishes the tail
            long tailBefore = fixture.ringMemory.get(ValueLayout.JAVA_LONG, TAIL_OFFSET);
            offer(first, "two");
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, TAIL_OFFSET, tailBefore);
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, PRODUCER_LEASE_OFFSET, DEAD);

            SpscRecordRing second = (SpscRecordRing) fixture.attach();
            assertEquals(0, second.acquireProducer(), "the lease of a dead producer is taken over");
            offer(second, "three");
            RecordRing consumer = fixture.attach();
            consumer.acquireConsumer();
            assertEquals(List.of("one", "two", "three"), drain(consumer));
        }
    }

    @Test
    void aLiveSingleProducerKeepsItsLease() {
        RingConfig config = new RingConfig(4096, RingDescriptor.maxPayloadFor(4096), 1, true, WaitStrategy.SPIN,
                TimeUnit.MILLISECONDS.toNanos(20));
        try (RingFixture fixture = new RingFixture(config)) {
            SpscRecordRing first = (SpscRecordRing) fixture.attach();
            assertEquals(0, first.acquireProducer());
            long alive = io.jipc.platform.ProcessIdentity.of(1).orElseThrow().token();
            fixture.ringMemory.set(ValueLayout.JAVA_LONG, PRODUCER_LEASE_OFFSET, alive);
            SpscRecordRing second = (SpscRecordRing) fixture.attach();
            assertEquals(alive, second.acquireProducer());
        }
    }
}
