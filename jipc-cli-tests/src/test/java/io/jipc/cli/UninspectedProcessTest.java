package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.cli.ls.ObjectRow;
import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.InventoryProcessTest.jipc;
import static io.jipc.cli.LsCommandTest.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc ls}, {@code gc} and {@code rm} against processes whose use of an object the process
 * scan cannot read in full: one that maps a file whose name is no UTF-8 (its other mappings still
 * count).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class UninspectedProcessTest {
    private static final Duration LINE = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    /** Creates mailbox {@code args[0]} and halts, leaving it behind with its creator dead. */
    public static final class LeaveMailbox {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            Mailbox.create(args[0]);
            Runtime.getRuntime().halt(0);
        }
    }

    private static MappedByteBuffer keptMapping;

    /**
     * Opens mailbox {@code args[0]} (mapped, its descriptor closed, as jipc's openers do), maps the
     * file of directory {@code args[1]} whose name starts with {@code bad-} (its name no UTF-8: the
     * path comes from the directory listing, bytes as they are), says READY and waits.
     */
    public static final class MapMailboxAndBadName {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0]);
                 DirectoryStream<Path> files = Files.newDirectoryStream(Path.of(args[1]), "bad-*")) {
                for (Path file : files) {
                    try (FileChannel channel = FileChannel.open(file)) {
                        keptMapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, 1);
                    }
                }
                System.out.println(keptMapping == null ? "NO FILE" : "READY");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /**
     * A mailbox that a live process maps is in use, though that process also maps a file whose name is
     * no UTF-8. Until 2026-12-07 the scan decoded {@code /proc/<pid>/maps} as strict UTF-8, so that one
     * name hid every mapping of the process: the mailbox of its dead creator was STALE, and gc removed it.
     */
    @Test
    void aProcessMappingAFileWhoseNameIsNoUtf8StillUsesTheMailboxItMaps() throws Exception {
        Process shell = new ProcessBuilder("/bin/sh", "-c", "printf x > \"$0/bad-$(printf '\\377')\"", tmp.toString())
                .inheritIO().start();
        assertEquals(0, shell.waitFor());
        try (ChildJvm creator = ChildJvm.builder(LeaveMailbox.class).args("badname-box").start()) {
            assertEquals(0, creator.waitFor(LINE), creator.output());
        }
        try (ChildJvm user = ChildJvm.builder(MapMailboxAndBadName.class).args("badname-box", tmp.toString()).start()) {
            user.awaitLine("READY", LINE);
            ObjectRow row = find(ObjectInventory.list(), "mailbox:badname-box");
            assertTrue(row.users().contains(user.pid()), row.toString());
            assertFalse(row.stale(), row.toString());
            InventoryProcessTest.Run gc = jipc("gc");
            assertEquals(0, gc.exit(), gc.err());
            assertFalse(gc.out().contains("badname-box"), gc.out());
            assertTrue(Mailbox.exists("badname-box"));
        } finally {
            Mailbox.destroy("badname-box");
        }
    }
}
