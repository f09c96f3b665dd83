package io.jipc.cli.endpoint;

import io.jipc.Timeouts;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a send or receive may wait: not at all ({@link #NONE}, the non-blocking verbs), without
 * limit ({@link #FOREVER}) or at most a duration.
 *
 * @param limit the longest wait, or null for no limit
 */
public record Wait(Duration limit) {
    public static final Wait NONE = new Wait(Duration.ZERO);
    public static final Wait FOREVER = new Wait(null);

    /** At most {@code limit}. */
    public static Wait atMost(Duration limit) {
        return new Wait(Objects.requireNonNull(limit, "limit"));
    }

    public boolean isForever() {
        return limit == null;
    }

    public boolean isNone() {
        return Duration.ZERO.equals(limit);
    }

    @Override
    public String toString() {
        if (isForever() || isNone()) {
            return isForever() ? "forever" : "not at all";
        }
        return "at most " + Timeouts.text(limit);
    }
}
