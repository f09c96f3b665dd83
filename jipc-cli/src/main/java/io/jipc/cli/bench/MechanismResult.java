package io.jipc.cli.bench;

import java.util.List;

/**
 * What the all-mechanisms run found for one mechanism.
 *
 * @param mechanism the mechanism
 * @param problem   why it was not (fully) measured: not available, or the error it failed
 *                  with; null when it was measured
 * @param pingPong  the ping-pong, or null if not measured
 * @param oneWay    one-way throughput per message size, in the order of the sizes measured
 * @param skipped   per message size not measured, why (the mechanism's limit), as "size: reason";
 *                  "one-way: reason" if it has no one-way throughput at all
 */
public record MechanismResult(Mechanism mechanism, String problem, BenchResult pingPong, List<Throughput> oneWay,
                              List<String> skipped) {
    public MechanismResult {
        oneWay = List.copyOf(oneWay);
        skipped = List.copyOf(skipped);
    }

    /** The throughput for {@code size}-byte messages, or null if not measured. */
    public Throughput throughput(int size) {
        for (Throughput t : oneWay) {
            if (t.size() == size) {
                return t;
            }
        }
        return null;
    }

    /** The round-trip percentile in microseconds, NaN if not measured. */
    public double rttMicros(double percentile) {
        return pingPong == null ? Double.NaN : pingPong.roundTripMicros(percentile);
    }
}
