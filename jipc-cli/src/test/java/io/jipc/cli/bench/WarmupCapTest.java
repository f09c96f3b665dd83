package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm-up of both regimens ends at the cap given ({@code --max-warmup}) even when the timings
 * never settle; without the cap these runs would warm up for the default 10 s, beyond the timeout.
 */
class WarmupCapTest {

    /** Busy-waits {@code nanos}: a stand-in for a mechanism's exchange that takes that long. */
    private static void busy(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void pingPongWarmUpThatNeverSettlesEndsAtTheCap() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        // the round trip alternates between 20 and 400 µs every 64 calls: no two windows agree within 5 %
        BenchResult result = PingPongRegimen.measure("unsettled", Duration.ofMillis(20), Duration.ofMillis(100),
                Duration.ofMillis(10), sequence -> {
                    busy((calls.getAndIncrement() / 64) % 2 == 0 ? 20_000 : 400_000);
                    return sequence;
                });
        assertTrue(result.roundTrip().getTotalCount() > 0, "nothing measured");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void oneWayWarmUpThatNeverSettlesEndsAtTheCap() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        // every other round takes five times as long: the rate never settles within 5 %
        double[] rate = OneWayRegimen.measure(count -> busy(rounds.getAndIncrement() % 2 == 0 ? 1_000_000 : 5_000_000),
                1000, 1000, Duration.ofMillis(20), Duration.ofMillis(100), 64);
        assertEquals(2, rate.length);
        assertTrue(rate[0] > 0, "no rate");
    }
}
