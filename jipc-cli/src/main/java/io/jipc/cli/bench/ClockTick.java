package io.jipc.cli.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The granularity of {@link System#nanoTime()} on this machine: the step, in nanoseconds, by which
 * the clock advances. A round trip of about 125 ns on a clock that ticks every 10 ns is recorded as
 * 120 or 130 ns, so a percentile of raw samples can only land on those steps; {@link TickPercentiles}
 * estimates percentiles within the tick instead.
 *
 * <p>Measured once per JVM on first use (a few milliseconds, any thread may call): intervals of
 * varying length, from back-to-back readings of the clock to about 200 ns, are timed by compiled code
 * (after warm-up rounds, so that the intervals vary by about a nanosecond, not by an interpreted
 * loop step), and the tick is the one their values are all multiples of. A tick the values
 * contradict is no tick: the answer is then 1, which leaves percentiles raw. Overstating the tick
 * shifts every estimated percentile (a tick of 117 ns, measured once with sparse interpreter-timed
 * intervals on a 1 ns clock, moved true 280-320 ns round trips to a p50 of 324 ns); understating
 * it only leaves the raw steps.
 */
public final class ClockTick {
    /** Intervals timed to find the tick. */
    private static final int SAMPLES = 20_000;
    /** Rounds timed and dropped first, so that {@link #timed} runs compiled. */
    private static final int WARMUP_ROUNDS = 4;
    /** Longest busy interval, in loop steps; intervals spread over about 20 to 200 ns. */
    private static final int MAX_STEPS = 64;
    /** Fewest distinct steps of the clock that must be seen to claim a tick. */
    private static final int MIN_STEPS = 3;

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
        for (int round = 0; round <= WARMUP_ROUNDS; round++) {
            for (int i = 0; i < SAMPLES; i++) {
                intervals[i] = timed(i % MAX_STEPS);
            }
        }
        return intervals;
    }

    /** One interval of {@code steps} busy loop steps (0: two back-to-back readings), in nanoseconds. */
    private static long timed(int steps) {
        long x = sink;
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            x = x * 31 + s;
        }
        long t1 = System.nanoTime();
        sink = x; // keeps the busy loop
        return t1 - t0;
    }

    /**
     * The tick that timed {@code intervals} (nanoseconds), or 1. Only the values up to the 99th
     * percentile count (longer ones were interrupted). Values that follow each other (10 and 11) are
     * one step of the clock read with rounding (the conversion of clock counts to nanoseconds rounds);
     * three or more in a row (20, 21, 22) show a clock that resolves about 1 ns. Otherwise the tick
     * is the smallest spacing between steps, if at least {@value #MIN_STEPS} steps were seen and every
     * value is a whole number of ticks (or, for a tick above 2 ns, one nanosecond more); else 1.
     */
    static double of(long[] intervals) {
        if (intervals.length == 0) {
            return 1;
        }
        long[] sorted = intervals.clone();
        Arrays.sort(sorted);
        long cap = sorted[(int) Math.min(sorted.length - 1, (long) (sorted.length * 0.99))];
        TreeSet<Long> values = new TreeSet<>();
        for (long v : sorted) {
            if (v > 0 && v <= cap) {
                values.add(v);
            }
        }
        List<Long> steps = new ArrayList<>(); // the lowest value of each run of consecutive values
        long previous = Long.MIN_VALUE;
        for (long v : values) {
            if (previous == Long.MIN_VALUE || v - previous > 1) {
                steps.add(v);
            } else if (v - steps.getLast() >= 2) {
                return 1; // three values in a row: nanosecond resolution
            }
            previous = v;
        }
        steps.removeIf(step -> step <= 1); // zero ticks read with rounding: no spacing to learn from
        if (steps.size() < MIN_STEPS) {
            return 1;
        }
        long tick = Long.MAX_VALUE;
        for (int i = 1; i < steps.size(); i++) {
            tick = Math.min(tick, steps.get(i) - steps.get(i - 1));
        }
        for (long v : values) {
            long offset = v % tick;
            if (offset != 0 && !(offset == 1 && tick > 2)) {
                return 1; // the values contradict the tick
            }
        }
        return tick;
    }
}
