package io.jipc.mailbox.processes;

import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.platform.FileIdentity;
import io.jipc.platform.Signals;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
                        remover.resumeIfAlive();
                    }
                }
            } finally {
                creator.resumeIfAlive();
                mailbox.destroy();
            }
        }
    }

    /**
     * A sender killed while it appended a segment (held at {@code before-segment-ready}: its file
     * written but for its version word, never made ready) leaves a file no header makes this
     * mailbox's; {@link UnboundedMailbox#destroy()} of a handle removes it with the rest, as no
     * mailbox has the name once the control file is gone. (Before the fix of the review of
     * a8f976f5, destroy() left it for good: {@code jipc ls} lists no {@code name@k} file, and
     * {@code jipc rm}/{@code gc} found nothing.)
     */
    @Test
    void destroyRemovesTheUnreadySegmentOfASenderKilledWhileAppendingIt() throws Exception {
        String name = "killed-" + UUID.randomUUID().toString().substring(0, 8);
        try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, UnboundedMailbox.DEFAULT_CEILING);
             ChildJvm appender = appender(name, 1, "before-segment-ready")) {
            try {
                proceedTo(appender, "before-segment-ready");
                appender.kill();
                assertTrue(Files.exists(UnboundedFiles.segment(name, 1)), "the killed sender's unready segment file");
                assertTrue(mailbox.destroy());
                assertFalse(Files.exists(UnboundedFiles.segment(name, 0)), UnboundedFiles.describe(name));
                assertFalse(Files.exists(UnboundedFiles.segment(name, 1)), "the unready segment file is left: "
                        + UnboundedFiles.describe(name));
            } finally {
                appender.resumeIfAlive();
            }
        }
    }

    /**
     * A third sender that opens the file while the condemner has given it only the header's length
     * (128 bytes) maps that much; the creator then publishes first (the condemner's compare-and-set
     * loses) and is held before it moves {@code last} on. The third sender must take the published
     * file for what it is, a ready segment 1, not for a damaged file to remove. Held at fault points
     * with the action {@code stop}:
     * <ol>
     * <li>the creator (sender 1) at {@code after-file-created}, its file still empty;</li>
     * <li>the condemner (sender 2), after the ready timeout, at {@code before-condemned}: under the
     *     control file's lock, the file sized to the header, its version word not yet
     *     compare-and-set;</li>
     * <li>the third sender (3) at {@code segment-not-ready}, the file mapped at 128 bytes;</li>
     * <li>the creator, continued, publishes and stops at {@code before-segment-linked}.</li>
     * </ol>
     * Then the third sender goes on (and finishes, or waits for the condemner's lock), then the
     * condemner, then the creator. Every message of all three arrives exactly once and in order,
     * and segment 1 is the creator's file.
     *
     * <p>Until 2026-12-06 the third sender's open failed ("says it is 12288 bytes long but is 128")
     * and, still finding {@code last} at segment 0, it removed the file as damaged with a plain
     * unlink once it had the lock, after the creator had linked it in: 8 messages of the three
     * were lost and the receiver got "segment 1 ... is missing". (Either of the two changes, the
     * open's new mapping and the look at the file again before removing it, prevents that.)
     */
    @Test
    void aThirdSenderThatMappedTheFileAtTheCondemnersLengthNeverRemovesTheCreatorsPublishedSegment()
            throws Exception {
        String name = "third-" + UUID.randomUUID().toString().substring(0, 8);
        List<ChildJvm> children = new ArrayList<>();
        try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, UnboundedMailbox.DEFAULT_CEILING)) {
            try {
                ChildJvm creator = started(children,
                        appenderWithFaults(name, 1, "after-file-created:1:stop, before-segment-linked:1:stop"));
                proceedTo(creator, "after-file-created");
                ChildJvm condemner = started(children, appender(name, 2, "before-condemned"));
                proceedTo(condemner, "before-condemned");
                assertEquals(SegmentHeaderDescriptor.LENGTH, Files.size(UnboundedFiles.segment(name, 1)),
                        "sized to the header by the condemner");
                ChildJvm third = started(children, appender(name, 3, "segment-not-ready"));
                proceedTo(third, "segment-not-ready");
                resume(creator);
                creator.awaitStoppedAt("before-segment-linked", LINE);
                resume(third);
                awaitSentOrWaitingForTheLock(third);
                resume(condemner);
                long condemnerSent = count(condemner.awaitLine("SENT", LINE));
                long thirdSent = count(third.awaitLine("SENT", LINE));
                resume(creator);
                long creatorSent = count(creator.awaitLine("SENT", LINE));
                for (ChildJvm child : children) {
                    child.assertSuccess(LINE);
                }
                receiveAll(mailbox, name, creatorSent, condemnerSent, thirdSent);
                assertEquals(creator.pid(), UnboundedFiles.creatorPid(name, 1), "segment 1 is the creator's file");
            } finally {
                for (ChildJvm child : children) {
                    child.resumeIfAlive();
                    child.close();
                }
                mailbox.destroy();
            }
        }
    }

    private static ChildJvm started(List<ChildJvm> children, ChildJvm child) {
        children.add(child);
        return child;
    }

    /**
     * Waits (hang-guarded) until {@code child} printed {@code SENT}, or waits for a {@code flock}
     * (a blocked request of its pid in {@code /proc/locks}: the control file's, held by a stopped
     * process).
     */
    private static void awaitSentOrWaitingForTheLock(ChildJvm child) throws Exception {
        long deadline = System.nanoTime() + LINE.toNanos();
        String pid = Long.toString(child.pid());
        while (!child.output().contains("SENT ")) {
            boolean waiting = Files.readAllLines(Path.of("/proc/locks")).stream()
                    .filter(line -> line.contains("->") && line.contains("FLOCK"))
                    .anyMatch(line -> List.of(line.trim().split("\\s+")).contains(pid));
            if (waiting) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("sender " + pid + " neither sent nor waits for a lock (hang guard): "
                        + child.output());
            }
            Thread.sleep(5);
        }
    }

    /**
     * A segment file found damaged (here: a planted copy of segment 0, so of segment index 0, at
     * segment 1's name) is looked at again under the control file's lock before it is removed: a
     * file that is this mailbox's ready, valid segment 1 by then is left and used; one still
     * damaged is removed and replaced. The sender is held at {@code before-unusable-removed}
     * (under the lock, about to remove) while the file is, or is not, repaired in place. Until
     * 2026-12-06 the file was removed without a second look.
     */
    @ParameterizedTest(name = "repaired meanwhile: {0}")
    @ValueSource(booleans = {true, false})
    void aFileFoundDamagedIsRemovedOnlyIfItIsStillDamagedUnderTheLock(boolean repaired) throws Exception {
        String name = "damaged-" + UUID.randomUUID().toString().substring(0, 8);
        try (UnboundedMailbox mailbox = UnboundedMailbox.create(name, OPTIONS, UnboundedMailbox.DEFAULT_CEILING)) {
            Path planted = UnboundedFiles.segment(name, 1);
            Files.copy(UnboundedFiles.segment(name, 0), planted);
            Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-------"));
            Object plantedFile = FileIdentity.of(planted);
            try (ChildJvm sender = appender(name, 1, "before-unusable-removed")) {
                try {
                    proceedTo(sender, "before-unusable-removed");
                    if (repaired) {
                        try (FileChannel file = FileChannel.open(planted, StandardOpenOption.WRITE)) {
                            ByteBuffer index = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, 1);
                            file.write(index, UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET);
                        }
                    }
                    resume(sender);
                    long sent = count(sender.awaitLine("SENT", LINE));
                    sender.assertSuccess(LINE);
                    receiveAll(mailbox, name, sent);
                    if (repaired) {
                        assertEquals(plantedFile, FileIdentity.of(planted), "valid by then: left and used");
                    } else {
                        assertNotEquals(plantedFile, FileIdentity.of(planted), "still damaged: removed");
                        assertEquals(sender.pid(), UnboundedFiles.creatorPid(name, 1), "and replaced");
                    }
                } finally {
                    sender.resumeIfAlive();
                }
            } finally {
                mailbox.destroy();
            }
        }
    }

    /**
     * Takes every message of the senders (hang-guarded): {@code sent[p - 1]} of producer {@code p},
     * each exactly once and in order.
     */
    private static void receiveAll(UnboundedMailbox mailbox, String name, long... sent) throws Exception {
        Tally tally = new Tally(MAX_BODY);
        long total = java.util.Arrays.stream(sent).sum();
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            while (tally.total() < total) {
                mailbox.take(tally);
            }
        }, "a receive hung (hang guard): " + UnboundedFiles.describe(name));
        for (int p = 1; p <= sent.length; p++) {
            assertEquals(sent[p - 1], tally.received(p, 0), "the messages of sender " + p);
        }
        assertNull(mailbox.poll(), "nothing else");
        assertEquals(0, UnboundedFiles.unreadyLeftovers(name, UnboundedFiles.last(name)),
                "no segment file left outside the chain: " + UnboundedFiles.describe(name));
    }

    private static ChildJvm appender(String name, int producer, String stopAt) {
        return appenderWithFaults(name, producer, stopAt + ":1:stop");
    }

    private static ChildJvm appenderWithFaults(String name, int producer, String faults) {
        return ChildJvm.builder(Appender.class).quickStart().sharedClassArchive().hardTimeout(Duration.ofMinutes(2))
                .property("jipc.faults", faults).args(name, Integer.toString(producer)).start();
    }

    /** Waits until {@code child} printed {@code READY}, then {@code FAULT <point>}, and is stopped there. */
    private static void proceedTo(ChildJvm child, String point) throws InterruptedException {
        child.awaitLine("READY", LINE);
        child.awaitStoppedAt(point, LINE);
    }


    private static void resume(ChildJvm child) {
        Signals.kill(child.pid(), Signals.SIGCONT);
    }


    private static long count(String sentLine) {
        return Long.parseLong(sentLine.substring("SENT ".length()));
    }
}
