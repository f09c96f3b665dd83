package io.jipc.mailbox;

import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds mailboxes by their unique 64-bit id: reads the common header of each regular file in the
 * mailbox directory (its magic and object id, nothing else). The caller opens a candidate by name
 * and checks the id again, since a file may be replaced between the scan and the open.
 */
final class MailboxIds {
    private MailboxIds() {
    }

    /** Names of the mailbox files whose header holds {@code id} now (usually one, or none). */
    static List<String> namesWithId(long id) {
        Path directory = JipcRoot.path(MailboxDescriptor.DIRECTORY);
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return names;
        }
        ByteBuffer header = ByteBuffer.allocate(SegmentHeaderDescriptor.LENGTH).order(ByteOrder.nativeOrder());
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                header.clear();
                // an input stream, not a FileChannel: a channel closes itself when the thread has an
                // interrupt pending, which would hide the mailbox
                try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                    int n = in.readNBytes(header.array(), 0, header.capacity());
                    header.position(n);
                } catch (NoSuchFileException | SecurityException gone) {
                    continue;
                } catch (IOException unreadable) {
                    continue; // e.g. another user's file: not ours to open anyway
                }
                if (header.position() == header.capacity()
                        && header.getLong(SegmentHeaderDescriptor.MAGIC_OFFSET) == MailboxDescriptor.MAGIC
                        && header.getLong(SegmentHeaderDescriptor.OBJECT_ID_OFFSET) == id) {
                    names.add(file.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return names;
        }
        return names;
    }
}
