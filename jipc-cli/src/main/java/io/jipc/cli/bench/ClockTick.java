package io.jipc.cli.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The granularity of {@link System#nanoTime()} on this machine: the step, in nanoseconds, by which
 * the clock advances. A round trip of about 125 ns on a clock that ticks every 10 ns (the TSC of
 * some AMD processors, read through a hypervisor) is recorded as 120 or 130 ns, so a percentile of
 * raw samples can only land on those steps; {@link TickPercentiles} estimates percentiles within
 * the tick instead.
 *
 * <p>Measured once per JVM on first use (a few milliseconds): intervals of varying length are timed,
 * and the tick is the common spacing of the values they come out as. A clock with a resolution of
 * about 1 ns gives 1.
 */
public final class ClockTick {
    /** Intervals timed to find the tick. */
    private static final int SAMPLES = 20_000;
    /** Longest busy interval, in loop steps; intervals spread over about 20 to 200 ns. */
    private static final int MAX_STEPS = 64;

    private static volatile double measured = Double.NaN;
    private static long sink;

    private ClockTick() {
    }

    /** The tick of {@link System#nanoTime()} in nanoseconds (1 if the clock resolves about 1 ns). */
    public static double nanos() {
        double tick = measured;
        if (Double.isNaN(tick)) {
            tick = of(sample());
            measured = tick;
        }
        return tick;
    }

    private static long[] sample() {
        long[] intervals = new long[SAMPLES];
        long x = 1;
        for (int i = 0; i < SAMPLES; i++) {
            int steps = i % MAX_STEPS;
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                x = x * 31 + s;
            }
            intervals[i] = System.nanoTime() - t0;
        }
        sink += x; // keeps the busy loops
        return intervals;
    }

    /**
     * The tick that timed {@code intervals} (nanoseconds): values within 1 ns of each other are one
     * step of the clock (the conversion of clock counts to nanoseconds rounds), and the tick is the
     * most common spacing between the steps below the 99th percentile of the intervals, if at least
     * two spacings agree on it; otherwise 1.
     */
    static double of(long[] intervals) {
        long[] sorted = intervals.clone();
        Arrays.sort(sorted);
        if (sorted.length == 0) {
            return 1;
        }
        long cap = sorted[(int) Math.min(sorted.length - 1, (long) (sorted.length * 0.99))];
        TreeSet<Long> values = new TreeSet<>();
        for (long v : sorted) {
            if (v > 0 && v <= cap) {
                values.add(v);
            }
        }
        List<Long> steps = new ArrayList<>();
        long previous = Long.MIN_VALUE;
        for (long v : values) {
            if (previous == Long.MIN_VALUE || v - previous > 1) {
                steps.add(v);
            }
            previous = v;
        }
        Map<Long, Integer> spacings = new HashMap<>();
        for (int i = 1; i < steps.size(); i++) {
            spacings.merge(steps.get(i) - steps.get(i - 1), 1, Integer::sum);
        }
        long best = 1;
        int bestCount = 0;
        for (Map.Entry<Long, Integer> e : spacings.entrySet()) {
            if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < best)) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return bestCount >= 2 ? best : 1;
    }
}
