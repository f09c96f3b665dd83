package io.jipc.cli.ls;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rates from two readings of the objects' delivered counters ({@link ObjectRow#counter()}): messages
 * or items per second over the time between the two readings of each object's counter
 * ({@link ObjectRow#counterNanos()}), so that the time window is the counter window whatever the scans
 * between took (the first scan of a process is the slowest: with the time of the scans instead, the
 * rates came out too high, by more the shorter the interval). The counters live in the objects' shared
 * headers and are written by the receivers anyway, so sampling costs the hot path nothing.
 *
 * <p>Not thread-safe: one sampler per display loop.
 */
public final class RateSampler {
    /** One object's counter and when it was read. */
    private record Reading(long counter, long nanos) {
    }

    private Map<String, Reading> previous = Map.of();

    /**
     * Takes a reading; returns each object's rate since the previous reading, formatted, or {@code -}
     * for the first reading, an object without a counter, a new object, a counter that went back
     * (the object was re-created), or two readings at the same instant.
     */
    public Map<String, String> sample(List<ObjectRow> rows) {
        Map<String, String> rates = new HashMap<>();
        Map<String, Reading> current = new HashMap<>();
        for (ObjectRow r : rows) {
            Reading before = previous.get(r.uri());
            if (r.counter() >= 0) {
                current.put(r.uri(), new Reading(r.counter(), r.counterNanos()));
            }
            double seconds = before == null ? 0 : (r.counterNanos() - before.nanos()) / 1e9;
            rates.put(r.uri(), before == null || r.counter() < before.counter() || seconds <= 0 ? "-"
                    : String.format(Locale.ROOT, "%,.0f", (r.counter() - before.counter()) / seconds));
        }
        previous = current;
        return rates;
    }
}
