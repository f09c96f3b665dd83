package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClockTickTest {
    /**
     * Intervals of 20 to 200 ns read on a clock of {@code tick} ns, some (if {@code rounding}) 1 ns
     * longer as the conversion of clock counts rounds, and some outliers.
     */
    private static long[] intervals(int tick, long seed, boolean rounding) {
        Random random = new Random(seed);
        long[] intervals = new long[20_000];
        for (int i = 0; i < intervals.length; i++) {
            double t = 20 + random.nextDouble() * 180;
            double phase = random.nextDouble() * tick;
            long measured = (long) (Math.floor((phase + t) / tick) * tick);
            intervals[i] = measured + (rounding && random.nextInt(20) == 0 ? 1 : 0);
        }
        for (int i = 0; i < 50; i++) {
            intervals[random.nextInt(intervals.length)] = 1_000 + random.nextInt(100_000); // interrupts
        }
        return intervals;
    }

    @Test
    void findsATenNanosecondTick() {
        assertEquals(10, ClockTick.of(intervals(10, 1, true)));
    }

    @Test
    void findsOtherTicks() {
        assertEquals(2, ClockTick.of(intervals(2, 2, false)));
        assertEquals(40, ClockTick.of(intervals(40, 3, true)));
        // a 2 ns clock whose readings are sometimes 1 ns longer cannot be told from a 1 ns clock
        assertEquals(1, ClockTick.of(intervals(2, 5, true)));
    }

    @Test
    void aNanosecondClockHasTickOne() {
        assertEquals(1, ClockTick.of(intervals(1, 4, true)));
    }

    @Test
    void tooLittleEvidenceMeansTickOne() {
        assertEquals(1, ClockTick.of(new long[0]));
        assertEquals(1, ClockTick.of(new long[] {30, 30, 30}));
        assertEquals(1, ClockTick.of(new long[] {20, 30}));
    }

    /** {@code perValue} copies of each value, shuffled. */
    private static long[] repeated(long[] values, int perValue, long seed) {
        long[] all = new long[values.length * perValue];
        for (int i = 0; i < all.length; i++) {
            all[i] = values[i % values.length];
        }
        Random random = new Random(seed);
        for (int i = all.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return all;
    }

    /**
     * Interpreter-timed busy loops on a 1 ns clock: each step count gives a narrow cluster (two
     * neighbouring values), 10.3 ns after the previous one. Most spacings are 10, but the values are
     * not multiples of 10 ns: no tick.
     */
    @Test
    void sparseIntervalsOfANanosecondClockAreNoTick() {
        long[] values = new long[128];
        for (int k = 0; k < 64; k++) {
            long center = 25 + Math.round(k * 10.3);
            values[2 * k] = center;
            values[2 * k + 1] = center + 1;
        }
        assertEquals(1, ClockTick.of(repeated(values, 100, 6)));
    }

    /** A few sparse clusters about 117 ns apart (once measured on a 1 ns clock): spacings of 116 to 118 contradict each other. */
    @Test
    void spacingsThatDisagreeAreNoTick() {
        long[] values = {163, 280, 281, 397, 515, 516, 632, 750};
        assertEquals(1, ClockTick.of(repeated(values, 300, 7)));
    }

    /** Back-to-back readings of a 1 ns clock: every value from 14 to 40 ns. */
    @Test
    void backToBackReadingsOfANanosecondClockAreNoTick() {
        long[] values = new long[27];
        for (int i = 0; i < values.length; i++) {
            values[i] = 14 + i;
        }
        assertEquals(1, ClockTick.of(repeated(values, 200, 8)));
    }

    /**
     * Values of a 10 ns clock with steps missing: still 10; one value between steps, or steps 10 ns
     * apart that are not multiples of 10: no tick.
     */
    @Test
    void everyValueMustBeAMultipleOfTheTick() {
        long[] tenNs = {20, 21, 30, 50, 60, 61, 90};
        assertEquals(10, ClockTick.of(repeated(tenNs, 300, 9)));
        long[] withStray = {20, 21, 30, 50, 54, 60, 61, 90};
        assertEquals(1, ClockTick.of(repeated(withStray, 300, 10)));
        long[] shifted = {25, 26, 35, 45, 46, 55};
        assertEquals(1, ClockTick.of(repeated(shifted, 300, 11)));
    }

    @Test
    void thisMachinesTickIsPlausible() {
        double tick = ClockTick.nanos();
        assertTrue(tick >= 1 && tick <= 1000, "tick " + tick);
        assertEquals(tick, ClockTick.nanos()); // measured once
    }
}
