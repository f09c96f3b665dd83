package io.jipc.mailbox.processes;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages between separate JVM processes arrive whole, exactly once and in order per sender,
 * over millions of messages of random sizes, with one or many senders, and both sides block
 * when they must.
 *
 * <p>Each case of the single-process sender sends {@code -Djipc.test.messages} messages (1,000,000
 * by default, 4,000,000 over its four cases; until 2026-12-07 2,000,000 each, which cost about 50
 * CPU-seconds more of a build bound by its two cores). Raise it for a longer run.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MailboxIntegrityTest {
    private static final Duration PATIENCE = Duration.ofMinutes(3);
    private static final long MESSAGES = Long.getLong("jipc.test.messages", 1_000_000);
    private final List<String> created = new ArrayList<>();

    @AfterEach
    void destroy() {
        created.forEach(Mailbox::destroy);
    }

    private Mailbox create(String name, MailboxOptions options) {
        created.add(name);
        return Mailbox.create(name, options);
    }

    @ParameterizedTest(name = "{0} sender, {1}, {2}")
    @CsvSource({
        "single, SPIN_THEN_FUTEX, offer",
        "single, FUTEX, claim",
        "many, SPIN_THEN_FUTEX, mixed",
        "many, SPIN, offer",
    })
    void millionsOfMessagesOfRandomSizesArriveIntactAndInOrder(String senders, WaitStrategy strategy, String mode)
            throws Exception {
        int maxBody = 1000;
        long count = MESSAGES;
        try (Mailbox mailbox = create("integrity", MailboxOptions.builder()
                .singleSender(senders.equals("single")).waitStrategy(strategy)
                .capacityBytes(64 * 1024).maxMessageSize(Messages.HEADER + maxBody).build())) {
            ChildJvm sender = ChildJvm.start(SendingProcess.class, "integrity", "7", "1", Long.toString(count),
                    Integer.toString(maxBody), mode);
            Tally tally = new Tally(maxBody);
            while (tally.total() < count) {
                if (mailbox.drain(tally, 512) == 0) {
                    assertTrue(mailbox.poll(tally, PATIENCE), "no message within " + PATIENCE);
                }
            }
            sender.assertSuccess(PATIENCE);
            assertEquals(count, tally.received(7, 0));
            assertEquals(null, mailbox.poll(), "nothing beyond what was sent");
        }
    }

    @Test
    void threadsOfSeveralProcessesSendIntoOneMailboxWithoutLossOrReordering() throws Exception {
        int maxBody = 300;
        int processes = 3;
        int threads = 3;
        long perThread = 150_000;
        try (Mailbox mailbox = create("many", MailboxOptions.builder().capacityBytes(32 * 1024)
                .maxMessageSize(Messages.HEADER + maxBody).build())) {
            List<ChildJvm> senders = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                senders.add(ChildJvm.start(SendingProcess.class, "many", Integer.toString(p), Integer.toString(threads),
                        Long.toString(perThread), Integer.toString(maxBody), p == 0 ? "claim" : "mixed"));
            }
            // and threads of this process too
            List<Thread> local = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int thread = t;
                local.add(Thread.ofPlatform().start(() -> LocalSender.send(mailbox, 99, thread, perThread, maxBody)));
            }
            Tally tally = new Tally(maxBody);
            long expected = processes * threads * perThread + 2 * perThread;
            while (tally.total() < expected) {
                if (mailbox.drain(tally, 512) == 0) {
                    assertTrue(mailbox.poll(tally, PATIENCE), "no message within " + PATIENCE);
                }
            }
            for (ChildJvm sender : senders) {
                sender.assertSuccess(PATIENCE);
            }
            for (Thread t : local) {
                t.join();
            }
            for (int p = 0; p < processes; p++) {
                for (int t = 0; t < threads; t++) {
                    assertEquals(perThread, tally.received(p, t), "sender " + p + "/" + t);
                }
            }
            assertEquals(perThread, tally.received(99, 1));
        }
    }

    @Test
    void aSenderBlocksWhileTheMailboxIsFullAndAReceiverWhileItIsEmpty() throws Exception {
        int maxBody = 200;
        long count = 100_000;
        try (Mailbox mailbox = create("blocking", MailboxOptions.builder().singleSender(true)
                .waitStrategy(WaitStrategy.FUTEX).capacityBytes(2048).maxMessageSize(Messages.HEADER + maxBody).build())) {
            ChildJvm sender = ChildJvm.start(SendingProcess.class, "blocking", "1", "1", Long.toString(count),
                    Integer.toString(maxBody), "put");
            Tally tally = new Tally(maxBody);
            long emptyPolls = 0;
            while (tally.total() < count) {
                // receive slowly for a while: the sender must find the mailbox full and block
                if (tally.total() < 2000 && tally.total() % 100 == 0) {
                    Thread.sleep(2);
                }
                if (!mailbox.poll(tally)) {
                    emptyPolls++;
                    assertTrue(mailbox.poll(tally, PATIENCE), "no message within " + PATIENCE);
                }
            }
            sender.assertSuccess(PATIENCE);
            long blocked = Long.parseLong(sender.output().lines().filter(l -> l.startsWith("BLOCKED "))
                    .findFirst().orElseThrow().substring(8));
            assertTrue(blocked > 0, "the sender never found the mailbox full");
            assertTrue(emptyPolls > 0, "the receiver never found the mailbox empty");
            assertEquals(count, tally.received(1, 0));
        }
    }

    /** A sender thread in the test process itself. */
    static final class LocalSender {
        private LocalSender() {
        }

        static void send(Mailbox mailbox, int producer, int thread, long count, int maxBody) {
            java.lang.foreign.MemorySegment buffer = java.lang.foreign.Arena.ofAuto().allocate(Messages.HEADER + maxBody);
            try {
                for (long seq = 0; seq < count; seq++) {
                    int length = Messages.length(producer, thread, seq, maxBody);
                    java.lang.foreign.MemorySegment message = buffer.asSlice(0, length);
                    Messages.write(message, producer, thread, seq, length);
                    mailbox.put(message);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
