package io.jipc.shm;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
