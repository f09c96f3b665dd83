package io.jipc.shm;

import io.jipc.CorruptSegmentException;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The circular buffer between real processes: many producers and consumers, blocking both ways. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CircularBufferProcessesTest {
    private static final Duration LINE = Duration.ofSeconds(120);

    @TempDir
    Path results;

    private static ChildJvm child(String... args) {
        return ChildJvm.builder(ShmChild.class).hardTimeout(Duration.ofSeconds(240)).args(args).start();
    }

    /** 4 producer processes, 2 consumer processes, a small buffer that is full and empty all the time. */
    @Test
    void fourProducerProcessesAndTwoConsumerProcessesAccountForEveryItemExactlyOnce() throws Exception {
        int producers = 4;
        int consumers = 2;
        int count = 50_000;
        try (CircularBuffer buffer = CircularBuffer.create("stress", 16, 16)) {
            List<ChildJvm> consuming = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                consuming.add(child("consume", "stress", Integer.toString(producers), Integer.toString(count),
                        results.resolve("consumer-" + c).toString()));
            }
            List<ChildJvm> producing = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                producing.add(child("produce", "stress", Integer.toString(p), Integer.toString(count)));
            }
            for (ChildJvm p : producing) {
                p.awaitLine("PRODUCED", LINE);
                p.assertSuccess(LINE);
            }
            MemorySegment stop = MemorySegment.ofArray(new byte[16]);
            stop.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, -1);
            for (int c = 0; c < consumers; c++) {
                buffer.put(stop);
            }
            BitSet union = new BitSet();
            long total = 0;
            for (int c = 0; c < consumers; c++) {
                String[] line = consuming.get(c).awaitLine("CONSUMED", LINE).split(" ");
                consuming.get(c).assertSuccess(LINE);
                assertEquals("0", line[2], "duplicates within consumer " + c);
                total += Long.parseLong(line[1]);
                BitSet mine = BitSet.valueOf(Files.readAllBytes(results.resolve("consumer-" + c)));
                assertTrue(!mine.intersects(union), "an item was taken by both consumers");
                union.or(mine);
            }
            assertEquals((long) producers * count, total);
            assertEquals(producers * count, union.cardinality(), "every item taken");
            assertEquals(0, buffer.size());
        } finally {
            CircularBuffer.destroy("stress");
        }
    }

    @Test
    void aConsumerProcessBlockedInTakeWakesWhenAnotherProcessPuts() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("wake", 8, 4)) {
            ChildJvm taker = child("take", "wake");
            taker.awaitLine("TAKING", LINE);
            Thread.sleep(300); // past its spinning, asleep in futex (no assertion depends on it)
            buffer.put(MemorySegment.ofArray(new long[] {1234}));
            assertEquals("TOOK 1234", taker.awaitLine("TOOK", LINE));
            taker.assertSuccess(LINE);
        } finally {
            CircularBuffer.destroy("wake");
        }
    }

    @Test
    void aProducerProcessBlockedOnAFullBufferGoesOnWhenThisProcessTakes() throws Exception {
        int count = 1000;
        try (CircularBuffer buffer = CircularBuffer.create("full", 16, 2)) {
            ChildJvm producer = child("produce", "full", "7", Integer.toString(count));
            MemorySegment item = MemorySegment.ofArray(new byte[16]);
            for (long i = 0; i < count; i++) {
                buffer.take(item);
                assertEquals(7, item.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                assertEquals(i, item.get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
                if (i % 100 == 0) {
                    Thread.sleep(20); // let the producer find the buffer full and sleep
                }
            }
            producer.awaitLine("PRODUCED", LINE);
            producer.assertSuccess(LINE);
        } finally {
            CircularBuffer.destroy("full");
        }
    }

    /** A consumer killed in its sleep leaves its flag raised: the buffer goes on, nothing is lost. */
    @Test
    void aConsumerKilledWhileAsleepInTakeLeavesTheBufferWorking() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("killed", 8, 4)) {
            ChildJvm victim = child("take", "killed");
            victim.awaitLine("TAKING", LINE);
            Thread.sleep(300); // past its spinning, asleep in futex (no assertion depends on it)
            victim.kill();
            assertEquals(0, buffer.size());
            ChildJvm taker = child("take", "killed");
            taker.awaitLine("TAKING", LINE);
            buffer.put(MemorySegment.ofArray(new long[] {99}));
            assertEquals("TOOK 99", taker.awaitLine("TOOK", LINE));
            taker.assertSuccess(LINE);
            for (long i = 0; i < 10; i++) {
                buffer.put(MemorySegment.ofArray(new long[] {i}));
                assertEquals(i, MemorySegment.ofArray(buffer.take()).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
            }
        } finally {
            CircularBuffer.destroy("killed");
        }
    }

    /**
     * A producer killed between taking a sleeping consumer's wake and waking it (the fault point
     * {@code before-wake}, in {@code io.jipc.ring.WakeSignal}) leaves the wake to the next
     * producer: the consumer, asleep in an untimed {@code take()}, gets the dead producer's item
     * and the next one. Until 2026-12-05 the producer cleared the asleep flag first, the next put
     * found nobody asleep, and the consumer slept on for good.
     */
    @Test
    void aProducerKilledWhileWakingTheConsumerLeavesItToTheNextProducer() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("wake", 16, 4)) {
            BlockingQueue<MemorySegment> taken = new LinkedBlockingQueue<>();
            Thread consumer = Thread.ofPlatform().name("consumer").start(() -> {
                try {
                    while (true) {
                        taken.add(MemorySegment.ofArray(buffer.take())); // no deadline: only a wake ends its sleep
                    }
                } catch (InterruptedException | RuntimeException e) {
                    // the buffer closed at the end of the test
                }
            });
            try {
                // the consumer sleeps long before the child's put, which finds its flag raised
                try (ChildJvm producer = ChildJvm.builder(ShmChild.class).hardTimeout(Duration.ofSeconds(240))
                        .property("jipc.faults", "before-wake:1").args("produce", "wake", "1", "1").start()) {
                    producer.awaitLine("FAULT before-wake", LINE);
                    producer.kill();
                }
                MemorySegment next = MemorySegment.ofArray(new byte[16]);
                next.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 2);
                buffer.put(next);
                MemorySegment first = taken.poll(30, TimeUnit.SECONDS); // a hang guard: a wake takes microseconds
                assertNotNull(first, "the consumer slept on: nobody woke it after the dead producer took its wake");
                assertEquals(1, first.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                MemorySegment second = taken.poll(30, TimeUnit.SECONDS);
                assertNotNull(second, "the live producer's item never came");
                assertEquals(2, second.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                assertNull(taken.poll());
            } finally {
                buffer.close(); // ends the consumer's take
                consumer.join();
            }
        } finally {
            CircularBuffer.destroy("wake");
        }
    }

    /**
     * A consumer killed between freeing a slot and waking the producer asleep for it (the fault
     * point {@code before-wake}) rings nobody, and nobody else takes: the producer, asleep in an
     * untimed {@code put} on a full buffer long before the consumer started, must see the room by
     * itself. Its sleeps last at most 100 ms; until 2026-12-06 they had no bound, and the put
     * slept on for good.
     */
    @Test
    void aConsumerKilledWhileWakingTheProducerLeavesItToSeeTheRoom() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("room", 8, 2)) {
            buffer.put(item(1));
            buffer.put(item(2)); // full
            CompletableFuture<Void> put = new CompletableFuture<>();
            Thread producer = Thread.ofPlatform().name("producer").start(() -> {
                try {
                    buffer.put(item(3)); // no deadline: asleep until room is seen
                    put.complete(null);
                } catch (Throwable t) {
                    put.completeExceptionally(t);
                }
            });
            try {
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (java.util.Arrays.stream(producer.getStackTrace()).noneMatch(frame ->
                        frame.getClassName().endsWith("WakeSignal") && frame.getMethodName().equals("await"))) {
                    assertFalse(put.isDone(), "the put ended while the buffer was full");
                    assertTrue(System.nanoTime() - giveUp < 0, "the producer never slept for room");
                    Thread.sleep(10);
                }
                // the child takes item 1, finds the producer's flag raised and stalls before its wake
                try (ChildJvm consumer = ChildJvm.builder(ShmChild.class).hardTimeout(Duration.ofSeconds(240))
                        .property("jipc.faults", "before-wake:1").args("take", "room").start()) {
                    consumer.awaitLine("FAULT before-wake", LINE);
                    consumer.kill();
                }
                put.get(30, TimeUnit.SECONDS); // a hang guard: the bound is 100 ms
                assertEquals(2, buffer.take()[0]);
                assertEquals(3, buffer.take()[0]);
            } finally {
                buffer.close(); // ends the put if it still waits
                producer.join();
            }
        } finally {
            CircularBuffer.destroy("room");
        }
    }

    @Test
    void closeAfterAnotherProcessTruncatedTheFileReleasesTheMappingAndSaysWhy() throws Exception {
        CircularBuffer buffer = CircularBuffer.create("truncated", 64, 16);
        try {
            Path file = SharedRegion.path("truncated");
            ChildJvm truncator = child("truncate", file.toString());
            truncator.awaitLine("TRUNCATED", LINE);
            truncator.assertSuccess(LINE);
            CorruptSegmentException e = assertThrows(CorruptSegmentException.class, buffer::close);
            assertTrue(e.getMessage().contains("circular buffer truncated") && e.getMessage().contains("truncated by"),
                    e.getMessage());
            assertInstanceOf(InternalError.class, e.getCause());
            assertTrue(buffer.isClosed());
            assertFalse(Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .anyMatch(line -> line.endsWith(file.toString()) || line.endsWith(file + " (deleted)")),
                    "the mapping is released");
            buffer.close(); // idempotent: nothing more to report
        } finally {
            CircularBuffer.destroy("truncated");
        }
    }

    private static MemorySegment item(long value) {
        return MemorySegment.ofArray(new long[] {value});
    }

    /**
     * A put and a take whose segment the copy would refuse (of another thread's confined arena, of a
     * closed arena) are refused before they claim a position, so a consumer in another process
     * goes on. Until 2026-12-06 they claimed first: the bad put's slot stopped the child's take for
     * good (its item never published), and the bad take lost item 2 and stopped producers a lap later.
     */
    @Test
    void aPutOrTakeWithASegmentTheCopyRefusesLeavesTheBufferWorkingForAnotherProcess() throws Exception {
        MemorySegment othersThread = CompletableFuture.supplyAsync(() -> Arena.ofConfined().allocate(8)).get();
        Arena arena = Arena.ofConfined();
        MemorySegment closedArena = arena.allocate(8);
        arena.close();
        try (CircularBuffer buffer = CircularBuffer.create("badseg", 8, 4)) {
            assertThrows(WrongThreadException.class, () -> buffer.put(othersThread));
            assertThrows(IllegalStateException.class, () -> buffer.offer(closedArena, Duration.ofSeconds(1)));
            buffer.put(item(1));
            try (ChildJvm taker = child("take", "badseg")) {
                assertEquals("TOOK 1", taker.awaitLine("TOOK", LINE), "the consumer process stopped at a bad put");
                taker.assertSuccess(LINE);
            }
            buffer.put(item(2));
            buffer.put(item(3));
            assertThrows(WrongThreadException.class, () -> buffer.take(othersThread));
            assertThrows(IllegalStateException.class, () -> buffer.poll(closedArena, Duration.ofSeconds(1)));
            try (ChildJvm taker = child("take", "badseg")) {
                assertEquals("TOOK 2", taker.awaitLine("TOOK", LINE), "a bad take lost the item");
                taker.assertSuccess(LINE);
            }
            for (long i = 4; i < 7; i++) { // a lap on: every slot is released
                assertTrue(buffer.offer(item(i)), "room for item " + i);
            }
            for (long i = 3; i < 7; i++) {
                try (ChildJvm taker = child("take", "badseg")) {
                    assertEquals("TOOK " + i, taker.awaitLine("TOOK", LINE));
                    taker.assertSuccess(LINE);
                }
            }
            assertEquals(0, buffer.size());
        } finally {
            CircularBuffer.destroy("badseg");
        }
    }
}
