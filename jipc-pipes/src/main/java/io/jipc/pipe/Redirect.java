package io.jipc.pipe;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a standard stream (or another descriptor) of a child process goes. The default is
 * {@link #INHERIT}. Immutable.
 */
public final class Redirect {
    /** A new kernel pipe; the parent holds the other end ({@link ChildProcess#stdin()}, {@code stdout()}, {@code stderr()}). */
    public static final Redirect PIPE = new Redirect(Kind.PIPE, null, null, false, "PIPE");
    /** The parent's own descriptor of the same number (its terminal, its file, its pipe). */
    public static final Redirect INHERIT = new Redirect(Kind.INHERIT, null, null, false, "INHERIT");
    /** {@code /dev/null}: reads see end of file, writes are discarded. */
    public static final Redirect DISCARD = new Redirect(Kind.DISCARD, Path.of("/dev/null"), null, false, "DISCARD");
    /** For standard error only: into wherever standard output goes ({@code 2>&1}). */
    public static final Redirect TO_STDOUT = new Redirect(Kind.TO_STDOUT, null, null, false, "TO_STDOUT");

    /** What a redirect is; {@link Spawner} turns each into descriptor actions. */
    enum Kind { PIPE, INHERIT, DISCARD, TO_STDOUT, READ_FILE, TRUNCATE_FILE, APPEND_FILE, PIPE_END }

    private final Kind kind;
    private final Path file;
    private final FdHandle end;
    private final boolean readEnd;
    private final String description;

    private Redirect(Kind kind, Path file, FdHandle end, boolean readEnd, String description) {
        this.kind = kind;
        this.file = file;
        this.end = end;
        this.readEnd = readEnd;
        this.description = description;
    }

    /**
     * Standard input read from a file. {@link Command#start()} opens it before it spawns the child,
     * as the child would (relative to this process's working directory, links followed), but never
     * waits in the open, and fails if it cannot open it ({@link io.jipc.ErrnoException} naming the
     * file and the stream). A FIFO is refused ({@link IllegalArgumentException}): while no writer has
     * it open, the child's reads would return end of file at once, and a read open waits for a
     * writer. Open it with {@link Fifo#openReader(Path, java.time.Duration)} (interruptible) and give
     * its reader with {@link #from(PipeReader)}.
     */
    public static Redirect from(Path file) {
        return new Redirect(Kind.READ_FILE, Objects.requireNonNull(file), null, false, "< " + file);
    }

    /**
     * Output written to a file, created (mode 0644 before the umask) or truncated, by
     * {@link Command#start()} before it spawns the child, without waiting (see {@link #from(Path)}).
     * A FIFO is taken if a process has it open for reading, else {@link NoReaderException} at once;
     * {@link Fifo#openWriter(Path, java.time.Duration)} waits for a reader, and its writer is given with
     * {@link #to(PipeWriter)}.
     */
    public static Redirect to(Path file) {
        return new Redirect(Kind.TRUNCATE_FILE, Objects.requireNonNull(file), null, false, "> " + file);
    }

    /** Output appended to a file, created if missing; opened as {@link #to(Path)} says. */
    public static Redirect appendTo(Path file) {
        return new Redirect(Kind.APPEND_FILE, Objects.requireNonNull(file), null, false, ">> " + file);
    }

    /**
     * An existing read end (of a {@link Pipe} or a {@link Fifo}), for a child's input. The child gets
     * its own blocking open file description of the same pipe; this end stays open in the parent.
     *
     * <p>One exception: a reader of a named FIFO whose writers have all left (it is at end of file)
     * gives the child, when it starts, a copy of the FIFO's original description, the one the reader
     * keeps (the inherited descriptor of an {@link PipeReader#adopt adopted} reader, the descriptor
     * {@link Fifo} opened for its readers), as the shell's {@code cmd <&3} does: on a new description
     * opened while the FIFO has no writer Linux shows no {@code POLLHUP} until a writer opens it again,
     * so a child that polls ({@code select}, {@code poll}, {@code epoll}: event loops, {@code socat},
     * asyncio) would wait for ever, although its blocking {@code read} returns 0. That description is
     * blocking too (if it is not, because a process that shares it made it non-blocking, the child
     * gets a new one, as before); it is shared with the parent's reader and with every child given it
     * so, as after {@code cmd <&3}: a child that makes it non-blocking makes it so for the others.
     * (Until 2026-12-05 such a child always got a new description and its {@code select} never
     * returned.)
     *
     * <p>A reader of {@link Fifo#openReaderNow} given before any writer opened the FIFO: the parent's
     * reads wait for the first writer, the child's do not. A blocking {@code read} of a FIFO that no
     * writer has open returns 0, end of file (only an open waits for a writer), so a child such as
     * {@code cat} ends at once, and what a writer writes later is there for the parent's reader
     * only. Give a child a reader of {@link Fifo#openReader(Path)} (or its timed form), which returns
     * once a writer has the FIFO open.
     */
    public static Redirect from(PipeReader reader) {
        return new Redirect(Kind.PIPE_END, null, reader.handle, true, "< " + reader);
    }

    /** An existing write end, for a child's output; see {@link #from(PipeReader)}. */
    public static Redirect to(PipeWriter writer) {
        return new Redirect(Kind.PIPE_END, null, writer.handle, false, "> " + writer);
    }

    Kind kind() {
        return kind;
    }

    Path file() {
        return file;
    }

    FdHandle end() {
        return end;
    }

    boolean isReadEnd() {
        return readEnd;
    }

    @Override
    public String toString() {
        return description;
    }
}
