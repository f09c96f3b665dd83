package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.platform.Pipes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.Objects;

/**
 * The read end of a kernel pipe or FIFO: a byte stream, in the order the writers wrote it.
 *
 * <table class="striped">
 * <caption>Reading</caption>
 * <tr><th>at once</th><th>blocks</th><th>blocks at most</th></tr>
 * <tr><td>{@link #readNow(ByteBuffer)}: 0 if the pipe is empty</td><td>{@link #read(ByteBuffer)}</td>
 *     <td>{@link #read(ByteBuffer, Duration)}: 0 on timeout</td></tr>
 * </table>
 * Each returns the bytes read (at least one, at most what the buffer has room for and what the pipe
 * holds), or -1 at end of file: the pipe is empty and every writer has closed its end (a FIFO may get
 * new writers later; a read after that waits for them again). A reader of a FIFO opened without
 * waiting ({@link Fifo#openReaderNow}) waits for the first writer instead of seeing end of file,
 * and gets that writer's bytes also when it opened, wrote and closed in the moment between the
 * read that found no writer yet and the look for the hang-up (the read then reads again).
 * A direct buffer over a {@link MemorySegment} is checked as any access to the segment: one whose
 * arena is closed gives {@link IllegalStateException}, one confined to another thread
 * {@link WrongThreadException}, and the arena cannot close while {@code read(2)} fills it. A
 * read-only buffer is refused with {@link ReadOnlyBufferException} before anything is read, as
 * {@code Mailbox.poll(ByteBuffer)} and {@code StreamConnection.read} refuse it.
 *
 * <h2>Who may call</h2>
 * A reader is safe for use by several threads, platform or virtual, though bytes then go to
 * whichever thread reads first. Other processes may hold the same end (a child that inherited it,
 * several readers of one FIFO): they compete for the bytes the same way.
 *
 * <h2>Blocking</h2>
 * The descriptor is non-blocking; a thread that must wait sleeps in {@code poll(2)} (platform
 * threads, in slices of 50 ms) or parks while the process's one poller thread
 * ({@code io.jipc.platform.FdPoller}) watches the descriptor (virtual threads, which thus never pin
 * their carrier). Waiting is interruptible and a {@link #close()} by another thread ends it with
 * {@link ClosedException} (a virtual thread's at once, a platform thread's within 50 ms).
 * Interrupts follow the library's rule (docs/architecture.md, "Interrupts and timeouts"): a blocking or timed read
 * that finds bytes (or the end of file) at once returns them and leaves the interrupt status set;
 * one that finds none and the thread interrupted throws {@link InterruptedException} and clears the
 * status, also with a zero or negative timeout; {@link #readNow} never looks at it.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a writer, in any process, before it wrote bytes happen-before the return of the read
 * that returned those bytes, as far as they are visible through the pipe (the kernel's pipe lock
 * orders both system calls).
 */
public final class PipeReader extends PipeEnd {
    private static final int CHUNK = 64 * 1024;

    /**
     * Test seam (FifoTest), null otherwise: runs in a read between the {@code read(2)} that found no
     * writer and the look for the hang-up, the window in which a FIFO's first writer can come, write
     * and go.
     */
    static volatile Runnable afterReadFoundNoWriter;

    PipeReader(FdHandle handle) {
        super(handle);
    }

    /**
     * Adopts the read end of a pipe or FIFO this process inherited as descriptor {@code fd} (for
     * example standard input, or a descriptor a parent passed with {@link Command#passFd}). The
     * descriptor's open file description, which the parent and other processes (the rest of a shell
     * pipeline) may share, is left as it is: the reader reads through a new, non-blocking description
     * of the same pipe, opened through {@code /proc/self/fd/fd}, and keeps {@code fd} open, unchanged,
     * until {@link #close()} closes both. So a JVM that ends without closing the reader (killed,
     * {@code System.exit}) leaves the pipe blocking for the next program that reads it. Only if the
     * pipe cannot be reopened (no {@code /proc}, a pipe another user created, which {@code open} refuses
     * with {@code EACCES}) is {@code fd} itself made non-blocking while the reader owns it, and
     * {@link #close()} restores its flags; a JVM that dies first then leaves it non-blocking.
     *
     * <p>End of file is as {@code fd} shows it. A named FIFO whose writers all left before the adopt
     * (as in {@code ( producer > fifo ); java Tool 3<fifo}) is at end of file: reads return -1 once
     * the bytes are read, and a selector reports the reader readable, although Linux shows no
     * {@code POLLHUP} on the new description until a writer opens the FIFO again (it does so for a
     * FIFO description opened without waiting while no writer has it open); the reader then asks
     * {@code fd}. A FIFO whose descriptor was opened without waiting and that no writer has opened
     * since waits for its first writer, as with {@link Fifo#openReaderNow}. (Until 2026-12-05 the
     * reader of a FIFO adopted after its writers left never saw end of file.)
     *
     * <p>A descriptor is adopted once: while a reader that adopted {@code fd} is not closed, another
     * {@code adopt(fd)} is refused, since both would close the number and the second close would
     * close whatever file the kernel gave that number meanwhile. Once the reader has closed it, the
     * number (reused by the kernel) may be adopted again. A descriptor open for reading and writing
     * ({@code O_RDWR}) may be adopted once by a reader and once by a {@link PipeWriter#adopt writer},
     * each working through its own description; the last of the two to close closes {@code fd}.
     * A number that a pipe or FIFO end jipc opened in this process holds (a {@link Pipe}'s end, a
     * {@link Fifo} reader's descriptors, an adopted end's private description) is refused the same way
     * while that end is open. (Until 2026-12-05 a second adopt, or an adopt of such a number, was
     * accepted.) The check is of what the handles hold when {@code adopt} runs: a number that another
     * thread is being given by jipc at that moment (a {@code Pipe.open} in progress) may still be taken;
     * adopt only descriptors this process inherited or opened itself.
     *
     * @throws IllegalArgumentException if {@code fd} is negative, not open, not a pipe or FIFO, or not open for
     *                                  reading
     * @throws IllegalStateException    if a reader of this process adopted {@code fd} and has not closed
     *                                  it, or a writer did and {@code fd} is not open for reading and
     *                                  writing (or could not be reopened), or an open end jipc opened
     *                                  holds {@code fd}; the message names that handle
     */
    public static PipeReader adopt(int fd) {
        return new PipeReader(FdHandle.adopt(checkPipe(fd), true, "inherited pipe fd " + fd + " (read end)"));
    }

    /**
     * Reads at least one byte into {@code destination}, waiting as long as it takes; -1 at end of file.
     *
     * @throws ReadOnlyBufferException if {@code destination} is read-only; nothing is read
     */
    public int read(ByteBuffer destination) throws InterruptedException {
        return read(destination, Deadlines.NONE);
    }

    /**
     * Reads at least one byte, waiting at most {@code timeout}; 0 on timeout, -1 at end of file.
     *
     * @throws InterruptedException    if interrupted while waiting, or already when the pipe holds
     *                                 nothing at once, whatever the timeout (also zero or negative)
     * @throws ReadOnlyBufferException if {@code destination} is read-only; nothing is read
     */
    public int read(ByteBuffer destination, Duration timeout) throws InterruptedException {
        return read(destination, Deadlines.after(timeout));
    }

    /**
     * Reads what the pipe holds now, without waiting; 0 if it is empty, -1 at end of file.
     *
     * @throws ReadOnlyBufferException if {@code destination} is read-only; nothing is read
     */
    public int readNow(ByteBuffer destination) {
        try {
            return read(destination, Deadlines.NOW);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /** Reads at least one byte into {@code bytes[offset..offset+length)}; -1 at end of file. */
    public int read(byte[] bytes, int offset, int length) throws InterruptedException {
        Objects.requireNonNull(bytes, "bytes");
        Objects.checkFromIndexSize(offset, length, bytes.length);
        return read(ByteBuffer.wrap(bytes, offset, length));
    }

    /** Reads everything until end of file. */
    public byte[] readAllBytes() throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        while (read(buffer.clear()) >= 0) {
            out.write(buffer.array(), 0, buffer.position());
        }
        return out.toByteArray();
    }

    /**
     * Fills {@code destination} completely; false if end of file came first (what was read stays in it).
     *
     * @throws ReadOnlyBufferException if {@code destination} is read-only (also with nothing remaining); nothing is read
     */
    public boolean readFully(ByteBuffer destination) throws InterruptedException {
        writable(destination);
        while (destination.hasRemaining()) {
            if (read(destination) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The checks of every read into a caller's buffer. */
    private static void writable(ByteBuffer destination) {
        Objects.requireNonNull(destination, "destination");
        if (destination.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
    }

    int read(ByteBuffer destination, long deadline) throws InterruptedException {
        writable(destination);
        int length = destination.remaining();
        if (destination.isDirect()) {
            long n = read(MemorySegment.ofBuffer(destination), deadline);
            if (n > 0) {
                destination.position(destination.position() + (int) n);
            }
            return (int) n;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(Math.max(1, Math.min(length, CHUNK)));
            long n = read(scratch.asSlice(0, Math.min(length, CHUNK)), deadline);
            if (n > 0) {
                MemorySegment.copy(scratch, 0, MemorySegment.ofBuffer(destination), 0, n);
                destination.position(destination.position() + (int) n);
            }
            return (int) n;
        }
    }

    /**
     * Reads into the native segment {@code target} (at most its size); it goes to {@code read(2)}
     * itself, so the linker checks its scope and keeps it alive during the call.
     */
    private long read(MemorySegment target, long deadline) throws InterruptedException {
        long length = target.byteSize();
        int fd = handle.acquire();
        try {
            while (true) {
                long n = Pipes.read(fd, target, handle.subject());
                if (n > 0 || length == 0) {
                    return n;
                }
                if (n == 0) { // no writer has the pipe open now: end of file, or a FIFO's first writer not yet come
                    Runnable seam = afterReadFoundNoWriter;
                    if (seam != null) {
                        seam.run();
                    }
                    if ((Pipes.poll(fd, Pipes.POLLIN, 0) & Pipes.POLLHUP) != 0 || handle.endOfFileOnInherited()) {
                        // no writer left. A FIFO's first writer may have opened, written and closed
                        // since the read, which found none yet (its bytes are in the pipe now, and the
                        // hang-up shows only because of it): read again before reporting end of file
                        n = Pipes.read(fd, target, handle.subject());
                        if (n >= 0) {
                            return n > 0 ? n : -1;
                        } // EAGAIN: a writer has opened it since; wait for its bytes
                    }
                }
                // empty (EAGAIN), or a FIFO opened without waiting that no writer has opened yet
                if (Deadlines.passed(deadline)) {
                    Deadlines.interruptedAt(deadline);
                    return 0;
                }
                checkMayWait("reading");
                Readiness.await(handle, Pipes.POLLIN, deadline);
            }
        } finally {
            handle.release();
        }
    }

    /** Bytes in the pipe now, ready to be read ({@code FIONREAD}). */
    public int available() {
        int fd = handle.acquire();
        try {
            return Pipes.available(fd, handle.subject());
        } finally {
            handle.release();
        }
    }


    /** An {@link InputStream} view; an interrupt while it waits becomes an {@link InterruptedIOException}. */
    public InputStream asInputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                Objects.checkFromIndexSize(offset, length, bytes.length);
                if (length == 0) {
                    return 0;
                }
                try {
                    return PipeReader.this.read(bytes, offset, length);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading " + handle.subject());
                }
            }

            @Override
            public int available() {
                return PipeReader.this.available();
            }

            @Override
            public void close() {
                PipeReader.this.close();
            }
        };
    }
}
