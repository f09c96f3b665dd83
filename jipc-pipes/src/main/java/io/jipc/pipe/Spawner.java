package io.jipc.pipe;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;
import io.jipc.platform.Processes;
import io.jipc.platform.Processes.Dup2;
import io.jipc.platform.Processes.SpawnAction;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a {@link Command} into the descriptor actions of {@code posix_spawnp} and starts it.
 *
 * <p>Nothing the child does before its {@code exec} may wait: {@code posix_spawnp}'s child shares
 * this JVM's memory and holds the calling thread, uninterruptibly, until it execs or fails. So the
 * files of redirects are opened here, before the spawn ({@link #openFile}), never by a file action.
 *
 * <p>Every descriptor the child gets is a fresh close-on-exec descriptor of this process, numbered
 * above every target so that no action overwrites the source of a later one; it is dup'ed onto its
 * target in the child (which clears close-on-exec there) and closed here right after the spawn.
 * The child's ends are blocking (children such as {@code cat} expect that); the parent's ends of new
 * pipes are non-blocking, which is a property of their own open file descriptions only.
 */
final class Spawner {
    private static final int FILE_MODE = 0644;

    private final Command command;
    private final int firstFree;
    private final List<SpawnAction> actions = new ArrayList<>();
    private final List<Integer> childSide = new ArrayList<>();
        private final Map<Integer, PipeEnd> parentEnds = new TreeMap<>();

    private Spawner(Command command) {
        this.command = command;
        int highest = 2;
        for (int fd : command.passed().keySet()) {
            highest = Math.max(highest, fd);
        }
        this.firstFree = highest + 1;
    }

    static ChildProcess spawn(Command command) {
        return new Spawner(command).spawn();
    }

    private ChildProcess spawn() {
        boolean started = false;
        try {
            redirect(0, command.stdin(), true);
            redirect(1, command.stdout(), false);
            redirect(2, command.stderr(), false);
            command.passed().forEach((fd, passed) -> redirect(fd, passed.redirect(), passed.input()));
            String directory = command.directory() == null ? null : command.directory().toString();
            int pid;
            try {
                pid = Processes.spawn(command.argv(), command.environmentStrings(), directory, actions);
            } catch (ErrnoException e) {
                throw blame(e);
            }
            started = true;
            return new ChildProcess(pid, command.toString(), Collections.unmodifiableMap(parentEnds));
        } finally {
            childSide.forEach(Libc::close);
            if (!started) {
                parentEnds.values().forEach(PipeEnd::close);
            }
        }
    }

    private void redirect(int target, Redirect redirect, boolean childReads) {
        String name = streamName(target) + " of " + command.program();
        switch (redirect.kind()) {
            case INHERIT -> {
                // descriptors 0..2 are inherited as they are
            }
            case PIPE -> {
                int[] fds = Pipes.pipe();
                int childFd = childReads ? fds[0] : fds[1];
                int parentFd = childReads ? fds[1] : fds[0];
                childSide.add(childFd);
                FdHandle handle = FdHandle.own(parentFd, "pipe to " + name); // closes parentFd if it fails
                parentEnds.put(target, childReads ? new PipeWriter(handle) : new PipeReader(handle));
                actions.add(new Dup2(raise(childFd), target));
            }
            case DISCARD -> openFile(target, redirect, childReads ? Libc.O_RDONLY : Libc.O_WRONLY);
            case READ_FILE -> openFile(target, redirect, Libc.O_RDONLY);
            case TRUNCATE_FILE -> openFile(target, redirect, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC);
            case APPEND_FILE -> openFile(target, redirect, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND);
            case TO_STDOUT -> actions.add(new Dup2(1, 2));
            case PIPE_END -> {
                if (redirect.isReadEnd() != childReads) {
                    throw new IllegalArgumentException(name + " needs a " + (childReads ? "read" : "write")
                            + " end, not " + redirect.end().subject());
                }
                actions.add(new Dup2(raise(reopenBlocking(redirect.end(), childReads)), target));
            }
        }
    }

    /**
     * Opens a redirect's file here, as the child's {@code open} would (relative to this process's
     * working directory, following links; created with mode {@value #FILE_MODE} before the umask),
     * but with {@code O_NONBLOCK}, so that the open never waits, then gives the child that
     * description, made blocking again. A FIFO, whose open would wait for the other side, is taken
     * only when that side is there: for writing if a process has it open for reading, else
     * {@link NoReaderException}; for reading never, since the child's reads would return end of file
     * at once while no writer has it open ({@link IllegalArgumentException}: {@link Fifo#openReader}
     * waits for a writer, interruptibly, and its reader is then given with
     * {@link Redirect#from(PipeReader)}).
     *
     * @throws ErrnoException naming the file and the stream if the open fails
     */
    private void openFile(int target, Redirect redirect, int flags) {
        Path file = redirect.file();
        String subject = file + " (" + streamName(target) + " of " + command.program() + ")";
        boolean write = (flags & Libc.O_WRONLY) != 0;
        if (!write && isFifo(file)) { // looked at first: a read open, even a moment's, would release a waiting writer
            throw new IllegalArgumentException(subject + " is a FIFO: a child reading it would see end of file at"
                    + " once while no writer has it open; open it with Fifo.openReader(path[, timeout]), which waits"
                    + " for a writer, and give the reader with Redirect.from(reader)");
        }
        int fd;
        try {
            fd = Libc.open(file.toString(), flags | Libc.O_NONBLOCK | Libc.O_CLOEXEC, FILE_MODE);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENXIO && write && isFifo(file)) {
                throw new NoReaderException(subject + "; Fifo.openWriter waits for a reader, then give its writer"
                        + " with Redirect.to(writer)", e);
            }
            if (e.errno() != Errno.EAGAIN || isFifo(file)) {
                throw Errno.exception(e.errno(), "open", subject);
            }
            // a file under a lease (fcntl F_SETLEASE): a non-blocking open fails at once where the child's
            // own open, or a shell's, waits for the holder to let it go (the kernel bounds that wait by
            // /proc/sys/fs/lease-break-time): opened as the child would, waiting
            fd = openWaiting(file, flags, subject);
        }
        childSide.add(fd); // closed after the spawn, or when this fails
        Pipes.setNonBlocking(fd, false, subject);
        actions.add(new Dup2(raise(fd), target));
    }

    /** Opens {@code file} as the child would (blocking: a lease's holder is asked to let go, and waited for). */
    private static int openWaiting(Path file, int flags, String subject) {
        try {
            return Libc.open(file.toString(), flags | Libc.O_CLOEXEC, FILE_MODE);
        } catch (ErrnoException e) {
            throw Errno.exception(e.errno(), "open", subject);
        }
    }

    /** Whether {@code file} (links followed, as by the open) is a FIFO; false if it cannot be looked at. */
    private static boolean isFifo(Path file) {
        int fd;
        try {
            fd = Libc.open(file.toString(), Libc.O_PATH | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
            return false;
        }
        try {
            return Libc.fstat(fd, file.toString()).isFifo();
        } finally {
            Libc.close(fd);
        }
    }

    /**
     * {@code posix_spawnp} reports a failed change to the working directory with its errno, as it
     * reports a failed exec of the program: the exception names the directory if it explains the
     * errno, else the program, as before.
     */
    private ErrnoException blame(ErrnoException e) {
        int errno = e.errno();
        Path directory = command.directory();
        if (directory == null || !(errno == Errno.EACCES
                ? Files.isDirectory(directory) && !Files.isExecutable(directory)
                : (errno == Errno.ENOENT || errno == Errno.ENOTDIR) && !Files.isDirectory(directory))) {
            return e;
        }
        ErrnoException named = Errno.exception(errno, e.call(), command.program() + ", changing to working directory "
                + directory);
        named.initCause(e);
        return named;
    }

    /**
     * A new blocking open file description of the pipe behind {@code handle}, through its
     * {@code /proc/self/fd} link, so that the parent's end stays non-blocking and the child's is not.
     * A read end of a FIFO whose writers all left before that reopen gets the description the
     * handle keeps instead (a copy of it), if that one is blocking and shows the end of file: on the
     * new one Linux shows no {@code POLLHUP} until a writer opens the FIFO again, so a child that
     * polls ({@code select}, {@code epoll}) would never see the end of file (see
     * {@link FdHandle#keptShowingEndOfFile}).
     */
    private int reopenBlocking(FdHandle handle, boolean readEnd) {
        int fd = handle.acquire();
        try {
            int copy = FdHandle.reopen(fd, readEnd);
            childSide.add(copy);
            Pipes.setNonBlocking(copy, false, handle.subject());
            int kept = readEnd ? handle.keptShowingEndOfFile(copy) : -1;
            if (kept < 0) {
                return copy;
            }
            int shared = Pipes.duplicate(kept, firstFree, handle.subject()); // close-on-exec, closed after the spawn
            childSide.add(shared);
            return shared;
        } finally {
            handle.release();
        }
    }

    /** A close-on-exec copy of {@code fd} above every target, when {@code fd} is not already. */
    private int raise(int fd) {
        if (fd >= firstFree) {
            return fd;
        }
        int raised = Pipes.duplicate(fd, firstFree, "descriptor for " + command.program());
        childSide.add(raised);
        return raised;
    }

    private static String streamName(int fd) {
        return switch (fd) {
            case 0 -> "stdin";
            case 1 -> "stdout";
            case 2 -> "stderr";
            default -> "fd " + fd;
        };
    }
}
