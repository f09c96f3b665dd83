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

    /**
     * One thread receives in acknowledged mode (pollDelivery, ack), another with poll(), together:
     * each message is received exactly once (the poll is refused while a delivery is outstanding).
     * The outstanding check was made before the receiving gate, so a poll that passed it could
     * consume the message just delivered, and the ack then consumed the next one, unseen: 4,164
     * losses and as many duplicates in 200,000 in the explorer's run.
     */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES)
    void aDeliveryAndPollsOfAnotherThreadReceiveEveryMessageOnce() throws Exception {
        Mailbox mailbox = track(Mailbox.create(newName(), MailboxOptions.builder().capacityMessages(64).build()));
        int count = 100_000;
        java.util.Set<Integer> received = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger duplicates = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Async<Void> acker = Async.run(Async.Kind.PLATFORM, "acker", () -> {
            while (!done.get()) {
                Delivery delivery = mailbox.pollDelivery();
                if (delivery != null) {
                    int n = java.nio.ByteBuffer.wrap(delivery.payload()).getInt();
                    delivery.ack();
                    if (!received.add(n)) {
                        duplicates.incrementAndGet();
                    }
                }
            }
        });
        Async<Void> poller = Async.run(Async.Kind.PLATFORM, "poller", () -> {
            while (!done.get()) {
                try {
                    byte[] message = mailbox.poll();
                    if (message != null && !received.add(java.nio.ByteBuffer.wrap(message).getInt())) {
                        duplicates.incrementAndGet();
                    }
                } catch (IllegalStateException outstanding) {
                    // refused while the other thread's delivery is not acknowledged: as documented
                }
            }
        });
        try {
            for (int i = 0; i < count; i++) {
                mailbox.put(java.nio.ByteBuffer.allocate(4).putInt(i).array());
            }
            while (received.size() < count && mailbox.pendingBytes() > 0) {
                Thread.onSpinWait();
            }
            for (int i = 0; i < 20_000 && received.size() < count; i++) {
                Thread.sleep(1); // the last message taken may be counted a moment later
            }
        } finally {
            done.set(true);
        }
        acker.get();
        poller.get();
        assertEquals(0, duplicates.get(), "messages received twice");
        assertEquals(count, received.size(), "messages received (the rest lost)");
    }
}
