package io.jipc.mailbox.processes;

import io.jipc.ClosedException;
import io.jipc.mailbox.MailboxCeilingException;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every sender slot of an unbounded mailbox's segment held by senders killed in the middle of a
 * send (the fault point {@code after-tail-move}: the claim moved the tail, the slot is owned by the
 * dead process), and no receiver running: such a slot comes back only once a receiver has skipped
 * the dead claim. A send of a live process must not wait for it: after at most the dead-sender
 * timeout (after 100 µs if its thread is interrupted) it appends a newer segment and sends there, or,
 * if the ceiling forbids another segment, {@code offer} returns false and {@code put} throws
 * {@link MailboxCeilingException}. A receiver that comes later skips the dead claims, retires the
 * segment left behind and receives every committed message once, in each sender's order.
 *
 * <p>Until 2026-12-07 the send napped for a slot of that segment without limit, ignoring
 * interrupts: {@code offer} and {@code put} hung until a receiver ran. Each such step runs under
 * {@code assertTimeoutPreemptively}, so that the old hang fails instead of freezing the build (no
 * duration is asserted).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UnboundedSenderSlotWaitTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final Duration HANG = Duration.ofSeconds(30);
    private static final int MAX_BODY = 64;
    /** The producer id of the killed child's messages (none of which was committed). */
    private static final int KILLED = 1;
    /** The producer id of this process's messages. */
    private static final int LIVE = 7;

    @ParameterizedTest(name = "{0} sender slot(s)")
    @ValueSource(ints = {1, 2})
    void aSendMovesOnToANewSegmentPastSlotsHeldByKilledSenders(int slots) throws Exception {
        String name = name();
        MailboxOptions options = options(slots, Duration.ofMillis(100));
        try (UnboundedMailbox receiver = UnboundedMailbox.create(name, options, UnboundedMailbox.DEFAULT_CEILING)) {
            try (UnboundedMailbox sender = UnboundedMailbox.open(name)) {
                long seq = 0;
                for (; seq < 3; seq++) {
                    assertTrue(sender.offer(message(seq)), "a send before the kill");
                }
                killSendersMidSend(name, slots);
                assertEquals(1, sender.segmentCount());

                long waited = seq++;
                assertTrue(assertTimeoutPreemptively(HANG, () -> sender.offer(message(waited))),
                        "an offer past slots held by dead senders");
                assertEquals(2, sender.segmentCount(), "the offer appended a segment and sent there");
                long put = seq++;
                assertTimeoutPreemptively(HANG, () -> sender.put(MemorySegment.ofArray(message(put))));
                assertTrue(sender.offer(message(seq++)), "an at-once offer to the new segment");
                assertEquals(2, sender.segmentCount(), "one segment appended, no more");
                assertTimeoutPreemptively(HANG, sender::close); // (closing again at the end does nothing)

                // a receiver now: it skips the dead claims of segment 0, retires it, and goes on to segment 1
                Tally tally = new Tally(MAX_BODY);
                long sent = seq;
                assertTimeoutPreemptively(HANG, () -> {
                    while (tally.total() < sent) {
                        assertTrue(receiver.poll(tally, Duration.ofMinutes(1)), "a committed message did not arrive");
                    }
                });
                assertEquals(sent, tally.received(LIVE, 0), "every message of this process, once, in order");
                for (int t = 0; t < slots; t++) {
                    assertEquals(0, tally.received(KILLED, t), "a dead sender's claim was delivered");
                }
                assertNull(receiver.poll(), "nothing else");
                assertEquals(1, receiver.segmentCount(), "the segment left behind was retired");
                byte[] after = message(0);
                assertTrue(receiver.offer(after), "an offer once the dead claims were skipped");
                assertArrayEquals(after, receiver.poll(Duration.ofMinutes(1)));
            } finally {
                receiver.destroy();
            }
        }
    }

    @ParameterizedTest(name = "{0} sender slot(s)")
    @ValueSource(ints = {1, 2})
    void atTheCeilingASendPastSlotsHeldByKilledSendersFails(int slots) throws Exception {
        String name = name();
        MailboxOptions options = options(slots, Duration.ofMillis(100));
        long oneSegment = UnboundedMailbox.segmentFileBytes(options);
        try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, options, oneSegment)) {
            try {
                killSendersMidSend(name, slots);
                byte[] message = message(0);

                assertFalse(assertTimeoutPreemptively(HANG, () -> mailbox.offer(message)),
                        "an offer needing a second segment at a ceiling of one");
                MailboxCeilingException refused = assertTimeoutPreemptively(HANG,
                        () -> assertThrows(MailboxCeilingException.class, () -> mailbox.put(message)));
                assertEquals(oneSegment, refused.ceilingBytes());
                assertEquals(1, mailbox.segmentCount());

                // a receiver skips the dead claims, after which their slots are free again
                assertTimeoutPreemptively(HANG, () -> {
                    while (!mailbox.offer(message)) {
                        assertNull(mailbox.poll(Duration.ofMillis(200)), "a message that nobody committed");
                    }
                });
                assertArrayEquals(message, mailbox.poll(Duration.ofMinutes(1)));
                assertNull(mailbox.poll(), "the refused sends sent nothing");
            } finally {
                mailbox.destroy();
            }
        }
    }

    /**
     * With a dead-sender timeout far beyond the test's, only an interrupt or a close can end a
     * send's wait for a slot: a close of the handle ends it with {@link ClosedException} (and
     * returns), an interrupted send appends after a 100 µs look and keeps its interrupt status.
     */
    @Test
    void anInterruptOrACloseEndsTheWaitForASlot() throws Exception {
        String name = name();
        MailboxOptions options = options(1, Duration.ofMinutes(30));
        try (UnboundedMailbox creator = UnboundedMailbox.create(name, options, UnboundedMailbox.DEFAULT_CEILING)) {
            try {
                killSendersMidSend(name, 1);

                try (UnboundedMailbox closing = UnboundedMailbox.open(name)) {
                    CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(
                            () -> closing.offer(message(0)), runnable -> Thread.ofPlatform().start(runnable));
                    Thread.sleep(200); // let it reach the wait (or not: a send on a closed handle fails all the same)
                    assertTimeoutPreemptively(HANG, closing::close);
                    ExecutionException ended = assertThrows(ExecutionException.class,
                            () -> waiting.get(30, TimeUnit.SECONDS));
                    assertInstanceOf(ClosedException.class, ended.getCause(), "the waiting send on the closed handle");
                }

                try (UnboundedMailbox sender = UnboundedMailbox.open(name)) {
                    boolean sent = assertTimeoutPreemptively(HANG, () -> {
                        Thread.currentThread().interrupt();
                        try {
                            return sender.offer(message(0));
                        } finally {
                            assertTrue(Thread.interrupted(), "the interrupt status was kept (and is cleared here)");
                        }
                    });
                    assertTrue(sent, "an interrupted offer past a slot held by a dead sender");
                    assertEquals(2, sender.segmentCount(), "it appended a segment and sent there");
                }
            } finally {
                creator.destroy();
            }
        }
    }

    private static String name() {
        return "uslotwait-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static MailboxOptions options(int slots, Duration deadSenderTimeout) {
        return MailboxOptions.builder().capacityBytes(64 << 10).senderSlots(slots)
                .maxMessageSize(Messages.HEADER + MAX_BODY).deadSenderTimeout(deadSenderTimeout).build();
    }

    /** Message {@code seq} of this process's sender (producer {@link #LIVE}, thread 0). */
    private static byte[] message(long seq) {
        int length = Messages.length(LIVE, 0, seq, MAX_BODY);
        byte[] bytes = new byte[length];
        Messages.write(MemorySegment.ofArray(bytes), LIVE, 0, seq, length);
        return bytes;
    }

    /**
     * Holds every one of the {@code slots} sender slots of the newest segment of unbounded mailbox
     * {@code name} with a dead process's claim: a child sends from {@code slots} threads, each
     * parked right after its first claim moved the tail, and is killed.
     */
    private static void killSendersMidSend(String name, int slots) {
        try (ChildJvm sender = ChildJvm.builder(UnboundedSendingProcess.class).quickStart().sharedClassArchive()
                .property("jipc.faults", "after-tail-move:1:park")
                .args(name, Integer.toString(KILLED), Integer.toString(slots), "-1", Integer.toString(MAX_BODY), "0")
                .start()) {
            for (int i = 0; i < slots; i++) {
                sender.awaitLine("FAULT after-tail-move", LINE);
            }
            sender.kill();
        }
    }
}
