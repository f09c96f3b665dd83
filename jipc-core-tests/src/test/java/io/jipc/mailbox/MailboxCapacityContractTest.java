package io.jipc.mailbox;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A full mailbox refuses, an empty one answers "nothing", and the counters follow the traffic. */
class MailboxCapacityContractTest extends MailboxContractTest {
    /** Messages of this size take 128 bytes each in every layout: 32 fill a 4 KiB ring exactly. */
    private static int size(MailboxConfig config) {
        return config.sizeForRecord(128);
    }

    private static final int CAPACITY = 4096;
    
    private Mailbox createSmall(MailboxConfig config) {
        Mailbox mailbox = create(config, b -> b.capacityBytes(CAPACITY).maxMessageSize(1000));
        assertEquals(CAPACITY, mailbox.capacityBytes());
        return mailbox;
    }

    @ContractTest
    void offerReturnsFalseWhenFullAndSucceedsAgainAfterAReceive(MailboxConfig config) {
        Mailbox mailbox = createSmall(config);
        int sent = fill(mailbox, size(config));
        assertEquals(CAPACITY / config.recordLength(size(config)), sent, "each message takes its length + 16, rounded up to 16");
        assertEquals(CAPACITY, mailbox.pendingBytes());

        byte[] more = message(size(config), 999);
        ByteBuffer buffer = ByteBuffer.wrap(more).position(1);
        assertFalse(mailbox.offer(more));
        assertFalse(mailbox.offer(more, 0, 1));
        assertFalse(mailbox.offer(new byte[0]), "even an empty message takes room");
        assertFalse(mailbox.offer(buffer));
        assertEquals(1, buffer.position(), "a refused buffer keeps its position");
        assertFalse(mailbox.offer(MemorySegment.ofArray(more)));
        assertNull(mailbox.tryClaim(0));
        assertEquals(CAPACITY, mailbox.pendingBytes(), "refused sends leave no trace");

        assertMessage(message(size(config), 0), mailbox.poll());
        assertTrue(mailbox.offer(message(size(config), sent)), "room again after a receive");
        assertFalse(mailbox.offer(message(size(config), sent + 1)));
        for (int i = 1; i <= sent; i++) {
            assertMessage(message(size(config), i), mailbox.poll());
        }
        assertNull(mailbox.poll());
        // the whole ring is free again, wherever the messages now start
        assertEquals(sent, fill(mailbox, size(config)));
    }

    @ContractTest
    void timedSendsAndClaimsTimeOutWhenFull(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        int sent = fill(mailbox, size(config));
        byte[] more = message(size(config), 999);
        ByteBuffer buffer = ByteBuffer.allocateDirect(size(config));
        assertFalse(mailbox.offer(more, SHORT));
        assertFalse(mailbox.offer(buffer, SHORT));
        assertEquals(0, buffer.position(), "a buffer that timed out keeps its position");
        assertFalse(mailbox.offer(MemorySegment.ofArray(more), SHORT));
        assertNull(mailbox.claim(size(config), SHORT));
        assertFalse(mailbox.offer(more, Duration.ZERO));
        assertFalse(mailbox.offer(more, Duration.ofMillis(-5)), "a negative timeout means: do not wait");
        assertNull(mailbox.claim(0, Duration.ZERO));
        assertEquals(CAPACITY, mailbox.pendingBytes());
        for (int i = 0; i < sent; i++) {
            assertMessage(message(size(config), i), mailbox.poll());
        }
        assertNull(mailbox.poll(), "nothing that timed out was sent");
    }

    @ContractTest
    void everyReceiveFormAnswersNothingWhenEmpty(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        MessageHandler never = segment -> fail("a message from an empty mailbox");
        ByteBuffer buffer = ByteBuffer.allocate(64).position(3);
        assertNull(mailbox.poll());
        assertNull(mailbox.poll(SHORT));
        assertNull(mailbox.poll(Duration.ZERO));
        assertNull(mailbox.poll(Duration.ofSeconds(-1)));
        assertEquals(-1, mailbox.poll(buffer));
        assertEquals(-1, mailbox.poll(buffer, SHORT));
        assertEquals(3, buffer.position(), "the buffer is untouched");
        assertFalse(mailbox.poll(never));
        assertFalse(mailbox.poll(never, SHORT));
        assertEquals(0, mailbox.drain(never));
        assertEquals(0, mailbox.receivedCount());
        assertEquals(0, mailbox.pendingBytes());
    }

    @ContractTest
    void pendingBytesAndReceivedCountFollowTheTraffic(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        Mailbox other = open(mailbox);
        assertEquals(0, mailbox.pendingBytes());
        assertEquals(0, mailbox.receivedCount());
        List<Integer> sizes = List.of(0, 1, 16, 17, 100, 1000);
        long pending = 0;
        for (int size : sizes) {
            mailbox.put(message(size, size));
            pending += config.recordLength(size);
            assertEquals(pending, mailbox.pendingBytes(), "after sending " + size + " bytes");
            assertEquals(pending, other.pendingBytes(), "every handle sees the same mailbox");
        }
        assertEquals(0, mailbox.receivedCount(), "sending is not receiving");
        long received = 0;
        for (int size : sizes) {
            assertMessage(message(size, size), (received % 2 == 0 ? mailbox : other).poll());
            received++;
            pending -= config.recordLength(size);
            assertEquals(pending, mailbox.pendingBytes());
            assertEquals(received, mailbox.receivedCount());
            assertEquals(received, other.receivedCount());
        }
        assertEquals(0, mailbox.pendingBytes());
        // the count belongs to the mailbox: it survives its handles
        mailbox.close();
        other.close();
        Mailbox reopened = track(Mailbox.open(mailbox.name()));
        assertEquals(sizes.size(), reopened.receivedCount());
        assertEquals(0, reopened.skippedDeadSends());
    }

    @ContractTest
    void anEmptyMailboxAlwaysHoldsTwoMessagesOfTheMaximumSize(MailboxConfig config) {
        // asked for less than two maximum messages: the ring is made big enough
        Mailbox mailbox = create(config, b -> b.capacityBytes(1024).maxMessageSize(1000));
        assertTrue(mailbox.capacityBytes() >= 2 * config.recordLength(1000), "capacity " + mailbox.capacityBytes());
        assertTrue(mailbox.offer(message(1000, 1)));
        assertTrue(mailbox.offer(message(1000, 2)));
        assertMessage(message(1000, 1), mailbox.poll());
        assertMessage(message(1000, 2), mailbox.poll());
    }

    @ContractTest
    void capacityMessagesSizesTheRingForThatManyMaximumMessages(MailboxConfig config) {
        Mailbox mailbox = create(config, b -> b.maxMessageSize(200).capacityMessages(37));
        for (int i = 0; i < 37; i++) {
            assertTrue(mailbox.offer(message(200, i)), "message " + i);
        }
        for (int i = 0; i < 37; i++) {
            assertMessage(message(200, i), mailbox.poll());
        }
    }
}
