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

    @Test
    void thisMachinesTickIsPlausible() {
        double tick = ClockTick.nanos();
        assertTrue(tick >= 1 && tick <= 1000, "tick " + tick);
        assertEquals(tick, ClockTick.nanos()); // measured once
    }
}
