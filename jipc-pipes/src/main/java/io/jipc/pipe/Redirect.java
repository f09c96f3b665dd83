package io.jipc.pipe;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a standard stream (or another descriptor) of a child process goes. The default is
 * {@link #INHERIT}.
 */
public sealed interface Redirect {
    /** A new kernel pipe; the parent holds the other end ({@link ChildProcess#stdin()}, {@code stdout()}, {@code stderr()}). */
    Redirect PIPE = new Pipe();
    /** The parent's own descriptor of the same number (its terminal, its file, its pipe). */
    Redirect INHERIT = new Inherit();
    /** {@code /dev/null}: reads see end of file, writes are discarded. */
    Redirect DISCARD = new ToFile(Path.of("/dev/null"), Mode.DISCARD);
    /** For standard error only: into wherever standard output goes ({@code 2>&1}). */
    Redirect TO_STDOUT = new ToStdout();

    /** Standard input read from a file. */
    static Redirect from(Path file) {
        return new ToFile(Objects.requireNonNull(file), Mode.READ);
    }

    /** Output written to a file, created (mode 0644 before the umask) or truncated. */
    static Redirect to(Path file) {
        return new ToFile(Objects.requireNonNull(file), Mode.TRUNCATE);
    }

    /** Output appended to a file, created if missing. */
    static Redirect appendTo(Path file) {
        return new ToFile(Objects.requireNonNull(file), Mode.APPEND);
    }

    /**
     * An existing read end (of a {@link Pipe} or a {@link Fifo}), for a child's input. The child gets
     * its own blocking open file description of the same pipe; this end stays open in the parent.
     */
    static Redirect from(PipeReader reader) {
        return new ToEnd(reader.handle, true);
    }

    /** An existing write end, for a child's output; see {@link #from(PipeReader)}. */
    static Redirect to(PipeWriter writer) {
        return new ToEnd(writer.handle, false);
    }

    /** See {@link #PIPE}. */
    record Pipe() implements Redirect {
    }

    /** See {@link #INHERIT}. */
    record Inherit() implements Redirect {
    }

    /** See {@link #TO_STDOUT}. */
    record ToStdout() implements Redirect {
    }

    /** How a file is opened for a child. */
    enum Mode { READ, TRUNCATE, APPEND, DISCARD }

    /** See {@link #from(Path)}, {@link #to(Path)}, {@link #appendTo(Path)}, {@link #DISCARD}. */
    record ToFile(Path file, Mode mode) implements Redirect {
    }

    /** See {@link #from(PipeReader)}, {@link #to(PipeWriter)}. */
    record ToEnd(FdHandle handle, boolean readEnd) implements Redirect {
    }
}
