package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxListener;
import io.jipc.mailbox.MailboxSelector;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.Message;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The message-passing properties of SPEC §1 observed between real processes: a rendezvous sender
 * stays blocked until the receiver (another process) takes its message, {@code offer} hands over
 * only to a receiver blocked in another process, a full bounded mailbox refuses {@code offer} at
 * once, priorities order messages sent by another process, and headers name that process.
 */
class MessagePassingProcessTest extends ProcessTestFixture {
    // ================================================================== child mains

    /** {@code put}s each argument after the first (the mailbox), saying PUT before and RETURNED after each. */
    public static final class Put {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                for (int i = 1; i < args.length; i++) {
                    say("PUT " + args[i]);
                    mailbox.put(args[i].getBytes(UTF_8));
                    say("RETURNED " + args[i]);
                }
            }
        }
    }

    /** {@code offer}s its message without waiting once, says the result; then until it succeeds, says OFFERED. */
    public static final class OfferUntilTaken {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                say("FIRST " + mailbox.offer(args[1].getBytes(UTF_8)));
                while (!mailbox.offer(args[1].getBytes(UTF_8))) {
                    Thread.sleep(1);
                }
                say("OFFERED");
            }
        }
    }

    /** Sends {@code text:priority} pairs with {@code offer(message, priority)}; says SENT. */
    public static final class SendWithPriorities {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                for (int i = 1; i < args.length; i++) {
                    String[] pair = args[i].split(":");
                    if (!mailbox.offer(pair[0].getBytes(UTF_8), Integer.parseInt(pair[1]))) {
                        throw new AssertionError("full");
                    }
                }
                say("SENT");
            }
        }
    }

    /** Offers without waiting to a mailbox, says OFFER true/false for each of its arguments. */
    public static final class OfferEach {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                StringBuilder results = new StringBuilder("OFFER");
                for (int i = 1; i < args.length; i++) {
                    results.append(' ').append(mailbox.offer(args[i].getBytes(UTF_8)));
                }
                say(results.toString());
            }
        }
    }

    // ================================================================== tests

    @Test
    void aRendezvousSenderStaysBlockedUntilTheReceiverTakesItsMessage() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().messageLimit(0));
        try (ChildJvm sender = start(Put.class, mailbox.name(), "first", "second")) {
            sender.awaitLine("PUT first", CHILD);
            // the message is in the mailbox, its sender waits for us
            long deadline = System.nanoTime() + CHILD.toNanos();
            while (mailbox.pendingBytes() == 0) {
                assertTrue(System.nanoTime() < deadline, "the sender never sent");
                Thread.sleep(1);
            }
            Thread.sleep(200); // give a wrong implementation every chance to return early
            assertFalse(sender.output().contains("RETURNED"), "put returned before the message was taken:\n"
                    + sender.output());
            assertEquals("first", new String(mailbox.take(), UTF_8));
            sender.awaitLine("RETURNED first", CHILD);
            sender.awaitLine("PUT second", CHILD);
            Message second = mailbox.takeMessage();
            assertEquals("second", new String(second.payload(), UTF_8));
            assertEquals(sender.pid(), second.senderPid());
            sender.assertSuccess(CHILD);
        }
    }

    @Test
    void offerHandsOverOnlyToAReceiverBlockedInAnotherProcess() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().messageLimit(0));
        try (ChildJvm sender = start(OfferUntilTaken.class, mailbox.name(), "hello")) {
            assertEquals("FIRST false", sender.awaitLine("FIRST", CHILD), "nobody was receiving");
            byte[] received = mailbox.poll(CHILD); // blocked: the child's offer now succeeds
            assertEquals("hello", new String(received, UTF_8));
            sender.awaitLine("OFFERED", CHILD);
            sender.assertSuccess(CHILD);
        }
        assertNull(mailbox.poll(), "the refused offer left nothing behind");
    }

    @Test
    void offerOnAFullBoundedMailboxReturnsFalseAtOnceInAnotherProcess() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().messageLimit(3));
        assertTrue(mailbox.offer("a".getBytes(UTF_8)));
        assertTrue(mailbox.offer(new byte[200]));
        try (ChildJvm sender = start(OfferEach.class, mailbox.name(), "b", "c", "d")) {
            assertEquals("OFFER true false false", sender.awaitLine("OFFER", CHILD));
            sender.assertSuccess(CHILD);
        }
        assertEquals("a", new String(mailbox.poll(), UTF_8));
        assertEquals(200, mailbox.poll().length);
        assertEquals("b", new String(mailbox.poll(), UTF_8));
        assertNull(mailbox.poll());
    }

    @Test
    void messagesOfAnotherProcessArriveHighestPriorityFirstWithItsIdentity() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().priorities(32));
        try (ChildJvm sender = start(SendWithPriorities.class, mailbox.name(),
                "low1:0", "mid1:15", "top1:31", "low2:0", "mid2:15", "top2:31", "one:1")) {
            sender.awaitLine("SENT", CHILD);
            sender.assertSuccess(CHILD);
            List<String> order = new ArrayList<>();
            long sequence = 0;
            Message m;
            while ((m = mailbox.pollMessage()) != null) {
                order.add(new String(m.payload(), UTF_8) + ":" + m.priority());
                assertEquals(sender.pid(), m.senderPid());
                assertTrue(m.sequence() >= 1 && m.sequence() <= 7, m.toString());
                sequence += m.sequence();
            }
            assertEquals(List.of("top1:31", "top2:31", "mid1:15", "mid2:15", "one:1", "low1:0", "low2:0"), order);
            assertEquals(1 + 2 + 3 + 4 + 5 + 6 + 7, sequence, "each of the sender's sequence numbers once");
        }
    }

    @Test
    void aListenerHandlesEachMessageOfAnotherProcessAsItArrivesUntilClosed() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder());
        java.util.concurrent.BlockingQueue<String> handled = new java.util.concurrent.LinkedBlockingQueue<>();
        MailboxListener listener = mailbox.listen(m -> handled.add(new String(
                m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), UTF_8)));
        try (ChildJvm sender = start(SendWithPriorities.class, mailbox.name(), "one:0", "two:0", "three:0")) {
            sender.assertSuccess(CHILD);
        }
        for (String expected : List.of("one", "two", "three")) {
            assertEquals(expected, handled.poll(CHILD.toSeconds(), TimeUnit.SECONDS));
        }
        assertTrue(listener.isRunning());
        listener.close();
        assertFalse(listener.isRunning(), "closed: its thread ended");
        // read once the thread has ended: the count goes up after the handler returns, a moment after
        // the handler's own record of the third message could be seen
        assertEquals(3, listener.handled());
        assertTrue(listener.failure().isEmpty());
        try (ChildJvm sender = start(SendWithPriorities.class, mailbox.name(), "after:0")) {
            sender.assertSuccess(CHILD);
        }
        assertEquals("after", new String(mailbox.poll(CHILD), UTF_8), "a closed listener receives nothing more");
        assertNull(handled.poll());
    }

    @Test
    void aSelectorSleepsUntilAnotherProcessSendsToAnyOfItsMailboxes() throws Exception {
        Mailbox quiet = create(MailboxOptions.builder());
        Mailbox busy = create(MailboxOptions.builder().priorities(4));
        Mailbox spin = create(MailboxOptions.builder().waitStrategy(io.jipc.WaitStrategy.FUTEX));
        try (MailboxSelector selector = MailboxSelector.open().register(quiet).register(busy).register(spin)) {
            assertTrue(selector.select(Duration.ofMillis(30)).isEmpty(), "nothing sent: the timeout passes");
            for (boolean virtual : new boolean[] {false, true}) {
                java.util.concurrent.CompletableFuture<List<Mailbox>> selected = new java.util.concurrent.CompletableFuture<>();
                (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                    try {
                        selected.complete(selector.select(CHILD));
                    } catch (Throwable t) {
                        selected.completeExceptionally(t);
                    }
                });
                Thread.sleep(100); // let it sleep in futex_waitv (if it returned early, the assertions below still hold)
                try (ChildJvm sender = start(SendWithPriorities.class, busy.name(), "wake:3")) {
                    sender.assertSuccess(CHILD);
                }
                assertEquals(List.of(busy), selected.get(CHILD.toSeconds(), TimeUnit.SECONDS));
                assertEquals("wake", new String(busy.poll(), UTF_8));
                assertTrue(selector.selectNow().isEmpty());
            }
        }
    }
}
