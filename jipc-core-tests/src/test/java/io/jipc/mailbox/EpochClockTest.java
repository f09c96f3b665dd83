package io.jipc.mailbox;

import io.jipc.testkit.ThreadAllocation;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** The fake wall clock reads the fake monotonic clock plus this. */
    private static final long WALL_MINUS_MONOTONIC = 1_000_000_000_000L;

    /**
     * An anchor taken on fake clocks whose k-th try is descheduled for {@code stalls[k]} ns between
     * its wall reading and the monotonic reading after it; returns how far the anchor is off (its
     * monotonic reading minus the true one) and counts the tries in {@code tries[0]}.
     */
    private static long anchorError(long[] stalls, int[] tries) {
        long[] monotonic = {5_000_000_000L};
        LongSupplier monotonicClock = () -> {
            boolean afterTheWallReading = tries[0] % 2 == 1;
            long step = afterTheWallReading ? stalls[Math.min(tries[0] / 2, stalls.length - 1)] : 1;
            tries[0]++;
            return monotonic[0] += step;
        };
        Supplier<Instant> wallClock = () -> Instant.ofEpochSecond(0, monotonic[0] + WALL_MINUS_MONOTONIC);
        EpochClock.Anchor anchor = EpochClock.anchor(monotonicClock, wallClock);
        tries[0] /= 2;
        return anchor.monotonicNanos() - (anchor.epochNanos() - WALL_MINUS_MONOTONIC);
    }

    @Test
    void anAnchorIsNotTakenAcrossAStallBetweenItsReadings() {
        int[] tries = {0};
        long error = anchorError(new long[] {4_000_000L, 4_000_000L, 1_000L}, tries);
        assertEquals(500L, error, "the third, tight, pair");
        assertEquals(3, tries[0]);
    }

    @Test
    void theTightestPairIsTakenWhenEveryTryIsStalled() {
        int[] tries = {0};
        long error = anchorError(new long[] {7_000_000L, 100_000L, 9_000_000L}, tries);
        assertEquals(50_000L, error, "the second pair, the tightest");
        assertEquals(8, tries[0], "it gave up after eight tries");
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
