package io.jipc.cli.ls;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link RateSampler}'s arithmetic, with counters read at made-up instants. */
class RateSamplerTest {
    private static final long MS = 1_000_000;

    private static ObjectRow row(String uri, long counter, long counterNanos) {
        return new ObjectRow("mailbox", uri, "/x", 1, OwnerState.ALIVE, List.of(), 1024, 0, "B", counter, "0600",
                "u", "d", false, false, "", counterNanos, -1);
    }

    /**
     * A slow first scan reads {@code a} at 0 and {@code b} at 300 ms, a fast second one both about
     * 1.3 s later; both objects deliver exactly 1000 messages a second. The rate is each counter's
     * increase over the time between its own two readings: 1,000 for both, not 1300 / 1.01 s for
     * {@code a} (as with the time of the scans' ends).
     */
    @Test
    void dividesByTheTimeBetweenAnObjectsOwnReadings() {
        RateSampler sampler = new RateSampler();
        Map<String, String> first = sampler.sample(List.of(row("mailbox:a", 0, 0), row("mailbox:b", 300, 300 * MS)));
        assertEquals(Map.of("mailbox:a", "-", "mailbox:b", "-"), first);
        Map<String, String> second = sampler.sample(List.of(row("mailbox:a", 1_300, 1_300 * MS),
                row("mailbox:b", 1_310, 1_310 * MS)));
        assertEquals(Map.of("mailbox:a", "1,000", "mailbox:b", "1,000"), second);
        Map<String, String> third = sampler.sample(List.of(row("mailbox:a", 1_800, 1_550 * MS),
                row("mailbox:b", 1_310, 1_560 * MS)));
        assertEquals(Map.of("mailbox:a", "2,000", "mailbox:b", "0"), third);
    }

    @Test
    void dashesWhereNoRateCanBeTold() {
        RateSampler sampler = new RateSampler();
        sampler.sample(List.of(row("mailbox:back", 50, 0), row("mailbox:none", -1, 0), row("mailbox:same", 5, 7)));
        Map<String, String> rates = sampler.sample(List.of(row("mailbox:back", 10, 1_000 * MS),
                row("mailbox:none", -1, 1_000 * MS), row("mailbox:same", 9, 7), row("mailbox:new", 3, 1_000 * MS)));
        assertEquals(Map.of("mailbox:back", "-", "mailbox:none", "-", "mailbox:same", "-", "mailbox:new", "-"), rates);
    }
}
