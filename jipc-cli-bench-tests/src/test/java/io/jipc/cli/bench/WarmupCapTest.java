package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    /**
     * A warm-up round is a quarter of the measured round, at least 100,000 messages or the measured
     * round if smaller, and at most 256 MiB of payload (at least 16 messages): before, a round was
     * never under 100,000 messages, so {@code --size 1g} meant 100 TB of copying per warm-up round.
     */
    @ParameterizedTest(name = "{0} messages of {1} bytes: rounds of {2}")
    @CsvSource({
        "2000000, 64, 500000",        // a quarter of the default run
        "1000000, 64, 250000",
        "200000, 64, 100000",         // at least 100,000
        "1000, 64, 1000",             // a short run warms up with its own round
        "1, 64, 1",
        "2000000, 4096, 65536",       // 256 MiB of payload
        "2000000, 1048576, 256",
        "2000000, 1073741824, 16",    // a gigabyte per message: 16 of them
        "10, 1073741824, 10",
    })
    void aWarmUpRoundIsBoundedByTheMeasuredRoundAndByBytes(long measured, int size, long expected) {
        assertEquals(expected, MailboxBench.warmMessages(measured, size));
    }
}
