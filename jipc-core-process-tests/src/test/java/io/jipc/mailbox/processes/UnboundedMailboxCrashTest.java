package io.jipc.mailbox.processes;

import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Processes of an {@link UnboundedMailbox} killed with SIGKILL: senders at random moments and at
 * the claim/commit points of the segment rings (the rings' test-only fault points,
 * {@code -Djipc.faults}), and the receiver in the middle of draining a chain of many segments.
 * Nothing a sender finished sending is lost or duplicated, per-sender order holds, the mailbox
 * never wedges, and the chain shrinks back to one segment at the end.
 *
 * <p>The number of sender kills is {@code -Djipc.test.unbounded.kills} (by default 3/20 of
 * {@code -Djipc.test.kills}: 30 in the build), a third of that for receiver kills; raise either
 * for a longer run. Segments are 4 KiB rings, so appends and retirements
 * are frequent and kills land among them too.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UnboundedMailboxCrashTest {
    /** Sender kills: {@code -Djipc.test.unbounded.kills}, else 3/20 of {@code jipc.test.kills} (200 in the build). */
    private static final int KILLS = Integer.getInteger("jipc.test.unbounded.kills",
            Math.max(10, Integer.getInteger("jipc.test.kills", 200) * 3 / 20));
    private static final int MAX_BODY = 200;
    private static final long CEILING = 256L << 20;
    private static final String FAULTS = "after-tail-move:0.0005,before-commit:0.0005";
    private static final Duration PATIENCE = Duration.ofMinutes(2);
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(4096)
            .maxMessageSize(Messages.HEADER + MAX_BODY).deadSenderTimeout(Duration.ofMillis(20)).build();


    /**
     * Rounds of 4 sender processes (every other one with fault points) killed at random or at a
     * fault stop, while the receiver (this JVM) drains with pauses that let the chain grow. Each
     * sender records the sequence of its last finished send; the receiver must have exactly
     * 0..n of it with {@code progress <= n <= progress + 1} (one send may have committed but not
     * been recorded). A last healthy sender's messages must all arrive: the mailbox is not wedged.
     */
    @Test
    void sendersKilledAtRandomAndInsideTheirClaimsLoseAndDuplicateNothing() throws Exception {
        String name = "crash-senders";
        Path progressDir = Files.createTempDirectory("jipc-progress-" + name);
        try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, CEILING)) {
            Tally tally = new Tally(MAX_BODY);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger longest = new AtomicInteger(1);
            AtomicReference<Throwable> receiverFailure = new AtomicReference<>();
            Thread receiver = Thread.ofPlatform().name("receiver").start(() -> {
                try {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        longest.accumulateAndGet(mailbox.segmentCount(), Math::max);
                        if (random.nextInt(64) == 0) {
                            Thread.sleep(random.nextInt(20)); // let the chain grow
                        }
                        mailbox.poll(tally, Duration.ofMillis(100));
                    }
                    while (mailbox.poll(tally)) {
                        // drain what is left
                    }
                } catch (Throwable t) {
                    receiverFailure.set(t);
                }
            });

            SenderKills senders = new SenderKills(progressDir, PATIENCE);
            List<KilledSender> victims = senders.kill(KILLS, 4, 300, FAULTS, true, (id, progress) ->
                    ChildJvm.builder(UnboundedSendingProcess.class).quickStart().sharedClassArchive().jvmArg("-Xmx64m").hardTimeout(PATIENCE)
                            .args(name, Integer.toString(id), "1", "-1", Integer.toString(MAX_BODY), "0",
                                    progress.toString()), receiverFailure);
            senders.finishWithHealthySender(ChildJvm.builder(UnboundedSendingProcess.class).quickStart().sharedClassArchive()
                    .args(name, "0", "1", "1000", Integer.toString(MAX_BODY), "0"), tally, stop, receiver, receiverFailure);

            int faulted = KilledSender.checkDeliveries(victims, tally);
            assertTrue(faulted > 0, "no kill landed on a fault point");
            assertTrue(longest.get() > 1, "the chain never grew");
            assertEquals(1, mailbox.segmentCount(), () -> UnboundedFiles.describe(name));
            // Besides the chain's one segment, only files that never became ready (or were made
            // ready already retired) may be left: those of senders killed while they created one.
            // (One at last + 1 is used or replaced by the next append; one below first, made by a
            // sender that was slow to append and killed while it created a segment that had been
            // retired meanwhile, is removed when the next receiver takes the role, or by destroy.)
            int leftovers = UnboundedFiles.unreadyLeftovers(name, UnboundedFiles.last(name));
            System.out.printf("%s: %d senders killed (%d at a fault point), %d messages received, longest chain"
                    + " %d segments, %d segment files of killed appenders left%n", name, victims.size(),
                    faulted, tally.total(), longest.get(), leftovers);
            assertTrue(mailbox.destroy());
        } finally {
            UnboundedMailbox.destroy(name); // after a failure: no leftovers to report on top
            JipcTestExtension.deleteRecursively(progressDir);
        }
        assertEquals(List.of(), UnboundedFiles.files());
    }

    /**
     * A sender process with 4 threads sends on (paced) while receiver processes are killed one
     * after another in the middle of draining; each continues the previous one's
     * {@link ResumingTally}, which fails on a lost, reordered or (beyond the batch a killed
     * receiver was handling) duplicated message. At the end this JVM receives the rest: every
     * message the sender sent has arrived.
     */
    @Test
    void receiversKilledMidDrainAreFollowedWithoutLoss() throws Exception {
        String name = "crash-receivers";
        int kills = Math.max(3, KILLS / 3);
        Path stateFile = Files.createTempFile("jipc-tally-", ".state");
        // the sender lives through every receiver's start and kill: its hang guard grows with their number
        // (a fixed 2 minutes killed it after some 130 receiver kills on a loaded machine)
        Duration senderPatience = PATIENCE.plus(Duration.ofSeconds(5).multipliedBy(kills));
        try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, CEILING);
             ChildJvm sender = ChildJvm.builder(UnboundedSendingProcess.class).quickStart().sharedClassArchive()
                     .hardTimeout(senderPatience).args(name, "1", "4", "-1", Integer.toString(MAX_BODY), "3000").start()) {
            MemorySegment state = ResumingTally.map(stateFile);
            sender.awaitLine("READY", PATIENCE);
            int longest = 1;
            for (int k = 0; k < kills; k++) {
                try (ChildJvm receiver = ChildJvm.builder(ResumingReceiver.class).quickStart().sharedClassArchive().hardTimeout(PATIENCE)
                        .args(name, stateFile.toString(), Integer.toString(MAX_BODY)).start()) {
                    long before = receivedSoFar(state);
                    receiver.awaitLine("READY", PATIENCE);
                    awaitFirstMessage(receiver, k, state, before);
                    longest = Math.max(longest, mailbox.segmentCount());
                    Thread.sleep(ThreadLocalRandom.current().nextInt(5, 200));
                    longest = Math.max(longest, mailbox.segmentCount());
                    assertTrue(receiver.isAlive(), "receiver " + k + " ended:\n" + receiver.output());
                    receiver.kill();
                    assertFalse(receiver.output().contains("FAIL"), receiver.output());
                }
            }
            long receivedByKilled = receivedSoFar(state);
            sender.process().getOutputStream().write('\n');
            sender.process().getOutputStream().flush();
            long[] sent = UnboundedSendingProcess.sentCounts(sender.awaitLine("SENT", PATIENCE));
            sender.assertSuccess(PATIENCE);

            ResumingTally tally = new ResumingTally(state, MAX_BODY);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!allArrived(state, sent)) {
                assertTrue(System.nanoTime() < deadline, "messages did not arrive");
                mailbox.poll(tally, Duration.ofMillis(100));
            }
            assertFalse(mailbox.poll(m -> { }), "a message beyond what was sent");
            System.out.printf("%s: %d receivers killed, %d of %d messages received by them, %d delivered twice,"
                    + " longest chain %d segments%n", name, kills, receivedByKilled, total(sent),
                    ResumingTally.redelivered(state), longest);
            assertTrue(receivedByKilled > 0, "the killed receivers received nothing");
            assertEquals(1, mailbox.segmentCount(), () -> UnboundedFiles.describe(name));
            assertEquals(1, UnboundedFiles.segmentFiles(name), () -> UnboundedFiles.describe(name));
            assertTrue(mailbox.destroy());
        } finally {
            UnboundedMailbox.destroy(name);
            Files.deleteIfExists(stateFile);
        }
        assertEquals(List.of(), UnboundedFiles.files());
    }

    /** Messages of the sender's 4 threads received so far, by every receiver of {@code state}. */
    private static long receivedSoFar(MemorySegment state) {
        long received = 0;
        for (int t = 0; t < 4; t++) {
            received += ResumingTally.next(state, 1, t);
        }
        return received;
    }

    /**
     * Waits until receiver {@code k} has received a message beyond the {@code before} that earlier
     * receivers had, so that the kill that follows lands while it drains. Without this wait, on a
     * loaded machine (two test JVMs on two cores) a receiver's first messages can come later than
     * the kill, and then the test kills receivers that never received anything.
     */
    private static void awaitFirstMessage(ChildJvm receiver, int k, MemorySegment state, long before)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (receivedSoFar(state) <= before) {
            assertTrue(receiver.isAlive(), "receiver " + k + " ended before its first message:\n" + receiver.output());
            assertTrue(System.nanoTime() < deadline, "receiver " + k + " received nothing within " + PATIENCE
                    + ":\n" + receiver.output());
            Thread.sleep(1);
        }
    }

    private static boolean allArrived(MemorySegment state, long[] sent) {
        for (int t = 0; t < sent.length; t++) {
            if (ResumingTally.next(state, 1, t) < sent[t]) {
                return false;
            }
        }
        return true;
    }

    private static long total(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        return total;
    }
}
