package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.Selectable;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;

/**
 * One end of a kernel pipe or FIFO, owned by this process: what both ends share.
 *
 * <p>The capacity of a pipe is the bytes it holds before a writer blocks. Linux starts a pipe at 16
 * pages (65536 bytes on 4 KiB pages); {@code F_SETPIPE_SZ} rounds a request up to a power-of-two
 * number of pages; an unprivileged process may not go above {@code /proc/sys/fs/pipe-max-size}
 * (1 MiB by default), and a capacity below the bytes in the pipe is refused with {@code EBUSY}.
 * Both ends see the same capacity.
 *
 * <p>Closing an end is idempotent and safe while other threads are blocked on it (they get
 * {@link io.jipc.ClosedException}); the descriptor is closed once no thread is inside a call on it.
 */
public abstract sealed class PipeEnd implements AutoCloseable, Selectable permits PipeReader, PipeWriter {
    final FdHandle handle;

    PipeEnd(FdHandle handle) {
        this.handle = handle;
    }

    /**
     * Before a call of this end waits (its deadline not passed): throws if the calling thread is
     * interrupted (clearing the status) or this end was closed, {@code doing} saying what the call
     * did ("reading", "writing", ...).
     */
    final void checkMayWait(String doing) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (handle.isClosed()) {
            throw new ClosedException(handle.subject() + " was closed while " + doing);
        }
    }

    /**
     * Checks that an inherited descriptor is a pipe or FIFO: not negative, open (a descriptor that is
     * not, {@code EBADF} from {@code fstat}, is a bad argument too, as documented), and a FIFO.
     */
    static int checkPipe(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("descriptor must not be negative: " + fd);
        }
        FileStatus status;
        try {
            status = Libc.fstat(fd, "fd " + fd);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EBADF) {
                throw new IllegalArgumentException("descriptor " + fd + " is not open (EBADF from fstat)", e);
            }
            throw e;
        }
        if (!status.isFifo()) {
            throw new IllegalArgumentException("descriptor " + fd + " is not a pipe or FIFO");
        }
        return fd;
    }

    /** The pipe's capacity in bytes ({@code F_GETPIPE_SZ}). */
    public int capacity() {
        int fd = handle.acquire();
        try {
            return Pipes.capacity(fd, handle.subject());
        } finally {
            handle.release();
        }
    }

    /** Sets the pipe's capacity ({@code F_SETPIPE_SZ}) and returns the capacity the kernel chose. */
    public int capacity(int bytes) {
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

    public boolean isClosed() {
        return handle.isClosed();
    }

    /**
     * This end for an {@code io.jipc.select.Selector}: a read end is readable when a read would
     * not wait (bytes, or end of file once every write end is closed: {@code EPOLLHUP}, or for a
     * FIFO adopted after its writers left, which its own descriptor hides, a look at the inherited
     * descriptor before each sleep: see {@link PipeReader#adopt}); a write
     * end is writable when the pipe has room for a write of up to {@code PIPE_BUF} bytes, or when
     * every read end is closed (a write then fails at once with {@link BrokenPipeException}). The
     * selector adds the descriptor to its epoll set, and removes it, inside a call on this end
     * ({@link Selectable.Descriptor#whileOpen}), so a {@link #close()} meanwhile never lets it add
     * another file that got the number.
     */
    @Override
    public Selectable.Descriptor readinessSource() {
        int fd = handle.acquire(); // throws if closed
        handle.release();
        if (this instanceof PipeWriter) {
            return Selectable.Descriptor.of(fd, OP_WRITE, handle::whileOpen, handle::isClosed, () -> false,
                    () -> Long.MAX_VALUE);
        }
        // an adopted FIFO whose writers left before the adopt: its descriptor hides the end of file
        return Selectable.Descriptor.of(fd, OP_READ, handle::whileOpen, handle::isClosed,
                handle::endOfFileOnInherited, () -> Long.MAX_VALUE);
    }

    /**
     * Closes this end. Once every read end in every process is closed, writers get
     * {@link BrokenPipeException}; once every write end is closed, readers see end of file.
     */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return handle.subject() + (isClosed() ? " (closed)" : "");
    }
}
