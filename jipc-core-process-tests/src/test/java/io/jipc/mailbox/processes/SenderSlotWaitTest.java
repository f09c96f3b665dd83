package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every sender slot of a many-sender mailbox held by senders killed in the middle of a send (the
 * fault point {@code after-tail-move}: the claim moved the tail, the slot is owned by the dead
 * process), and no receiver running: such a slot comes back only once a receiver has skipped the
 * dead claim. Meanwhile a send of a live process must keep its contract: an at-once {@code offer}
 * returns false and {@code tryClaim} null, a timed {@code offer} / {@code claim} time out, a
 * {@code put} ends with {@link InterruptedException} when interrupted, and nothing is sent. Once a
 * receiver runs, the dead claims are skipped and a waiting {@code put} goes through.
 *
 * <p>Until 2026-12-07 every send waited for a slot without limit and ignored interrupts (the ring's
 * {@code acquireSlot}): the at-once offer hung until a receiver came. Each step runs under
 * {@code assertTimeoutPreemptively}, so that the old hang fails instead of freezing the build (no
 * duration is asserted).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SenderSlotWaitTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final Duration HANG = Duration.ofSeconds(30);
    private static final int MAX_BODY = 64;

    @ParameterizedTest(name = "{0} sender slot(s)")
    @ValueSource(ints = {1, 2})
    void sendsKeepTheirContractWhileKilledSendersHoldEverySlot(int slots) throws Exception {
        String name = "slotwait-" + UUID.randomUUID().toString().substring(0, 8);
        MailboxOptions options = MailboxOptions.builder().senderSlots(slots)
                .maxMessageSize(Messages.HEADER + MAX_BODY).build();
        try (Mailbox mailbox = Mailbox.create(name, options)) {
            try {
                killSendersMidSend(name, slots);
                long pending = mailbox.pendingBytes(); // the dead claims'
                byte[] message = {1, 2, 3};

                assertFalse(assertTimeoutPreemptively(HANG, () -> mailbox.offer(message)),
                        "an at-once offer got a slot held by a dead sender");
                assertNull(assertTimeoutPreemptively(HANG, () -> mailbox.tryClaim(3)), "tryClaim got a slot");
                assertFalse(assertTimeoutPreemptively(HANG, () -> mailbox.offer(message, Duration.ofMillis(200))),
                        "a timed offer got a slot");
                assertNull(assertTimeoutPreemptively(HANG, () -> mailbox.claim(3, Duration.ofMillis(200))),
                        "a timed claim got a slot");
                Throwable putEnded = assertTimeoutPreemptively(HANG, () -> interruptedPut(mailbox, message));
                assertInstanceOf(InterruptedException.class, putEnded, "the interrupted put");
                assertEquals(pending, mailbox.pendingBytes(), "a send claimed room although every slot was held");

                // a put that waits for a slot, and then a receiver: it skips the dead claims, freeing their slots
                CompletableFuture<Void> put = CompletableFuture.runAsync(() -> {
                    try {
                        mailbox.put(new byte[]{4, 5});
                    } catch (InterruptedException e) {
                        throw new AssertionError("interrupted", e);
                    }
                });
                byte[] first = mailbox.poll(Duration.ofMinutes(1));
                assertNotNull(first, "the waiting put's message did not arrive");
                assertArrayEquals(new byte[]{4, 5}, first);
                put.get(1, TimeUnit.MINUTES);
                assertTrue(mailbox.offer(new byte[]{6}), "an at-once offer once the dead claims were skipped");
                assertArrayEquals(new byte[]{6}, mailbox.poll(Duration.ofMinutes(1)));
                assertEquals(slots, mailbox.skippedDeadSends(), "the dead senders' claims were skipped");
                assertNull(mailbox.poll(), "nothing else: the sends that gave up sent nothing");
            } finally {
                mailbox.destroy();
            }
        }
    }

    /**
     * Holds every one of the {@code slots} sender slots of mailbox {@code name} with a dead
     * process's claim: a child sends from {@code slots} threads, each parked right after its claim
     * moved the tail, and is killed.
     */
    private static void killSendersMidSend(String name, int slots) {
        try (ChildJvm sender = ChildJvm.builder(SendingProcess.class).quickStart().sharedClassArchive()
                .property("jipc.faults", "after-tail-move:1:park")
                .args(name, "1", Integer.toString(slots), "-1", Integer.toString(MAX_BODY), "offer").start()) {
            for (int i = 0; i < slots; i++) {
                sender.awaitLine("FAULT after-tail-move", LINE);
            }
            sender.kill();
        }
    }

    /** A {@code put} on another thread, interrupted while it waits; returns how it ended (null: it returned). */
    private static Throwable interruptedPut(Mailbox mailbox, byte[] message) throws InterruptedException {
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread putter = Thread.ofPlatform().start(() -> {
            try {
                mailbox.put(message);
            } catch (Throwable e) {
                ended.set(e);
            }
        });
        // let it reach the wait (or not: an interrupted put that has to wait throws all the same)
        Thread.sleep(100);
        putter.interrupt();
        putter.join();
        return ended.get();
    }
}
