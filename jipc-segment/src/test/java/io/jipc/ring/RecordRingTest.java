package io.jipc.ring;

import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(JipcTestExtension.class)
class RecordRingTest {

    @ParameterizedTest(name = "single producer = {0}")
    @ValueSource(booleans = {true, false})
    void recordsArriveInOrderWithTheirBoundariesAcrossManyWraps(boolean single) {
        try (RingFixture fixture = new RingFixture(RingFixture.config(4096, single, WaitStrategy.SPIN))) {
            RecordRing producer = fixture.attach();
            RecordRing consumer = fixture.attach();
            if (producer instanceof SpscRecordRing spsc) {
                assertEquals(0, spsc.acquireProducer());
            }
            assertEquals(0, consumer.acquireConsumer());
            SplittableRandom random = new SplittableRandom(42);
            List<byte[]> sent = new ArrayList<>();
            List<byte[]> received = new ArrayList<>();
            RecordHandler handler = (buffer, offset, length) ->
                    received.add(buffer.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE));
            for (int i = 0; i < 20_000; i++) {
                byte[] message = new byte[random.nextInt(0, 700)];
                random.nextBytes(message);
                while (!producer.offer(MemorySegment.ofArray(message), 0, message.length)) {
                    consumer.read(handler, random.nextInt(1, 5));
                }
                sent.add(message);
            }
            while (consumer.read(handler, 100) > 0) {
                // drain
            }
            assertEquals(sent.size(), received.size());
            for (int i = 0; i < sent.size(); i++) {
                assertTrue(java.util.Arrays.equals(sent.get(i), received.get(i)), "message " + i);
            }
            assertEquals(sent.size(), consumer.delivered());
        }
    }

    @ParameterizedTest(name = "single producer = {0}")
    @ValueSource(booleans = {true, false})
    void aClaimIsInvisibleUntilCommittedAndAnAbortIsSkipped(boolean single) {
        try (RingFixture fixture = new RingFixture(RingFixture.config(4096, single, WaitStrategy.FUTEX))) {
            RingFixture.Ends ends = fixture.attachEnds();
            RecordRing producer = ends.producer();
            RecordRing consumer = ends.consumer();
            List<String> got = new ArrayList<>();
            RecordHandler handler = (b, o, l) -> got.add(new String(b.asSlice(o, l).toArray(ValueLayout.JAVA_BYTE)));

            long aborted = producer.tryClaim(5);
            producer.buffer().asSlice(producer.payloadOffset(aborted), 5).copyFrom(MemorySegment.ofArray("xxxxx".getBytes()));
            assertEquals(0, consumer.read(handler, 10));
            producer.abort(aborted);
            long claim = producer.tryClaim(5);
            producer.buffer().asSlice(producer.payloadOffset(claim), 5).copyFrom(MemorySegment.ofArray("hello".getBytes()));
            assertEquals(0, consumer.read(handler, 10));
            assertFalse(consumer.hasCommitted() && got.size() > 0);
            producer.commit(claim);
            assertEquals(1, consumer.read(handler, 10));
            assertEquals(List.of("hello"), got);
        }
    }

    @Test
    void manyThreadsProduceIntoOneRingWithoutLossOrReorderPerProducer() throws Exception {
        try (RingFixture fixture = new RingFixture(RingFixture.config(1 << 16, false, WaitStrategy.SPIN))) {
            RecordRing consumer = fixture.attach();
            consumer.acquireConsumer();
            RecordRing producer = fixture.attach();
            int producers = 4;
            int perProducer = 200_000;
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                threads.add(Thread.ofPlatform().start(() -> {
                    MemorySegment message = MemorySegment.ofArray(new long[4]);
                    for (long seq = 0; seq < perProducer; seq++) {
                        message.set(ValueLayout.JAVA_LONG, 0, id);
                        message.set(ValueLayout.JAVA_LONG, 8, seq);
                        int length = 16 + (int) (seq % 17);
                        while (!producer.offer(message, 0, length)) {
                            Thread.onSpinWait();
                        }
                    }
                }));
            }
            long[] next = new long[producers];
            AtomicLong total = new AtomicLong();
            RecordHandler handler = (b, o, l) -> {
                int id = (int) b.get(ValueLayout.JAVA_LONG_UNALIGNED, o);
                long seq = b.get(ValueLayout.JAVA_LONG_UNALIGNED, o + 8);
                assertEquals(next[id], seq, "producer " + id);
                assertEquals(16 + (int) (seq % 17), l);
                next[id]++;
                total.incrementAndGet();
            };
            while (total.get() < (long) producers * perProducer) {
                consumer.read(handler, 64);
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(0, consumer.read(handler, 64));
        }
    }

    /**
     * Opening a ring that is in use reads head and tail while both move: the opener must judge a
     * consistent pair, not a head read before the consumer moved it past a tail read after.
     */
    @ParameterizedTest(name = "single producer = {0}")
    @ValueSource(booleans = {true, false})
    void attachingToABusyRingNeverMistakesMovingPositionsForCorruption(boolean single) throws Exception {
        try (RingFixture fixture = new RingFixture(RingFixture.config(4096, single, WaitStrategy.SPIN))) {
            RingFixture.Ends ends = fixture.attachEnds();
            RecordRing producer = ends.producer();
            RecordRing consumer = ends.consumer();
            AtomicBoolean stop = new AtomicBoolean();
            MemorySegment message = MemorySegment.ofArray(new byte[48]);
            Thread producing = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    producer.offer(message, 0, 48);
                }
            });
            RecordHandler ignore = (b, o, l) -> { };
            Thread consuming = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    consumer.read(ignore, 64);
                }
            });
            try {
                for (int i = 0; i < 200_000; i++) {
                    fixture.attach();
                }
            } finally {
                stop.set(true);
                producing.join();
                consuming.join();
            }
            assertTrue(consumer.delivered() > 0);
        }
    }

    @Test
    void aCorruptRecordLengthIsReportedNotFollowed() {
        try (RingFixture fixture = new RingFixture(RingFixture.config(4096, true, WaitStrategy.SPIN))) {
            SpscRecordRing producer = (SpscRecordRing) fixture.attach();
            producer.acquireProducer();
            RecordRing consumer = fixture.attach();
            consumer.acquireConsumer();
            producer.offer(MemorySegment.ofArray(new byte[10]), 0, 10);
            // a stranger overwrites the length of the committed record
            producer.buffer().set(ValueLayout.JAVA_INT, RecordDescriptor.LENGTH_OFFSET, Integer.MAX_VALUE);
            assertThrows(CorruptSegmentException.class, () -> consumer.read((b, o, l) -> { }, 1));
            producer.buffer().set(ValueLayout.JAVA_INT, RecordDescriptor.LENGTH_OFFSET, -5);
            assertThrows(CorruptSegmentException.class, () -> consumer.read((b, o, l) -> { }, 1));
            producer.buffer().set(ValueLayout.JAVA_INT, RecordDescriptor.LENGTH_OFFSET, 10);
            producer.buffer().set(ValueLayout.JAVA_INT, RecordDescriptor.TYPE_OFFSET, 77);
            assertThrows(CorruptSegmentException.class, () -> consumer.read((b, o, l) -> { }, 1));
        }
    }

    static long crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }

    /**
     * An offer whose copy throws after the claim (the source's arena is closed, or the range lies
     * outside the source) gives the claim back: the consumer gets the next message, and the failed
     * offers do not keep intent slots (the ring has 8; 20 failures, then an offer must not wait).
     */
    @ParameterizedTest(name = "single producer = {0}")
    @ValueSource(booleans = {true, false})
    void anOfferWhoseCopyFailsGoesNowhereAndBlocksNothing(boolean single) {
        try (RingFixture fixture = new RingFixture(RingFixture.config(4096, single, WaitStrategy.SPIN))) {
            RingFixture.Ends ends = fixture.attachEnds();
            RecordRing producer = ends.producer();
            RecordRing consumer = ends.consumer();
            Arena arena = Arena.ofShared();
            MemorySegment closed = arena.allocate(16);
            arena.close();
            MemorySegment small = MemorySegment.ofArray(new byte[16]);
            List<String> got = new ArrayList<>();
            RecordHandler handler = (b, o, l) -> got.add(new String(b.asSlice(o, l).toArray(ValueLayout.JAVA_BYTE)));
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (int i = 0; i < 10; i++) {
                    assertThrows(IllegalStateException.class, () -> producer.offer(closed, 0, 16));
                    assertThrows(IndexOutOfBoundsException.class, () -> producer.offer(small, 8, 100));
                }
                assertTrue(producer.offer(MemorySegment.ofArray("after".getBytes()), 0, 5),
                        "an offer after the failed ones");
            }, "an offer after 20 failed ones waits for an intent slot");
            assertEquals(1, consumer.read(handler, 10), "the aborted records are skipped, the message read");
            assertEquals(List.of("after"), got);
            assertFalse(consumer.claimPending(), "nothing is left claimed");
            assertEquals(1, consumer.delivered());
        }
    }

    /** readIfHandled consumes a message only once its handler returned: one that throws leaves it for the next read. */
    @ParameterizedTest(name = "single producer = {0}")
    @ValueSource(booleans = {true, false})
    void aHandlerThatThrowsInReadIfHandledLeavesTheMessage(boolean single) {
        try (RingFixture fixture = new RingFixture(RingFixture.config(4096, single, WaitStrategy.SPIN))) {
            RingFixture.Ends ends = fixture.attachEnds();
            assertTrue(ends.producer().offer(MemorySegment.ofArray("kept".getBytes()), 0, 4));
            RecordRing consumer = ends.consumer();
            assertThrows(IllegalStateException.class, () -> consumer.readIfHandled((b, o, l) -> {
                throw new IllegalStateException("the copy out failed");
            }));
            assertEquals(0, consumer.delivered());
            List<String> got = new ArrayList<>();
            assertTrue(consumer.readIfHandled((b, o, l) -> got.add(new String(b.asSlice(o, l).toArray(ValueLayout.JAVA_BYTE)))));
            assertEquals(List.of("kept"), got);
            assertEquals(1, consumer.delivered());
            assertFalse(consumer.readIfHandled((b, o, l) -> got.add("more")));
        }
    }
}
