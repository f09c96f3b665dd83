package io.jipc.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** A file of the test's temporary directory mapped shared, with its own arena; closing unmaps it. */
final class MappedFile implements AutoCloseable {
    final Path path;
    final Arena arena = Arena.ofShared();
    final MemorySegment memory;

    /** Creates {@code path} with {@code length} zero bytes and maps it. */
    static MappedFile create(Path path, long length) {
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0600);
        try {
            Libc.ftruncate(fd, length, path.toString());
            return new MappedFile(path, fd, length);
        } finally {
            Libc.close(fd);
        }
    }

    /** Maps the whole existing file at {@code path} a second time. */
    static MappedFile map(Path path) {
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        try {
            return new MappedFile(path, fd, Libc.fstat(fd, path.toString()).size());
        } finally {
            Libc.close(fd);
        }
    }

    private MappedFile(Path path, int fd, long length) {
        this.path = path;
        this.memory = Libc.mapShared(fd, length, true, false, arena, path.toString());
    }

    /** The address of the 32-bit word at {@code offset}, for the futex calls. */
    long address(long offset) {
        return memory.address() + offset;
    }

    @Override
    public void close() {
        arena.close();
    }
}
