package io.jipc.shm;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The lecture's circular buffer loses and duplicates items as soon as two processes produce (or
 * consume) at once: the race between reading {@code in} and writing it back, forced here by
 * stopping both processes right after they read the index (no timing involved, so the outcome is
 * certain). Even with every index access volatile, the race remains: it is a missing claim, not a
 * missing fence. The same two-process scenario on {@link CircularBuffer} loses nothing.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SeedRingRaceTest {
    private static final Duration LINE = Duration.ofSeconds(60);

    private static ChildJvm child(String... args) {
        return ChildJvm.builder(ShmChild.class).quickStart().hardTimeout(Duration.ofSeconds(90)).args(args).start();
    }

    @Test
    void twoProducersThatReadTheSameInLoseAnItem() throws Exception {
        try (SharedRegion region = SharedRegion.create("seed-put", SeedRing.BYTES)) {
            SeedRing ring = new SeedRing(region);
            ChildJvm a = child("seed-put", "seed-put", "111");
            ChildJvm b = child("seed-put", "seed-put", "222");
            assertEquals("READ 0", a.awaitLine("READ", LINE));
            assertEquals("READ 0", b.awaitLine("READ", LINE), "both producers read in = 0");
            release(a);
            a.awaitLine("PUT", LINE);
            release(b);
            b.awaitLine("PUT", LINE);
            a.assertSuccess(LINE);
            b.assertSuccess(LINE);
            assertEquals(1, ring.size(), "two items were put, the buffer holds one: the other was overwritten");
            assertEquals(222, ring.take(index -> { }), "the second write replaced the first in slot 0");
        } finally {
            SharedRegion.unlink("seed-put");
        }
    }

    @Test
    void twoConsumersThatReadTheSameOutTakeTheSameItemTwice() throws Exception {
        try (SharedRegion region = SharedRegion.create("seed-take", SeedRing.BYTES)) {
            SeedRing ring = new SeedRing(region);
            ring.put(111, index -> { });
            ring.put(222, index -> { });
            ChildJvm a = child("seed-take", "seed-take");
            ChildJvm b = child("seed-take", "seed-take");
            assertEquals("READ 0", a.awaitLine("READ", LINE));
            assertEquals("READ 0", b.awaitLine("READ", LINE), "both consumers read out = 0");
            release(a);
            release(b);
            List<String> taken = new ArrayList<>(List.of(a.awaitLine("TOOK", LINE), b.awaitLine("TOOK", LINE)));
            a.assertSuccess(LINE);
            b.assertSuccess(LINE);
            assertEquals(List.of("TOOK 111", "TOOK 111"), taken, "item 111 delivered twice");
            assertEquals(1, ring.size(), "and out moved by one only: 222 is still there");
        } finally {
            SharedRegion.unlink("seed-take");
        }
    }

    @Test
    void theCorrectBufferKeepsBothItemsOfTwoProducerProcesses() throws Exception {
        try (CircularBuffer buffer = CircularBuffer.create("correct", 16, 8)) {
            ChildJvm a = child("produce", "correct", "1", "1");
            ChildJvm b = child("produce", "correct", "2", "1");
            a.assertSuccess(LINE);
            b.assertSuccess(LINE);
            assertEquals(2, buffer.size());
            long first = java.lang.foreign.MemorySegment.ofArray(buffer.take())
                    .get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0);
            long second = java.lang.foreign.MemorySegment.ofArray(buffer.take())
                    .get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0);
            assertEquals(3, first + second);
        } finally {
            CircularBuffer.destroy("correct");
        }
    }

    private static void release(ChildJvm child) throws IOException {
        OutputStream stdin = child.process().getOutputStream();
        stdin.write("go\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
    }
}
