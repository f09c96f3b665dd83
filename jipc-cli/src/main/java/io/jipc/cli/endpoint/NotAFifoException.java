package io.jipc.cli.endpoint;

import io.jipc.JipcException;

/**
 * A path that should name a FIFO names another kind of file: a condition of the system, reported in
 * one line with exit code 1 like a missing FIFO, not a usage error. ({@link io.jipc.pipe.Fifo}
 * refuses such a path with an {@link IllegalArgumentException}, which the commands would take for a
 * mistake in the command line.)
 */
public final class NotAFifoException extends JipcException {
    private static final long serialVersionUID = 1L;

    public NotAFifoException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What opening a FIFO does, that turns {@link io.jipc.pipe.Fifo}'s refusal of another kind of file into this. */
    public interface Open<E> {
        E open() throws InterruptedException;
    }

    /** Runs {@code open} (one of {@link io.jipc.pipe.Fifo}'s opens), its refusal of a file that is no FIFO a {@link NotAFifoException}. */
    public static <E> E refusing(Open<E> open) throws InterruptedException {
        try {
            return open.open();
        } catch (IllegalArgumentException notAFifo) { // the only refusal of Fifo's opens: lstat or fstat saw another file
            throw new NotAFifoException(notAFifo.getMessage(), notAFifo);
        }
    }
}
