package io.jipc.cli;

import io.jipc.Timeouts;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.endpoint.Wait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Durations#parse}: the units people type, and what {@link Timeouts#text} writes parses back. */
class DurationsTest {
    @Test
    void everyUnitParses() {
        assertEquals(Duration.ofNanos(7), Durations.parse("7ns"));
        assertEquals(Duration.ofNanos(250_000), Durations.parse("250us"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("2"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("1.5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("PT2S"));
        assertEquals(Duration.ofMillis(-1000), Durations.parse("-1s"));
        assertEquals(Duration.ofMillis(300), Durations.parse(" 300MS "));
        assertEquals(Duration.ofNanos(1), Durations.parse("0.5ns"), "to the nearest nanosecond");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ms", "s", "1x", "1 s", "1e3ms", "1..2s", "--1s", "abc", "1d"})
    void whatIsNoDurationIsRefusedWithAHint(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().startsWith("not a duration: '" + text + "' (try 500ms"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999h", "-99999999999999999999h", "9223372036854775808", "153722867280912931m"})
    void aNumberTooLargeForADurationIsSaidToBe(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("duration too long: '" + text + "' (at most 9223372036854775807s, about 292 billion years)",
                e.getMessage());
    }

    @Test
    void theLongestDurationsAreTaken() {
        assertEquals(Duration.ofHours(3_000_000_000_000L), Durations.parse("3000000000000h"));
        assertEquals(Duration.ofSeconds(Long.MAX_VALUE), Durations.parse("9223372036854775807"));
        assertEquals(Duration.ofMinutes(153722867280912930L), Durations.parse("153722867280912930m"));
    }

    /**
     * A bench's {@code --time}, {@code --warmup} and {@code --max-warmup} and top's {@code --interval}
     * take the longest durations too, as no limit in practice: before 2026-12-05 their
     * {@code toNanos()} overflowed into a stack trace (found by an explorer).
     */
    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807s", "3000000000000h", "9300000000s"})
    void theLongestDurationsAreCappedToWhatNanosecondsHold(String text) {
        Duration capped = Durations.cappedToMostNanos(Durations.parse(text));
        assertEquals(Timeouts.MOST_NANOS, capped.toNanos());
        assertEquals(Duration.ofSeconds(3), Durations.cappedToMostNanos(Duration.ofSeconds(3)), "shorter ones stay");
        BenchCommand.RunOptions run = new BenchCommand.RunOptions();
        run.time = text;
        run.warmup = run.time;
        run.maxWarmup = run.time;
        assertEquals(Timeouts.MOST_NANOS, run.measureTime().toNanos());
        assertEquals(Timeouts.MOST_NANOS, run.warmupTime().toNanos());
        assertEquals(Timeouts.MOST_NANOS, run.maxWarmupTime().toNanos());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 999, 1_000, 250_000, 1_000_000, 300_000_000, 1_500_000_000L, 2_000_000_000L,
            90_000_000_000L, 300_000_000_000L, 7_200_000_000_000L, 1_000_000_001L})
    void whatTimeoutsTextWritesParsesBack(long nanos) {
        Duration duration = Duration.ofNanos(nanos);
        assertEquals(duration, Durations.parse(Timeouts.text(duration)), Timeouts.text(duration));
    }

    @Test
    void aWaitSaysItsLimitExactly() {
        assertEquals("at most 999us", Wait.atMost(Duration.ofNanos(999_000)).toString());
        assertEquals("at most 1ns", Wait.atMost(Duration.ofNanos(1)).toString());
        assertEquals("at most 1000100us", Wait.atMost(Durations.parse("1.0001s")).toString());
        assertEquals("at most 50ms", Wait.atMost(Duration.ofMillis(50)).toString());
        assertEquals("not at all", Wait.NONE.toString());
        assertEquals("forever", Wait.FOREVER.toString());
    }
}
