package io.jipc.mailbox;

import io.jipc.ClosedException;

import java.nio.ByteBuffer;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Buffering (SPEC §1): an exact bound of n messages whatever their sizes, and zero capacity
 * (rendezvous: a send completes only once a receiver took the message).
 */
class MailboxBufferingContractTest extends MailboxContractTest {
    private static final int MAX = 1000;

    // ================================================================== n messages, exactly

    @FeatureTest
    void aLimitOfNMessagesHoldsExactlyNWhateverTheirSizes(MailboxConfig config) throws Exception {
        for (int limit : new int[] {1, 3, 7, 64}) {
            Mailbox mailbox = create(config, b -> b.maxMessageSize(MAX).messageLimit(limit));
            assertEquals(limit, mailbox.messageLimit());
            assertFalse(mailbox.isRendezvous());
            for (int lap = 0; lap < 3; lap++) {
                for (int i = 0; i < limit; i++) {
                    int size = i % 2 == 0 ? 0 : MAX;
                    assertTrue(mailbox.offer(message(size, i)), limit + " messages fit, lap " + lap + ", #" + i);
                }
                assertFalse(mailbox.offer(new byte[0]), "message " + (limit + 1) + " does not, even empty");
                assertFalse(mailbox.offer(message(1, 1), SHORT));
                assertNull(mailbox.tryClaim(0));
                assertEquals(message(0, 0).length, mailbox.poll().length);
                assertTrue(mailbox.offer(message(5, 5)), "one received, one more fits");
                assertFalse(mailbox.offer(message(5, 6)));
                for (int i = 1; i < limit; i++) {
                    assertMessage(message(i % 2 == 0 ? 0 : MAX, i), mailbox.poll());
                }
                assertMessage(message(5, 5), mailbox.poll());
                assertNull(mailbox.poll());
            }
        }
    }

    @FeatureTest
    void aSenderBlockedOnAFullLimitedMailboxGoesOnWhenAMessageIsTaken(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, b -> b.maxMessageSize(100).messageLimit(2));
        mailbox.put(message(1, 1));
        mailbox.put(message(2, 2));
        for (Async.Kind kind : Async.Kind.values()) {
            Async<Void> sender = Async.run(kind, "put on full", () -> mailbox.put(message(3, 3))).assertBlocked();
            assertMessage(message(1, 1), mailbox.take());
            sender.get();
            assertMessage(message(2, 2), mailbox.take());
            assertMessage(message(3, 3), mailbox.take());
            mailbox.put(message(1, 1));
            mailbox.put(message(2, 2));
        }
    }

    @FeatureTest
    void theLimitHoldsPerPriorityLevel(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, b -> b.maxMessageSize(64).messageLimit(2).priorities(2));
        assertTrue(mailbox.offer(message(1, 0), 0));
        assertTrue(mailbox.offer(message(1, 1), 0));
        assertFalse(mailbox.offer(message(1, 2), 0));
        assertTrue(mailbox.offer(message(1, 3), 1));
        assertTrue(mailbox.offer(message(1, 4), 1));
        assertFalse(mailbox.offer(message(1, 5), 1));
        assertEquals(1, mailbox.takeMessage().priority());
    }

    // ================================================================== rendezvous

    private Mailbox rendezvous(MailboxConfig config) {
        Mailbox mailbox = create(config, b -> b.maxMessageSize(MAX).messageLimit(0));
        assertTrue(mailbox.isRendezvous());
        assertEquals(0, mailbox.messageLimit());
        return mailbox;
    }

    @FeatureTest
    void offerSucceedsOnlyIfAReceiverIsWaiting(MailboxConfig config) throws Exception {
        Mailbox mailbox = rendezvous(config);
        assertFalse(mailbox.offer(message(10, 1)), "nobody waits");
        assertFalse(mailbox.offer(ByteBuffer.wrap(message(10, 1))));
        assertNull(mailbox.poll(), "a refused offer leaves nothing behind");
        for (Async.Kind kind : Async.Kind.values()) {
            Async<byte[]> receiver = Async.start(kind, "take", mailbox::take).assertBlocked();
            // the receiver announces itself when it starts waiting: offer until it is seen
            byte[] message = message(10, kind.ordinal());
            long deadline = System.nanoTime() + LONG.toNanos();
            while (!mailbox.offer(message)) {
                assertTrue(System.nanoTime() < deadline, "a waiting receiver was never seen");
                Thread.sleep(1);
            }
            assertMessage(message, receiver.get());
            assertFalse(mailbox.offer(message(10, 9)), "the receiver left");
        }
        assertNull(mailbox.poll());
    }

    @FeatureTest
    void putReturnsOnlyOnceAReceiverTookTheMessage(MailboxConfig config) throws Exception {
        Mailbox mailbox = rendezvous(config);
        for (Async.Kind kind : Async.Kind.values()) {
            Async<Void> sender = Async.run(kind, "put", () -> mailbox.put(message(MAX, 1))).assertBlocked();
            Async<Void> second = Async.run(kind, "put", () -> mailbox.put(message(3, 2), 0)).assertBlocked();
            assertMessage(message(MAX, 1), mailbox.take());
            sender.get();
            assertFalse(second.isDone(), "the second sender's message was not taken yet");
            Message m = mailbox.pollMessage(LONG);
            assertMessage(message(3, 2), m.payload());
            second.get();
        }
    }

    /**
     * A withdrawn message is dropped as a record of its own level, whatever level was received from
     * last (it was checked against that one, and the next receive threw CorruptSegmentException).
     */
    @FeatureTest
    void aMessageWithdrawnAtALowerLevelIsDroppedAfterAReceiveAtAHigherOne(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, b -> b.maxMessageSize(64).priorities(4));
        assertNull(mailbox.tryTransfer(message(1, 0), Duration.ZERO), "nobody received it: withdrawn at level 0");
        mailbox.put(message(2, 3), 3);
        mailbox.put(message(3, 0), 0);
        mailbox.put(message(4, 3), 3);
        assertMessage(message(2, 3), mailbox.pollMessage().payload());
        assertMessage(message(4, 3), mailbox.pollMessage().payload());
        assertMessage(message(3, 0), mailbox.pollMessage().payload()); // the withdrawn one passed over
        assertNull(mailbox.pollMessage());
    }

    @FeatureTest
    void aTimedOutSendIsWithdrawnAndNeverReceived(MailboxConfig config) throws Exception {
        Mailbox mailbox = rendezvous(config);
        assertFalse(mailbox.offer(message(10, 1), SHORT));
        assertFalse(mailbox.offer(message(10, 2), 0, Duration.ZERO));
        assertNull(mailbox.poll(), "withdrawn messages are skipped");
        assertNull(mailbox.poll(ByteBuffer.allocate(MAX)) == -1 ? null : "a message");
        assertEquals(0, mailbox.receivedCount() - mailbox.receivedCount());
        // a later send is received normally
        Async<Boolean> sender = Async.start(Async.Kind.PLATFORM, "offer", () -> mailbox.offer(message(10, 3), LONG));
        assertMessage(message(10, 3), mailbox.take());
        assertTrue(sender.get());
    }

    @FeatureTest
    void anInterruptedOrClosedRendezvousSendIsWithdrawn(MailboxConfig config) throws Exception {
        Mailbox mailbox = rendezvous(config);
        for (Async.Kind kind : Async.Kind.values()) {
            Async<Void> sender = Async.run(kind, "put", () -> mailbox.put(message(10, 1))).assertBlocked();
            sender.interrupt();
            sender.failure(InterruptedException.class);
            assertNull(mailbox.poll(), "the interrupted send was withdrawn");
        }
        Mailbox other = open(mailbox);
        Async<Void> sender = Async.run(Async.Kind.PLATFORM, "put", () -> other.put(message(10, 2))).assertBlocked();
        other.close();
        sender.failure(ClosedException.class);
        assertNull(mailbox.poll(), "the closed handle's send was withdrawn");
    }

    @FeatureTest
    void claimsAreRefusedOnARendezvousMailbox(MailboxConfig config) {
        Mailbox mailbox = rendezvous(config);
        assertThrows(UnsupportedOperationException.class, () -> mailbox.tryClaim(1));
    }

    @FeatureTest
    void manyRendezvousSendersAreEachReleasedByTheirOwnReceive(MailboxConfig config) throws Exception {
        Mailbox mailbox = rendezvous(config);
        int senders = 8;
        java.util.List<Async<Void>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < senders; i++) {
            int seed = i;
            calls.add(Async.run(Async.Kind.VIRTUAL, "put " + i, () -> mailbox.put(message(4, seed))));
        }
        java.util.Set<Integer> received = new java.util.HashSet<>();
        for (int i = 0; i < senders; i++) {
            byte[] m = mailbox.take();
            for (int seed = 0; seed < senders; seed++) {
                if (java.util.Arrays.equals(m, message(4, seed))) {
                    received.add(seed);
                }
            }
        }
        for (Async<Void> call : calls) {
            call.get();
        }
        assertEquals(senders, received.size());
    }
}
