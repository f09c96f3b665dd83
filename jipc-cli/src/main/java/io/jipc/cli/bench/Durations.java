package io.jipc.cli.bench;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses durations as people type them: a number (fractions allowed) with a unit, {@code ns},
 * {@code us}, {@code ms}, {@code s}, {@code m} or {@code h} ({@code 500ms}, {@code 1.5s}, {@code 2m}); a
 * bare number is seconds; or ISO-8601 ({@code PT2S}). {@link io.jipc.Timeouts#text} writes them back so.
 */
public final class Durations {
    /** The units, longest suffix first (so that {@code ms} is not read as minutes of {@code "5m"}+{@code "s"}). */
    private static final List<Map.Entry<String, Long>> UNITS = List.of(Map.entry("ns", 1L), Map.entry("us", 1_000L),
            Map.entry("ms", 1_000_000L), Map.entry("s", 1_000_000_000L), Map.entry("m", 60_000_000_000L),
            Map.entry("h", 3_600_000_000_000L));
    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

    private Durations() {
    }

    /**
     * Parses {@code text}; throws {@link IllegalArgumentException} with a hint if it is not a duration,
     * or saying so if its number is too large for any {@link Duration} (more than 2<sup>63</sup> s,
     * about 292 billion years; what a {@code Duration} holds is taken, and a timeout past about 146
     * years is no limit in practice, see {@link io.jipc.Timeouts}).
     */
    public static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(text.trim());
            }
            for (Map.Entry<String, Long> unit : UNITS) {
                if (t.endsWith(unit.getKey())) {
                    return of(t.substring(0, t.length() - unit.getKey().length()), unit.getValue());
                }
            }
            return of(t, 1_000_000_000L);
        } catch (ArithmeticException tooLong) { // a number, but more seconds than a long holds
            throw new IllegalArgumentException("duration too long: '" + text + "' (at most " + Long.MAX_VALUE
                    + "s, about 292 billion years)");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (try 500ms, 2s, 1.5m, 1h or PT2S)");
        }
    }

    /** {@code number} units of {@code nanosPerUnit} nanoseconds, to the nearest nanosecond. */
    private static Duration of(String number, long nanosPerUnit) {
        if (number.isEmpty() || !number.matches("[-+]?[0-9]*\\.?[0-9]*")) {
            throw new NumberFormatException(number);
        }
        BigDecimal nanos = new BigDecimal(number).multiply(BigDecimal.valueOf(nanosPerUnit))
                .setScale(0, RoundingMode.HALF_UP);
        BigDecimal[] secondsAndNanos = nanos.divideAndRemainder(NANOS_PER_SECOND);
        return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValueExact());
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
            throw new IllegalArgumentException(option + " " + io.jipc.Timeouts.text(duration) + " is negative");
        }
        return duration;
    }

    /**
     * {@code duration}, but at most {@link io.jipc.Timeouts#MOST_NANOS} (about 146 years): a time that
     * long is no limit in practice, and its nanoseconds then fit a {@code long} (a longer one, up to
     * the 292 billion years {@link #parse} takes, overflowed {@link Duration#toNanos()}).
     */
    public static Duration cappedToMostNanos(Duration duration) {
        return min(duration, Duration.ofNanos(io.jipc.Timeouts.MOST_NANOS));
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
