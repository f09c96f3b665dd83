package io.jipc.mailbox;

import io.jipc.platform.ProcessIdentity;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Message headers and priority levels (POSIX message queue order: highest first, FIFO within a level). */
class MailboxHeadersContractTest extends MailboxContractTest {

    @FeatureTest
    void everyMessageCarriesItsSenderSequenceSendTimeAndPriority(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, b -> b.headers(true));
        assertTrue(mailbox.hasHeaders());
        Instant before = Instant.now();
        mailbox.put(message(10, 1));
        assertTrue(mailbox.offer(message(0, 2)));
        try (MailboxClaim claim = mailbox.claim(5)) {
            claim.segment().copyFrom(MemorySegment.ofArray(message(5, 3)));
            claim.commit();
        }
        Instant after = Instant.now();
        long sequence = 0;
        for (int seed = 1; seed <= 3; seed++) {
            Message m = seed == 2 ? mailbox.pollMessage() : mailbox.takeMessage();
            assertMessage(message(seed == 1 ? 10 : seed == 2 ? 0 : 5, seed), m.payload());
            assertEquals(ProcessIdentity.current().pid(), m.senderPid());
            assertEquals(ProcessIdentity.current().token(), m.senderToken());
            assertEquals(ProcessIdentity.current().pid(), m.sender().pid());
            assertTrue(m.sequence() > sequence, "sequence grows: " + m);
            sequence = m.sequence();
            assertFalse(m.sentAt().isBefore(before.minusMillis(1)), m.toString());
            assertFalse(m.sentAt().isAfter(after.plusMillis(1)), m.toString());
            assertEquals(0, m.priority());
        }
        assertEquals(3, sequence, "1, 2, 3 for this process's first three messages");
        assertNull(mailbox.pollMessage());
        assertNull(mailbox.pollMessage(SHORT));
    }

    @Test
    void aMailboxWithoutHeadersRefusesTheMessageView() {
        Mailbox mailbox = track(Mailbox.create(newName(), MailboxOptions.builder().capacityBytes(4096)
                .maxMessageSize(100).build()));
        assertFalse(mailbox.hasHeaders());
        assertEquals(1, mailbox.priorities());
        IllegalStateException e = assertThrows(IllegalStateException.class, mailbox::pollMessage);
        assertTrue(e.getMessage().contains("headers"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mailbox.offer(message(1, 1), 1));
        assertTrue(mailbox.offer(message(1, 1), 0), "priority 0 is every mailbox's level");
    }

    @FeatureTest
    void theHighestPriorityIsReceivedFirstAndFifoWithinAPriority(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, b -> b.priorities(8));
        assertEquals(8, mailbox.priorities());
        int[] priorities = {0, 3, 7, 3, 0, 7, 1, 3, 0};
        for (int i = 0; i < priorities.length; i++) {
            switch (i % 3) {
                case 0 -> assertTrue(mailbox.offer(message(20, i), priorities[i]));
                case 1 -> mailbox.put(message(20, i), priorities[i]);
                default -> assertTrue(mailbox.offer(message(20, i), priorities[i], LONG));
            }
        }
        // 7: 2, 5; 3: 1, 3, 7; 1: 6; 0: 0, 4, 8
        int[] expected = {2, 5, 1, 3, 7, 6, 0, 4, 8};
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            int seed = expected[i];
            switch (i % 4) {
                case 0 -> {
                    Message m = mailbox.takeMessage();
                    assertEquals(priorities[seed], m.priority());
                    assertMessage(message(20, seed), m.payload());
                }
                case 1 -> assertMessage(message(20, seed), mailbox.poll());
                case 2 -> {
                    ByteBuffer buffer = ByteBuffer.allocate(20);
                    assertEquals(20, mailbox.poll(buffer));
                    assertMessage(message(20, seed), buffer.array());
                }
                default -> assertEquals(1, mailbox.drain(s -> assertMessage(message(20, seed), s.toArray(
                        java.lang.foreign.ValueLayout.JAVA_BYTE)), 1));
            }
            seen.add(seed);
        }
        assertNull(mailbox.poll());
        assertEquals(9, mailbox.receivedCount());
    }

    @FeatureTest
    void drainHandsOutEveryLevelInPriorityOrder(MailboxConfig config) {
        Mailbox mailbox = create(config, b -> b.priorities(3));
        for (int i = 0; i < 30; i++) {
            assertTrue(mailbox.offer(new byte[] {(byte) i}, i % 3));
        }
        List<Integer> order = new ArrayList<>();
        assertEquals(30, mailbox.drain(s -> order.add((int) s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)), 100));
        List<Integer> expected = new ArrayList<>();
        for (int level = 2; level >= 0; level--) {
            for (int i = level; i < 30; i += 3) {
                expected.add(i);
            }
        }
        assertEquals(expected, order);
    }

    @FeatureTest
    void eachLevelHasItsOwnRoomAndAClaimCarriesItsPriority(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, b -> b.priorities(2).capacityBytes(4096).maxMessageSize(200));
        int size = config.sizeForRecord(256) - EnvelopeDescriptor.LENGTH; // 16 records fill a level
        int sent = 0;
        while (mailbox.offer(message(size, sent), 0)) {
            sent++;
        }
        assertEquals(4096 / 256, sent);
        assertFalse(mailbox.offer(message(size, -1), 0, SHORT));
        try (MailboxClaim claim = mailbox.tryClaim(size, 1)) {
            claim.segment().copyFrom(MemorySegment.ofArray(message(size, 99)));
            claim.commit();
        }
        Message first = mailbox.takeMessage();
        assertEquals(1, first.priority());
        assertMessage(message(size, 99), first.payload());
        for (int i = 0; i < sent; i++) {
            assertMessage(message(size, i), mailbox.poll());
        }
        assertThrows(IllegalArgumentException.class, () -> mailbox.offer(message(1, 1), 2));
        assertThrows(IllegalArgumentException.class, () -> mailbox.offer(message(1, 1), -1));
        assertThrows(IllegalArgumentException.class, () -> mailbox.tryClaim(1, 2));
    }

    @FeatureTest
    void aReceiverBlockedOnAllLevelsWakesForAMessageOfAnyLevel(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, b -> b.priorities(4));
        for (int level = 0; level < 4; level++) {
            for (Async.Kind kind : Async.Kind.values()) {
                Async<Message> receiver = Async.start(kind, "takeMessage", mailbox::takeMessage).assertBlocked();
                mailbox.put(message(7, level), level);
                Message m = receiver.get();
                assertEquals(level, m.priority());
                assertMessage(message(7, level), m.payload());
            }
        }
    }

    @Test
    void optionsCheckTheirRanges() {
        assertThrows(IllegalArgumentException.class, () -> MailboxOptions.builder().priorities(0));
        assertThrows(IllegalArgumentException.class,
                () -> MailboxOptions.builder().priorities(MailboxOptions.MAX_PRIORITIES + 1));
        assertThrows(IllegalArgumentException.class, () -> MailboxOptions.builder().messageLimit(-1));
        MailboxOptions options = MailboxOptions.builder().priorities(2).build();
        assertTrue(options.headers(), "priorities need headers");
        assertTrue(MailboxOptions.builder().messageLimit(0).build().rendezvous());
        assertFalse(MailboxOptions.defaults().headers());
        assertEquals(MailboxOptions.UNLIMITED, MailboxOptions.defaults().messageLimit());
    }
}
