package io.jipc.cli.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How many messages each message-passing feature's one-way run sends of the {@code --messages} asked for. */
class FeatureOneWayMessagesTest {
    @Test
    void theRendezvousSendsATenthSinceEachOfItsSendsWaitsForTheReceiver() {
        assertEquals(200_000, MailboxBench.Feature.RENDEZVOUS.oneWayMessages(2_000_000));
        assertEquals(1, MailboxBench.Feature.RENDEZVOUS.oneWayMessages(5), "at least one message");
        assertEquals(2_000_000, MailboxBench.Feature.PRIORITIES.oneWayMessages(2_000_000));
        assertEquals(2_000_000, MailboxBench.Feature.FOUR_PRODUCERS.oneWayMessages(2_000_000));
    }
}
