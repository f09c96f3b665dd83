package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.shm.CircularBufferDescriptor;
import io.jipc.shm.SharedRegion;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Finds the live IPC objects of this machine that this user can see: the jipc objects under the
 * jipc root (regions, circular buffers, mailboxes), the POSIX shared memory objects of
 * {@code /dev/shm}, and the jipc anonymous regions mapped by some process.
 *
 * <p>Files are only read, never mapped or changed: the first 128 bytes tell a jipc-formatted file
 * (magic and a non-zero version, see {@link SegmentHeaderDescriptor}) from raw bytes. A new kind
 * of object is one more {@link Source} in {@link #sources()}.
 */
public final class Catalog {
    /** One place objects come from. */
    @FunctionalInterface
    interface Source {
        List<IpcObject> list(Attachments attachments);
    }

    private Catalog() {
    }

    /** Every object found, sorted by kind and name. */
    public static List<IpcObject> list() {
        Attachments attachments = Attachments.scan();
        List<IpcObject> all = new ArrayList<>();
        for (Source source : sources()) {
            all.addAll(source.list(attachments));
        }
        all.sort(Comparator.comparing(IpcObject::kind).thenComparing(IpcObject::name));
        return all;
    }

    private static List<Source> sources() {
        return List.of(
                a -> directory(JipcRoot.path(SharedRegion.DIRECTORY), name -> name, a),
                a -> directory(JipcRoot.path(MailboxDescriptor.DIRECTORY), name -> name, a),
                a -> directory(SharedRegion.POSIX_DIRECTORY, name -> "/" + name, a),
                Catalog::anonymousRegions);
    }

    private static List<IpcObject> directory(Path dir, Function<String, String> nameOf, Attachments attachments) {
        List<IpcObject> objects = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                FileStatus status;
                try {
                    status = Libc.lstat(file.toString());
                } catch (ErrnoException gone) {
                    continue;
                }
                if (!status.isRegularFile()) {
                    continue; // the jipc root's directories, links, sockets
                }
                Header header;
                try {
                    header = Header.read(file);
                } catch (RuntimeException unreadable) {
                    header = new Header("region", "? (" + unreadable.getMessage() + ")", "-");
                }
                objects.add(new IpcObject(header.kind(), nameOf.apply(file.getFileName().toString()), file.toString(),
                        status.size(), owner(file), FileStatus.octal(status.permissions()), header.creator(),
                        attachments.pids(status.device(), status.inode()), header.format()));
            }
        } catch (IOException | RuntimeException missing) {
            // no such directory (nothing created yet) or not readable
        }
        return objects;
    }

    private static List<IpcObject> anonymousRegions(Attachments attachments) {
        return attachments.memoryFiles("/memfd:jipc-").stream()
                .map(m -> new IpcObject("anonymous-region", "memfd:" + m.inode(), m.label() + " (no name)",
                        m.mappedBytes(), "?", "-", "-", List.copyOf(m.pids()), "raw"))
                .toList();
    }

    private static String owner(Path file) {
        try {
            return Files.getOwner(file).getName();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** What the first bytes of a file say. */
    private record Header(String kind, String format, String creator) {
        static Header read(Path file) {
            byte[] bytes = new byte[2 * SegmentHeaderDescriptor.LENGTH]; // the common header and the kind's first fields
            int n;
            int fd;
            try {
                fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            } catch (ErrnoException e) {
                return new Header("region", "? (" + e.errnoName() + ")", "-");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(bytes.length);
                n = (int) Libc.read(fd, buffer.address(), bytes.length, file.toString());
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, bytes, 0, n);
            } finally {
                Libc.close(fd);
            }
            MemorySegment m = MemorySegment.ofArray(bytes);
            if (n < SegmentHeaderDescriptor.LENGTH) {
                return new Header("region", "raw", "-");
            }
            long magic = m.get(ValueLayout.JAVA_LONG_UNALIGNED, SegmentHeaderDescriptor.MAGIC_OFFSET);
            int version = m.get(ValueLayout.JAVA_INT_UNALIGNED, SegmentHeaderDescriptor.VERSION_OFFSET);
            int headerLength = m.get(ValueLayout.JAVA_INT_UNALIGNED, SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET);
            if (version == 0 || headerLength != SegmentHeaderDescriptor.LENGTH) {
                return new Header("region", "raw", "-");
            }
            long pid = m.get(ValueLayout.JAVA_LONG_UNALIGNED, SegmentHeaderDescriptor.CREATOR_PID_OFFSET);
            long start = m.get(ValueLayout.JAVA_LONG_UNALIGNED, SegmentHeaderDescriptor.CREATOR_START_TIME_OFFSET);
            String creator = pid > 0 && pid <= Integer.MAX_VALUE
                    ? "pid " + pid + (new ProcessIdentity(pid, start).isAlive() ? " (alive)" : " (dead)") : "-";
            String v = SegmentHeaderDescriptor.major(version) + "." + SegmentHeaderDescriptor.minor(version);
            if (magic == CircularBufferDescriptor.MAGIC && n >= CircularBufferDescriptor.STRIDE_OFFSET + 4) {
                int item = m.get(ValueLayout.JAVA_INT_UNALIGNED, CircularBufferDescriptor.ITEM_SIZE_OFFSET);
                int capacity = m.get(ValueLayout.JAVA_INT_UNALIGNED, CircularBufferDescriptor.CAPACITY_OFFSET);
                return new Header("circular-buffer", "JIPC-CBF " + v + ", " + capacity + " items of " + item + " B",
                        creator);
            }
            if (magic == MailboxDescriptor.MAGIC && n >= MailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET + 4) {
                int max = m.get(ValueLayout.JAVA_INT_UNALIGNED, MailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET);
                return new Header("mailbox", "JIPC-MBX " + v + ", messages up to " + max + " B", creator);
            }
            return new Header("jipc-file", SegmentHeaderDescriptor.tag(magic) + " " + v, creator);
        }
    }
}
