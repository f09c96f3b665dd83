package io.jipc.mailbox;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Zero-copy sending: claims are invisible until committed, aborts leave nothing behind. */
class MailboxClaimContractTest extends MailboxContractTest {
    private static final int CAPACITY = 4096;

    private Mailbox createSmall(MailboxConfig config) {
        return create(config, b -> b.capacityBytes(CAPACITY).maxMessageSize(1000));
    }

    private static void write(MailboxClaim claim, byte[] message) {
        assertEquals(message.length, claim.segment().byteSize(), "the claim is exactly the asked length");
        claim.segment().copyFrom(MemorySegment.ofArray(message));
    }

    @ContractTest
    void aClaimIsInvisibleUntilCommitted(MailboxConfig config) {
        Mailbox mailbox = createSmall(config);
        MailboxClaim claim = mailbox.tryClaim(5);
        assertNotNull(claim);
        write(claim, message(5, 1));
        assertNull(mailbox.poll());
        assertEquals(-1, mailbox.poll(ByteBuffer.allocate(10)));
        assertEquals(0, mailbox.drain(segment -> {
            throw new AssertionError("an uncommitted claim was handed out");
        }));
        assertEquals(0, mailbox.receivedCount());
        claim.commit();
        assertMessage(message(5, 1), mailbox.poll());
        assertNull(mailbox.poll());
        assertEquals(1, mailbox.receivedCount());
    }

    @ContractTest
    void messagesSentAfterAnOpenClaimQueueBehindIt(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        MailboxClaim claim = mailbox.claim(8);
        write(claim, message(8, 1));
        // another thread sends meanwhile (on a single-sender mailbox it waits for the claim)
        Async<Void> later = Async.run(Async.Kind.PLATFORM, "send-behind-claim", () -> mailbox.put(message(9, 2)))
                .settle();
        assertNull(mailbox.poll(), "nothing passes an open claim");
        claim.commit();
        later.get();
        assertMessage(message(8, 1), mailbox.take());
        assertMessage(message(9, 2), mailbox.take());
    }

    @ContractTest
    void tryClaimReturnsNullAndTimedClaimTimesOutWhenFull(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        int size = config.sizeForRecord(128); // records tile the ring: full means no room for any
        int sent = fill(mailbox, size);
        assertNull(mailbox.tryClaim(size));
        assertNull(mailbox.tryClaim(0));
        assertNull(mailbox.claim(size, SHORT));
        assertMessage(message(size, 0), mailbox.poll());
        MailboxClaim claim = mailbox.tryClaim(size);
        assertNotNull(claim, "room again after a receive");
        write(claim, message(size, sent));
        claim.commit();
        for (int i = 1; i <= sent; i++) {
            assertMessage(message(size, i), mailbox.poll());
        }
        assertNull(mailbox.poll());
    }

    @ContractTest
    void abortGivesTheRoomBackAndDeliversNothing(MailboxConfig config) {
        Mailbox mailbox = createSmall(config);
        for (int i = 0; i < 50; i++) {
            // each claim takes a quarter of the ring: without the room back, the ring fills at once
            MailboxClaim claim = mailbox.tryClaim(1000);
            assertNotNull(claim, "claim " + i);
            write(claim, message(1000, i));
            claim.abort();
            assertNull(mailbox.poll(), "an aborted claim is never delivered");
        }
        assertEquals(0, mailbox.receivedCount());
        assertEquals(0, mailbox.pendingBytes());
        assertEquals(CAPACITY / config.recordLength(100), fill(mailbox, 100), "the whole ring is free");
    }

    @ContractTest
    void closingAnUnfinishedClaimAbortsIt(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        for (int i = 0; i < 50; i++) {
            try (MailboxClaim claim = mailbox.claim(1000)) {
                write(claim, message(1000, i));
            }
            assertNull(mailbox.poll(), "a claim closed without commit is never delivered");
        }
        try (MailboxClaim claim = mailbox.claim(3)) {
            write(claim, message(3, 7));
            claim.commit();
        } // closing a committed claim does nothing
        assertMessage(message(3, 7), mailbox.poll());
        assertNull(mailbox.poll(), "delivered once");
        assertEquals(1, mailbox.receivedCount());
        assertEquals(0, mailbox.pendingBytes());
    }

    /** A claim left open when its handle closes does not hold every receiver up while the process lives. */
    @ContractTest
    void closingTheHandleAbortsItsOpenClaims(MailboxConfig config) throws Exception {
        Mailbox other = createSmall(config);
        Mailbox mailbox = open(other);
        MailboxClaim claim = mailbox.tryClaim(64);
        write(claim, message(64, 1));
        mailbox.close();
        assertThrows(io.jipc.ClosedException.class, claim::commit, "aborted by the close");
        assertThrows(io.jipc.ClosedException.class, claim::segment);
        claim.close(); // nothing left to give back
        assertTrue(other.offer(message(5, 2)));
        assertMessage(message(5, 2), other.poll(LONG)); // not stuck behind the claim
        assertNull(other.poll());
        assertEquals(0, other.pendingBytes());
    }

    @ContractTest
    void aClaimFinishesOnlyOnce(MailboxConfig config) {
        Mailbox mailbox = createSmall(config);
        MailboxClaim committed = mailbox.tryClaim(4);
        write(committed, message(4, 1));
        committed.commit();
        assertThrows(IllegalStateException.class, committed::commit);
        assertThrows(IllegalStateException.class, committed::abort);
        assertThrows(IllegalStateException.class, committed::segment);
        committed.close();

        MailboxClaim aborted = mailbox.tryClaim(4);
        aborted.abort();
        assertThrows(IllegalStateException.class, aborted::abort);
        assertThrows(IllegalStateException.class, aborted::commit);
        assertThrows(IllegalStateException.class, aborted::segment);
        aborted.close();

        assertMessage(message(4, 1), mailbox.poll());
        assertNull(mailbox.poll());
        // nothing was left locked: the mailbox still takes messages
        assertTrue(mailbox.offer(message(4, 2)));
        assertMessage(message(4, 2), mailbox.poll());
    }

    @ContractTest
    void aClaimOfZeroBytesDeliversAnEmptyMessage(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        MailboxClaim claim = mailbox.tryClaim(0);
        assertEquals(0, claim.segment().byteSize());
        claim.commit();
        claim = mailbox.claim(0);
        claim.commit();
        byte[] first = mailbox.poll();
        assertArrayEquals(new byte[0], first, "an empty message, not null");
        int[] length = {-1};
        assertTrue(mailbox.poll(segment -> length[0] = (int) segment.byteSize()));
        assertEquals(0, length[0]);
        assertNull(mailbox.poll());
    }

    @ContractTest
    void claimsInterleaveWithCopyingSendsInOrder(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        for (int i = 0; i < 500; i++) {
            byte[] message = message(i % 300, i);
            switch (i % 3) {
                case 0 -> {
                    MailboxClaim claim = mailbox.claim(message.length);
                    write(claim, message);
                    claim.commit();
                }
                case 1 -> mailbox.put(message);
                default -> {
                    MailboxClaim aborted = mailbox.claim(message.length);
                    aborted.segment().fill((byte) 1);
                    aborted.abort();
                    mailbox.put(message);
                }
            }
            // the receiver reads every other round, so the ring wraps with claims in it
            if (i % 2 == 1) {
                assertMessage(message((i - 1) % 300, i - 1), mailbox.take());
                assertMessage(message, mailbox.take());
            }
        }
        assertNull(mailbox.poll());
        assertEquals(500, mailbox.receivedCount());
    }
}
