package io.jipc.pipe;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Named pipes (FIFOs, {@code mkfifo(3)}): a kernel pipe with a name in the file system, which
 * unrelated processes open by path — Java or not ({@code cat}, a shell, a C program).
 *
 * <h2>Opening</h2>
 * As in POSIX, opening one side waits until a process has the other side open:
 * <table class="striped">
 * <caption>Opens</caption>
 * <tr><th></th><th>waits for the other side</th><th>at most</th><th>does not wait</th></tr>
 * <tr><td>read</td><td>{@link #openReader(Path)}</td><td>{@link #openReader(Path, Duration)}</td>
 *     <td>{@link #openReaderNow(Path)}: opens at once; reads wait for the first writer</td></tr>
 * <tr><td>write</td><td>{@link #openWriter(Path)}</td><td>{@link #openWriter(Path, Duration)}</td>
 *     <td>{@link #openWriterNow(Path)}: {@link NoReaderException} if no reader</td></tr>
 * </table>
 * Every open, {@link #remove} and {@link #isFifo} take the FIFO's own path: a symbolic link is not
 * followed, also one that names a FIFO (it is refused with {@link IllegalArgumentException} "PATH is
 * a symbolic link (not followed)"), so the FIFO opened is the file found at that path and never one
 * a link planted or swapped there leads to (the opens use {@code O_NOFOLLOW}). Pass the link's target
 * ({@link Path#toRealPath(java.nio.file.LinkOption...)}) to open a FIFO through a link you trust.
 * A timed open that sees no other side in time throws {@link OpenTimeoutException}. Waiting opens
 * are interruptible and virtual-thread friendly; a thread interrupted already gets
 * {@link InterruptedException} from a waiting or timed open that cannot complete at once (also with a
 * zero timeout), as the library's rule says (docs/architecture.md, "Interrupts and timeouts"). One
 * that can complete at once completes and leaves the status set: a write open that finds a reader,
 * and a read open (timed or not) that finds a writer there, also one waiting in its own open (below).
 *
 * <p>How: a writer tries a non-blocking open of the path, which the kernel refuses with
 * {@code ENXIO} while no reader exists, again every few milliseconds (up to 10 ms apart) until the
 * deadline; a FIFO removed meanwhile ends the wait with {@code ENOENT}. A reader cannot learn that way
 * whether a writer exists (a non-blocking read open always succeeds), so a waiting read open is a
 * real blocking {@code open(2)} on a helper platform thread; on timeout or interrupt that open is
 * released by momentary write opens of this process (each closed at once), and what it got is looked
 * at before the call gives up. Both opens go through a descriptor that pins
 * the FIFO found at the call ({@code O_PATH}, reopened through {@code /proc/self/fd}), so a FIFO
 * removed or replaced during the wait is still the one waited for and released: the call returns by
 * its timeout and leaves no thread behind. What is there is taken by a look: a read open by a thread
 * interrupted already, or with a zero timeout (without that thread), and one at its deadline or
 * interrupted while it waits (before it releases its helper), open the FIFO non-blocking and keep
 * that descriptor if a writer has the FIFO open (the kernel counts one waiting in its blocking open,
 * and wakes it) or bytes wait in it, which {@code tee(2)} tells without reading; so a writer already
 * waiting is never paired with the release instead, and the call completes (an interrupted thread
 * keeps its status). Limits:
 * another process that is waiting to open the same FIFO for reading at that moment is released too,
 * and then sees end of file (read opens of other threads of this process wait on); a writer whose
 * open pairs with the helper's after the deadline or interrupt is taken, and the call completes; only
 * one that opens in the moment between a read open's last look, which found none, and its close of
 * its read end finds the reader gone ({@link BrokenPipeException}), or loses what it wrote in that
 * moment, as with any reader that closes (a {@code cat} at end of file); a FIFO this process may read but
 * not write cannot be released, and its helper thread waits until a writer opens it.
 *
 * <p>After opening, a FIFO behaves exactly as a pipe ({@link PipeReader}, {@link PipeWriter}):
 * end of file when every writer closed, {@link BrokenPipeException} when every reader closed.
 */
public final class Fifo {
    private static final long MAX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Fifo() {
    }

    /**
     * Creates a FIFO at {@code path} with exactly the permission bits {@code mode} (such as
     * {@code 0600}), whatever the umask.
     *
     * @throws ErrnoException {@code EEXIST} if something exists at {@code path}
     */
    public static Path create(Path path, int mode) {
        Objects.requireNonNull(path, "path");
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits (0..0777), got 0" + Integer.toOctalString(mode));
        }
        String p = path.toString();
        Libc.mkfifo(p, mode);
        // set the bits exactly through a descriptor of the FIFO itself, never through a swapped link
        int fd = Libc.open(p, Pipes.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        try {
            if (!Libc.fstat(fd, p).isFifo()) {
                throw new InsecureFileException(p + " was replaced by something else than a FIFO right after mkfifo");
            }
            Pipes.chmod("/proc/self/fd/" + fd, mode);
        } finally {
            Libc.close(fd);
        }
        return path;
    }

    /** Whether {@code path} is a FIFO (a symbolic link is not followed). */
    public static boolean isFifo(Path path) {
        Objects.requireNonNull(path, "path");
        try {
            return Libc.lstat(path.toString()).isFifo();
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Removes the FIFO at {@code path}; false if nothing was there. Processes that have it open keep
     * using the pipe; new opens by that path fail.
     *
     * @throws IllegalArgumentException if {@code path} is something else than a FIFO, such as a
     *                                  symbolic link (not followed, whatever it names)
     */
    public static boolean remove(Path path) {
        Objects.requireNonNull(path, "path");
        String p = path.toString();
        FileStatus status;
        try {
            status = Libc.lstat(p);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
        if (!status.isFifo()) {
            throw new IllegalArgumentException(notAFifo(p, status) + "; not removed");
        }
        try {
            Libc.unlink(p);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Opens for reading, waiting as long as it takes for a writer, or until the thread is interrupted.
     * It waits for a writer of the FIFO found at {@code path} at the call, also if that is removed or
     * replaced meanwhile.
     */
    public static PipeReader openReader(Path path) throws InterruptedException {
        return openReader(path, Deadlines.NONE, null);
    }

    /**
     * Opens for reading, waiting at most {@code timeout} (a zero one looks once) for a writer of the FIFO
     * found at {@code path} at the call, also if that is removed or replaced meanwhile.
     *
     * @throws OpenTimeoutException if no writer opened it in time
     */
    public static PipeReader openReader(Path path, Duration timeout) throws InterruptedException {
        return openReader(path, Deadlines.after(timeout), timeout);
    }

    /**
     * Opens for reading without waiting for a writer ({@code O_NONBLOCK}). The first read then
     * waits until a writer has opened and written (it does not report end of file before any writer
     * came).
     */
    public static PipeReader openReaderNow(Path path) {
        String p = checkFifo(path);
        int fd = Libc.open(p, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
        return reader(fd, p);
    }

    /** Opens for writing, waiting as long as it takes for a reader. */
    public static PipeWriter openWriter(Path path) throws InterruptedException {
        return openWriter(path, Deadlines.NONE, null);
    }

    /** Opens for writing, waiting at most {@code timeout} for a reader. */
    public static PipeWriter openWriter(Path path, Duration timeout) throws InterruptedException {
        return openWriter(path, Deadlines.after(timeout), timeout);
    }

    /** Opens for writing if a reader has the FIFO open; else throws {@link NoReaderException} at once. */
    public static PipeWriter openWriterNow(Path path) {
        String p = checkFifo(path);
        int fd = tryOpenWriter(p);
        if (fd < 0) {
            throw new NoReaderException(p);
        }
        return writer(fd, p);
    }

    private static PipeWriter openWriter(Path path, long deadline, Duration timeout) throws InterruptedException {
        String p = checkFifo(path);
        long pause = TimeUnit.MICROSECONDS.toNanos(200);
        while (true) {
            int fd = tryOpenWriter(p);
            if (fd >= 0) {
                return writer(fd, p);
            }
            long left = Deadlines.remaining(deadline, pause);
            if (left <= 0) {
                if (Thread.interrupted()) { // interrupted rather than timed out, also for a zero timeout
                    throw waitForReaderInterrupted(p);
                }
                throw new OpenTimeoutException(p, "reader", timeout);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(left); // interruptible; parks a virtual thread
            } catch (InterruptedException e) {
                throw waitForReaderInterrupted(p); // says what was waited for, not "sleep interrupted"
            }
            pause = Math.min(MAX_RETRY_NANOS, pause * 2);
        }
    }

    private static InterruptedException waitForReaderInterrupted(String p) {
        return new InterruptedException("interrupted while waiting for a reader of FIFO " + p);
    }

    /** A non-blocking write open: the descriptor, or -1 while no reader exists ({@code ENXIO}). */
    private static int tryOpenWriter(String p) {
        int fd;
        try {
            fd = Libc.open(p, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENXIO) {
                return -1;
            }
            throw e;
        }
        return verified(fd, p);
    }

    private static PipeReader openReader(Path path, long deadline, Duration timeout) throws InterruptedException {
        String p = checkFifo(path);
        return reader(FifoReadOpen.open(p, deadline, timeout), p);
    }

    private static PipeReader reader(int fd, String p) {
        return new PipeReader(FdHandle.ownFifoReadEnd(verified(fd, p), "FIFO " + p + " (read end)"));
    }

    /** {@code fd} comes from {@link #tryOpenWriter}, which verified it. */
    private static PipeWriter writer(int fd, String p) {
        return new PipeWriter(FdHandle.own(fd, "FIFO " + p + " (write end)"));
    }

    /** Every open passes its {@code path} here first. */
    private static String checkFifo(Path path) {
        String p = Objects.requireNonNull(path, "path").toString();
        FileStatus status = Libc.lstat(p);
        if (!status.isFifo()) {
            throw new IllegalArgumentException(notAFifo(p, status));
        }
        return p;
    }

    /** Why {@code p}, found so by {@code lstat}, is refused: a link is named as one, not as "not a FIFO". */
    private static String notAFifo(String p, FileStatus status) {
        return status.isSymbolicLink() ? p + " is a symbolic link (not followed)"
                : p + " is not a FIFO";
    }

    /** Closes {@code fd} and refuses it if what was opened is not a FIFO (the path was swapped). */
    static int verified(int fd, String p) {
        boolean fifo;
        try {
            fifo = Libc.fstat(fd, p).isFifo();
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        if (!fifo) {
            Libc.close(fd);
            throw new IllegalArgumentException(p + " is not a FIFO");
        }
        return fd;
    }
}
