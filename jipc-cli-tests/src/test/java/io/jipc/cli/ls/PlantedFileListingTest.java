package io.jipc.cli.ls;

import io.jipc.mailbox.Mailbox;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.shm.SharedRegion;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the listers do with a file another user planted or swapped in where they read: a FIFO is
 * never opened for reading in a way that waits for a writer (that hung {@code jipc ls}, {@code top}
 * and {@code gc} for ever), a symbolic link is not followed, a file of another user under the jipc
 * root is not read. Each is one row with its error, or no row; the listing completes. The
 * {@link Timeout} is the hang guard.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PlantedFileListingTest {
    @TempDir
    Path dir;

    private Path fifo() {
        Path fifo = dir.resolve("planted");
        Libc.mkfifo(fifo.toString(), 0666);
        return fifo;
    }

    @Test
    void aMappedFileSwappedForAFifoIsNoDurableMailboxAndNoHang() {
        // the path was a MAP_SHARED file when /proc/<pid>/maps was read; now a FIFO has its name
        Path fifo = fifo();
        List<ObjectRow> rows = MailboxLister.durable().list(ProcessScan.ofSharedFiles(List.of(fifo.toString())));
        assertEquals(List.of(), rows);
    }

    @Test
    void aFileSwappedForAFifoAfterItsLstatIsAnErrorRowOfEveryLister() throws Exception {
        Path regular = Files.createFile(dir.resolve("regular"));
        FileStatus wasRegular = Libc.lstat(regular.toString());
        ObjectFile swapped = new ObjectFile("region:planted", fifo(), wasRegular, List.of());
        List<ObjectFile.Describer> describers = List.of(MailboxLister::describe, RegionLister::describe,
                UnboundedMailboxLister::describe, SyncLister::describe, GroupLister::describe);
        for (ObjectFile.Describer describer : describers) {
            FileSnapshot.CorruptFileException e = assertThrows(FileSnapshot.CorruptFileException.class,
                    () -> describer.describe(swapped));
            assertEquals("not a regular file", e.getMessage());
            assertEquals("error: not a regular file", swapped.error("region", e).details());
        }
    }

    @Test
    void aSymbolicLinkIsNotFollowed() throws Exception {
        try (Mailbox box = Mailbox.create("real")) {
            Path link = Files.createSymbolicLink(dir.resolve("link"), Mailbox.path("real"));
            ObjectFile file = new ObjectFile("mailbox:link", link, Libc.lstat(Mailbox.path("real").toString()), List.of());
            FileSnapshot.CorruptFileException e = assertThrows(FileSnapshot.CorruptFileException.class,
                    () -> MailboxLister.describe(file));
            assertEquals("a symbolic link (not followed)", e.getMessage());
            assertEquals(List.of(), MailboxLister.durable().list(ProcessScan.ofSharedFiles(List.of(link.toString()))));
        } finally {
            Mailbox.destroy("real");
        }
    }

    @Test
    void aFileOfAnotherUserUnderTheJipcRootIsAnErrorRow() throws Exception {
        assumeTrue(Libc.geteuid() == 0, "only root can give a file to another user");
        try (SharedRegion region = SharedRegion.create("foreign", 4096)) {
            Files.setAttribute(SharedRegion.path("foreign"), "unix:uid", 65534);
            ObjectRow row = ObjectInventory.list().stream().filter(r -> r.uri().equals("region:foreign"))
                    .findFirst().orElseThrow();
            assertTrue(row.details().startsWith("error: owned by uid 65534, not by this user"), row.details());
        } finally {
            SharedRegion.unlink("foreign");
        }
    }

    /**
     * An object removed between the listing's {@code lstat} and its reading is no row, as one removed
     * before the {@code lstat} (until 2026-12-07 it was an error row, {@code unreadable: ENOENT ...
     * from open}); the file beside it is listed as before.
     */
    @Test
    void anObjectRemovedBetweenItsLstatAndItsReadingIsNoRow() throws Exception {
        Files.write(dir.resolve("vanishing"), new byte[64]);
        Files.write(dir.resolve("garbage"), new byte[64]);
        List<ObjectRow> rows = ObjectFile.rowsOf(dir, name -> "region:" + name, "region",
                ProcessScan.ofSharedFiles(List.of()), file -> {
                    if (file.path().getFileName().toString().equals("vanishing")) {
                        try {
                            Files.delete(file.path()); // removed by its owner right after the lstat
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                    return RegionLister.describe(file);
                });
        assertEquals(List.of("region:garbage"), rows.stream().map(ObjectRow::uri).toList(), rows.toString());
    }
}
