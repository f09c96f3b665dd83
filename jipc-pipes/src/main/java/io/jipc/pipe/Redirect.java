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

    /** Standard input read from a file. */
    public static Redirect from(Path file) {
        return new Redirect(Kind.READ_FILE, Objects.requireNonNull(file), null, false, "< " + file);
    }

    /** Output written to a file, created (mode 0644 before the umask) or truncated. */
    public static Redirect to(Path file) {
        return new Redirect(Kind.TRUNCATE_FILE, Objects.requireNonNull(file), null, false, "> " + file);
    }

    /** Output appended to a file, created if missing. */
    public static Redirect appendTo(Path file) {
        return new Redirect(Kind.APPEND_FILE, Objects.requireNonNull(file), null, false, ">> " + file);
    }

    /**
     * An existing read end (of a {@link Pipe} or a {@link Fifo}), for a child's input. The child gets
     * its own blocking open file description of the same pipe; this end stays open in the parent.
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
