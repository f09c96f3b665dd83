package io.jipc.pipe;

import io.jipc.platform.Pipes;

/**
 * The capacity of a kernel pipe: the bytes it holds before a writer blocks. Linux starts a pipe at
 * 16 pages (65536 bytes on 4 KiB pages); {@code F_SETPIPE_SZ} rounds a request up to a power-of-two
 * number of pages, at least one; an unprivileged process may not go above
 * {@code /proc/sys/fs/pipe-max-size} (1 MiB by default), and a capacity below the bytes in the pipe
 * is refused with {@code EBUSY}. Both ends see the same capacity.
 */
final class PipeCapacity {
    private PipeCapacity() {
    }

    static int get(FdHandle handle) {
        int fd = handle.acquire();
        try {
            return Pipes.capacity(fd, handle.subject());
        } finally {
            handle.release();
        }
    }

    static int set(FdHandle handle, int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("pipe capacity must be positive: " + bytes);
        }
        int fd = handle.acquire();
        try {
            return Pipes.setCapacity(fd, bytes, handle.subject());
        } finally {
            handle.release();
        }
    }
}
