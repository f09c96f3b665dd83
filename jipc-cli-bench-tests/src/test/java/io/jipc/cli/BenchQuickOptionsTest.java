package io.jipc.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What {@code --quick} caps in the options of {@code jipc bench mailbox}, {@code sockets} and {@code ring}. */
class BenchQuickOptionsTest {
    private static BenchCommand.RunOptions options(boolean quick, String warmup, String maxWarmup, String time) {
        BenchCommand.RunOptions options = new BenchCommand.RunOptions();
        options.quick = quick;
        options.warmup = warmup;
        options.maxWarmup = maxWarmup;
        options.time = time;
        return options;
    }

    @Test
    void quickCapsTheWarmUpItsLongestAndTheMeasuredTime() {
        BenchCommand.RunOptions quick = options(true, "1s", "10s", "3s");
        assertEquals(Duration.ofMillis(300), quick.warmupTime());
        assertEquals(Duration.ofMillis(600), quick.maxWarmupTime());
        assertEquals(Duration.ofSeconds(1), quick.measureTime());
        assertEquals(Duration.ofMillis(600), options(true, "1s", "5s", "3s").maxWarmupTime());
        assertEquals(Duration.ofMillis(200), options(true, "100ms", "200ms", "3s").maxWarmupTime());
        assertEquals(Duration.ofMillis(300), options(true, "1s", "100ms", "3s").maxWarmupTime()); // at least the warm-up
    }

    @Test
    void withoutQuickTheOptionsStand() {
        BenchCommand.RunOptions full = options(false, "1s", "10s", "3s");
        assertEquals(Duration.ofSeconds(1), full.warmupTime());
        assertEquals(Duration.ofSeconds(10), full.maxWarmupTime());
        assertEquals(Duration.ofSeconds(3), full.measureTime());
    }
}
