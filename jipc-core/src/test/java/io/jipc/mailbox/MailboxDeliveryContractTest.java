package io.jipc.mailbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Acknowledged mode: a delivery stays in the mailbox until acknowledged; released, it comes again. */
class MailboxDeliveryContractTest extends MailboxContractTest {

    @ContractTest
    void aDeliveryStaysUntilAcknowledgedAndComesAgainWhenReleased(MailboxConfig config) throws Exception {
        if (config.layout() == MailboxConfig.Layout.SHARED_RECEIVERS) {
            Mailbox shared = create(config);
            shared.put(message(10, 1));
            shared.put(message(20, 2));
            // every delivery verb refuses, before it waits: takeDelivery and the timed one used to take
            // the head, so two processes got the same message and the second ack consumed the next unseen
            assertThrows(UnsupportedOperationException.class, shared::pollDelivery);
            assertThrows(UnsupportedOperationException.class, shared::takeDelivery);
            assertThrows(UnsupportedOperationException.class, () -> shared.pollDelivery(LONG));
            assertEquals(0, shared.receivedCount(), "nothing delivered");
            assertMessage(message(10, 1), shared.poll());
            assertMessage(message(20, 2), shared.poll());
            return;
        }
        Mailbox mailbox = create(config);
        assertNull(mailbox.pollDelivery());
        mailbox.put(message(10, 1));
        mailbox.put(message(20, 2));
        Delivery first = mailbox.takeDelivery();
        assertMessage(message(10, 1), first.payload());
        assertEquals(0, mailbox.receivedCount(), "nothing consumed yet");
        assertThrows(IllegalStateException.class, mailbox::poll, "receives wait for the ack");
        assertThrows(IllegalStateException.class, mailbox::pollDelivery);
        first.release();
        Delivery again = mailbox.pollDelivery(LONG);
        assertMessage(message(10, 1), again.payload());
        again.ack();
        assertThrows(IllegalStateException.class, again::ack, "once");
        assertEquals(1, mailbox.receivedCount());
        assertMessage(message(20, 2), mailbox.poll());
        assertNull(mailbox.poll());
    }

    /**
     * A selector looking at a mailbox with a delivery of this process not yet acknowledged sees it
     * not ready (a receive would be refused until the ack) instead of failing with the receives'
     * IllegalStateException; once acknowledged, the next message is selected.
     */
    @ContractTest
    void aSelectorSeesAMailboxWithAnOutstandingDeliveryAsNotReadyUntilTheAck(MailboxConfig config) throws Exception {
        if (config.layout() == MailboxConfig.Layout.SHARED_RECEIVERS) {
            return; // no acknowledged mode
        }
        Mailbox mailbox = create(config);
        mailbox.put(message(10, 1));
        mailbox.put(message(20, 2));
        Delivery first = mailbox.takeDelivery();
        try (MailboxSelector selector = MailboxSelector.open().register(mailbox)) {
            assertEquals(java.util.List.of(), selector.selectNow());
            assertEquals(java.util.List.of(), selector.select(java.time.Duration.ofMillis(50)));
            first.ack();
            assertEquals(java.util.List.of(mailbox), selector.select(LONG));
        }
        assertMessage(message(20, 2), mailbox.poll());
    }

    /**
     * An ack through a handle closed meanwhile fails, and releases the delivery: the process's other
     * handles receive again (they failed for ever with "a delivery ... not acknowledged yet").
     */
    @ContractTest
    void anAckThroughAClosedHandleReleasesTheDelivery(MailboxConfig config) throws Exception {
        if (config.layout() == MailboxConfig.Layout.SHARED_RECEIVERS) {
            return; // no deliveries there
        }
        Mailbox first = create(config);
        Mailbox second = open(first);
        first.put(message(10, 1));
        Delivery delivery = first.takeDelivery();
        first.close();
        assertThrows(io.jipc.ClosedException.class, delivery::ack);
        assertMessage(message(10, 1), second.poll(LONG)); // delivered again: at least once
        assertNull(second.poll());
    }

    @FeatureTest
    void theAckRemovesTheDeliveredMessageEvenIfAHigherPriorityOneArrivedMeanwhile(MailboxConfig config)
            throws Exception {
        Mailbox mailbox = create(config, b -> b.priorities(4));
        mailbox.put(message(5, 1), 1);
        Delivery delivery = mailbox.takeDelivery();
        assertEquals(1, delivery.message().priority());
        assertEquals(1, delivery.priority());
        mailbox.put(message(5, 3), 3);
        delivery.ack();
        Message next = mailbox.takeMessage();
        assertEquals(3, next.priority());
        assertMessage(message(5, 3), next.payload());
        assertNull(mailbox.poll());
    }

    @FeatureTest
    void aRendezvousSenderIsReleasedWhenItsMessageIsDelivered(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, b -> b.messageLimit(0));
        Async<Void> sender = Async.run(Async.Kind.PLATFORM, "put", () -> mailbox.put(message(3, 3))).assertBlocked();
        Delivery delivery = mailbox.takeDelivery();
        sender.get();
        assertMessage(message(3, 3), delivery.payload());
        delivery.ack();
        assertNull(mailbox.poll());
        assertTrue(mailbox.receivedCount() >= 1);
    }
}
