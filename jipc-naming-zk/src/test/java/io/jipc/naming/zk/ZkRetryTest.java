package io.jipc.naming.zk;

import org.apache.curator.RetrySleeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The retry policy: a fixed count without a deadline, the deadline within one. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZkRetryTest {
    private final List<Long> sleeps = new ArrayList<>();
    private final RetrySleeper sleeper = (time, unit) -> sleeps.add(unit.toNanos(time));

    @Test
    void withoutADeadlineSixRetriesWithBackoff() {
        ZkRetry retry = new ZkRetry();
        for (int i = 0; i < ZkRetry.RETRIES; i++) {
            assertTrue(retry.allowRetry(i, 0, sleeper));
        }
        assertFalse(retry.allowRetry(ZkRetry.RETRIES, 0, sleeper));
        assertEquals(ZkRetry.RETRIES, sleeps.size());
        sleeps.forEach(nanos -> assertTrue(nanos >= TimeUnit.MILLISECONDS.toNanos(100)
                && nanos <= TimeUnit.SECONDS.toNanos(2), "a sleep of 100 ms to 2 s: " + nanos));
    }

    /** Curator's retries of a naming call end at its deadline (they went on six times, about 10 s). */
    @Test
    void aPassedDeadlineEndsTheRetriesWithoutSleeping() {
        try (ZkRetry.Deadline deadline = ZkRetry.deadline(0)) {
            assertTrue(deadline.remainingNanos() <= 0);
            assertFalse(new ZkRetry().allowRetry(0, 0, sleeper));
        }
        assertTrue(sleeps.isEmpty(), "no sleep: " + sleeps);
    }

    @Test
    void aSleepIsCutAtTheDeadlineAndNoRetryFollowsIt() {
        ZkRetry retry = new ZkRetry();
        try (ZkRetry.Deadline deadline = ZkRetry.deadline(TimeUnit.MILLISECONDS.toNanos(50))) {
            RetrySleeper sleeping = (time, unit) -> {
                sleeps.add(unit.toNanos(time));
                unit.sleep(time);
            };
            assertFalse(retry.allowRetry(0, 0, sleeping), "the deadline passed during the sleep");
        }
        assertEquals(1, sleeps.size());
        assertTrue(sleeps.getFirst() <= TimeUnit.MILLISECONDS.toNanos(50), "cut at the deadline: " + sleeps);
    }

    /** A naming call made by another shares its deadline, and the outer one's close removes it. */
    @Test
    void anInnerDeadlineIsTheOuterOne() {
        try (ZkRetry.Deadline outer = ZkRetry.deadline(0)) {
            try (ZkRetry.Deadline inner = ZkRetry.deadline(TimeUnit.HOURS.toNanos(1))) {
                assertTrue(inner.remainingNanos() <= 0);
            }
            assertFalse(new ZkRetry().allowRetry(0, 0, sleeper), "still the outer deadline after the inner close");
        }
        assertTrue(new ZkRetry().allowRetry(0, 0, sleeper), "no deadline after the outer close");
    }
}
