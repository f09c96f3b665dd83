package io.jipc.pipe;

import io.jipc.platform.Libc;
import io.jipc.platform.Pipes;

/**
 * A kernel pipe ({@code pipe2(2)}): a one-way byte stream through a buffer in the kernel, with a
 * {@linkplain #reader() read end} and a {@linkplain #writer() write end}.
 *
 * <p>A pipe has no name: other processes get an end by inheriting it, which is what
 * {@link Command} arranges for the children it starts. Within one process a pipe is mostly useful
 * to hand one end to a child ({@link Command#stdin(Redirect) Command.stdin(Redirect.from(reader))},
 * {@link Command#passFd}).
 * Both ends are close-on-exec in this process: a child gets only the ends it is given.
 *
 * <p>The kernel semantics, all kept: a reader waits while the pipe is empty, a writer while it is
 * full ({@linkplain PipeWriter#capacity() capacity}, 64 KiB by default); the reader sees end of file
 * once every write end in every process is closed; a writer gets {@link BrokenPipeException} once
 * every read end is closed; writes of at most {@link Pipes#PIPE_BUF} bytes are atomic.
 */
public final class Pipe implements AutoCloseable {
    private final PipeReader reader;
    private final PipeWriter writer;

    private Pipe(PipeReader reader, PipeWriter writer) {
        this.reader = reader;
        this.writer = writer;
    }

    /** Creates a pipe. */
    public static Pipe open() {
        int[] fds = Pipes.pipe();
        String name = "pipe:[" + Libc.fstat(fds[0], "pipe").inode() + "]";
        PipeReader reader;
        try {
            reader = new PipeReader(FdHandle.own(fds[0], name + " read end"));
        } catch (RuntimeException e) {
            Libc.close(fds[1]);
            throw e;
        }
        try {
            return new Pipe(reader, new PipeWriter(FdHandle.own(fds[1], name + " write end")));
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    public PipeReader reader() {
        return reader;
    }

    public PipeWriter writer() {
        return writer;
    }

    /** Closes both ends (those not closed yet). */
    @Override
    public void close() {
        try {
            writer.close();
        } finally {
            reader.close();
        }
    }

    @Override
    public String toString() {
        return reader + " / " + writer;
    }
}
