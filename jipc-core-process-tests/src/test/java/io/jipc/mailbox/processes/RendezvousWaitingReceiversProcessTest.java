package io.jipc.mailbox.processes;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MailboxSelector;
import io.jipc.mailbox.ReceivePolicy;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which receivers count as waiting for an at-once {@code offer} on a rendezvous mailbox
 * ({@code messageLimit(0)}), between real processes: every process blocked in a receive, and no
 * thread waiting in a select (documented: a select-driven receiver gets timed and blocking sends).
 */
class RendezvousWaitingReceiversProcessTest extends ProcessTestFixture {
    /** Says POLLING, blocks in one long poll, says what it got. */
    public static final class LongPoll {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                say("POLLING");
                byte[] message = mailbox.poll(Duration.ofSeconds(60));
                say("GOT " + (message == null ? "nothing" : new String(message, UTF_8)));
            }
        }
    }

    /** Makes one short poll that times out, says so, then holds the mailbox until told to go. */
    public static final class ShortPollAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                byte[] message = mailbox.poll(Duration.ofMillis(300));
                say("SHORT " + (message == null ? "timed out" : new String(message, UTF_8)));
                new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            }
        }
    }

    /** Says SELECTING, waits in one select over the mailbox, then receives and says what it got. */
    public static final class SelectThenPoll {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0]); MailboxSelector selector = MailboxSelector.open()) {
                selector.register(mailbox);
                say("SELECTING");
                List<Mailbox> ready = selector.select(Duration.ofSeconds(60));
                byte[] message = ready.isEmpty() ? null : mailbox.poll();
                say("GOT " + (message == null ? "nothing" : new String(message, UTF_8)));
            }
        }
    }

    /**
     * Two processes wait at once with shared receivers; the one that started waiting last stops
     * first: the other still waits, and an at-once offer reaches it. Until the waiting receivers
     * bitmap, one token word stood for every process, and the end of the second one's receive
     * cleared it: every at-once offer failed while the first one waited on.
     */
    @Test
    void atOnceOffersReachASharedReceiverStillWaitingAfterAnotherOnesReceiveEnded() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().messageLimit(0).receivePolicy(ReceivePolicy.SHARED));
        try (ChildJvm first = start(LongPoll.class, mailbox.name())) {
            first.awaitLine("POLLING", CHILD);
            Thread.sleep(500); // not asserted: lets the first one start waiting before the second
            try (ChildJvm second = start(ShortPollAndHold.class, mailbox.name())) {
                assertEquals("SHORT timed out", second.awaitLine("SHORT", CHILD));
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                int refused = 0;
                while (!mailbox.offer("hello".getBytes(UTF_8))) {
                    refused++;
                    assertTrue(System.nanoTime() < deadline, "every at-once offer (" + refused
                            + ") was refused while the first receiver waited:\n" + first.output());
                    Thread.sleep(10);
                }
                assertEquals("GOT hello", first.awaitLine("GOT", CHILD));
                first.assertSuccess(CHILD);
                proceed(second);
                second.assertSuccess(CHILD);
            }
        }
    }

    /**
     * A receiver waiting in a select is not blocked in a receive: at-once offers return false while
     * it selects, as MailboxSelector, Mailbox.offer and docs/message-passing.md say; a timed offer
     * wakes the select, and the receive after it takes the message.
     */
    @Test
    void aSelectingReceiverGetsTimedOffersButNotAtOnceOnes() throws Exception {
        Mailbox mailbox = create(MailboxOptions.builder().messageLimit(0));
        try (ChildJvm receiver = start(SelectThenPoll.class, mailbox.name())) {
            receiver.awaitLine("SELECTING", CHILD);
            Thread.sleep(500); // not asserted: lets the child reach its select's wait
            for (int i = 0; i < 50; i++) {
                assertFalse(mailbox.offer(("at once " + i).getBytes(UTF_8)), "at-once offer " + i);
                Thread.sleep(10);
            }
            assertFalse(receiver.output().contains("GOT"), "the select returned:\n" + receiver.output());
            assertTrue(mailbox.offer("timed".getBytes(UTF_8), CHILD), "timed offer:\n" + receiver.output());
            assertEquals("GOT timed", receiver.awaitLine("GOT", CHILD));
            receiver.assertSuccess(CHILD);
        }
    }
}
