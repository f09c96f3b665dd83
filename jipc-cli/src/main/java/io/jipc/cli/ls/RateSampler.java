package io.jipc.cli.ls;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rates from two readings of the objects' delivered counters ({@link ObjectRow#counter()}): messages
 * or items per second over the time between the readings. The counters live in the objects' shared
 * headers and are written by the receivers anyway, so sampling costs the hot path nothing.
 *
 * <p>Not thread-safe: one sampler per display loop.
 */
public final class RateSampler {
    private Map<String, Long> previous = Map.of();
    private long previousNanos;

    /**
     * Takes a reading; returns each object's rate since the previous reading, formatted, or {@code -}
     * for the first reading, an object without a counter, a new object, or a counter that went back
     * (the object was re-created).
     */
    public Map<String, String> sample(List<ObjectRow> rows, long nowNanos) {
        Map<String, String> rates = new HashMap<>();
        Map<String, Long> current = new HashMap<>();
        double seconds = (nowNanos - previousNanos) / 1e9;
        for (ObjectRow r : rows) {
            Long before = previous.get(r.uri());
            if (r.counter() >= 0) {
                current.put(r.uri(), r.counter());
            }
            rates.put(r.uri(), before == null || r.counter() < before || seconds <= 0 ? "-"
                    : String.format(Locale.ROOT, "%,.0f", (r.counter() - before) / seconds));
        }
        previous = current;
        previousNanos = nowNanos;
        return rates;
    }
}
