package io.jipc.mailbox.processes;

import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.platform.Processes;
import io.jipc.platform.Signals;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

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
 * unbounded mailbox ... is missing".
 *
 * <p>Every process of the test runs in one mount namespace, made by a holder process
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

    @Test
    void aCondemnedCreatorThatFailsForWantOfSpaceLeavesTheSegmentThatReplacedItsFile() throws Exception {
        Process probe = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "true")
                .redirectErrorStream(true).start();
        String refused = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!probe.waitFor(30, TimeUnit.SECONDS) || probe.exitValue() != 0) {
            abort("cannot make a mount namespace here (not root?): " + refused);
        }
        Path directory = JipcRoot.directory(UnboundedMailboxDescriptor.DIRECTORY); // the mount point
        String name = "enospc";
        Process holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                "mount -t tmpfs -o size=1m,mode=0700 jipc-small \"$0\" && echo MOUNTED && exec cat",
                directory.toString()).redirectErrorStream(true).start();
        List<ChildJvm> children = new ArrayList<>();
        Path inside = Path.of("/proc/" + holder.pid() + "/root" + directory);
        try {
            String mounted = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertEquals("MOUNTED", mounted, "the tmpfs of the mount namespace");
            String[] join = {"nsenter", "--target", Long.toString(holder.pid()), "--mount", "--wd", "--"};
            ChildJvm receiver = started(children, ChildJvm.builder(Receiver.class).quickStart()
                    .hardTimeout(Duration.ofMinutes(3)).wrapper(join).args(name).start());
            receiver.awaitLine("CREATED", LINE);
            ChildJvm creator = started(children, appender(join, name, 1, "after-file-created:1:stop"));
            creator.awaitLine("READY", LINE);
            creator.awaitLine("FAULT after-file-created", LINE);
            ProcessStates.awaitStopped(creator.pid(), LINE);
            // the second sender waits out the ready timeout, condemns the empty file, appends its own
            ChildJvm replacer = started(children, appender(join, name, 2, null));
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
            OutputStream counts = receiver.process().getOutputStream();
            counts.write((creatorSent + " " + replacerSent + "\n").getBytes(StandardCharsets.UTF_8));
            counts.flush();
            assertEquals("RECEIVED " + creatorSent + " " + replacerSent, receiver.awaitLine("RECEIVED", LINE),
                    receiver.output());
            receiver.awaitLine("NOTHING ELSE", LINE);
            receiver.awaitLine("DESTROYED", LINE);
            receiver.assertSuccess(LINE);
            try (Stream<Path> left = Files.list(inside)) {
                assertEquals(List.of(), left.toList(), "no file left");
            }
        } finally {
            for (ChildJvm child : children) {
                if (child.isAlive()) {
                    Processes.kill((int) child.pid(), Signals.SIGCONT); // never left stopped (close kills it)
                }
                child.close();
            }
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
