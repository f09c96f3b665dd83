package io.jipc.cli;

import io.jipc.cli.InventoryProcessTest.Run;
import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.cli.ls.OwnerState;
import io.jipc.mq.MqAttributes;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.platform.Libc;
import io.jipc.platform.MessageQueues;
import io.jipc.pipe.Fifo;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.InventoryProcessTest.jipc;
import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * {@code jipc ls} finds every POSIX queue jipc created through its name {@code mq/NAME}, without
 * {@code /dev/mqueue}: with the creator's pid (dead once it exited, but a queue is never stale),
 * capacity, depth, mode and the processes holding it; {@code rm} unlinks a queue and its name,
 * {@code gc} never removes a queue but drops the name of one unlinked behind jipc's back.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class QueueInventoryTest {
    private static final long SELF = ProcessHandle.current().pid();

    private NameService names;
    private String queue;

    /** Creates queue args[0] of args[1] messages of args[2] bytes, sends args[3] messages, and exits. */
    public static final class CreateQueueAndExit {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (PosixMessageQueue queue = PosixMessageQueue.create(args[0],
                    MqAttributes.of(Integer.parseInt(args[1]), Integer.parseInt(args[2])))) {
                for (int i = 0; i < Integer.parseInt(args[3]); i++) {
                    queue.put(new byte[] {(byte) i});
                }
            }
        }
    }

    /** Creates queue args[0] of args[1] messages of args[2] bytes, prints HOLDING, and keeps it open until killed. */
    public static final class CreateQueueAndHold {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (PosixMessageQueue queue = PosixMessageQueue.create(args[0],
                    MqAttributes.of(Integer.parseInt(args[1]), Integer.parseInt(args[2])))) {
                System.out.println("HOLDING " + queue.name());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE); // killed by the test
            }
        }
    }

    @BeforeEach
    void openNames() {
        names = NameService.open(NamingConfiguration.LOCAL);
        queue = TestQueues.name("jipc-qinv");
    }

    @AfterEach
    void unlinkAndCloseNames() {
        PosixMessageQueue.unlink(queue);
        names.close();
    }

    private String nameOfQueue() {
        return "mq/" + queue.substring(1);
    }

    @Test
    void aQueueWhoseCreatorExitedIsListedWithItsPidNeverStaleAndRmRemovesItWithItsName() throws Exception {
        long creatorPid;
        try (ChildJvm creator = ChildJvm.builder(CreateQueueAndExit.class).args(queue, "4", "64", "2").quickStart()
                .hardTimeout(Duration.ofSeconds(90)).start()) {
            creator.assertSuccess(Duration.ofSeconds(80));
            creatorPid = creator.pid();
        }
        ObjectRow row = find(ObjectInventory.list(), "mq:" + queue);
        assertEquals("mq", row.kind());
        assertEquals(creatorPid, row.ownerPid());
        assertEquals(OwnerState.DEAD, row.owner());
        assertFalse(row.stale(), "a queue is meant to outlive its creator: " + row);
        assertEquals(List.of(), row.users());
        assertEquals(4, row.capacity());
        assertEquals(2, row.depth());
        assertEquals("msgs", row.unit());
        assertEquals("0600", row.mode());
        assertEquals(System.getProperty("user.name"), row.user());
        assertEquals("messages up to 64 B", row.details());

        Run json = jipc("ls", "--json", "--kind", "mq");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().contains("{\"kind\": \"mq\", \"uri\": \"mq:" + queue + "\", \"path\": \"named "
                + nameOfQueue() + "\", \"ownerPid\": " + creatorPid + ", \"owner\": \"dead\", \"stale\": false, "
                + "\"users\": [], \"capacity\": 4, \"depth\": 2, \"unit\": \"msgs\"")
                || json.out().contains("\"uri\": \"mq:" + queue + "\", \"path\": \"/dev/mqueue/"), json.out());

        Run gc = jipc("gc", "--include-unread");
        assertEquals(0, gc.exit(), gc.err());
        assertFalse(gc.out().contains(queue), gc.out());
        assertTrue(PosixMessageQueue.exists(queue), "gc never removes a queue");

        Run rm = jipc("rm", "mq:" + queue);
        assertEquals(0, rm.exit(), rm.err());
        assertEquals("removed mq:" + queue + "\n", rm.out());
        assertFalse(PosixMessageQueue.exists(queue));
        assertEquals(Optional.empty(), names.lookup(nameOfQueue()), "rm unlinked the queue through its API");
        assertTrue(ObjectInventory.list().stream().noneMatch(r -> r.uri().contains(queue.substring(1))));
    }

    @Test
    void aQueueUnlinkedBehindJipcsBackIsNotListedAndGcDropsItsDanglingName() {
        PosixMessageQueue.create(queue, MqAttributes.of(2, 16)).close();
        assertTrue(MessageQueues.unlink(queue), "as a C program would");

        List<ObjectRow> rows = ObjectInventory.list();
        assertTrue(rows.stream().noneMatch(r -> r.uri().equals("mq:" + queue)), rows.toString());
        ObjectRow name = find(rows, "name:" + nameOfQueue());
        assertEquals(OwnerState.ALIVE, name.owner(), "this test bound it");
        assertTrue(name.dangling() && name.stale(), name.toString());
        assertTrue(name.details().endsWith("dangling: the queue is gone"), name.details());

        Run dry = jipc("gc", "--dry-run");
        assertTrue(dry.out().contains("would remove name:" + nameOfQueue() + " (dangling: its object is gone)"),
                dry.out());
        Run gc = jipc("gc");
        assertEquals(0, gc.exit(), gc.err());
        assertTrue(gc.out().contains("removed name:" + nameOfQueue() + " (dangling: its object is gone)"), gc.out());
        assertEquals(Optional.empty(), names.lookup(nameOfQueue()));
    }

    /**
     * A live process of another IPC namespace that shares the jipc root ({@code unshare --ipc}) creates a
     * queue: here, where no queue of that name exists, its name {@code mq/NAME} is shown as a queue of
     * another IPC namespace, never dangling or stale, with its owner alive, and {@code gc} leaves it.
     * (Until 2026-12-06 the name was judged by the queue of that name in the lister's namespace: it
     * was listed "dangling: the queue is gone", STALE, and {@code gc} removed it under its live owner.)
     * Once that namespace is gone (with its queue), {@code rm name:} removes the name.
     */
    @Test
    void aQueueOfAnotherIpcNamespaceKeepsItsNameNeverStaleAndGcLeavesIt() throws Exception {
        IpcNamespace.cannotUnshare().ifPresent(reason -> abort("cannot test another IPC namespace: " + reason));
        try (ChildJvm holder = ChildJvm.builder(CreateQueueAndHold.class).wrapper(IpcNamespace.UNSHARE, "--ipc", "--")
                .args(queue, "2", "16").quickStart().hardTimeout(Duration.ofSeconds(90)).start()) {
            holder.awaitLine("HOLDING", Duration.ofSeconds(80));
            assertFalse(PosixMessageQueue.exists(queue), "the queue is in the child's IPC namespace");

            List<ObjectRow> rows = ObjectInventory.list();
            ObjectRow name = find(rows, "name:" + nameOfQueue());
            assertEquals(holder.pid(), name.ownerPid());
            assertEquals(OwnerState.ALIVE, name.owner());
            assertFalse(name.dangling() || name.stale(), name.toString());
            assertTrue(name.details().contains(", a queue of another IPC namespace (ipc:["), name.details());
            assertTrue(rows.stream().noneMatch(r -> r.uri().equals("mq:" + queue)), "no queue of it here: " + rows);

            Run gc = jipc("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertFalse(gc.out().contains(nameOfQueue()), gc.out());
            assertTrue(names.lookup(nameOfQueue()).isPresent(), "gc left the name of a live owner's queue");
        }
        Run gc = jipc("gc");
        assertFalse(gc.out().contains(nameOfQueue()), "gc cannot tell that namespace is gone: " + gc.out());
        Run rm = jipc("rm", "name:" + nameOfQueue());
        assertEquals(0, rm.exit(), rm.err());
        assertEquals(Optional.empty(), names.lookup(nameOfQueue()));
    }

    @Test
    void aQueueMadeOutsideJipcIsListedOnceAnOpenOrCreateNamedItWithItsCreatorUnknown() {
        MessageQueues.close(MessageQueues.open(queue, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, 0640, 3, 32), queue);
        if (!Files.exists(Path.of("/dev/mqueue").resolve(queue.substring(1)))) { // mqueue not mounted
            assertTrue(ObjectInventory.list().stream().noneMatch(r -> r.uri().equals("mq:" + queue)),
                    "no name points at it");
        }
        try (PosixMessageQueue opened = PosixMessageQueue.openOrCreate(queue, MqAttributes.of(9, 9))) {
            ObjectRow row = find(ObjectInventory.list(), "mq:" + queue);
            assertEquals(0, row.ownerPid());
            assertEquals(OwnerState.UNKNOWN, row.owner());
            assertTrue(row.details().contains("creator unknown: " + nameOfQueue() + " was bound by pid " + SELF),
                    row.details());
            assertEquals(3, row.capacity());
            assertEquals("0640", row.mode());
            assertTrue(row.users().contains(SELF), "this test holds it open: " + row);
        }
    }

    /**
     * A URI whose address holds a control character is refused, whichever one (an escape, a tab, a
     * carriage return, DEL, a C1 control): only NUL and newline were, so {@code send} made a queue with
     * an escape sequence in its name that {@code ls} never shows. The refusal, and {@code rm}'s "no
     * object" and "removed" lines, show such a name quoted with the character escaped, never raw.
     */
    @Test
    void aControlCharacterInAUriIsRefusedAndRmShowsSuchANameEscaped() throws IOException {
        String coloured = queue + "\u001b[31mRED";
        List<String> tried = List.of(coloured, queue + "\tx", queue + "\rx", queue + "\u007fx", queue + "\u0085x");
        try {
            for (String name : tried) {
                Run send = jipc("send", "mq:" + name, "hi");
                assertEquals(2, send.exit(), send.err());
                assertTrue(send.err().contains(io.jipc.platform.Printable.quoted("mq:" + name)
                        + ": the address may not contain control characters"), send.err());
                assertFalse(send.err().chars().anyMatch(c -> Character.isISOControl(c) && c != '\n'), send.err());
                assertFalse(PosixMessageQueue.exists(name), "no queue made: " + io.jipc.platform.Printable.quoted(name));
            }
            Run send = jipc("send", "mq:" + coloured, "hi");
            assertTrue(send.err().startsWith("'mq:" + queue + "\\u001b[31mRED': the address may not contain"
                    + " control characters\n"), send.err());

            Path missing = Path.of("/tmp", "jipc-no-such\u001b[31mRED");
            Run notFound = jipc("rm", "fifo:" + missing);
            assertEquals(1, notFound.exit(), notFound.err());
            assertEquals("jipc rm: no object 'fifo:/tmp/jipc-no-such\\u001b[31mRED' (jipc ls lists them)\n",
                    notFound.err());

            // a queue made with such a name by another program: rm removes it and says so, escaped
            MessageQueues.close(MessageQueues.open(coloured, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, 0600, 3, 32),
                    coloured);
            Run removed = jipc("rm", "mq:" + coloured);
            assertEquals(0, removed.exit(), removed.err());
            assertEquals("removed 'mq:" + queue + "\\u001b[31mRED'\n", removed.out());
            assertFalse(PosixMessageQueue.exists(coloured));
        } finally {
            tried.forEach(PosixMessageQueue::unlink);
        }
    }

    @Test
    void rmFindsByItsUriAQueueOrAFifoThatLsDoesNotList() throws IOException {
        Path outsideRoot = Files.createTempDirectory("jipc-rm-test");
        try {
            removeUnlisted(outsideRoot);
        } finally {
            JipcTestExtension.deleteRecursively(outsideRoot);
        }
    }

    private void removeUnlisted(Path outsideRoot) throws IOException {
        MessageQueues.close(MessageQueues.open(queue, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, 0600, 3, 32), queue);
        Path fifo = outsideRoot.resolve("pipe");
        Fifo.create(fifo, 0600);
        Path plain = outsideRoot.resolve("plain");
        assertTrue(plain.toFile().mkdir() || Files.isDirectory(plain));
        try (PosixMessageQueue held = PosixMessageQueue.open(queue)) {
            Run refused = jipc("rm", "mq:" + queue);
            assertEquals(1, refused.exit(), refused.err());
            assertTrue(refused.err().contains("in use by pid " + SELF), refused.err());
        }
        Run removed = jipc("rm", "mq:" + queue.substring(1), "fifo:" + fifo);
        assertEquals(0, removed.exit(), removed.err());
        assertEquals(List.of("removed mq:" + queue, "removed fifo:" + fifo), removed.out().lines().toList());
        assertFalse(PosixMessageQueue.exists(queue));
        assertFalse(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS));

        Path file = outsideRoot.resolve("file");
        Files.writeString(file, "x");
        Run notFifos = jipc("rm", "fifo:" + plain, "fifo:" + file, "fifo:" + fifo, "mq:" + queue);
        assertEquals(1, notFifos.exit());
        assertEquals(2, notFifos.err().lines().filter(l -> l.startsWith("jipc rm: no object ")).count(), notFifos.err());
        // another kind of file is said to be one, as fifo remove says it
        assertTrue(notFifos.err().contains("jipc rm: " + plain + " is not a FIFO; not removed\n"), notFifos.err());
        assertTrue(notFifos.err().contains("jipc rm: " + file + " is not a FIFO; not removed\n"), notFifos.err());
        assertTrue(Files.isDirectory(plain) && Files.exists(file), "only a FIFO is removed as fifo:PATH");
    }
}
