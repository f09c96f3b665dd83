package io.jipc.cli;

import io.jipc.mailbox.Mailbox;
import io.jipc.platform.Libc;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.shm.CircularBuffer;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ShmScratch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

import static io.jipc.cli.CliRun.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ls}, {@code top}, {@code gc} and {@code rm} against a jipc root or kind directory another
 * user planted in {@code /dev/shm} (a symbolic link, a directory of another uid): refused before
 * anything is read or deleted, with what to do; and {@code gc} and {@code rm} leave other users'
 * objects in {@code /dev/shm} alone. The victim is a stale mailbox holding one message (its creator
 * pid rewritten to one that cannot run) in a directory of this user.
 */
@ExtendWith(JipcTestExtension.class)
class PlantedRootTest {
    private static final int NOBODY = 65534;
    /** Above any pid_max: never a live process. */
    private static final long DEAD_PID = 0x3FFF_FFFFL;

    private String testRoot;
    private Path scratch;

    @BeforeEach
    void remember() throws IOException {
        testRoot = System.getProperty(JipcRoot.PROPERTY);
        scratch = ShmScratch.createDirectory("jipc-planted-root");
    }

    @AfterEach
    void restore() throws IOException {
        System.setProperty(JipcRoot.PROPERTY, testRoot);
        ShmScratch.delete(scratch);
    }

    private static void useRoot(Path root) {
        System.setProperty(JipcRoot.PROPERTY, root.toString());
    }

    /** A root {@code dir} with a stale mailbox {@code orders} holding one message; returns its file. */
    private static Path victimRoot(Path dir) throws IOException {
        useRoot(dir);
        try (Mailbox box = Mailbox.create("orders")) {
            assertTrue(box.offer(new byte[] {1}));
        }
        Path file = Mailbox.path("orders");
        killCreator(file);
        return file;
    }

    private static void killCreator(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, DEAD_PID),
                    SegmentHeaderDescriptor.CREATOR_PID_OFFSET);
        }
    }

    private static void assertRefused(CliRun run, String... fragments) {
        assertEquals(1, run.exit(), run.toString());
        assertEquals(1, run.err().lines().count(), "one line: " + run.err());
        assertTrue(run.err().contains("refusing jipc directory"), run.err());
        assertTrue(run.err().contains("JIPC_ROOT"), "says what to do: " + run.err());
        for (String fragment : fragments) {
            assertTrue(run.err().contains(fragment), () -> "'" + fragment + "' missing from: " + run.err());
        }
    }

    @Test
    void aSymbolicLinkAsRootIsRefusedByEveryToolAndNothingIsDeletedThroughIt() throws IOException {
        Path orders = victimRoot(scratch.resolve("victim"));
        Path link = Files.createSymbolicLink(scratch.resolve("planted"), scratch.resolve("victim"));
        useRoot(link);
        assertRefused(jipc("ls"), link + ": it is a symbolic link");
        assertRefused(jipc("top", "--once", "--interval", "10ms"), "symbolic link");
        assertRefused(jipc("gc", "--include-unread"), "symbolic link");
        assertRefused(jipc("rm", "--force", "mailbox:orders"), "symbolic link");
        assertRefused(jipc("rm", "mq:/jipc-planted-" + UUID.randomUUID()), "symbolic link");
        assertTrue(Files.exists(orders), "not deleted through the link");
    }

    @Test
    void aSymbolicLinkAsKindDirectoryIsRefusedAndNothingIsDeletedThroughIt() throws IOException {
        Path orders = victimRoot(scratch.resolve("victim"));
        Path root = scratch.resolve("root");
        useRoot(root);
        JipcRoot.directory("sync");
        Files.createSymbolicLink(root.resolve("mailbox"), orders.getParent());
        assertRefused(jipc("ls"), root.resolve("mailbox") + ": it is a symbolic link");
        assertRefused(jipc("gc", "--include-unread"), "symbolic link");
        assertRefused(jipc("rm", "--force", "mailbox:orders"), "symbolic link");
        assertTrue(Files.exists(orders), "not deleted through the link");
    }

    @Test
    void aRootOfAnotherUserIsRefusedAndNothingInItIsDeleted() throws IOException {
        assumeTrue(Libc.geteuid() == 0, "only root can give a directory to another user");
        Path root = scratch.resolve("foreign");
        Path orders = victimRoot(root);
        Files.setAttribute(root, "unix:uid", NOBODY);
        useRoot(root);
        assertRefused(jipc("ls"), "owned by uid " + NOBODY);
        assertRefused(jipc("gc", "--include-unread"), "owned by uid " + NOBODY);
        assertTrue(Files.exists(orders));
    }

    @Test
    void gcAndRmLeaveAnotherUsersStaleBufferInDevShmAlone() throws IOException {
        assumeTrue(Libc.geteuid() == 0, "only root can give a file to another user");
        String mine = "/jipc-planted-mine-" + UUID.randomUUID();
        String theirs = "/jipc-planted-theirs-" + UUID.randomUUID();
        Path mineFile = Path.of("/dev/shm" + mine);
        Path theirsFile = Path.of("/dev/shm" + theirs);
        try {
            for (String name : new String[] {mine, theirs}) {
                CircularBuffer.create(name, 8, 4).close();
                killCreator(Path.of("/dev/shm" + name));
            }
            Files.setAttribute(theirsFile, "unix:uid", NOBODY);
            CliRun dry = jipc("gc", "--dry-run");
            assertEquals(0, dry.exit(), dry.toString());
            assertTrue(dry.out().contains("would remove shm:" + mine), dry.out());
            assertFalse(dry.out().contains(theirs), "another user's buffer is theirs to collect: " + dry.out());
            CliRun rm = jipc("rm", "shm:" + theirs);
            assertEquals(1, rm.exit(), rm.toString());
            assertEquals("jipc rm: not removing shm:" + theirs + ": owned by uid " + NOBODY
                    + ", not by this user (uid 0) (--force removes it anyway)", rm.err().strip());
            assertTrue(Files.exists(theirsFile));
            assertEquals(0, jipc("rm", "shm:" + mine).exit());
            assertFalse(Files.exists(mineFile));
        } finally {
            Files.deleteIfExists(mineFile);
            Files.deleteIfExists(theirsFile);
        }
    }
}
