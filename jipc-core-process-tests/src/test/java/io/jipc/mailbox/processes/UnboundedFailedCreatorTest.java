package io.jipc.mailbox.processes;

import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.platform.FileIdentity;
import io.jipc.platform.Processes;
import io.jipc.platform.Signals;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.MountNamespaces;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sender appending segment 1 to an {@link UnboundedMailbox} is stopped right after creating its
 * file (fault point {@code after-file-created}, action {@code stop}, the file still empty). A
 * second sender waits out the ready timeout, condemns and removes that file, creates its own
 * segment 1, links it in and sends to it. The file system is then full, and the first sender,
 * continued, fails to size its (condemned, orphaned) file with {@code ENOSPC}: its send fails, and
 * its cleanup must leave the second sender's segment alone. Every message either sender was told
 * it sent arrives, exactly once and in order.
 *
 * <p>Until 2026-12-06 the failing creator unlinked the name, that is the second sender's linked-in
 * segment: its messages were lost, and every later send and receive failed with "segment 1 of
 * unbounded mailbox ... is missing". The mailbox's own creator, held the same way and replaced by
 * a new mailbox of its name, is {@link #aCreatorWhoseMailboxWasRemovedAndCreatedAgainLeavesTheNewOneWhenItFails}.
 *
 * <p>Every process of a test runs in one mount namespace, made by a holder process
 * ({@code unshare --mount}, then {@code cat} until this test closes its input), with a 1 MiB tmpfs
 * over this test's directory of unbounded mailboxes; the children join it with {@code nsenter}, and
 * this test reaches the files through {@code /proc/<holder>/root}. The namespace and its tmpfs go
 * with the holder. Aborted where no mount namespace can be made (not root).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class UnboundedFailedCreatorTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final int MAX_BODY = 64;
    private static final MailboxOptions OPTIONS = MailboxOptions.builder().capacityBytes(4096)
            .maxMessageSize(Messages.HEADER + MAX_BODY).build();

    /**
     * The mailbox's creator and receiver: creates the unbounded mailbox {@code args[0]} and prints
     * {@code CREATED}; then reads a line of the counts of messages sent by producers 1, 2, ...,
     * takes that many messages, checking them ({@link Tally}), and prints
     * {@code RECEIVED <count of producer 1> <of producer 2>...}, {@code NOTHING ELSE} if no message
     * is left, then destroys the mailbox and prints {@code DESTROYED}.
     */
    public static final class Receiver {
        private Receiver() {
        }

        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (UnboundedMailbox mailbox = UnboundedMailbox.create(args[0], OPTIONS,
                    UnboundedMailbox.DEFAULT_CEILING)) {
                System.out.println("CREATED");
                System.out.flush();
                String[] counts = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                        .readLine().trim().split(" ");
                long total = 0;
                for (String count : counts) {
                    total += Long.parseLong(count);
                }
                Tally tally = new Tally(MAX_BODY);
                while (tally.total() < total) {
                    mailbox.take(tally);
                }
                StringBuilder received = new StringBuilder("RECEIVED");
                for (int producer = 1; producer <= counts.length; producer++) {
                    received.append(' ').append(tally.received(producer, 0));
                }
                System.out.println(received);
                if (mailbox.poll() == null) {
                    System.out.println("NOTHING ELSE");
                }
                mailbox.destroy();
                System.out.println("DESTROYED");
            }
        }
    }

    /**
     * Creates the unbounded mailbox {@code args[0]} and prints {@code CREATED}, or
     * {@code FAILED <exception>} if that fails.
     */
    public static final class Creator {
        private Creator() {
        }

        public static void main(String[] args) {
            ChildMain.dieWithParent();
            try (UnboundedMailbox mailbox = UnboundedMailbox.create(args[0], OPTIONS, UnboundedMailbox.DEFAULT_CEILING)) {
                System.out.println("CREATED");
            } catch (RuntimeException e) {
                System.out.println("FAILED " + e);
            }
            System.out.flush();
        }
    }

    @Test
    void aCondemnedCreatorThatFailsForWantOfSpaceLeavesTheSegmentThatReplacedItsFile() throws Exception {
        String name = "enospc";
        List<ChildJvm> children = new ArrayList<>();
        try (Namespace namespace = Namespace.withTmpfsOver(JipcRoot.directory(UnboundedMailboxDescriptor.DIRECTORY))) {
            Path inside = namespace.inside();
            ChildJvm receiver = started(children, ChildJvm.builder(Receiver.class).quickStart()
                    .hardTimeout(Duration.ofMinutes(3)).wrapper(namespace.join()).args(name).start());
            receiver.awaitLine("CREATED", LINE);
            ChildJvm creator = started(children, appender(namespace.join(), name, 1, "after-file-created:1:stop"));
            creator.awaitLine("READY", LINE);
            creator.awaitLine("FAULT after-file-created", LINE);
            ProcessStates.awaitStopped(creator.pid(), LINE);
            // the second sender waits out the ready timeout, condemns the empty file, appends its own
            ChildJvm replacer = started(children, appender(namespace.join(), name, 2, null));
            long replacerSent = count(replacer.awaitLine("SENT", LINE));
            replacer.assertSuccess(LINE);
            Path segment1 = inside.resolve(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR + 1);
            assertEquals(replacer.pid(), creatorPid(segment1), "segment 1 is the second sender's");
            Path filler = inside.resolve("filler");
            fill(filler);
            Signals.kill(creator.pid(), Signals.SIGCONT);
            String failed = creator.awaitLine("FAILED", LINE);
            assertTrue(failed.contains("ENOSPC") && failed.contains("fallocate"), failed);
            long creatorSent = Long.parseLong(failed.split(" ")[1]);
            assertTrue(creator.waitFor(LINE) != 0, "its send failed");
            Files.delete(filler);
            assertTrue(Files.exists(segment1), "the failed creator removed segment 1, the second sender's: "
                    + creator.output());
            assertEquals(replacer.pid(), creatorPid(segment1), "the failed creator left segment 1");
            receiveAndDestroy(receiver, creatorSent + " " + replacerSent);
            assertNothingLeft(inside);
        } finally {
            closeAll(children);
        }
    }

    /**
     * A creator of an unbounded mailbox stopped while it creates its control file ({@code heldAt}
     * 1, the file still empty) or segment 0 ({@code heldAt} 2, the control file written but not
     * ready) for longer than the ready timeout: its files are removed as {@link
     * UnboundedMailbox#destroy(String)} ({@code jipc rm}, {@code jipc gc}) removes a mailbox whose
     * control file never became ready, everything under the name, and another process creates a
     * mailbox of the same name, to which a third one sends until its chain has two segments. The
     * creator, continued, fails: at once, finding its control file removed (held at 1), or for want
     * of space for segment 0 (held at 2, the tmpfs filled first). Either way it leaves the new
     * mailbox's files alone, and the new mailbox's receiver takes every message.
     *
     * <p>Until 2026-12-06 the creator held at 1 removed every {@code name@k} file (taken for an
     * earlier mailbox's) and made its own segment 0 in their place, and one failing at 2 removed
     * the control file and every {@code name@k} file by name: either way the new mailbox's
     * messages were lost and its receiver failed.
     */
    @ParameterizedTest(name = "creator held at after-file-created #{0}")
    @CsvSource({"1, false, was destroyed while this process created it", "2, true, ENOSPC"})
    void aCreatorWhoseMailboxWasRemovedAndCreatedAgainLeavesTheNewOneWhenItFails(int heldAt, boolean full,
                                                                                 String failure) throws Exception {
        String name = "replaced" + heldAt;
        List<ChildJvm> children = new ArrayList<>();
        try (Namespace namespace = Namespace.withTmpfsOver(JipcRoot.directory(UnboundedMailboxDescriptor.DIRECTORY))) {
            Path inside = namespace.inside();
            ChildJvm creator = started(children, ChildJvm.builder(Creator.class).quickStart()
                    .hardTimeout(Duration.ofMinutes(3)).wrapper(namespace.join())
                    .property("jipc.faults", "after-file-created:1:stop").args(name).start());
            for (int hit = 1; hit <= heldAt; hit++) {
                creator.awaitLine("FAULT after-file-created", LINE);
                ProcessStates.awaitStopped(creator.pid(), LINE);
                if (hit < heldAt) {
                    Signals.kill(creator.pid(), Signals.SIGCONT);
                }
            }
            try (Stream<Path> files = Files.list(inside)) { // what destroy(name) removes of an unready mailbox
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            ChildJvm receiver = started(children, ChildJvm.builder(Receiver.class).quickStart()
                    .hardTimeout(Duration.ofMinutes(3)).wrapper(namespace.join()).args(name).start());
            receiver.awaitLine("CREATED", LINE);
            ChildJvm sender = started(children, appender(namespace.join(), name, 1, null));
            long sent = count(sender.awaitLine("SENT", LINE));
            sender.assertSuccess(LINE);
            Map<Path, Object> newFiles = identities(inside);
            assertEquals(3, newFiles.size(), "the new mailbox's control file and two segments: " + newFiles);
            Path filler = inside.resolve("filler");
            if (full) {
                fill(filler);
            }
            Signals.kill(creator.pid(), Signals.SIGCONT);
            String outcome;
            while ((outcome = creator.awaitLine("", LINE)).startsWith("FAULT")) {
                // only where it goes on into a segment 0 of its own (see above): let it finish
                ProcessStates.awaitStopped(creator.pid(), LINE);
                Signals.kill(creator.pid(), Signals.SIGCONT);
            }
            creator.assertSuccess(LINE);
            Files.deleteIfExists(filler);
            assertTrue(outcome.startsWith("FAILED") && outcome.contains(failure), outcome);
            assertEquals(newFiles, identities(inside), "the failed creator left the new mailbox's files");
            receiveAndDestroy(receiver, Long.toString(sent));
            assertNothingLeft(inside);
        } finally {
            closeAll(children);
        }
    }

    /** Gives {@code receiver} (a {@link Receiver}) its counts and checks that it takes them all and destroys the mailbox. */
    private static void receiveAndDestroy(ChildJvm receiver, String counts) throws IOException {
        OutputStream in = receiver.process().getOutputStream();
        in.write((counts + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        assertEquals("RECEIVED " + counts, receiver.awaitLine("RECEIVED", LINE), receiver.output());
        receiver.awaitLine("NOTHING ELSE", LINE);
        receiver.awaitLine("DESTROYED", LINE);
        receiver.assertSuccess(LINE);
    }

    private static void assertNothingLeft(Path directory) throws IOException {
        try (Stream<Path> left = Files.list(directory)) {
            assertEquals(List.of(), left.toList(), "no file left");
        }
    }

    /** The identity ({@link FileIdentity}) of every file in {@code directory}, by path. */
    private static Map<Path, Object> identities(Path directory) throws IOException {
        Map<Path, Object> found = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                found.put(file, FileIdentity.of(file));
            }
        }
        return found;
    }

    private static void closeAll(List<ChildJvm> children) {
        for (ChildJvm child : children) {
            if (child.isAlive()) {
                Processes.kill((int) child.pid(), Signals.SIGCONT); // never left stopped (close kills it)
            }
            child.close();
        }
    }

    /** The mount namespace of a test, with its tmpfs, its holder process and how to reach it (see the class comment). */
    private record Namespace(Process holder, Path directory) implements AutoCloseable {
        static Namespace withTmpfsOver(Path directory) throws Exception {
            MountNamespaces.require();
            Process holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--", "/bin/sh",
                    "-c", "mount -t tmpfs -o size=1m,mode=0700 jipc-small \"$0\" && echo MOUNTED && exec cat",
                    directory.toString()).redirectErrorStream(true).start();
            Namespace namespace = new Namespace(holder, directory);
            try {
                String mounted = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                        StandardCharsets.UTF_8)).readLine();
                assertEquals("MOUNTED", mounted, "the tmpfs of the mount namespace");
            } catch (IOException | RuntimeException | Error e) {
                namespace.close();
                throw e;
            }
            return namespace;
        }

        /** The wrapper command of a child JVM in this namespace. */
        String[] join() {
            return new String[] {"nsenter", "--target", Long.toString(holder.pid()), "--mount", "--wd", "--"};
        }

        /** The directory as this process sees it in the namespace. */
        Path inside() {
            return Path.of("/proc/" + holder.pid() + "/root" + directory);
        }

        @Override
        public void close() throws InterruptedException, IOException {
            holder.getOutputStream().close(); // cat ends, and with it the namespace and its tmpfs
            if (!holder.waitFor(30, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        }
    }

    private static ChildJvm started(List<ChildJvm> children, ChildJvm child) {
        children.add(child);
        return child;
    }

    /** An {@link UnboundedSlowCreatorTest.Appender} in the holder's mount namespace. */
    private static ChildJvm appender(String[] join, String name, int producer, String faults) {
        ChildJvm.Builder builder = ChildJvm.builder(UnboundedSlowCreatorTest.Appender.class).quickStart()
                .hardTimeout(Duration.ofMinutes(2)).wrapper(join).args(name, Integer.toString(producer));
        return (faults == null ? builder : builder.property("jipc.faults", faults)).start();
    }

    private static long count(String sentLine) {
        return Long.parseLong(sentLine.substring("SENT ".length()));
    }

    /** The pid of the process that created the segment file {@code file} (its header says). */
    private static long creatorPid(Path file) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder())
                .getLong(SegmentHeaderDescriptor.CREATOR_PID_OFFSET);
    }

    /** Writes {@code file} until the file system is full. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left on device")) {
                throw full;
            }
        }
    }
}
