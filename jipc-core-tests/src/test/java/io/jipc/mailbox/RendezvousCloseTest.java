package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jipc.mailbox.MailboxDescriptor.TICKETS;
import static io.jipc.mailbox.MailboxDescriptor.TICKETS_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_LENGTH;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_OWNER_OFFSET;
import static io.jipc.mailbox.MailboxDescriptor.TICKET_STATE_OFFSET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A rendezvous send waiting for a taker when another thread closes the process's last handle of the
 * mailbox: exactly one of "delivered, the send succeeds" and "withdrawn, the send fails" holds,
 * as for a send that gives up by itself. The close withdraws a pending message (its sender ends with
 * {@link ClosedException}; no receiver gets it afterwards) and gives its ticket slot back; a message
 * a receiver took just before the close makes the send succeed. Before, the close left the ticket
 * pending (a receiver that came later delivered the message the send had reported as failed) and
 * the slot held with this live process's token (lost to every sender while this process lived).
 * The file words are read as another process reads them; the receiver after the close maps the
 * mailbox anew, as another process would.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS) // hang guard; each call has its own (Async)
class RendezvousCloseTest {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long SELF = ProcessIdentity.current().token();
    private static final AtomicInteger NAMES = new AtomicInteger();
    /** More closes than there are ticket slots: one slot lost per close would exhaust them. */
    private static final int ROUNDS = TICKETS + 16;

    /**
     * Deterministic: the close's give-up (the first step of {@link MappedMailbox#release()}, taken
     * alone, so the sender is not woken before the file is read) withdraws the waiting send's
     * message and frees its slot; the close then ends the send with ClosedException, and a receiver
     * afterwards gets nothing.
     */
    @Test
    void theGiveUpOfTheLastHandleWithdrawsAWaitingSendAndFreesItsSlot() throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            for (boolean timed : new boolean[] {false, true}) {
                String name = newName();
                try {
                    Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().messageLimit(0).build());
                    Path file = mailbox.mapped().segment.path();
                    Async<Object> sender = startSend(kind, mailbox, timed);
                    int slot = awaitPending(mailbox, 0);
                    mailbox.mapped().giveUp();
                    assertTicketsLeft(file, "after the give-up");
                    assertNotEquals(pendingState(file, slot), readLong(file, stateOffset(slot)),
                            "the waiting send's ticket is still pending after the give-up");
                    mailbox.close();
                    sender.failure(ClosedException.class);
                    assertNothingDelivered(name);
                } finally {
                    Mailbox.destroy(name);
                }
            }
        }
    }

    /**
     * The same through {@link Mailbox#close()} alone, racing the woken sender's own withdrawal,
     * more often than there are ticket slots: each time the send ends with ClosedException, no
     * ticket is left pending or held by this process, and at the end a send still finds a slot and
     * a receiver in a new mapping gets only that one.
     */
    @Test
    void closesOfTheLastHandleUnderWaitingSendsLeaveNoTicketPendingOrHeld() throws Exception {
        String name = newName();
        try {
            Mailbox.create(name, MailboxOptions.builder().messageLimit(0).build()).close();
            for (int i = 0; i < ROUNDS; i++) {
                Async.Kind kind = i % 2 == 0 ? Async.Kind.PLATFORM : Async.Kind.VIRTUAL;
                Mailbox mailbox = Mailbox.open(name);
                Path file = mailbox.mapped().segment.path();
                long before = mailbox.pendingBytes(); // the earlier rounds' withdrawn messages
                Async<Object> sender = startSend(kind, mailbox, i % 4 >= 2);
                awaitPending(mailbox, before);
                mailbox.close();
                sender.failure(ClosedException.class);
                assertTicketsLeft(file, "round " + i);
            }
            try (Mailbox receiver = Mailbox.open(name); Mailbox sender = Mailbox.open(name)) {
                Async<Object> send = Async.start(Async.Kind.PLATFORM, "last-send", () -> {
                    sender.put(new byte[] {42});
                    return null;
                });
                assertArrayEquals(new byte[] {42}, receiver.poll(Async.JOIN_TIMEOUT),
                        "the withdrawn messages are skipped, the new one arrives");
                send.get();
                assertNull(receiver.poll(), "nothing more");
            }
        } finally {
            Mailbox.destroy(name);
        }
    }

    /**
     * Deterministic: a receiver of another process took the message (its compare-and-set, written
     * here into the file; the sender is not woken) just before the close: the send succeeds and
     * names that receiver, as if it had seen the take itself.
     */
    @Test
    void aSendWhoseMessageWasTakenJustBeforeTheCloseSucceeds() throws Exception {
        long taker = SELF ^ 0x5A5A; // another process's token, as the receivers table holds it
        for (Async.Kind kind : Async.Kind.values()) {
            String name = newName();
            try {
                Mailbox mailbox = Mailbox.create(name, MailboxOptions.builder().messageLimit(0).build());
                Path file = mailbox.mapped().segment.path();
                Async<ProcessIdentity> sender = Async.start(kind, "transfer-" + kind,
                        () -> mailbox.transfer(new byte[] {7}));
                int slot = awaitPending(mailbox, 0);
                MemorySegment header = mailbox.mapped().segment.memory();
                awaitAsleep(header, sender); // else it may see the take itself, before the close
                LONG.setVolatile(header, (long) MailboxDescriptor.RECEIVERS_OFFSET, taker);
                long pending = pendingState(file, slot);
                assertEquals(true, LONG.compareAndSet(header, stateOffset(slot), pending,
                        pending + Rendezvous.TAKEN), "took the ticket");
                mailbox.mapped().giveUp();
                assertTicketsLeft(file, "after the give-up");
                mailbox.close();
                ProcessIdentity receipt = sender.get();
                assertEquals(ProcessIdentity.pidOf(taker), receipt.pid(), "the receipt names the taker");
            } finally {
                Mailbox.destroy(name);
            }
        }
    }

    private static Async<Object> startSend(Async.Kind kind, Mailbox mailbox, boolean timed) {
        return Async.start(kind, (timed ? "offer-" : "put-") + kind, () -> {
            if (timed) {
                return mailbox.offer(new byte[] {1, 2, 3}, Duration.ofMinutes(10));
            }
            mailbox.put(new byte[] {1, 2, 3});
            return null;
        });
    }

    /**
     * Waits until the send's message is in the ring (more than {@code bytesBefore} in use) with its
     * ticket pending; returns its slot (the one this process owns).
     */
    private static int awaitPending(Mailbox mailbox, long bytesBefore) throws InterruptedException {
        long giveUpAt = System.nanoTime() + Async.JOIN_TIMEOUT.toNanos();
        MemorySegment header = mailbox.mapped().segment.memory();
        while (System.nanoTime() - giveUpAt < 0) {
            if (mailbox.pendingBytes() > bytesBefore) {
                for (int slot = 0; slot < TICKETS; slot++) {
                    if ((long) LONG.getVolatile(header, ownerOffset(slot)) == SELF
                            && ((long) LONG.getVolatile(header, stateOffset(slot)) & 0xFFFF) == Rendezvous.PENDING) {
                        return slot;
                    }
                }
            }
            Thread.sleep(1);
        }
        throw new AssertionError("the send's message never reached the ring");
    }

    /**
     * Waits until a sender announced that it sleeps until a message is taken (the header's
     * "taken" waiting word), and gives it a moment to fall asleep. A sender that has not yet when
     * the test goes on is fine: the test holds whatever the timing.
     */
    private static void awaitAsleep(MemorySegment header, Async<?> sender) throws InterruptedException {
        long giveUpAt = System.nanoTime() + Async.JOIN_TIMEOUT.toNanos();
        while ((int) INT.getVolatile(header, (long) MailboxDescriptor.TAKEN_WAITING_OFFSET) == 0
                && System.nanoTime() - giveUpAt < 0) {
            Thread.sleep(1);
        }
        sender.assertBlocked();
    }

    /** Fails if a ticket slot is held by this process or pending with a message of it in the ring. */
    private static void assertTicketsLeft(Path file, String when) throws IOException {
        for (int slot = 0; slot < TICKETS; slot++) {
            assertNotEquals(SELF, readLong(file, ownerOffset(slot)),
                    when + ": ticket slot " + slot + " is still held with this live process's token");
        }
    }

    /** A receiver in a new mapping (as another process's) gets no message: the withdrawn one is skipped. */
    private static void assertNothingDelivered(String name) throws Exception {
        try (Mailbox again = Mailbox.open(name)) {
            assertNull(again.poll(), "the withdrawn message was delivered");
            assertEquals(0, again.receivedCount(), "messages received");
        }
    }

    /** The pending state of {@code slot}'s current generation. */
    private static long pendingState(Path file, int slot) throws IOException {
        return readLong(file, stateOffset(slot)) & ~0xFFFFL | Rendezvous.PENDING;
    }

    private static long readLong(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder());
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0) {
                // reads on until full
            }
            return buffer.getLong(0);
        }
    }

    private static long ownerOffset(int slot) {
        return TICKETS_OFFSET + (long) slot * TICKET_LENGTH + TICKET_OWNER_OFFSET;
    }

    private static long stateOffset(int slot) {
        return TICKETS_OFFSET + (long) slot * TICKET_LENGTH + TICKET_STATE_OFFSET;
    }

    private static String newName() {
        return "rv-close-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }
}
