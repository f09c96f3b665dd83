package io.jipc.mailbox.processes;

import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.platform.Processes;
import io.jipc.platform.Signals;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A sender appending a segment to an {@link UnboundedMailbox} that is stopped (a debugger,
 * {@code SIGSTOP}, swapped out) for longer than the 2 s ready timeout between creating the segment
 * file and making it ready, while a second sender that needs the same segment takes the file for
 * one whose creator died and removes it. Held at the fault points {@code after-file-created} (the
 * file still empty) or {@code before-segment-ready} (written but for its version word) and
 * {@code before-unusable-removed} (the second sender, under the control file's lock, about to
 * remove it), with the action {@code stop}, whichever of the two goes on first, exactly one wins:
 * the creator's file is made ready and used by both, or it is condemned and removed and the
 * creator uses the second sender's segment. Every message of both arrives, in order, and no
 * segment file is left outside the chain.
 *
 * <p>Until 2026-12-06 the creator that went on first linked its file in and sent into it, and the
 * second sender then removed it: the creator's messages were lost, the second sender's next send
 * and the receiver got {@code CorruptSegmentException} ("segment 1 ... is missing").
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UnboundedSlowCreatorTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);
    private static final int MAX_BODY = 64;
    private static final int AFTER_GROWTH = 5;
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(4096)
            .maxMessageSize(Messages.HEADER + MAX_BODY).build();

    /**
     * Sends {@link Messages} of producer {@code args[1]} (thread 0) to the unbounded mailbox
     * {@code args[0]} until the chain has grown to a second segment (the send that found the
     * first one full appended it), then {@value #AFTER_GROWTH} more; prints {@code READY} once the
     * mailbox is open and {@code SENT <count>} at the end, or {@code FAILED <count sent> <exception>}
     * (and then fails) if a send fails.
     */
    public static final class Appender {
        private Appender() {
        }

        public static void main(String[] args) {
            ChildMain.dieWithParent();
            int producer = Integer.parseInt(args[1]);
            try (UnboundedMailbox mailbox = UnboundedMailbox.open(args[0])) {
                System.out.println("READY");
                System.out.flush();
                long seq = 0;
                try {
                    while (mailbox.segmentCount() == 1) {
                        send(mailbox, producer, seq);
                        seq++;
                    }
                    for (int i = 0; i < AFTER_GROWTH; i++) {
                        send(mailbox, producer, seq);
                        seq++;
                    }
                } catch (RuntimeException e) {
                    System.out.println("FAILED " + seq + " " + e);
                    System.out.flush();
                    throw e;
                }
                System.out.println("SENT " + seq);
                System.out.flush();
            }
        }

        private static void send(UnboundedMailbox mailbox, int producer, long seq) {
            int length = Messages.length(producer, 0, seq, MAX_BODY);
            byte[] message = new byte[length];
            Messages.write(MemorySegment.ofArray(message), producer, 0, seq, length);
            mailbox.put(message);
        }
    }

    @ParameterizedTest(name = "creator held at {0}, {1} goes on first")
    @CsvSource({"after-file-created, creator", "after-file-created, remover",
        "before-segment-ready, creator", "before-segment-ready, remover"})
    void aSlowCreatorAndTheSenderRemovingItsUnreadyFileNeverBothWin(String window, String first)
            throws Exception {
        String name = "slow-" + UUID.randomUUID().toString().substring(0, 8);
        try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, UnboundedMailbox.DEFAULT_CEILING);
             ChildJvm creator = appender(name, 1, window)) {
            try {
                // the creator fills segment 0 and is stopped while creating segment 1
                proceedTo(creator, window);
                try (ChildJvm remover = appender(name, 2, "before-unusable-removed")) {
                    try {
                        // the remover finds segment 0 full and the file of segment 1 not ready within
                        // the ready timeout, and is stopped about to remove it
                        proceedTo(remover, "before-unusable-removed");
                        ChildJvm one = first.equals("creator") ? creator : remover;
                        ChildJvm other = one == creator ? remover : creator;
                        resume(one);
                        String oneSent = one.awaitLine("SENT", LINE);
                        resume(other);
                        String otherSent = other.awaitLine("SENT", LINE);
                        long creatorSent = count(one == creator ? oneSent : otherSent);
                        long removerSent = count(one == remover ? oneSent : otherSent);
                        long creatorPid = creator.pid();
                        long removerPid = remover.pid();
                        creator.assertSuccess(LINE);
                        remover.assertSuccess(LINE);
                        receiveAll(mailbox, name, creatorSent, removerSent);
                        // the creator's file made ready first, or the remover's made after the condemnation
                        assertEquals(first.equals("creator") ? creatorPid : removerPid,
                                UnboundedFiles.creatorPid(name, 1), "whose file segment 1 is");
                    } finally {
                        resumeIfAlive(remover);
                    }
                }
            } finally {
                resumeIfAlive(creator);
                mailbox.destroy();
            }
        }
    }

    /** Takes every message of both senders (hang-guarded): each sender's, exactly once and in order. */
    private static void receiveAll(UnboundedMailbox mailbox, String name, long creatorSent, long removerSent)
            throws Exception {
        Tally tally = new Tally(MAX_BODY);
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            while (tally.total() < creatorSent + removerSent) {
                mailbox.take(tally);
            }
        }, "a receive hung (hang guard): " + UnboundedFiles.describe(name));
        assertEquals(creatorSent, tally.received(1, 0), "the creator's messages");
        assertEquals(removerSent, tally.received(2, 0), "the remover's messages");
        assertNull(mailbox.poll(), "nothing else");
        assertEquals(0, UnboundedFiles.unreadyLeftovers(name, UnboundedFiles.last(name)),
                "no segment file left outside the chain: " + UnboundedFiles.describe(name));
    }

    private static ChildJvm appender(String name, int producer, String stopAt) {
        return ChildJvm.builder(Appender.class).quickStart().sharedClassArchive().hardTimeout(Duration.ofMinutes(2))
                .property("jipc.faults", stopAt + ":1:stop").args(name, Integer.toString(producer)).start();
    }

    /** Waits until {@code child} printed {@code FAULT <point>} and is stopped there. */
    private static void proceedTo(ChildJvm child, String point) throws InterruptedException {
        child.awaitLine("READY", LINE);
        child.awaitLine("FAULT " + point, LINE);
        ProcessStates.awaitStopped(child.pid(), LINE);
    }

    private static void resume(ChildJvm child) {
        Signals.kill(child.pid(), Signals.SIGCONT);
    }

    /** Never leaves a child stopped (closing it kills it). */
    private static void resumeIfAlive(ChildJvm child) {
        if (child.isAlive()) {
            Processes.kill((int) child.pid(), Signals.SIGCONT);
        }
    }

    private static long count(String sentLine) {
        return Long.parseLong(sentLine.substring("SENT ".length()));
    }
}
