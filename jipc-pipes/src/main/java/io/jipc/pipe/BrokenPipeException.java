package io.jipc.pipe;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;

/**
 * A write to a pipe or FIFO that no process has open for reading any more ({@code EPIPE}). The JVM
 * ignores {@code SIGPIPE}, so the writing process is not killed: it gets this exception, and the
 * pipe stays broken (every later write fails the same way).
 */
public class BrokenPipeException extends ErrnoException {
    private static final long serialVersionUID = 1L;

    public BrokenPipeException(String subject) {
        super(Errno.EPIPE, Errno.name(Errno.EPIPE), Errno.description(Errno.EPIPE)
                + ": no process has it open for reading", "write", subject);
    }
}
