package io.jipc.cli.ls;

import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.SegmentHeaderDescriptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads fields of a jipc file without mapping or changing it: each read is a {@code pread} of the
 * bytes it needs. The values are a snapshot of memory other processes may be writing; each long is
 * read whole, but two fields may come from different moments (good enough for a listing).
 *
 * <p>Defensive: a field beyond the file's end or a file that is not a ready jipc file throws
 * {@link CorruptFileException} with the reason, which the inventory shows as the row's error.
 */
final class FileSnapshot implements AutoCloseable {
    /** The file cannot be read as the kind it claims to be. */
    static final class CorruptFileException extends RuntimeException {
        CorruptFileException(String message) {
            super(message);
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long size;

    private FileSnapshot(Path path) {
        this.path = path;
        try {
            this.channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            this.size = channel.size();
        } catch (IOException e) {
            throw new CorruptFileException("unreadable: " + e.getMessage());
        }
    }

    /** Opens {@code path} for reading. */
    static FileSnapshot open(Path path) {
        return new FileSnapshot(path);
    }

    long size() {
        return size;
    }

    long getLong(long offset) {
        return read(offset, 8).getLong(0);
    }

    int getInt(long offset) {
        return read(offset, 4).getInt(0);
    }

    /**
     * The label of {@code length} bytes at {@code offset}: printable ASCII up to the first zero byte;
     * empty if it holds any other byte (a snapshot of a file some process may be writing).
     */
    String getAsciiLabel(long offset, int length) {
        byte[] bytes = read(offset, length).array();
        int end = 0;
        while (end < length && bytes[end] != 0) {
            if (bytes[end] <= ' ' || bytes[end] >= 0x7f) {
                return "";
            }
            end++;
        }
        return new String(bytes, 0, end, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private ByteBuffer read(long offset, int length) {
        if (offset < 0 || offset > size - length) {
            throw new CorruptFileException("field at " + offset + " beyond the end of the " + size + "-byte file");
        }
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new CorruptFileException("truncated while reading " + path);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer;
    }

    /** The magic, or 0 when the file is shorter than the common header or not (yet) a ready jipc file. */
    long jipcMagic() {
        if (size < SegmentHeaderDescriptor.LENGTH
                || getInt(SegmentHeaderDescriptor.VERSION_OFFSET) == 0
                || getInt(SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET) != SegmentHeaderDescriptor.LENGTH) {
            return 0;
        }
        return getLong(SegmentHeaderDescriptor.MAGIC_OFFSET);
    }

    /** {@code major.minor} of a jipc file. */
    String version() {
        int v = getInt(SegmentHeaderDescriptor.VERSION_OFFSET);
        return SegmentHeaderDescriptor.major(v) + "." + SegmentHeaderDescriptor.minor(v);
    }

    /** The creator recorded in a jipc file's common header, or null when none is (pid out of range). */
    ProcessIdentity creator() {
        long pid = getLong(SegmentHeaderDescriptor.CREATOR_PID_OFFSET);
        long start = getLong(SegmentHeaderDescriptor.CREATOR_START_TIME_OFFSET);
        return pid > 0 && pid <= Integer.MAX_VALUE ? new ProcessIdentity(pid, start) : null;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
