package io.jipc.mailbox;

import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jipc.mailbox.MailboxDescriptor.TICKETS;
import static io.jipc.mailbox.MailboxDescriptor.TICKETS_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_LENGTH;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_OWNER_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_STATE_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A rendezvous send that finds none of the {@value MailboxDescriptor#TICKETS} ticket slots free keeps
 * its contract: a timed send times out (false, null) having sent nothing, an at-once offer returns
 * false at once. Before, every send waited for a slot with no limit, timed and at-once ones too.
 * The slots are taken by {@value MailboxDescriptor#TICKETS} threads blocked in {@code transfer}
 * with no receiver, or lost for good (a receiver killed between its clear of the record and the
 * drop of the {@code UNCLEARED} bit, written here into every slot's state). No duration is asserted:
 * the generous preemptive timeouts only stand for "it returns".
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS) // hang guard
class RendezvousSlotWaitTest {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long SELF = ProcessIdentity.current().token();
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final Duration RETURNS_WITHIN = Duration.ofSeconds(30);
    private static final byte[] OFFERED = {99};

    @Test
    void sendsFindingEverySlotHeldByBlockedTransfersTimeOutOrFailAtOnce() throws Exception {
        String name = newName();
        List<Async<ProcessIdentity>> transfers = new ArrayList<>();
        try (Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().messageLimit(0).maxMessageSize(64).build())) {
            for (int i = 0; i < TICKETS; i++) {
                byte[] message = {(byte) i};
                transfers.add(Async.start(Async.Kind.PLATFORM, "transfer-" + i, () -> mailbox.transfer(message)));
            }
            MemorySegment header = mailbox.mapped().segment.memory();
            awaitAllSlotsHeld(header);

            assertTimeoutPreemptively(RETURNS_WITHIN, () -> {
                assertFalse(mailbox.offer(OFFERED, Duration.ofMillis(200)), "timed offer with no slot free");
            });
            assertTimeoutPreemptively(RETURNS_WITHIN, () -> {
                assertNull(mailbox.tryTransfer(OFFERED, Duration.ofMillis(200)), "timed transfer with no slot free");
            });
            Rendezvous tickets = mailbox.mapped().lanes.rendezvous;
            tickets.receiverWaits(); // as a receiver blocked in a receive: the at-once offer goes on to take a slot
            try {
                assertTimeoutPreemptively(RETURNS_WITHIN, () -> {
                    assertFalse(mailbox.offer(OFFERED), "at-once offer with no slot free");
                });
            } finally {
                tickets.receiverDone();
            }

            try (Mailbox receiver = Mailbox.open(name)) {
                TreeSet<Integer> received = new TreeSet<>();
                for (int i = 0; i < TICKETS; i++) {
                    byte[] message = receiver.poll(Async.JOIN_TIMEOUT);
                    assertNotNull(message, "transfer " + i + " of " + TICKETS + " was not received");
                    received.add((int) message[0]);
                }
                for (Async<ProcessIdentity> transfer : transfers) {
                    assertNotNull(transfer.get(), "the transfer's receipt");
                }
                assertNull(receiver.poll(), "a message after the transfers': an offer that failed sent it");
                assertEquals(TICKETS, received.size(), "distinct transfers received");
                assertEquals(TICKETS - 1, received.last(), "the largest message received");
                assertEquals(0, received.first(), "the smallest message received");
            }
        } finally {
            for (Async<ProcessIdentity> transfer : transfers) {
                transfer.interrupt(); // only those still blocked after a failure
            }
            Mailbox.destroy(name);
        }
    }

    @Test
    void sendsFindingEverySlotLostTimeOutOrFailAtOnceWhileAReceiverWaits() throws Exception {
        String name = newName();
        try (Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().messageLimit(0).maxMessageSize(64).build());
                Mailbox receiving = Mailbox.open(name)) {
            MemorySegment header = mailbox.mapped().segment.memory();
            for (int slot = 0; slot < TICKETS; slot++) { // taken, uncleared: the taker killed in between
                LONG.setVolatile(header, stateOffset(slot), 7L << 16 | Rendezvous.TAKEN | Rendezvous.UNCLEARED);
            }
            Async<byte[]> receiver = Async.start(Async.Kind.PLATFORM, "receiver",
                    () -> receiving.poll(Duration.ofMinutes(10)));
            long giveUpAt = System.nanoTime() + Async.JOIN_TIMEOUT.toNanos();
            while (!mailbox.mapped().lanes.rendezvous.receiverWaiting(false) && System.nanoTime() - giveUpAt < 0) {
                Thread.sleep(1);
            }
            try {
                assertTimeoutPreemptively(RETURNS_WITHIN, () -> {
                    assertFalse(mailbox.offer(OFFERED), "at-once offer with every slot lost");
                });
                assertTimeoutPreemptively(RETURNS_WITHIN, () -> {
                    assertFalse(mailbox.offer(OFFERED, Duration.ofMillis(200)), "timed offer with every slot lost");
                });
            } finally {
                receiver.interrupt();
            }
            receiver.failure(InterruptedException.class); // it got nothing
            assertNull(receiving.poll(), "an offer that failed sent its message");
        } finally {
            Mailbox.destroy(name);
        }
    }

    /** Waits until this process holds every ticket slot (the transfers' messages wait in the ring). */
    private static void awaitAllSlotsHeld(MemorySegment header) throws InterruptedException {
        long giveUpAt = System.nanoTime() + Async.JOIN_TIMEOUT.toNanos();
        while (System.nanoTime() - giveUpAt < 0) {
            int held = 0;
            for (int slot = 0; slot < TICKETS; slot++) {
                if ((long) LONG.getVolatile(header, ownerOffset(slot)) == SELF) {
                    held++;
                }
            }
            if (held == TICKETS) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("the transfers never held every ticket slot");
    }

    private static long ownerOffset(int slot) {
        return TICKETS_OFFSET + (long) slot * TICKET_LENGTH + TICKET_OWNER_OFFSET;
    }

    private static long stateOffset(int slot) {
        return TICKETS_OFFSET + (long) slot * TICKET_LENGTH + TICKET_STATE_OFFSET;
    }

    private static String newName() {
        return "rv-slots-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }
}
