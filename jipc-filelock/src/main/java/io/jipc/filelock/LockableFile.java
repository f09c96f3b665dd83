package io.jipc.filelock;

import io.jipc.Timeouts;
import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileLocks;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A file opened for reading and writing that can be locked against other processes — and against
 * other {@code LockableFile}s of the same process — with advisory shared or exclusive locks on the
 * whole file: the "files are a shared data space" pattern of IPC, with the lock as its mutual
 * exclusion.
 *
 * <table>
 * <caption>Verbs (compare {@link java.util.concurrent.locks.Lock})</caption>
 * <tr><th>at once</th><th>blocks</th><th>blocks at most</th></tr>
 * <tr><td>{@link #tryLock(LockMode)} → null if held elsewhere</td><td>{@link #lock(LockMode)}</td>
 *     <td>{@link #tryLock(LockMode, Duration)} → null on timeout</td></tr>
 * </table>
 * Each returns a {@link FileLock} to release (try-with-resources). A {@code LockableFile} holds at
 * most one lock at a time; to change its mode, release it and lock again.
 *
 * <h2>Semantics</h2>
 * The locks are Linux <em>open file description</em> (OFD) locks: each {@code LockableFile} is its
 * own open of the file, and its lock conflicts with the locks of every other open — in this or
 * another process. So two threads that each open a {@code LockableFile} exclude each other; two
 * threads that share one {@code LockableFile} share its lock. A lock is released by
 * {@link FileLock#release()}, by {@link #close()}, or by the kernel when the process dies in any
 * way ({@code kill -9} included): a crashed holder never leaves the file locked. OFD locks conflict
 * with POSIX record locks (C's {@code fcntl(F_SETLK)}, Java's {@code FileChannel.lock}) on the same
 * file, but not with {@code flock(2)} locks (the {@code flock} command). The locks are
 * <em>advisory</em>: they exclude only processes that lock too; plain reads and writes are never
 * blocked.
 *
 * <p>Blocking waits sleep in the kernel, which grants the lock when it becomes free; they are
 * interruptible and work from virtual threads (see the class comment of {@link LockWaiter} for how a
 * wait in the kernel is given up on). Blocking waits need the JDK's I/O interrupt signal handler
 * (present in every HotSpot JDK on Linux); where it is missing they throw
 * {@link UnsupportedOperationException} and {@link #tryLock(LockMode)} still works. A JVM that
 * inherited that signal blocked from its parent waits as well: the thread that waits in the kernel
 * unblocks it for itself. Should a wait in the kernel still not end when the caller gives up (the
 * signal's handler was changed meanwhile), the caller gets a {@link io.jipc.JipcException} saying
 * so, holding no lock, instead of waiting for ever; this file then takes no more locks until closed.
 *
 * <h2>Memory consistency effects</h2>
 * File data written through {@link #channel()} (or any {@code write(2)}) before a lock is released
 * is visible to a reader in any process that reads the file after taking a conflicting lock: the
 * kernel's page cache is coherent, and the lock orders the accesses. The locks say nothing about
 * Java fields: guard those with Java's own locks.
 *
 * <p>Thread-safe. The file descriptor is closed on {@link #close()}; a thread waiting for a lock
 * then gets a {@link ClosedException}.
 */
public final class LockableFile implements AutoCloseable {
    /** Timeouts this long or longer wait without a deadline (and cannot overflow {@link System#nanoTime()}). */
    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE / 4);
    /**
     * Flags of every open besides its access mode: {@code O_NONBLOCK} so that a FIFO planted at the
     * path fails the regular-file check at once instead of blocking the open for a writer for ever
     * (uninterruptibly); it does not make a lock wait non-blocking ({@code F_OFD_SETLKW} ignores it).
     */
    private static final int OPEN_FLAGS = Libc.O_CLOEXEC | Libc.O_NONBLOCK;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;

    private final Path path;
    private final int fd;
    private final boolean writable;
    /**
     * Open while this file is, but for a channel an interrupt closed, until {@link #channel()}
     * replaces it; written under {@link #state}.
     */
    private volatile FileChannel channel;
    private final ReentrantLock state = new ReentrantLock();
    /** The lock held through this file, or null; guarded by {@link #state}. */
    private FileLock held;
    /** A blocking acquisition in progress, or null; guarded by {@link #state}. */
    private LockWaiter waiter;
    /**
     * A blocking acquisition whose wait in the kernel could not be ended (see {@link LockWaiter}), or
     * null: its thread may still get and release a lock of this open, so no more are taken through
     * it; guarded by {@link #state}.
     */
    private LockWaiter abandoned;
    /** Guarded by {@link #state}. */
    private boolean closed;

    private LockableFile(Path path, int fd, boolean writable) {
        this.path = path;
        this.fd = fd;
        this.writable = writable;
        try {
            this.channel = openChannel();
        } catch (UncheckedIOException e) {
            RuntimeException failure = channelFailure(path, fd, writable, e);
            Libc.close(fd);
            throw failure;
        }
    }

    /**
     * Why the channel of a new open could not be opened: the {@link ErrnoException} of opening the file
     * again the same way, which names the errno ({@code EMFILE} in a process out of descriptors: a
     * {@code LockableFile} takes two) and the path, when that open fails too; else {@code e}. (The JDK's
     * exception gives no errno; until 2026-12-07 the opens threw it, {@code UncheckedIOException:
     * cannot open a channel on PATH}, instead of the {@code ErrnoException} they promise.)
     */
    private static RuntimeException channelFailure(Path path, int fd, boolean writable, UncheckedIOException e) {
        try {
            Libc.close(Libc.open("/proc/self/fd/" + fd, (writable ? Libc.O_RDWR : Libc.O_RDONLY) | Libc.O_CLOEXEC, 0));
        } catch (ErrnoException again) {
            ErrnoException named = Errno.exception(again.errno(), "open", path.toString());
            named.initCause(e.getCause());
            return named;
        }
        return e;
    }

    /**
     * A new open of the file for the channel: the same file for certain (a rename of the path in
     * between cannot swap it), and a descriptor of its own, so that closing the channel — an
     * interrupt does — leaves the lock of {@link #fd} alone.
     */
    private FileChannel openChannel() {
        try {
            Path same = Path.of("/proc/self/fd/" + fd);
            return writable ? FileChannel.open(same, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(same, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a channel on " + path, e);
        }
    }

    /**
     * Opens an existing file for reading and writing; a symbolic link at {@code path} is followed
     * (unlike {@link #openOrCreate(Path)}, nothing is created where it points).
     *
     * @throws InsecureFileException  if it is not a regular file (a FIFO, a directory, a socket, a
     *                                device): such
     *                                a path is refused at once, never waited on
     * @throws io.jipc.ErrnoException e.g. {@code ENOENT} if it does not exist, {@code EACCES}; {@code EMFILE}
     *                                naming the path in a process short of descriptors (an open takes two)
     */
    public static LockableFile open(Path path) {
        Objects.requireNonNull(path, "path");
        return new LockableFile(path, regularFile(path, openFile(path, Libc.O_RDWR | OPEN_FLAGS, 0)), true);
    }

    /**
     * Opens an existing file for reading only, for a process that may read but not write it: such a
     * file takes only {@link LockMode#SHARED} locks (the kernel grants an exclusive lock only to an
     * open for writing), and its {@link #channel()} is read-only.
     *
     * @throws InsecureFileException  if it is not a regular file (a FIFO, a directory, a socket, a
     *                                device): such
     *                                a path is refused at once, never waited on
     * @throws io.jipc.ErrnoException e.g. {@code ENOENT} if it does not exist, {@code EACCES}; {@code EMFILE}
     *                                naming the path in a process short of descriptors (an open takes two)
     */
    public static LockableFile openForReading(Path path) {
        Objects.requireNonNull(path, "path");
        return new LockableFile(path, regularFile(path, openFile(path, Libc.O_RDONLY | OPEN_FLAGS, 0)), false);
    }

    /**
     * Opens a file for reading and writing, creating it empty (mode {@code 0644} minus the umask)
     * if it does not exist. Several processes may race to create it: all of them open the same file.
     *
     * <p>A symbolic link at {@code path} is refused, not followed ({@code O_NOFOLLOW}; links among the
     * directories above it are followed): in a directory other users may write, one could otherwise
     * plant a link and have this call create — with this process's user, root say — and lock a file
     * wherever the link points. To lock a file through a link, create it first and use
     * {@link #open(Path)}, which follows links.
     *
     * @throws InsecureFileException if {@code path} is a symbolic link (dangling or not), or an existing
     *                               file that is not a regular file (a FIFO, a directory, a socket,
     *                               a device)
     * @throws ErrnoException        e.g. {@code EACCES}; {@code EMFILE} naming the path in a process short
     *                               of descriptors (an open takes two)
     */
    public static LockableFile openOrCreate(Path path) {
        Objects.requireNonNull(path, "path");
        int fd;
        try {
            fd = openFile(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_NOFOLLOW | OPEN_FLAGS, 0644);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ELOOP) {
                throw new InsecureFileException("refusing to open or create lock file " + path
                        + ": it is a symbolic link (another user may have put it there; open a file through a"
                        + " link with LockableFile.open)");
            }
            throw e;
        }
        return new LockableFile(path, regularFile(path, fd), true);
    }

    /**
     * {@code open(2)}, refusing as {@link #regularFile} does what the kernel does not open at all: a
     * directory for writing ({@code EISDIR}), a socket or a device without a driver ({@code ENXIO}).
     */
    private static int openFile(Path path, int flags, int mode) {
        try {
            return Libc.open(path.toString(), flags, mode);
        } catch (ErrnoException e) {
            String what = switch (e.errno()) {
                case Errno.EISDIR -> "a directory";
                case Errno.ENXIO -> kindOfSpecialFile(path);
                default -> null;
            };
            if (what == null) {
                throw e;
            }
            throw notRegular(path, what);
        }
    }

    /** "a socket" or "a device" for such a file at {@code path} (links followed), else null. */
    private static String kindOfSpecialFile(Path path) {
        int type;
        try {
            type = (Integer) Files.getAttribute(path, "unix:mode") & S_IFMT;
        } catch (IOException | RuntimeException e) {
            return null; // gone or replaced meanwhile: the open's own error is the answer
        }
        return switch (type) {
            case S_IFSOCK -> "a socket";
            case S_IFCHR, S_IFBLK -> "a device";
            default -> null;
        };
    }

    private static InsecureFileException notRegular(Path path, String what) {
        return new InsecureFileException("refusing to lock " + path + ": not a regular file (" + what
                + "); a lock file is a regular file");
    }

    /**
     * Returns {@code fd} if it is an open of a regular file, else closes it and refuses. The open was
     * made with {@code O_NONBLOCK} ({@link #OPEN_FLAGS}), so a FIFO at the path did not block it; the
     * flag changes nothing for a regular file, whose reads and writes go through {@link #channel()}, a
     * separate open.
     */
    private static int regularFile(Path path, int fd) {
        try {
            FileStatus status = Libc.fstat(fd, path.toString());
            if (!status.isRegularFile()) {
                throw notRegular(path, status.isFifo() ? "a FIFO" : status.isDirectory() ? "a directory"
                        : status.isSocket() ? "a socket" : "a device");
            }
            return fd;
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** The path the file was opened by. */
    public Path path() {
        return path;
    }

    /**
     * A channel on the file for reading and writing (reading only after {@link #openForReading}),
     * closed with this file. Its position is its own; to append under an exclusive lock, write at
     * {@code channel.size()}. Any thread may call this and use the channel; it does not block.
     *
     * <p>Like every {@link FileChannel}, the channel is closed for good when a thread is interrupted
     * in (or with an interrupt pending enters) a read or write on it — the call throws
     * {@link java.nio.channels.ClosedByInterruptException}, later calls
     * {@link java.nio.channels.ClosedChannelException} — or when someone closes it. That leaves the
     * lock alone: the channel is a separate open of the file, and the lock belongs to this file's
     * own, so a lock held stays held against every other process, and {@link FileLock#isValid()}
     * stays true. Call {@code channel()} again for a working channel: while this file is open it
     * replaces a closed channel with a new one on the same file (at position 0). After
     * {@link #close()} it returns the closed channel.
     *
     * @throws UncheckedIOException if a closed channel must be replaced and the file cannot be opened
     *                              again (e.g. no descriptor left, {@code EMFILE})
     */
    public FileChannel channel() {
        FileChannel current = channel;
        if (current.isOpen()) {
            return current;
        }
        state.lock();
        try {
            if (!closed && !channel.isOpen()) {
                channel = openChannel();
            }
            return channel;
        } finally {
            state.unlock();
        }
    }

    /**
     * Takes a lock at once if no other open of the file holds a conflicting one.
     *
     * @return the lock, or null if it is held elsewhere
     * @throws IllegalStateException if this file already holds a lock or another thread is waiting
     *                               for one through it
     * @throws ClosedException       if closed
     */
    public FileLock tryLock(LockMode mode) {
        state.lock();
        try {
            ensureCanLock(mode);
            return FileLocks.tryLock(fd, type(mode), subject()) ? hold(mode) : null;
        } finally {
            state.unlock();
        }
    }

    /**
     * Waits until the lock can be taken, however long that is. A free lock is taken also by an
     * interrupted thread, which keeps its interrupt status.
     *
     * @throws InterruptedException  if interrupted before or while waiting (no lock is then held)
     * @throws IllegalStateException if this file already holds a lock or another thread is waiting
     * @throws ClosedException       if closed before or while waiting
     * @throws io.jipc.JipcException if an interrupt or {@link #close()} could not end the wait in the
     *                               kernel (see the class comment); no lock is then held
     */
    public FileLock lock(LockMode mode) throws InterruptedException {
        return acquire(mode, Long.MAX_VALUE);
    }

    /**
     * Waits at most {@code timeout} for the lock. A free lock is taken also by an interrupted
     * thread, which keeps its interrupt status; a held one makes it throw, also with a zero or
     * negative timeout.
     *
     * @return the lock, or null if it was not free in time
     * @throws InterruptedException  if interrupted before or while waiting (no lock is then held)
     * @throws IllegalStateException if this file already holds a lock or another thread is waiting
     * @throws ClosedException       if closed before or while waiting
     * @throws io.jipc.JipcException if the timeout, an interrupt or {@link #close()} could not end the
     *                               wait in the kernel (see the class comment); no lock is then held
     */
    public FileLock tryLock(LockMode mode, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(FOREVER) >= 0) {
            return acquire(mode, Long.MAX_VALUE);
        }
        return acquire(mode, System.nanoTime() + Timeouts.nanos(timeout));
    }

    /**
     * Takes the lock by the deadline. A free lock is taken whatever the interrupt status, which stays
     * set; a held one makes an interrupted thread throw before it waits, also at a deadline that has
     * passed (docs/architecture.md, "Interrupts and timeouts").
     */
    private FileLock acquire(LockMode mode, long deadlineNanos) throws InterruptedException {
        LockWaiter wait;
        state.lock();
        try {
            ensureCanLock(mode);
            if (FileLocks.tryLock(fd, type(mode), subject())) {
                return hold(mode);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (deadlineNanos != Long.MAX_VALUE && deadlineNanos - System.nanoTime() <= 0) {
                return null;
            }
            wait = new LockWaiter(fd, type(mode), subject());
            wait.start();
            waiter = wait;
        } finally {
            state.unlock();
        }
        boolean acquired;
        try {
            acquired = wait.await(deadlineNanos);
        } catch (InterruptedException | RuntimeException | Error e) {
            state.lock();
            try {
                endWait(wait, false);
            } finally {
                state.unlock();
            }
            throw e;
        }
        state.lock();
        try { // one critical section from clearing the waiter to recording the lock: see endWait
            endWait(wait, acquired);
            if (closed) {
                throw new ClosedException(this + " was closed while waiting for a lock");
            }
            return acquired ? hold(mode) : null;
        } finally {
            state.unlock();
        }
    }

    /**
     * Ends the blocking acquisition {@code wait}; a lock its helper got is released unless the
     * caller {@code keeps} it. Called under the {@link #state} lock, which a concurrent
     * {@link #close()} needs before it closes the descriptor. A kept lock must be recorded
     * ({@link #hold}) in the same critical section: once {@link #waiter} is cleared another thread
     * passes {@link #ensureCanLock}, and its lock request on this open would not fail but convert the
     * lock the helper got (an exclusive one made shared, or released when that thread releases).
     */
    private void endWait(LockWaiter wait, boolean keep) {
        waiter = null;
        if (wait.abandonedCause() != null) {
            abandoned = wait; // its helper releases a lock it gets itself
        } else if (!keep && wait.acquired() && !closed) {
            FileLocks.unlock(fd, subject()); // got it as the caller gave up: no lock is then held
        }
    }

    private FileLock hold(LockMode mode) {
        held = new FileLock(this, mode);
        return held;
    }

    /** Called by {@link FileLock#release()}. */
    void release(FileLock lock) {
        state.lock();
        try {
            if (held != lock || closed) {
                return;
            }
            held = null;
            FileLocks.unlock(fd, subject());
        } finally {
            state.unlock();
        }
    }

    /** Whether {@code lock} is the lock this file holds now. */
    boolean holds(FileLock lock) {
        state.lock();
        try {
            return held == lock && !closed;
        } finally {
            state.unlock();
        }
    }

    /** Whether a thread waits for a lock through this file (for tests). */
    boolean hasWaiter() {
        state.lock();
        try {
            return waiter != null;
        } finally {
            state.unlock();
        }
    }

    /** The lock this file holds, or null. */
    public FileLock heldLock() {
        state.lock();
        try {
            return closed ? null : held;
        } finally {
            state.unlock();
        }
    }

    private void ensureCanLock(LockMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (mode == LockMode.EXCLUSIVE && !writable) {
            throw new IllegalStateException(this + " is open for reading only: it takes only SHARED locks");
        }
        if (closed) {
            throw new ClosedException(this + " is closed");
        }
        if (abandoned != null) {
            throw new IllegalStateException(this + " takes no more locks: an earlier wait for one could not be ended ("
                    + abandoned.abandonedCause() + "); close it");
        }
        if (held != null) {
            throw new IllegalStateException(this + " already holds a " + held.mode() + " lock; release it first");
        }
        if (waiter != null) {
            throw new IllegalStateException("another thread is waiting for a lock through " + this
                    + "; threads that must exclude each other open a LockableFile each");
        }
    }

    private static short type(LockMode mode) {
        return mode == LockMode.EXCLUSIVE ? FileLocks.EXCLUSIVE : FileLocks.SHARED;
    }

    private String subject() {
        return path.toString();
    }

    /**
     * Closes the file: its lock, if any, is released (by the kernel, with the last descriptor of
     * this open), a thread waiting for a lock through it gets a {@link ClosedException}. Any thread
     * may call it; it waits only for a waiting thread's helper to leave the kernel (bounded, see
     * the class comment). Idempotent.
     */
    @Override
    public void close() {
        LockWaiter pending;
        LockWaiter lingering;
        FileChannel open;
        state.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            held = null;
            pending = waiter;
            lingering = abandoned;
            open = channel;
        } finally {
            state.unlock();
        }
        if (pending != null) {
            pending.cancel();   // the helper leaves the kernel before the descriptor goes away
        }
        try {
            open.close();
        } catch (IOException e) {
            // closing a regular file's channel reports nothing actionable; the descriptor is gone
        }
        // a helper that could not be made to leave still waits on the descriptor: it closes it when it leaves
        LockWaiter inKernel = pending != null ? pending : lingering;
        if (inKernel == null || !inKernel.closeWhenLeft(fd)) {
            Libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return "LockableFile[" + path + (writable ? "" : ", read-only") + "]";
    }
}
