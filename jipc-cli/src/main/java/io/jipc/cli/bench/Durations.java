package io.jipc.cli.bench;

import java.time.Duration;
import java.util.Locale;

/** Parses durations as people type them: {@code 500ms}, {@code 2s}, {@code 1m}, or ISO-8601 {@code PT2S}. */
public final class Durations {
    private Durations() {
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} with a hint if it is not a duration. */
    public static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt") || t.startsWith("p")) {
                return Duration.parse(text.trim());
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofSeconds(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (try 500ms, 2s, 1m or PT2S)");
        }
    }

    /**
     * Parses a {@code --timeout} as {@link #parse}, refusing a negative one with
     * {@link IllegalArgumentException}: 0 means "try once".
     */
    public static Duration timeout(String text) {
        return nonNegative("--timeout", text);
    }

    /** Parses the duration {@code text} of {@code option} as {@link #parse}, refusing a negative one. */
    public static Duration nonNegative(String option, String text) {
        Duration duration = parse(text);
        if (duration.isNegative()) {
            throw new IllegalArgumentException(option + " " + text + " is negative");
        }
        return duration;
    }

    /** The shorter of two durations. */
    public static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The longer of two durations. */
    public static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
