package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.OwnerState;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.jipc.cli.CliRun.jipc;
import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc ls}, {@code rm} and {@code gc} on unbounded mailboxes: one row per mailbox (never one
 * per segment file) with its chain, ceiling, depth and receiver; a mailbox whose creator was killed
 * is stale unless a live process receives from it; gc keeps unread messages unless told, and rm
 * removes the control file and every segment file.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class UnboundedInventoryTest {
    private static final long SELF = ProcessHandle.current().pid();
    private static final Duration LINE = Duration.ofMinutes(2);
    /** 4 KiB segment rings: a few hundred bytes of messages make a chain. */
    private static final MailboxOptions SMALL = MailboxOptions.builder().capacityBytes(4096).maxMessageSize(1000).build();
    private static final long CEILING = 1 << 20;

    /** Creates unbounded mailbox {@code <prefix>-log} and chains it (3 segments or more), says so, waits to be killed. */
    public static final class CreateAndWait {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (UnboundedMailbox box = UnboundedMailbox.create(args[0] + "-log", SMALL, CEILING)) {
                while (box.segmentCount() < 3) {
                    box.put(new byte[900]);
                }
                System.out.println("READY");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /** Creates unbounded mailbox {@code args[0]} with a chain longer than ls adds up, and exits. */
    public static final class CreateLongChainAndExit {
        public static void main(String[] args) throws Exception {
            try (UnboundedMailbox box = UnboundedMailbox.create(args[0], SMALL, 64L << 20)) {
                while (box.segmentCount() <= 1024) {
                    box.put(new byte[900]);
                }
            }
        }
    }

    /** Receives one message from {@code <name>} (taking its receiver lease), says so, waits to be killed. */
    public static final class ReceiveAndWait {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (UnboundedMailbox box = UnboundedMailbox.open(args[0])) {
                box.take();
                System.out.println("READY");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    @Test
    void oneRowPerMailboxWithItsChainCeilingDepthAndReceiver() throws Exception {
        try (UnboundedMailbox box = UnboundedMailbox.create("chain", SMALL, CEILING)) {
            int sent = 0;
            while (box.segmentCount() < 3) {
                box.put(new byte[900]);
                sent++;
            }
            List<ObjectRow> rows = ObjectInventory.list();
            assertTrue(rows.stream().noneMatch(r -> r.uri().contains("@") || r.kind().equals("error")), rows.toString());
            ObjectRow row = find(rows, "unbounded:chain");
            assertEquals("unbounded", row.kind());
            assertEquals(Path.of(row.path()), UnboundedMailbox.path("chain"));
            assertEquals(SELF, row.ownerPid());
            assertEquals(OwnerState.ALIVE, row.owner());
            assertTrue(row.users().contains(SELF), "it maps the control file: " + row);
            assertEquals(CEILING, row.capacity());
            assertEquals("B", row.unit());
            assertTrue(row.depth() >= sent * 900L && row.depth() <= 3 * SMALL.capacityBytes(), row.toString());
            assertEquals(0, row.counter(), "nothing received yet");
            String version = UnboundedMailboxDescriptor.MAJOR_VERSION + "." + UnboundedMailboxDescriptor.MINOR_VERSION;
            assertEquals("JIPC-UMB " + version + ", 3 segments of " + box.segmentFileBytes() + " B, ceiling " + CEILING
                    + " B, messages up to 1000 B, no receiver", row.details());
            assertFalse(row.stale());

            box.take();
            assertTrue(find(ObjectInventory.list(), "unbounded:chain").details().endsWith(", receiver " + SELF));
            int rest = 0;
            while (box.poll() != null) { // drains, retiring the segments on the way
                rest++;
            }
            assertEquals(sent - 1, rest);
            ObjectRow drained = find(ObjectInventory.list(), "unbounded:chain");
            assertEquals(0, drained.depth(), drained.toString());
            assertEquals(sent, drained.counter(), "received, over retired segments and the live one: " + drained);
            assertTrue(drained.details().contains(", 1 segment of "), drained.details());

            CliRun json = jipc("ls", "--json", "--kind", "unbounded");
            assertTrue(Pattern.compile("\\{\"kind\": \"unbounded\", \"uri\": \"unbounded:chain\", \"path\": \"[^\"]+\", "
                    + "\"ownerPid\": " + SELF + ", \"owner\": \"alive\", \"stale\": false, \"users\": \\[[0-9, ]+], "
                    + "\"capacity\": " + CEILING + ", \"depth\": 0, \"unit\": \"B\", \"delivered\": " + sent + ", ")
                    .matcher(json.out()).find(), json.out());
        } finally {
            UnboundedMailbox.destroy("chain");
        }
    }

    /** Over 1024 segments ls does not add up the unread bytes: a routine gc must not take that for none. */
    @Test
    void aChainTooLongToCountIsKeptByARoutineGc() throws Exception {
        try (ChildJvm creator = ChildJvm.builder(CreateLongChainAndExit.class).args("long").start()) {
            assertEquals(0, creator.waitFor(LINE), creator.output());
        }
        try {
            ObjectRow row = find(ObjectInventory.list(), "unbounded:long");
            assertTrue(row.stale() && row.depth() < 0, row.toString());
            assertTrue(row.holds().startsWith("unread bytes not counted ("), row.holds());
            CliRun gc = jipc("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertTrue(gc.out().contains("kept unbounded:long"), gc.out());
            assertTrue(UnboundedMailbox.exists("long"), "a plain gc keeps what may hold messages");
            CliRun all = jipc("gc", "--include-unread");
            assertTrue(all.out().contains("removed unbounded:long"), all.out());
            assertEquals(List.of(), files("long"));
        } finally {
            UnboundedMailbox.destroy("long");
        }
    }

    @Test
    void aKilledCreatorsMailboxIsStaleUnlessReceivedFromAndGcOrRmRemoveItWithItsSegments() throws Exception {
        try (ChildJvm dead = ChildJvm.builder(CreateAndWait.class).args("dead").start();
             ChildJvm live = ChildJvm.builder(CreateAndWait.class).args("live").start()) {
            dead.awaitLine("READY", LINE);
            live.awaitLine("READY", LINE);
            dead.kill();
            dead.waitFor(LINE);

            List<ObjectRow> rows = ObjectInventory.list();
            ObjectRow orphan = find(rows, "unbounded:dead-log");
            assertEquals(dead.pid(), orphan.ownerPid());
            assertEquals(OwnerState.DEAD, orphan.owner());
            assertTrue(orphan.stale() && orphan.depth() > 0, orphan.toString());
            ObjectRow used = find(rows, "unbounded:live-log");
            assertFalse(used.stale(), used.toString());
            assertTrue(used.users().contains(live.pid()), used.toString());

            CliRun keeping = jipc("gc");
            assertEquals(0, keeping.exit(), keeping.err());
            assertTrue(keeping.out().contains("kept unbounded:dead-log (owner pid " + dead.pid() + " dead, "),
                    keeping.out());
            assertTrue(UnboundedMailbox.exists("dead-log"), "unread messages are not lost by a plain gc");

            try (ChildJvm receiver = ChildJvm.builder(ReceiveAndWait.class).args("dead-log").start()) {
                receiver.awaitLine("READY", LINE);
                ObjectRow received = find(ObjectInventory.list(), "unbounded:dead-log");
                assertFalse(received.stale(), "a live receiver uses it: " + received);
                assertTrue(received.users().contains(receiver.pid()), received.toString());
                assertTrue(received.details().endsWith(", receiver " + receiver.pid()), received.details());
                CliRun dry = jipc("gc", "--include-unread", "--dry-run");
                assertFalse(dry.out().contains("unbounded:"), dry.out());
                receiver.kill();
                receiver.waitFor(LINE);
            }

            CliRun gc = jipc("gc", "--include-unread");
            assertEquals(0, gc.exit(), gc.err());
            assertTrue(Pattern.compile("removed unbounded:dead-log \\(owner pid " + dead.pid() + " dead, [0-9]+ B unread\\)")
                    .matcher(gc.out()).find(), gc.out());
            assertFalse(gc.out().contains("live-log"), gc.out());
            assertEquals(List.of(), files("dead-log"), "control and segment files are gone");

            CliRun refused = jipc("rm", "unbounded:live-log");
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("in use by pid " + live.pid()), refused.err());
            assertTrue(files("live-log").size() >= 4, "control file and 3 segments or more: " + files("live-log"));
            CliRun forced = jipc("rm", "--force", "unbounded:live-log");
            assertEquals(0, forced.exit(), forced.err());
            assertEquals(List.of(), files("live-log"));
            assertEquals(1, jipc("rm", "unbounded:live-log").exit(), "gone");
        } finally {
            UnboundedMailbox.destroy("dead-log");
            UnboundedMailbox.destroy("live-log");
        }
    }

    /** The files of unbounded mailbox {@code name}: its control file and its segment files. */
    private static List<String> files(String name) throws IOException {
        try (Stream<Path> files = Files.list(JipcRoot.path(UnboundedMailboxDescriptor.DIRECTORY))) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.equals(name) || f.startsWith(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR))
                    .sorted().toList();
        }
    }
}
