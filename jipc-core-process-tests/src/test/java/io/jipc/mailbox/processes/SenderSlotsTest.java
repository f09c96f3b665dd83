package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxClaim;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sender slots bound the sends in flight at one moment, not the number of senders: more sending
 * processes than slots all get through, and a blocking claim beyond the slots waits for one to be
 * freed (an at-once one returns null).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SenderSlotsTest {

    @Test
    void moreSendingProcessesThanSlotsAllDeliver() throws Exception {
        int maxBody = 100;
        long perProcess = 20_000;
        int processes = 5;
        try (Mailbox mailbox = Mailbox.create("slots", MailboxOptions.builder().senderSlots(2)
                .capacityBytes(8192).maxMessageSize(Messages.HEADER + maxBody).build())) {
            List<ChildJvm> senders = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                senders.add(ChildJvm.builder(SendingProcess.class).quickStart().args("slots", Integer.toString(p),
                        "2", Long.toString(perProcess), Integer.toString(maxBody), "mixed").start());
            }
            Tally tally = new Tally(maxBody);
            while (tally.total() < processes * 2 * perProcess) {
                if (mailbox.drain(tally, 256) == 0) {
                    assertTrue(mailbox.poll(tally, Duration.ofMinutes(1)), "no message within a minute");
                }
            }
            for (ChildJvm sender : senders) {
                sender.assertSuccess(Duration.ofMinutes(1));
            }
            for (int p = 0; p < processes; p++) {
                assertEquals(perProcess, tally.received(p, 0));
                assertEquals(perProcess, tally.received(p, 1));
            }
        } finally {
            Mailbox.destroy("slots");
        }
    }

    @Test
    void aClaimBeyondTheSlotsWaitsUntilOneIsCommitted() throws Exception {
        try (Mailbox mailbox = Mailbox.create("busy", MailboxOptions.builder().senderSlots(2).build())) {
            MailboxClaim first = mailbox.tryClaim(10);
            MailboxClaim second = mailbox.tryClaim(10);
            // an at-once claim does not wait for a slot (SenderSlotWaitTest)
            assertNull(mailbox.tryClaim(10), "an at-once claim got a third slot");
            CompletableFuture<MailboxClaim> third = CompletableFuture.supplyAsync(() -> {
                try {
                    return mailbox.claim(10);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            // the third claim cannot have completed: both slots are held (no timing is asserted)
            Thread.sleep(100);
            assertFalse(third.isDone(), "a third claim got a slot while both were held");
            first.segment().fill((byte) 1);
            first.commit();
            MailboxClaim got = third.get(1, TimeUnit.MINUTES);
            got.segment().fill((byte) 3);
            got.commit();
            second.segment().fill((byte) 2);
            second.commit();
            assertEquals(1, mailbox.poll()[0]);
            assertEquals(2, mailbox.poll()[0], "ring order: the second claim precedes the third");
            assertEquals(3, mailbox.poll()[0]);
        } finally {
            Mailbox.destroy("busy");
        }
    }
}
