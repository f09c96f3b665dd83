package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.WaitStrategy;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@link UnboundedMailbox} handle closed while its threads send back to back, across segments
 * so small that the senders move past one every few dozen messages (so that some sends are still
 * inside a mapping the others moved past when the close comes): every send either returns true,
 * and its message is received exactly once, or throws {@link ClosedException}, and its message is
 * not received; the receiver (another handle) takes everything without stalling on a claim the
 * close cut off; and the closed handle keeps no mapping of a segment file.
 *
 * <p>The close waits for the sends inside each of the handle's mappings, the one they moved past
 * included: a commit there rings the doorbell in the control file, which the close unmaps last
 * (a send whose commit found it unmapped would be received but reported closed).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UnboundedCloseUnderSendsTest {
    /** 8 KiB segment rings: about 35 messages of 200 bytes each. */
    private static final int CAPACITY = 8 << 10;
    private static final int SENDERS = 6;
    private static final int ROUNDS = 100;
    private static final int SIZE = 200;

    @ParameterizedTest
    @EnumSource(value = WaitStrategy.class, names = {"SPIN_THEN_FUTEX", "FUTEX"})
    void everySendEndsSentOrClosedAndTheReceiverTakesExactlyTheSentOnes(WaitStrategy strategy) throws Exception {
        MailboxOptions options = MailboxOptions.builder().capacityBytes(CAPACITY).maxMessageSize(512)
                .waitStrategy(strategy).build();
        for (int round = 0; round < ROUNDS; round++) {
            oneRound("close-under-sends-" + round, options);
        }
    }

    private static void oneRound(String name, MailboxOptions options) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        BitSet[] sent = new BitSet[SENDERS];
        List<Thread> threads = new ArrayList<>();
        try (UnboundedMailbox receiver = UnboundedMailbox.create(name, options, 64L << 20)) {
            UnboundedMailbox sender = UnboundedMailbox.open(name);
            CountDownLatch started = new CountDownLatch(SENDERS);
            for (int t = 0; t < SENDERS; t++) {
                int thread = t;
                sent[t] = new BitSet();
                threads.add(Thread.ofPlatform().name("sender-" + t).start(() -> {
                    ByteBuffer message = ByteBuffer.allocate(SIZE);
                    started.countDown();
                    try {
                        for (int seq = 0; ; seq++) {
                            message.clear();
                            message.putInt(thread).putInt(seq).putInt(~seq);
                            message.clear();
                            boolean offered;
                            try {
                                offered = sender.offer(message);
                            } catch (ClosedException closed) {
                                return;
                            }
                            if (offered) {
                                synchronized (sent[thread]) {
                                    sent[thread].set(seq);
                                }
                            } else {
                                Thread.yield(); // at the ceiling: the receiver is behind
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            Thread closer = Thread.ofPlatform().name("closer").start(() -> {
                try {
                    started.await();
                    Thread.sleep(ThreadLocalRandom.current().nextInt(5, 40));
                    sender.close();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            BitSet[] received = new BitSet[SENDERS];
            for (int t = 0; t < SENDERS; t++) {
                received[t] = new BitSet();
            }
            // until the senders have all ended, then until the mailbox is empty
            while (threads.stream().anyMatch(Thread::isAlive) || closer.isAlive()) {
                receiveOne(receiver, received, Duration.ofMillis(10));
            }
            closer.join();
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get(), () -> "a sender or the close failed: " + failure.get());
            int expected = 0;
            for (int t = 0; t < SENDERS; t++) {
                expected += sent[t].cardinality() - received[t].cardinality();
            }
            for (int n = 0; n < expected; n++) {
                // a claim left unfinished by the close would hold the receiver up here for ever
                assertTrue(receiveOne(receiver, received, Duration.ofSeconds(30)),
                        "a sent message was not received within 30 s (" + (expected - n) + " left)");
            }
            assertNull(receiver.poll(), "a message was received that no send reported sent");
            for (int t = 0; t < SENDERS; t++) {
                assertEquals(sent[t], received[t], "sender " + t + ": sent (offer true) and received differ");
            }
            int left = UnboundedSegmentMappings.of(name);
            assertTrue(left <= 2, () -> left + " mappings of segment files: the closed handle still maps some");
        } finally {
            UnboundedMailbox.destroy(name);
        }
    }

    /** Receives one message into {@code received} (each exactly once); false if none came in {@code timeout}. */
    private static boolean receiveOne(UnboundedMailbox receiver, BitSet[] received, Duration timeout)
            throws InterruptedException {
        byte[] message = receiver.poll(timeout);
        if (message == null) {
            return false;
        }
        assertEquals(SIZE, message.length);
        ByteBuffer in = ByteBuffer.wrap(message);
        int thread = in.getInt();
        int seq = in.getInt();
        assertEquals(~seq, in.getInt(), "a torn message");
        assertNotNull(received[thread]);
        assertTrue(!received[thread].get(seq), "message " + seq + " of sender " + thread + " received twice");
        received[thread].set(seq);
        return true;
    }
}
