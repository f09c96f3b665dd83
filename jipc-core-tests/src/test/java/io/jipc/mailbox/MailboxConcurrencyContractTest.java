package io.jipc.mailbox;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many threads of one process on one mailbox (which a single-sender mailbox allows too: the lease
 * is per process), platform and virtual: every message exactly once, each sender's order kept.
 */
class MailboxConcurrencyContractTest extends MailboxContractTest {

    /** Message {@code seq} of sender {@code sender}: both numbers, then a payload derived from them. */
    static byte[] tagged(int sender, int seq) {
        int length = 8 + (seq * 7 + sender * 13) % 150;
        ByteBuffer buffer = ByteBuffer.allocate(length);
        buffer.putInt(sender).putInt(seq);
        while (buffer.hasRemaining()) {
            buffer.put((byte) (sender * 31 + seq + buffer.position()));
        }
        return buffer.array();
    }

    /** Checks that {@code message} is whole and the next one of its sender; returns the sender. */
    static int checkNext(byte[] message, int[] nextSeq) {
        ByteBuffer buffer = ByteBuffer.wrap(message);
        int sender = buffer.getInt();
        int seq = buffer.getInt();
        assertEquals(nextSeq[sender], seq, "sender " + sender + ": message out of order, lost or duplicated");
        assertArrayEquals(tagged(sender, seq), message, "sender " + sender + " message " + seq + " is damaged");
        nextSeq[sender]++;
        return sender;
    }

    /** Sends with a mix of verbs, so that every path runs under contention. */
    static void send(Mailbox mailbox, int sender, int seq) throws InterruptedException {
        byte[] message = tagged(sender, seq);
        switch (seq % 4) {
            case 0 -> mailbox.put(message);
            case 1 -> {
                while (!mailbox.offer(message, LONG)) {
                    // retried: a long timeout only expires on a stalled machine
                }
            }
            case 2 -> {
                try (MailboxClaim claim = mailbox.claim(message.length)) {
                    claim.segment().copyFrom(MemorySegment.ofArray(message));
                    claim.commit();
                }
            }
            default -> mailbox.put(ByteBuffer.wrap(message));
        }
    }

    @ContractTest
    void manySenderThreadsOneReceiverEveryMessageOnceInSenderOrder(MailboxConfig config) throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            int senders = kind == Async.Kind.PLATFORM ? 4 : 32;
            int perSender = kind == Async.Kind.PLATFORM ? 2000 : 250;
            // small: the senders often find it full and block
            Mailbox mailbox = create(config, b -> b.capacityBytes(8192).maxMessageSize(200));
            List<Async<Void>> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int sender = s;
                threads.add(Async.run(kind, "sender-" + s, () -> {
                    for (int seq = 0; seq < perSender; seq++) {
                        send(mailbox, sender, seq);
                    }
                }));
            }
            int[] nextSeq = new int[senders];
            int total = senders * perSender;
            int received = 0;
            while (received < total) {
                if (received % 3 == 0) {
                    received += mailbox.drain(segment -> checkNext(segment.toArray(ValueLayout.JAVA_BYTE), nextSeq), 50);
                } else {
                    checkNext(mailbox.take(), nextSeq);
                    received++;
                }
            }
            for (Async<Void> thread : threads) {
                thread.get();
            }
            assertNull(mailbox.poll(), "no message more than was sent");
            for (int s = 0; s < senders; s++) {
                assertEquals(perSender, nextSeq[s], "sender " + s);
            }
            assertEquals(total, mailbox.receivedCount());
        }
    }

    @ContractTest
    void manyReceiverThreadsShareTheMessagesEachInOrder(MailboxConfig config) throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            int receivers = kind == Async.Kind.PLATFORM ? 3 : 16;
            int total = 4000;
            Mailbox mailbox = create(config, b -> b.capacityBytes(8192).maxMessageSize(200));
            Mailbox second = open(mailbox); // receivers use two handles of this process
            Set<Integer> seen = ConcurrentHashMap.newKeySet();
            List<Async<Integer>> threads = new ArrayList<>();
            for (int r = 0; r < receivers; r++) {
                Mailbox handle = r % 2 == 0 ? mailbox : second;
                threads.add(Async.start(kind, "receiver-" + r, () -> {
                    int count = 0;
                    int last = -1;
                    while (true) {
                        byte[] message = handle.take();
                        if (message.length == 0) {
                            return count; // end marker
                        }
                        ByteBuffer buffer = ByteBuffer.wrap(message);
                        buffer.getInt();
                        int seq = buffer.getInt();
                        assertArrayEquals(tagged(0, seq), message);
                        assertTrue(seq > last, "one thread receives in send order");
                        assertTrue(seen.add(seq), "message " + seq + " received twice");
                        last = seq;
                        count++;
                    }
                }));
            }
            for (int seq = 0; seq < total; seq++) {
                send(mailbox, 0, seq);
            }
            for (int r = 0; r < receivers; r++) {
                mailbox.put(new byte[0]);
            }
            int sum = 0;
            for (Async<Integer> thread : threads) {
                sum += thread.get();
            }
            assertEquals(total, sum);
            assertEquals(total, seen.size());
            assertNull(mailbox.poll());
        }
    }

    @ContractTest
    void virtualThreadsBlockedInTakeDoNotStarveOtherVirtualThreads(MailboxConfig config) throws Exception {
        int mailboxes = 100;
        int takersPerMailbox = 10;
        List<Mailbox> boxes = new ArrayList<>();
        for (int i = 0; i < mailboxes; i++) {
            boxes.add(create(config, b -> b.capacityBytes(4096).maxMessageSize(200)));
        }
        // 1000 virtual threads block in take(), ten on each mailbox
        List<Async<byte[]>> takers = new ArrayList<>();
        for (int i = 0; i < mailboxes * takersPerMailbox; i++) {
            Mailbox box = boxes.get(i % mailboxes);
            takers.add(Async.start(Async.Kind.VIRTUAL, "taker-" + i, box::take));
        }
        Async.assertAllBlocked(takers);

        // meanwhile other virtual threads still get to run: a relay of hand-offs between them
        int others = 200;
        CountDownLatch done = new CountDownLatch(others);
        for (int i = 0; i < others; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(1);
                    Thread.yield();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            });
        }
        assertTrue(done.await(Async.JOIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                done.getCount() + " virtual threads never ran while others were blocked in take()");
        for (Async<byte[]> taker : takers) {
            assertTrue(!taker.isDone(), "a taker returned without a message");
        }

        // virtual threads send the messages; every taker gets exactly one
        List<Async<Void>> senders = new ArrayList<>();
        for (int m = 0; m < mailboxes; m++) {
            Mailbox box = boxes.get(m);
            int mailbox = m;
            senders.add(Async.run(Async.Kind.VIRTUAL, "sender-" + m, () -> {
                for (int k = 0; k < takersPerMailbox; k++) {
                    box.put(tagged(mailbox, k));
                }
            }));
        }
        for (Async<Void> sender : senders) {
            sender.get();
        }
        Set<String> received = new HashSet<>();
        for (Async<byte[]> taker : takers) {
            received.add(Arrays.toString(taker.get()));
        }
        assertEquals(mailboxes * takersPerMailbox, received.size(), "each message went to exactly one taker");
        for (int m = 0; m < mailboxes; m++) {
            for (int k = 0; k < takersPerMailbox; k++) {
                assertTrue(received.contains(Arrays.toString(tagged(m, k))), "mailbox " + m + " message " + k);
            }
            assertNull(boxes.get(m).poll());
        }
    }
}
