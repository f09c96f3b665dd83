package io.jipc.mailbox;

import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A mailbox's header says whether it is durable ({@link MailboxDescriptor#FLAG_DURABLE}, version
 * 2.2), so that tools never take a durable mailbox for the leftover of a dead creator; a file of the
 * older minor version (flags zero) still opens, and so does one of a newer minor version.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DurableFlagTest {
    @TempDir
    Path dir;

    @Test
    void createDurableSetsTheDurableFlagAndCreateDoesNot() throws Exception {
        Path file = dir.resolve("kept");
        try (Mailbox durable = Mailbox.createDurable(file, MailboxOptions.defaults());
             Mailbox plain = Mailbox.create("plain")) {
            assertEquals(MailboxDescriptor.FLAG_DURABLE, readInt(file, MailboxDescriptor.FLAGS_OFFSET));
            assertEquals(0, readInt(Mailbox.path("plain"), MailboxDescriptor.FLAGS_OFFSET));
            int version = readInt(file, SegmentHeaderDescriptor.VERSION_OFFSET);
            assertEquals(SegmentHeaderDescriptor.version(2, 2), version);
        } finally {
            Mailbox.destroy("plain");
        }
    }

    @Test
    void aFileOfTheOlderMinorVersionWithoutFlagsAndOneOfANewerMinorStillOpen() throws Exception {
        Path file = dir.resolve("old");
        Mailbox.createDurable(file, MailboxOptions.defaults()).close();
        writeInt(file, MailboxDescriptor.FLAGS_OFFSET, 0); // as a 2.1 process wrote it: bytes left zero
        writeInt(file, SegmentHeaderDescriptor.VERSION_OFFSET, SegmentHeaderDescriptor.version(2, 1));
        try (Mailbox old = Mailbox.openDurable(file)) {
            old.put(new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, old.take());
        }
        writeInt(file, SegmentHeaderDescriptor.VERSION_OFFSET, SegmentHeaderDescriptor.version(2, 9));
        try (Mailbox newer = Mailbox.openDurable(file)) {
            newer.put(new byte[] {4});
            assertArrayEquals(new byte[] {4}, newer.take());
        }
    }

    private static int readInt(Path file, long offset) throws IOException {
        try (FileChannel f = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
            f.read(b, offset);
            return b.getInt(0);
        }
    }

    private static void writeInt(Path file, long offset, int value) throws IOException {
        try (FileChannel f = FileChannel.open(file, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, value), offset);
        }
    }
}
