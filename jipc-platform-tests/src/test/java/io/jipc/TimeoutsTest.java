package io.jipc;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Timeouts#nanos}: negative is zero, the huge saturate where a deadline cannot overflow;
 * {@link Timeouts#text}: the largest exact unit, never ISO-8601's {@code PT..}.
 */
class TimeoutsTest {
    @Test
    void deadlinesAreNowForNegativeTimeoutsAndNoneForCenturies() {
        for (Duration now : new Duration[] {Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(Long.MIN_VALUE)}) {
            long before = System.nanoTime();
            long deadline = Timeouts.deadline(now);
            assertTrue(deadline - before >= 0 && System.nanoTime() - deadline >= 0, now + ": " + deadline);
        }
        long before = System.nanoTime();
        long inASecond = Timeouts.deadline(Duration.ofSeconds(1));
        assertTrue(inASecond - before >= 1_000_000_000L && inASecond - System.nanoTime() <= 1_000_000_000L);
        assertEquals(Timeouts.NO_DEADLINE, Timeouts.deadline(Duration.ofSeconds(Long.MAX_VALUE)));
        assertEquals(Timeouts.NO_DEADLINE, Timeouts.deadline(Duration.ofNanos(Timeouts.MOST_NANOS)));
        assertThrows(NullPointerException.class, () -> Timeouts.deadline(null));
    }

    @Test
    void negativeIsZeroAndOrdinaryTimeoutsAreExact() {
        assertEquals(0, Timeouts.nanos(Duration.ofMillis(-5)));
        assertEquals(0, Timeouts.nanos(Duration.ofSeconds(Long.MIN_VALUE)));
        assertEquals(0, Timeouts.nanos(Duration.ZERO));
        assertEquals(1, Timeouts.nanos(Duration.ofNanos(1)));
        assertEquals(1_500_000_000L, Timeouts.nanos(Duration.ofMillis(1500)));
        assertEquals(Timeouts.MOST_NANOS, Timeouts.nanos(Duration.ofNanos(Timeouts.MOST_NANOS)));
    }

    @Test
    void hugeTimeoutsSaturateSoThatADeadlineCannotOverflow() {
        assertEquals(Timeouts.MOST_NANOS, Timeouts.nanos(Duration.ofNanos(Timeouts.MOST_NANOS + 1)));
        assertEquals(Timeouts.MOST_NANOS, Timeouts.nanos(Duration.ofNanos(Long.MAX_VALUE)));
        assertEquals(Timeouts.MOST_NANOS, Timeouts.nanos(Duration.ofDays(1L << 20)));
        assertEquals(Timeouts.MOST_NANOS, Timeouts.nanos(Duration.ofSeconds(Long.MAX_VALUE)));
        long deadline = System.nanoTime() + Timeouts.nanos(Duration.ofSeconds(Long.MAX_VALUE));
        assertTrue(deadline - System.nanoTime() > 0, "the deadline lies ahead");
        assertThrows(NullPointerException.class, () -> Timeouts.nanos(null));
    }

    @Test
    void textUsesTheLargestUnitThatStatesTheDurationExactly() {
        assertEquals("0s", Timeouts.text(Duration.ZERO));
        assertEquals("300ms", Timeouts.text(Duration.ofMillis(300)));
        assertEquals("1500ms", Timeouts.text(Duration.ofMillis(1500)));
        assertEquals("2s", Timeouts.text(Duration.ofSeconds(2)));
        assertEquals("90s", Timeouts.text(Duration.ofSeconds(90)));
        assertEquals("5m", Timeouts.text(Duration.ofMinutes(5)));
        assertEquals("2h", Timeouts.text(Duration.ofHours(2)));
        assertEquals("48h", Timeouts.text(Duration.ofDays(2)));
        assertEquals("250us", Timeouts.text(Duration.ofNanos(250_000)));
        assertEquals("7ns", Timeouts.text(Duration.ofNanos(7)));
        assertEquals("1000000001ns", Timeouts.text(Duration.ofNanos(1_000_000_001)));
        assertEquals("-300ms", Timeouts.text(Duration.ofMillis(-300)));
        assertEquals("9223372036854775807.000000001s", Timeouts.text(Duration.ofSeconds(Long.MAX_VALUE, 1)));
        // the most negative durations cannot be negated; still not ISO-8601 (was PT-2562047788015215H-30M-8S)
        assertEquals("-9223372036854775808s", Timeouts.text(Duration.ofSeconds(Long.MIN_VALUE)));
        assertEquals("-9223372036854775807.5s", Timeouts.text(Duration.ofSeconds(Long.MIN_VALUE, 500_000_000)));
        assertThrows(NullPointerException.class, () -> Timeouts.text(null));
    }
}
