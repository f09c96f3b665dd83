package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.OwnerState;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mq.MqAttributes;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.pipe.Fifo;
import io.jipc.segment.JipcRoot;
import io.jipc.shm.CircularBuffer;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
import io.jipc.group.ProcessGroup;
import io.jipc.sync.ProcessBarrier;
import io.jipc.sync.ProcessCondition;
import io.jipc.sync.ProcessCountDownLatch;
import io.jipc.sync.ProcessMutex;
import io.jipc.sync.ProcessSemaphore;
import io.jipc.sync.SyncFileDescriptor;
import io.jipc.sync.SyncObjects;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.TestQueues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc ls}, {@code top}, {@code rm} and {@code gc} against objects that other processes
 * created: one child killed with {@code kill -9} leaves stale objects, another keeps its own in use.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class InventoryProcessTest {
    private static final Duration LINE = Duration.ofMinutes(2);

    /** A directory under /tmp, outside /dev/shm, where another jipc root goes. */
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    /** Runs the jipc command in this JVM, capturing what it prints. */
    static Run jipc(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Creates a mailbox, a circular buffer and a mutex named {@code <prefix>-...}, says so, then waits to be killed. */
    public static final class CreateAndWait {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.create(args[0] + "-box");
                 CircularBuffer buffer = CircularBuffer.create(args[0] + "-ring", 8, 16);
                 ProcessMutex mutex = ProcessMutex.create(args[0] + "-lock")) {
                mailbox.put(new byte[100]);
                System.out.println("READY");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /** Formats an anonymous region as a circular buffer of 16 items of 32 B, puts 5, says so, then waits to be killed. */
    public static final class AnonymousBufferAndWait {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (io.jipc.shm.AnonymousRegion region = io.jipc.shm.AnonymousRegion.create(CircularBuffer.requiredBytes(32, 16));
                 CircularBuffer buffer = CircularBuffer.format(region, 32, 16)) {
                for (int i = 0; i < 5; i++) {
                    buffer.put(new byte[32]);
                }
                System.out.println("READY");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /** Creates an anonymous region, opens its hand-off, prints {@code ADDRESS <socket path>}, then waits to be killed. */
    public static final class HandOffAndWait {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (io.jipc.shm.AnonymousRegion region = io.jipc.shm.AnonymousRegion.create(4096);
                 io.jipc.shm.RegionHandOff handOff = region.handOff()) {
                System.out.println("ADDRESS " + handOff.address());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /** Creates mailbox {@code <prefix>-box} and sends and takes messages through it until stdin closes. */
    public static final class Feed {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.create(args[0] + "-box")) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (true) {
                            mailbox.take();
                        }
                    } catch (InterruptedException | RuntimeException closed) {
                        // done
                    }
                });
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (true) {
                            mailbox.put(new byte[32]);
                            Thread.sleep(1);
                        }
                    } catch (InterruptedException | RuntimeException closed) {
                        // done
                    }
                });
                System.out.println("READY");
                System.out.flush();
                System.in.read();
            } finally {
                Mailbox.destroy(args[0] + "-box");
            }
        }
    }

    /**
     * Creates one synchronization object of each kind fresh ({@code fresh-*}) and one of each kind
     * but the condition in use ({@code used-*}: the mutex locked, a permit taken, of an untracked and of
     * a tracked semaphore, the latch counted down once, one of two parties at the barrier, and a member
     * joined), then halts without cleaning up.
     */
    public static final class LeaveSyncObjects {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            ProcessMutex.create("fresh-mutex").close();
            ProcessSemaphore.create("fresh-pool", 2, 0, 0600).close();
            ProcessCondition.create("fresh-condition").close();
            ProcessCountDownLatch.create("fresh-latch", 2).close();
            ProcessBarrier.create("fresh-barrier", 2).close();
            ProcessMutex.create("used-mutex").lock();
            ProcessSemaphore.create("used-pool", 2, 0, 0600).acquire();
            ProcessSemaphore.create("used-tracked", 2, 4, 0600).acquire();
            ProcessCountDownLatch.create("used-latch", 2).countDown();
            ProcessBarrier barrier = ProcessBarrier.create("used-barrier", 2);
            ProcessBarrier.join("used-barrier");
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    barrier.await();
                } catch (InterruptedException stopped) {
                    // the process halts
                }
            });
            while (barrier.arrived() == 0) {
                Thread.sleep(1);
            }
            Runtime.getRuntime().halt(0);
        }
    }

    @Test
    void gcKeepsSynchronizationObjectsWhoseStateALaterProcessMayDependOn() throws Exception {
        long creatorPid;
        try (ChildJvm creator = ChildJvm.builder(LeaveSyncObjects.class).start()) {
            assertEquals(0, creator.waitFor(LINE), creator.output());
            creatorPid = creator.pid();
        }
        Run acquire = jipc("sync", "acquire", "fresh-pool"); // a permit taken by a command that then exits
        assertEquals(0, acquire.exit(), acquire.err());

        List<ObjectRow> rows = ObjectInventory.list();
        for (String name : List.of("fresh-mutex", "fresh-condition", "fresh-latch", "fresh-barrier", "fresh-pool",
                "used-mutex", "used-pool", "used-tracked", "used-latch", "used-barrier")) {
            assertTrue(find(rows, "sync:" + name).stale(), name + " was made by a dead process: " + rows);
        }
        assertEquals("1 of 2 permits available", find(rows, "sync:fresh-pool").holds());
        assertEquals("1 of 2 permits available", find(rows, "sync:used-pool").holds());
        // the holder halted: dead, as jipc sync info says ("held by pid P (dead)", "pid P (dead) holds 1")
        assertEquals("locked by pid " + creatorPid + " (dead)", find(rows, "sync:used-mutex").holds());
        assertEquals("1 of 2 permits available, pid " + creatorPid + " (dead) holds 1",
                find(rows, "sync:used-tracked").holds());
        assertTrue(jipc("sync", "info", "used-mutex").out().contains("held by pid " + creatorPid + " (dead)"));
        assertTrue(jipc("sync", "info", "used-tracked").out().contains("pid " + creatorPid + " (dead) holds 1"));
        assertEquals("counted down to 1 of 2", find(rows, "sync:used-latch").holds());
        assertEquals("1 of 2 parties arrived (1 dead), 1 of 2 joined", find(rows, "sync:used-barrier").holds(),
                "the halted creator's arrival is a dead one");
        Run info = jipc("sync", "info", "used-barrier");
        assertTrue(info.out().contains("1 arrived (1 dead)"), info.out());
        Run ls = jipc("ls", "--kind", "sync");
        assertTrue(ls.out().lines().anyMatch(l -> l.endsWith("JIPC-SYN " + SyncFileDescriptor.MAJOR_VERSION + "."
                + SyncFileDescriptor.MINOR_VERSION + ", LTCH, counted down to 1 of 2")), ls.out());
        assertTrue(ls.out().lines().anyMatch(l -> l.endsWith(", MUTX, locked by pid " + creatorPid + " (dead)")), ls.out());
        assertTrue(ls.out().contains("10 stale (owner dead, unused): jipc gc removes 4; 6 hold messages or state, "
                + "which only jipc gc --include-unread removes"), ls.out());
        assertTrue(jipc("ls", "--json", "--kind", "sync").out().contains("\"holds\": \"1 of 2 parties arrived (1 dead), 1 of 2 joined\""));

        Run gc = jipc("gc");
        assertEquals(0, gc.exit(), gc.err());
        assertEquals(List.of("fresh-barrier", "fresh-condition", "fresh-latch", "fresh-mutex"),
                gc.out().lines().filter(l -> l.startsWith("removed sync:"))
                        .map(l -> l.substring("removed sync:".length(), l.indexOf(' ', "removed sync:".length())))
                        .sorted().toList(), gc.out());
        assertTrue(gc.out().contains("kept sync:used-latch (owner pid "), gc.out());
        assertTrue(gc.out().contains(" dead, counted down to 1 of 2): --include-unread or jipc rm removes it"),
                gc.out());
        assertEquals(List.of("fresh-pool", "used-barrier", "used-latch", "used-mutex", "used-pool", "used-tracked"),
                SyncObjects.names());

        Run all = jipc("gc", "--include-unread");
        assertEquals(6, all.out().lines().filter(l -> l.startsWith("removed sync:")).count(), all.out());
        assertEquals(List.of(), SyncObjects.names());
    }

    /** Joins the process group {@code <name>} of 3 ranks, says so, then waits to be killed. */
    public static final class JoinAndWait {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (ProcessGroup group = ProcessGroup.join(args[0], 3)) {
                System.out.println("READY " + group.rank());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    @Test
    void aGroupIsListedWithItsMembersAndADeadGroupIsRemovedByGc() throws Exception {
        try (ChildJvm member = ChildJvm.builder(JoinAndWait.class).args("crowd").start()) {
            assertEquals("READY 0", member.awaitLine("READY", LINE));
            try (ProcessGroup group = ProcessGroup.join("crowd", 3)) {
                ObjectRow row = find(ObjectInventory.list(), "group:crowd");
                assertEquals("group", row.kind());
                assertEquals(3, row.capacity());
                assertEquals(member.pid(), row.ownerPid());
                assertTrue(row.users().containsAll(List.of(member.pid(), ProcessHandle.current().pid())), row.toString());
                assertTrue(row.details().endsWith("2 of 3 ranks joined"), row.details());
                find(ObjectInventory.list(), "mailbox:group.crowd.0.1");
                member.kill();
                member.waitFor(LINE);
                ObjectRow afterKill = find(ObjectInventory.list(), "group:crowd");
                assertFalse(afterKill.stale(), "a live member uses it");
                assertTrue(afterKill.details().endsWith("1 of 3 ranks joined, 1 rank still held by a member that died "
                        + "(free for the next joiner)"), afterKill.details());
            }
            List<ObjectRow> after = ObjectInventory.list();
            assertTrue(after.stream().noneMatch(r -> r.uri().contains("crowd")),
                    "the last live member removed the group and the dead member's inbox: " + after);
        }
        try (ChildJvm lonely = ChildJvm.builder(JoinAndWait.class).args("lonely").start()) {
            lonely.awaitLine("READY", LINE);
            lonely.kill();
            lonely.waitFor(LINE);
            List<ObjectRow> rows = ObjectInventory.list();
            assertTrue(find(rows, "group:lonely").stale(), rows.toString());
            assertTrue(find(rows, "mailbox:group.lonely.0.1").stale(), rows.toString());
            Run gc = jipc("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertTrue(gc.out().contains("removed group:lonely") && gc.out().contains("removed mailbox:group.lonely.0.1"),
                    gc.out());
            assertFalse(ProcessGroup.exists("lonely"));
        }
    }

    /**
     * The socket of an anonymous region's hand-off is listed ({@code handoff:FILE}) with its creator
     * as owner; a creator killed before its hand-off closed (SIGKILL) leaves the socket, which is then
     * stale and {@code jipc gc} removes. Until 2026-12-06 no tool saw {@code <root>/handoff/} and such
     * sockets stayed for good.
     */
    @Test
    void aKilledParentsHandOffSocketIsStaleAndGcRemovesIt() throws Exception {
        try (ChildJvm child = ChildJvm.builder(HandOffAndWait.class).start()) {
            Path socket = Path.of(child.awaitLine("ADDRESS ", LINE).substring("ADDRESS ".length()));
            String uri = "handoff:" + socket.getFileName();
            ObjectRow live = ObjectInventory.list().stream().filter(r -> r.uri().equals(uri)).findFirst()
                    .orElseThrow(() -> new AssertionError(uri + " not listed: " + ObjectInventory.list()));
            assertEquals("handoff", live.kind());
            assertEquals(child.pid(), live.ownerPid());
            assertEquals(OwnerState.ALIVE, live.owner());
            assertTrue(jipc("ls", "--kind", "handoff").out().contains(uri), jipc("ls").out());
            jipc("gc");
            assertTrue(Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS), "a live hand-off's socket stays");

            child.kill();
            child.waitFor(LINE);
            assertTrue(Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS), "SIGKILL leaves the socket");
            ObjectRow left = ObjectInventory.list().stream().filter(r -> r.uri().equals(uri)).findFirst().orElseThrow();
            assertEquals(OwnerState.DEAD, left.owner());
            assertTrue(left.stale(), left.toString());
            Run gc = jipc("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertTrue(gc.out().contains(uri), gc.out());
            assertFalse(Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS), "gc removed the socket");
        }
    }

    /**
     * A circular buffer another process formatted in an anonymous region it holds is listed as a
     * named one is, with that process as owner and user, its capacity and its fill (it was a raw
     * {@code anonymous-region} row); it goes from the listing with the process.
     */
    @Test
    void anotherProcesssAnonymousCircularBufferIsListedWithItsFill() throws Exception {
        try (ChildJvm child = ChildJvm.builder(AnonymousBufferAndWait.class).start()) {
            child.awaitLine("READY", LINE);
            List<ObjectRow> rows = ObjectInventory.list().stream()
                    .filter(r -> r.uri().startsWith("memfd:") && r.users().contains(child.pid())).toList();
            assertEquals(1, rows.size(), rows.toString());
            ObjectRow row = rows.getFirst();
            assertEquals("circular-buffer", row.kind(), row.toString());
            assertEquals(16, row.capacity());
            assertEquals(5, row.depth());
            assertEquals(child.pid(), row.ownerPid());
            assertEquals(OwnerState.ALIVE, row.owner());
            assertEquals("JIPC-CBF 1.0, items of 32 B", row.details());
            assertTrue(jipc("ls", "--kind", "circular-buffer").out().lines()
                    .anyMatch(l -> l.startsWith("circular-buffer ") && l.contains(row.uri() + " ")
                            && l.contains(" 16 items ") && l.contains(" 5 items ")), jipc("ls").out());
            child.kill();
            child.waitFor(LINE);
            assertTrue(ObjectInventory.list().stream().noneMatch(r -> r.uri().equals(row.uri())),
                    "an anonymous region goes with the last process that maps it");
        }
    }

    /**
     * An owner stopped by {@code SIGSTOP} is alive (its objects are not stale) but shown as
     * {@code stopped}, so that a stall can be told from a busy peer; once it continues, {@code alive}.
     */
    @Test
    void aStoppedOwnerIsShownStoppedAndAliveAgainOnceItContinues() throws Exception {
        try (ChildJvm child = ChildJvm.builder(CreateAndWait.class).args("paused").start()) {
            child.awaitLine("READY", LINE);
            ProcessSignals.send(child.pid(), Signal.SIGSTOP);
            try {
                ObjectRow row = awaitState("mailbox:paused-box", "stopped");
                assertEquals(OwnerState.ALIVE, row.owner(), row.toString());
                assertTrue(row.ownerStopped(), row.toString());
                assertFalse(row.stale(), row.toString());
                assertTrue(jipc("ls").out().lines()
                        .anyMatch(l -> l.contains("mailbox:paused-box") && l.contains(" stopped ")));
                assertTrue(jipc("ls", "--json", "--kind", "mailbox").out().lines()
                        .anyMatch(l -> l.contains("mailbox:paused-box") && l.contains("\"ownerStopped\": true")));
            } finally {
                ProcessSignals.send(child.pid(), Signal.SIGCONT);
            }
            ObjectRow row = awaitState("mailbox:paused-box", "alive");
            assertFalse(row.ownerStopped(), row.toString());
            child.kill();
            child.waitFor(LINE);
            assertEquals(0, jipc("gc", "--include-unread").exit()); // its objects, stale now
        }
    }

    /** Lists until the row of {@code uri} shows {@code state} (a signal takes effect soon, not at once); bounded. */
    private static ObjectRow awaitState(String uri, String state) throws InterruptedException {
        long deadline = System.nanoTime() + LINE.toNanos();
        while (true) {
            ObjectRow row = find(ObjectInventory.list(), uri);
            if (row.state().equals(state) || System.nanoTime() - deadline > 0) {
                assertEquals(state, row.state(), row.toString());
                return row;
            }
            Thread.sleep(10);
        }
    }

    @Test
    void killedOwnersObjectsAreStaleAndGcRemovesOnlyThose() throws Exception {
        String queue = TestQueues.name("jipc-inv");
        Path fifo = JipcRoot.directory("fifo").resolve("pipe");
        try (ChildJvm dead = ChildJvm.builder(CreateAndWait.class).args("dead").start();
             ChildJvm live = ChildJvm.builder(CreateAndWait.class).args("live").start();
             PosixMessageQueue mq = PosixMessageQueue.create(queue, MqAttributes.of(4, 64));
             NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            names.bind("queue", NameRecord.of("mq", "1", "mq:" + queue));
            dead.awaitLine("READY", LINE);
            live.awaitLine("READY", LINE);
            Fifo.create(fifo, 0600);
            assertTrue(mq.offer(new byte[3]));
            dead.kill();
            dead.waitFor(LINE);

            List<ObjectRow> rows = ObjectInventory.list();
            for (String uri : List.of("mailbox:dead-box", "region:dead-ring", "sync:dead-lock")) {
                ObjectRow row = find(rows, uri);
                assertEquals(OwnerState.DEAD, row.owner(), row.toString());
                assertTrue(row.stale(), row.toString());
            }
            for (String uri : List.of("mailbox:live-box", "region:live-ring", "sync:live-lock")) {
                ObjectRow row = find(rows, uri);
                assertEquals(live.pid(), row.ownerPid());
                assertFalse(row.stale(), row.toString());
                assertTrue(row.users().contains(live.pid()), row.toString());
            }
            ObjectRow q = find(rows, "mq:" + queue);
            assertEquals(4, q.capacity());
            assertEquals(1, q.depth());
            assertEquals(ProcessHandle.current().pid(), q.ownerPid(), "its creator, this test (the binder of mq/NAME)");
            assertEquals(OwnerState.ALIVE, q.owner());
            assertEquals(OwnerState.UNKNOWN, find(rows, "fifo:" + fifo).owner());

            Run ls = jipc("ls");
            assertEquals(0, ls.exit());
            assertTrue(ls.out().lines().anyMatch(l -> l.contains("mailbox:dead-box") && l.contains("STALE")), ls.out());
            assertTrue(ls.out().lines().anyMatch(l -> l.contains("mailbox:live-box") && l.contains("alive")), ls.out());

            Run json = jipc("ls", "--json", "--kind", "mailbox");
            assertTrue(json.out().startsWith("[\n") && json.out().endsWith("]\n"), json.out());
            assertTrue(Pattern.compile("\\{\"kind\": \"mailbox\", \"uri\": \"mailbox:dead-box\", \"path\": \"[^\"]+\", "
                    + "\"ownerPid\": " + dead.pid() + ", \"owner\": \"dead\", \"stale\": true, \"users\": \\[], "
                    + "\"capacity\": \\d+, \"depth\": [1-9]\\d*, \"unit\": \"B\", \"delivered\": 0, \"mode\": \"0600\", ")
                    .matcher(json.out()).find(), json.out());
            assertFalse(json.out().contains("\"kind\": \"region\""), "--kind selects");
            Run upper = jipc("ls", "--json", "--kind", "MAILBOX"); // in any case, as the other named values
            assertEquals(0, upper.exit(), upper.err());
            assertTrue(upper.out().contains("\"uri\": \"mailbox:dead-box\"") && !upper.out().contains("\"kind\": \"region\""),
                    upper.out());

            Run dry = jipc("gc", "--dry-run");
            assertTrue(dry.out().contains("would remove sync:dead-lock") && dry.out().contains("would remove region:dead-ring")
                    && dry.out().contains("kept mailbox:dead-box"), dry.out());
            assertTrue(Files.exists(JipcRoot.path("sync").resolve("dead-lock")), "a dry run removes nothing");

            Run keeping = jipc("gc");
            assertEquals(0, keeping.exit(), keeping.err());
            assertTrue(keeping.out().contains("kept mailbox:dead-box (owner pid " + dead.pid() + " dead, "), keeping.out());
            assertEquals(2, keeping.out().lines().filter(l -> l.startsWith("removed ")).count(), keeping.out());
            assertTrue(Mailbox.exists("dead-box"), "unread messages are not lost by a plain gc");
            Run gc = jipc("gc", "--include-unread");
            assertEquals(0, gc.exit(), gc.err());
            List<String> removed = gc.out().lines().toList();
            assertEquals(1, removed.size(), gc.out());
            assertTrue(removed.get(0).matches("removed mailbox:dead-box \\(owner pid " + dead.pid() + " dead, [0-9]+ B unread\\)"),
                    gc.out());
            List<ObjectRow> after = ObjectInventory.list();
            assertTrue(after.stream().noneMatch(r -> r.uri().contains("dead-")), after.toString());
            for (String uri : List.of("mailbox:live-box", "region:live-ring", "sync:live-lock", "mq:" + queue,
                    "fifo:" + fifo)) {
                find(after, uri);
            }

            Run refused = jipc("rm", "mailbox:live-box");
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("in use by pid " + live.pid()), refused.err());
            assertTrue(Mailbox.exists("live-box"));

            Run ownerAlive = jipc("rm", "mq:" + queue.substring(1));
            assertEquals(1, ownerAlive.exit(), "mq:NAME means mq:/NAME, and this test, its creator, holds it open");
            assertTrue(ownerAlive.err().contains("in use by pid " + ProcessHandle.current().pid()), ownerAlive.err());
            assertEquals(0, jipc("rm", "--force", "mq:" + queue).exit());
            assertFalse(PosixMessageQueue.exists(queue));
            Run rmFifo = jipc("rm", "fifo:" + fifo);
            assertEquals(0, rmFifo.exit(), rmFifo.err());
            assertEquals(1, jipc("rm", "mailbox:never-was").exit());

            live.kill();
            live.waitFor(LINE);
            Run rest = jipc("gc", "--include-unread");
            assertEquals(3, rest.out().lines().filter(l -> l.startsWith("removed ")).count(), rest.out());
            assertFalse(Mailbox.exists("live-box"));
            assertTrue(SyncObjects.names().isEmpty(), SyncObjects.names().toString());
        } finally {
            PosixMessageQueue.unlink(queue);
            Fifo.remove(fifo);
            try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                names.unregister("queue");
            }
            for (String prefix : List.of("dead", "live")) {
                Mailbox.destroy(prefix + "-box");
                CircularBuffer.destroy(prefix + "-ring");
                SyncObjects.destroy(prefix + "-lock");
            }
        }
    }

    /**
     * Creates, in the jipc root's mailbox directory, a durable mailbox {@code <prefix>-durable} and an
     * ordinary one {@code <prefix>-plain}, puts a message into each, and exits.
     */
    public static final class LeaveDurableAndPlain {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            Path durable = JipcRoot.directory(MailboxDescriptor.DIRECTORY).resolve(args[0] + "-durable");
            try (Mailbox kept = Mailbox.createDurable(durable, MailboxOptions.defaults());
                 Mailbox plain = Mailbox.create(args[0] + "-plain")) {
                kept.put(new byte[] {7});
                plain.put(new byte[] {8});
            }
        }
    }

    /**
     * A durable mailbox whose creator has exited is not stale, even in the jipc root's mailbox
     * directory, where it was listed as an ordinary mailbox (STALE) and removed by {@code gc
     * --include-unread}: its header flags it durable. An ordinary mailbox left the same way is removed;
     * {@code rm} still removes the durable one when asked.
     */
    @Test
    void gcNeverRemovesADurableMailboxWhoseCreatorExitedAndLsSaysItIsDurable() throws Exception {
        try (ChildJvm creator = ChildJvm.builder(LeaveDurableAndPlain.class).args("left").start()) {
            assertEquals(0, creator.waitFor(LINE), creator.output());
        }
        try {
            List<ObjectRow> rows = ObjectInventory.list();
            ObjectRow durable = find(rows, "mailbox:left-durable");
            assertEquals(OwnerState.DEAD, durable.owner(), durable.toString());
            assertFalse(durable.stale(), durable.toString());
            assertTrue(durable.details().startsWith("durable, JIPC-MBX 2.2, "), durable.details());
            assertTrue(find(rows, "mailbox:left-plain").stale(), rows.toString());

            Run ls = jipc("ls", "--kind", "mailbox");
            assertTrue(ls.out().lines().anyMatch(l -> l.contains("mailbox:left-durable") && l.contains(" dead ")
                    && !l.contains("STALE") && l.contains("durable, JIPC-MBX 2.2")), ls.out());
            assertTrue(ls.out().contains("1 stale (owner dead, unused)"), ls.out());

            Run gc = jipc("gc", "--include-unread");
            assertEquals(0, gc.exit(), gc.err());
            assertTrue(gc.out().contains("removed mailbox:left-plain"), gc.out());
            assertFalse(gc.out().contains("left-durable"), gc.out());
            assertFalse(Mailbox.exists("left-plain"));
            try (Mailbox kept = Mailbox.openDurable(Mailbox.path("left-durable"))) {
                assertArrayEquals(new byte[] {7}, kept.take(), "its message is still there");
            }

            Run rm = jipc("rm", "mailbox:left-durable");
            assertEquals(0, rm.exit(), rm.err());
            assertFalse(Mailbox.exists("left-durable"), "rm removes it when asked");
        } finally {
            Mailbox.destroy("left-durable");
            Mailbox.destroy("left-plain");
        }
    }

    /** Creates the ordinary mailbox {@code args[0]} in its jipc root, says READY, and keeps it mapped until killed. */
    public static final class HoldPlainMailbox {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.create(args[0])) {
                mailbox.put(new byte[] {9});
                System.out.println("READY " + Mailbox.path(args[0]));
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /**
     * An ordinary mailbox of another jipc root outside {@code /dev/shm} (a process with another
     * {@code JIPC_ROOT} under {@code /tmp}, as tests and CI use), mapped by its live creator, is not
     * this root's object: its header does not flag it durable, so {@code ls} does not list it (it
     * listed it as {@code mailbox-file:PATH}, "durable", never stale), and {@code rm mailbox-file:PATH}
     * refuses it, also with {@code --force}, saying whose it is, instead of removing the file that
     * root's {@code mailbox/NAME} name points at.
     */
    @Test
    void anOrdinaryMailboxOfAnotherRootIsNotListedAsDurableNorRemovedAsAMailboxFile() throws Exception {
        Path otherRoot = tmp.resolve("other-root");
        try (ChildJvm other = ChildJvm.builder(HoldPlainMailbox.class).property("jipc.root", otherRoot.toString())
                .args("theirs").start()) {
            String file = other.awaitLine("READY ", LINE).substring("READY ".length());
            assertEquals(otherRoot.resolve("mailbox/theirs").toString(), file);
            assertTrue(ObjectInventory.list().stream().noneMatch(r -> r.uri().contains(file)),
                    "not this root's, and not durable: " + ObjectInventory.list());
            Run ls = jipc("ls", "--kind", "mailbox");
            assertFalse(ls.out().contains(file), ls.out());
            for (String[] args : List.of(new String[] {"rm", "mailbox-file:" + file},
                    new String[] {"rm", "--force", "mailbox-file:" + file})) {
                Run rm = jipc(args);
                assertEquals(1, rm.exit(), rm.out() + rm.err());
                assertTrue(rm.err().contains("'" + file + "' is not a durable mailbox (its header does not flag it"
                        + " durable): it is the mailbox 'theirs' of the jipc root '" + otherRoot + "'; not removed"),
                        rm.err());
                assertTrue(Files.exists(Path.of(file)), "the other root's mailbox stays");
            }
        }
    }

    @Test
    void topOnceShowsTheRateOfAMailboxAChildFeeds() throws Exception {
        try (ChildJvm feeder = ChildJvm.builder(Feed.class).args("fed").start()) {
            feeder.awaitLine("READY", LINE);
            for (int frame = 0; frame < 2; frame++) {
                Run top = jipc("top", "--once", "--interval", "500ms", "--kind", "mailbox");
                assertEquals(0, top.exit(), top.err());
                assertTrue(top.out().contains(", rates over 500ms, "), top.out());
                String line = top.out().lines().filter(l -> l.contains("mailbox:fed-box")).findFirst()
                        .orElseThrow(() -> new AssertionError(top.out()));
                Matcher rate = Pattern.compile("0600\\s+([0-9,]+)\\s").matcher(line);
                assertTrue(rate.find(), "a rate in: " + line);
                assertTrue(Long.parseLong(rate.group(1).replace(",", "")) > 0, line);
            }
            feeder.process().getOutputStream().close();
            feeder.waitFor(LINE);
        }
    }
}
