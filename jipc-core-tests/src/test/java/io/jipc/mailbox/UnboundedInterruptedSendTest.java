package io.jipc.mailbox;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A send of an {@link UnboundedMailbox} whose thread is interrupted, while another live sender
 * holds the only sender slot for a moment now and then: its segment has room, so it never fails at
 * the ceiling. Until 2026-12-07 an interrupted send appended a newer segment at once whenever it
 * found every slot held, and with a ceiling of one segment its {@code put} threw
 * {@link MailboxCeilingException} (3 of 5 runs of 4,000 messages each).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UnboundedInterruptedSendTest {
    private static final int MESSAGES = 4_000;
    private static final int ROUNDS = 10;

    @Test
    void anInterruptedSendWhoseSegmentHasRoomNeverFailsAtTheCeiling() throws Exception {
        // one sender slot; a dead-sender timeout far above any descheduling of the live sender
        MailboxOptions options = MailboxOptions.builder().senderSlots(1).deadSenderTimeout(Duration.ofSeconds(30))
                .build();
        long segmentFile;
        try (UnboundedMailbox probe = UnboundedMailbox.create("interrupted-probe", options,
                UnboundedMailbox.DEFAULT_CEILING)) {
            segmentFile = probe.segmentFileBytes();
        } finally {
            UnboundedMailbox.destroy("interrupted-probe");
        }
        for (int round = 0; round < ROUNDS; round++) {
            String name = "interrupted-" + round;
            // a ceiling of one segment: 2 x 4,000 messages of 32 bytes fill under 40 % of it
            try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, options, segmentFile)) {
                AtomicReference<Throwable> plain = new AtomicReference<>();
                AtomicReference<Throwable> interrupted = new AtomicReference<>();
                byte[] message = new byte[32];
                Thread a = Thread.ofPlatform().start(() -> sendAll(mailbox, message, plain));
                Thread b = Thread.ofPlatform().start(() -> {
                    Thread.currentThread().interrupt();
                    sendAll(mailbox, message, interrupted);
                    if (interrupted.get() == null && !Thread.currentThread().isInterrupted()) {
                        interrupted.set(new AssertionError("the interrupt status was not kept"));
                    }
                });
                a.join();
                b.join();
                assertNull(plain.get(), () -> "the plain sender failed: " + plain.get());
                assertNull(interrupted.get(), () -> "the interrupted sender failed: " + interrupted.get());
                int received = 0;
                while (mailbox.poll() != null) {
                    received++;
                }
                assertEquals(2 * MESSAGES, received);
            } finally {
                UnboundedMailbox.destroy(name);
            }
        }
    }

    private static void sendAll(UnboundedMailbox mailbox, byte[] message, AtomicReference<Throwable> failure) {
        try {
            for (int i = 0; i < MESSAGES; i++) {
                mailbox.put(message);
            }
        } catch (Throwable e) {
            failure.set(e);
        }
    }
}
