package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeader;
import io.jipc.segment.SegmentHeaderDescriptor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Reads fields of a jipc file without mapping or changing it: each read is a {@code pread} of the
 * bytes it needs. The values are a snapshot of memory other processes may be writing; each long is
 * read whole, but two fields may come from different moments (good enough for a listing).
 *
 * <p>Never waits: the file is opened {@code O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC}, so a FIFO or a
 * link another user planted (or swapped in after a check of the name) neither blocks the open nor is
 * followed, and the open descriptor must then be a regular file ({@code fstat}), and, under the jipc
 * root, one of this user's. A file a lister cannot or may not read throws {@link CorruptFileException}
 * saying why (the errno and the owner, {@link #notRegular}'s words, {@code owned by uid N}).
 *
 * <p>Defensive: a field beyond the file's end or a file that is not a ready jipc file throws
 * {@link CorruptFileException} with the reason, which the inventory shows as the row's error.
 * One thread at a time.
 */
final class FileSnapshot implements AutoCloseable {
    /** The file cannot be read as the kind it claims to be. */
    static final class CorruptFileException extends RuntimeException {
        CorruptFileException(String message) {
            super(message);
        }
    }

    private static final int OPEN_FLAGS = Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;
    /** {@code O_NOCTTY}: 0400 on x86-64 and aarch64, the architectures jipc supports ({@link Libc}). */
    private static final int O_NOCTTY = 0400;
    private static final int SCRATCH = 64;
    private static final String SYMBOLIC_LINK = "a symbolic link (not followed)";

    private final Path path;
    private final int fd;
    private final long size;
    private final long modifiedSeconds;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment scratch = arena.allocate(SCRATCH, 8);

    private FileSnapshot(Path path, int flags, ProcessScan.FileKey expected) {
        this.path = path;
        int opened;
        try {
            opened = Libc.open(path.toString(), flags, 0);
        } catch (ErrnoException e) {
            arena.close();
            throw new CorruptFileException(unreadable(path, e));
        }
        this.fd = opened;
        try {
            FileStatus status = Libc.fstat(fd, path.toString());
            if (!status.isRegularFile()) {
                throw new CorruptFileException(notRegular(status));
            }
            if (expected != null && !ProcessScan.FileKey.ofStatx(status.device(), status.inode()).equals(expected)) {
                throw new CorruptFileException(path + " is another file now (closed or unmapped since the scan)");
            }
            int euid = Libc.geteuid();
            if (status.uid() != euid && path.startsWith(JipcRoot.path())) {
                throw new CorruptFileException("owned by uid " + Integer.toUnsignedString(status.uid())
                        + ", not by this user (uid " + Integer.toUnsignedString(euid) + ")");
            }
            this.size = status.size();
            this.modifiedSeconds = status.mtimeSeconds();
        } catch (RuntimeException e) {
            close();
            throw e instanceof CorruptFileException ? e : new CorruptFileException("unreadable: " + e.getMessage());
        }
    }

    /**
     * Why a file whose {@code lstat} or {@code fstat} is {@code status}, not a regular file, is no
     * object: {@code a symbolic link (not followed)}, {@code a directory (not a regular file)}, else
     * (a FIFO, a socket, a device) {@code not a regular file}. The words of an error row, both for an
     * entry of a kind directory that is no regular file by its {@code lstat} ({@link ObjectFile#rowsOf},
     * never opened) and for a file swapped after its {@code lstat} (found at the open). Any thread.
     */
    static String notRegular(FileStatus status) {
        return status.isSymbolicLink() ? SYMBOLIC_LINK
                : status.isDirectory() ? "a directory (not a regular file)" : "not a regular file";
    }

    /** Why {@code path} could not be opened: the errno, and for a refusal the file's owner and mode. */
    private static String unreadable(Path path, ErrnoException e) {
        if (e.errno() == Errno.ELOOP) {
            return SYMBOLIC_LINK;
        }
        String why = "unreadable: " + e.getMessage();
        if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
            try {
                FileStatus status = Libc.lstat(path.toString());
                why += ": owned by uid " + Integer.toUnsignedString(status.uid()) + ", mode "
                        + FileStatus.octal(status.permissions());
            } catch (ErrnoException gone) {
                // removed meanwhile: the errno says enough
            }
        }
        return why;
    }

    /** Opens {@code path} for reading. */
    static FileSnapshot open(Path path) {
        return new FileSnapshot(path, OPEN_FLAGS, null);
    }

    /**
     * Opens the memory file {@code key} for reading through {@code link}, a {@code /proc/<pid>/fd/<n>}
     * or {@code /proc/<pid>/map_files/<range>} link that named it when {@code /proc} was scanned (such a
     * link is followed, as a link of {@link #open} never is). Throws {@link CorruptFileException} if the
     * link cannot be opened (the process closed or unmapped it, {@code map_files} needs privilege) or
     * names another file or no regular file now. Does not block ({@code O_NONBLOCK}; {@code O_NOCTTY}
     * for a terminal the descriptor number may have been reused for).
     */
    static FileSnapshot openMemoryFile(Path link, ProcessScan.FileKey key) {
        return new FileSnapshot(link, Libc.O_RDONLY | Libc.O_NONBLOCK | O_NOCTTY | Libc.O_CLOEXEC, key);
    }

    long size() {
        return size;
    }

    /** When the file was last modified, in seconds since the epoch ({@code fstat} at the open). */
    long modifiedSeconds() {
        return modifiedSeconds;
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

    /** The file's first bytes, at most {@code max} of them (fewer if the file is shorter). */
    byte[] head(int max) {
        return read(0, (int) Math.min(size, max)).array();
    }

    private ByteBuffer read(long offset, int length) {
        if (offset < 0 || offset > size - length) {
            throw new CorruptFileException("field at " + offset + " beyond the end of the " + size + "-byte file");
        }
        MemorySegment into = length <= SCRATCH ? scratch : arena.allocate(length, 8);
        int done = 0;
        while (done < length) {
            long n;
            try {
                n = Libc.pread(fd, into.address() + done, length - done, offset + done, path.toString());
            } catch (ErrnoException e) {
                throw new CorruptFileException("unreadable: " + e.getMessage());
            }
            if (n == 0) {
                throw new CorruptFileException("truncated while reading " + path);
            }
            done += (int) n;
        }
        byte[] bytes = into.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * The magic of what claims to be a ready jipc file, or 0 for bytes that do not: a file shorter
     * than the common header, one whose version is 0 (not ready), or one with neither the common
     * header's length nor a magic starting {@code JIPC-} (raw bytes of a region). A file that claims
     * to be one is not yet checked: see {@link #checkHeader}.
     */
    long jipcMagic() {
        if (size < SegmentHeaderDescriptor.LENGTH || getInt(SegmentHeaderDescriptor.VERSION_OFFSET) == 0) {
            return 0;
        }
        long magic = getLong(SegmentHeaderDescriptor.MAGIC_OFFSET);
        boolean jipcTag = SegmentHeaderDescriptor.tag(magic).startsWith("JIPC-");
        return jipcTag || getInt(SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET) == SegmentHeaderDescriptor.LENGTH
                ? magic : 0;
    }

    /**
     * Checks the common header of a file that should be a ready {@code what} of magic
     * {@code expectedMagic} and major version {@code expectedMajor}, as the openers check it
     * ({@link SegmentHeader#problem}): magic, major version, header length, and a file length that is
     * the file's size. Throws {@link CorruptFileException} with the reason: {@code truncated} for a
     * file shorter than the header, {@code not a ready WHAT} for one whose version is still 0 (being
     * created, or its creator died creating it), else the openers' words ({@code the file says it is
     * 0 bytes long but is 320}).
     */
    void checkHeader(long expectedMagic, int expectedMajor, String what) {
        if (size < SegmentHeaderDescriptor.LENGTH) {
            throw new CorruptFileException("truncated: " + size + " bytes, shorter than the "
                    + SegmentHeaderDescriptor.LENGTH + "-byte header");
        }
        int version = getInt(SegmentHeaderDescriptor.VERSION_OFFSET);
        if (version == 0) {
            throw new CorruptFileException("not a ready " + what + " (version 0: being created, or its creator"
                    + " died creating it)");
        }
        checkHeader(size, expectedMagic, expectedMajor, version);
    }

    /**
     * The same for a file whose header's file length is {@code declaredLength} rather than its size
     * (a circular buffer formatted at the start of a larger region), of a ready {@code version}.
     */
    void checkHeader(long declaredLength, long expectedMagic, int expectedMajor, int version) {
        SegmentHeader header = new SegmentHeader(getLong(SegmentHeaderDescriptor.MAGIC_OFFSET), version,
                getInt(SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET), getLong(SegmentHeaderDescriptor.FILE_LENGTH_OFFSET));
        String problem = header.problem(declaredLength, expectedMagic, expectedMajor);
        if (problem != null) {
            throw new CorruptFileException("the file " + problem);
        }
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
            Libc.close(fd);
        } catch (ErrnoException ignored) {
            // read-only: nothing to lose
        } finally {
            arena.close();
        }
    }
}
