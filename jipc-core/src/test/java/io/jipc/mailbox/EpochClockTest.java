package io.jipc.mailbox;

import io.jipc.testkit.ThreadAllocation;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The envelope's clock: the wall clock's time, in nanoseconds, without an object per reading. */
class EpochClockTest {
    /** Far more than the clocks drift apart in one anchor period; far less than any clock error worth catching. */
    private static final long TOLERANCE_NANOS = 5_000_000L;

    private static long wallNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Test
    void readsTheWallClockAcrossSeveralAnchors() throws InterruptedException {
        long end = System.nanoTime() + 3 * EpochClock.ANCHOR_PERIOD_NANOS;
        while (System.nanoTime() - end < 0) {
            long before = wallNanos();
            long reading = EpochClock.nanos();
            long after = wallNanos();
            assertTrue(reading >= before - TOLERANCE_NANOS && reading <= after + TOLERANCE_NANOS,
                    "read " + reading + " between wall-clock readings " + before + " and " + after);
            Thread.sleep(7);
        }
    }

    @Test
    void readingsAllocateNothing() throws Exception {
        long[] sink = {0};
        long least = ThreadAllocation.leastPerWindow(20, 1, window -> {
            for (int i = 0; i < 1_000_000; i++) {
                sink[0] += EpochClock.nanos();
            }
        });
        // a new anchor (one Instant) every 100 ms is all that may be allocated
        assertTrue(least < 1_000, "allocated " + least + " bytes for a million readings in every window (" + sink[0] + ")");
    }
}
