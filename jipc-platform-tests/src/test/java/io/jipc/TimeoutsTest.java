package io.jipc;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Timeouts#nanos}: negative is zero, the huge saturate where a deadline cannot overflow. */
class TimeoutsTest {
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
}
