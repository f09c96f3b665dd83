package io.jipc.pipe;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;

/** A FIFO was opened for writing without waiting, and no process has it open for reading ({@code ENXIO}). */
public class NoReaderException extends ErrnoException {
    private static final long serialVersionUID = 1L;
    private static final int ENXIO = 6;

    public NoReaderException(String path) {
        super(ENXIO, Errno.name(ENXIO), "no process has the FIFO open for reading", "open for writing", path);
    }

    /** For a FIFO named by {@code subject} (a path and what it was opened for), from the open's {@code cause}. */
    NoReaderException(String subject, Throwable cause) {
        this(subject);
        initCause(cause);
    }
}
