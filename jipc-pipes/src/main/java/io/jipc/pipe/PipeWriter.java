package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.platform.Errno;
import io.jipc.platform.Pipes;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The write end of a kernel pipe or FIFO.
 *
 * <table class="striped">
 * <caption>Writing</caption>
 * <tr><th>at once</th><th>blocks</th><th>blocks at most</th></tr>
 * <tr><td>{@link #writeNow(ByteBuffer)}: what fits now</td><td>{@link #write(ByteBuffer)}: everything</td>
 *     <td>{@link #write(ByteBuffer, Duration)}: what fits in time</td></tr>
 * <tr><td>{@link #beginWholeNow(ByteBuffer)}: all, or nothing if the pipe has no room for all</td><td></td>
 *     <td>{@link #beginWhole(ByteBuffer, Duration)}: all once there is room for all, or nothing</td></tr>
 * </table>
 * Each advances the buffer's position past the bytes written, also when it ends early (timeout,
 * interrupt, broken pipe), so the caller always knows what went into the pipe. A
 * {@link MemorySegment}, or a direct buffer over one, is checked as any access to the segment (see
 * {@link #write(MemorySegment)}).
 *
 * <h2>Atomic writes</h2>
 * A write of at most {@link Pipes#PIPE_BUF} (4096) bytes goes into the pipe whole, in one
 * {@code write(2)}, or not at all: bytes of several writers — threads or processes — never
 * interleave within it. A larger write is put into the pipe in pieces as room appears, and other
 * writers' bytes may come between them.
 *
 * <h2>When the reader is gone</h2>
 * A write to a pipe that no process has open for reading any more fails with
 * {@link BrokenPipeException} ({@code EPIPE}); the JVM ignores {@code SIGPIPE}, so it survives.
 *
 * <h2>Who may call</h2>
 * Safe for use by several threads, platform or virtual; blocking as in {@link PipeReader}: a
 * writer waiting for room sleeps in {@code poll(2)} or parks (virtual threads), is interruptible and
 * is ended by {@link #close()} with {@link ClosedException}. No byte of any write reaches the pipe
 * after {@link #close()} returned: a write blocked meanwhile ends with the bytes it wrote before
 * (until 2026-12-07 a platform thread blocked in a write wrote up to one more pipe-full once the
 * reader made room after the close).
 *
 * <h2>Memory consistency effects</h2>
 * Actions before a write happen-before the return of the read, in any process, that returned the
 * bytes it wrote.
 */
public final class PipeWriter extends PipeEnd {
    private static final int CHUNK = 64 * 1024;
    /** First pause of {@link #beginWhole} while the pipe has some room but too little. */
    private static final long ROOM_PAUSE_MIN_MICROS = 200;
    /** Longest pause of {@link #beginWhole}; bounds how late it sees room, an interrupt is seen at once. */
    private static final long ROOM_PAUSE_MAX_MICROS = 10_000;

    /**
     * Threads inside a {@code write(2)} of this writer, or about to begin one: {@link #close()} waits
     * for them to leave, so that no write begins, or is still going on, once it returned.
     */
    private final AtomicInteger writing = new AtomicInteger();

    PipeWriter(FdHandle handle) {
        super(handle);
    }

    /**
     * Adopts the write end of a pipe or FIFO this process inherited as descriptor {@code fd} (such as
     * standard output when it is a pipe). The descriptor's open file description, which the parent
     * and other processes (the rest of a shell pipeline) may share, is left as it is: the writer
     * writes through a new, non-blocking description of the same pipe, opened through
     * {@code /proc/self/fd/fd}, and keeps {@code fd} open, unchanged, until {@link #close()} closes
     * both (the reader sees end of file once every other writer is gone too). So a JVM that ends
     * without closing the writer (killed, {@code System.exit}) leaves the pipe blocking for the next
     * program that writes to it. Only if the pipe cannot be reopened (no {@code /proc}, a pipe another
     * user created, which {@code open} refuses with {@code EACCES}, or no reader left: {@code ENXIO},
     * and writes then fail with {@link BrokenPipeException}) is {@code fd} itself made non-blocking
     * while the writer owns it, and {@link #close()} restores its flags; a JVM that dies first then
     * leaves it non-blocking.
     *
     * <p>A descriptor is adopted once, as with {@link PipeReader#adopt}: while a writer that adopted
     * {@code fd} is not closed, another {@code adopt(fd)} is refused; an {@code O_RDWR} descriptor may
     * be adopted once by a writer and once by a reader, and the last of the two to close closes it; a
     * number that an open end jipc opened in this process holds is refused.
     *
     * @throws IllegalArgumentException if {@code fd} is negative, not open, not a pipe or FIFO, or not open for
     *                                  writing
     * @throws IllegalStateException    if a writer of this process adopted {@code fd} and has not closed
     *                                  it, or a reader did and {@code fd} is not open for reading and
     *                                  writing (or could not be reopened), or an open end jipc opened
     *                                  holds {@code fd}; the message names that handle
     */
    public static PipeWriter adopt(int fd) {
        return new PipeWriter(FdHandle.adopt(checkPipe(fd), false, "inherited pipe fd " + fd + " (write end)"));
    }

    /** Writes every remaining byte of {@code source}, waiting for room as long as it takes. */
    public void write(ByteBuffer source) throws InterruptedException {
        write(source, Deadlines.NONE);
    }

    /**
     * Writes every byte of {@code bytes}, waiting for room as long as it takes. If it is interrupted
     * or the pipe breaks, a prefix may have been written: {@link #write(ByteBuffer)} tells how much.
     */
    public void write(byte[] bytes) throws InterruptedException {
        Objects.requireNonNull(bytes, "bytes");
        write(ByteBuffer.wrap(bytes), Deadlines.NONE);
    }

    /**
     * Writes what the pipe takes within {@code timeout} and returns the count (also the buffer's
     * advance); a write of at most {@code PIPE_BUF} bytes is all or nothing.
     *
     * @throws InterruptedException if interrupted while waiting (the buffer's position tells what was
     *                              written), or already when the pipe takes nothing at once, whatever
     *                              the timeout (also zero or negative) (docs/architecture.md, "Interrupts and timeouts")
     */
    public int write(ByteBuffer source, Duration timeout) throws InterruptedException {
        return write(source, Deadlines.after(timeout));
    }

    /** Writes what fits now without waiting and returns the count; at most {@code PIPE_BUF} bytes: all or nothing. */
    public int writeNow(ByteBuffer source) {
        try {
            return write(source, Deadlines.NOW);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Writes every byte of {@code source} (any segment, native or heap), waiting as long as it takes.
     * The segment is accessed as by the JDK's own accessors: it must be alive and accessible from
     * this thread, and its arena cannot close while a {@code write(2)} reads from it (a close on
     * another thread fails, or waits, as with any access in progress). An arena closed between two
     * pieces of a long write ends it with {@link IllegalStateException} after the pieces written.
     *
     * @throws IllegalStateException if the segment's arena is closed (nothing is written)
     * @throws WrongThreadException  if the segment is confined to another thread (nothing is written)
     */
    public void write(MemorySegment source) throws InterruptedException {
        Objects.requireNonNull(source, "source");
        write(source, Deadlines.NONE, new long[1]);
    }

    int write(ByteBuffer source, long deadline) throws InterruptedException {
        Objects.requireNonNull(source, "source");
        long[] written = {0};
        int start = source.position();
        try {
            write(MemorySegment.ofBuffer(source), deadline, written);
        } finally {
            source.position(start + (int) written[0]);
        }
        return (int) written[0];
    }

    /**
     * Writes {@code source} only if the pipe has room for all of it now ({@link #capacity()} minus the
     * bytes not yet read; for a {@code source} larger than the capacity, an empty pipe); returns the
     * bytes written, 0 (nothing) if there is not that room. Normally that is all of them; the count
     * can be overtaken (other writers, pages partly filled: see docs/pipes.md), and then the rest
     * is the caller's to write. For a line or record protocol whose records must not be cut: at most
     * {@code PIPE_BUF} bytes this is {@link #writeNow(ByteBuffer)}. Never waits; the interrupt
     * status is not looked at.
     */
    public int beginWholeNow(ByteBuffer source) {
        try {
            return beginWhole(Objects.requireNonNull(source, "source"), Deadlines.NOW);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * As {@link #beginWholeNow(ByteBuffer)}, waiting up to {@code timeout} for the room (interruptibly;
     * a century or more is no limit); 0, nothing written, if it did not come in time.
     *
     * @throws InterruptedException if interrupted while waiting, or already when there is not the room
     *                              at once, whatever the timeout; nothing was written
     */
    public int beginWhole(ByteBuffer source, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(source, "source");
        return beginWhole(source, Deadlines.after(timeout));
    }

    /**
     * Begins writing {@code frame} only once the pipe has room for all of it: waits until the pipe's
     * capacity ({@code F_GETPIPE_SZ}) minus its unread bytes ({@code FIONREAD}) is at least the
     * frame's remaining bytes, or, for a frame larger than the capacity, until the pipe is empty;
     * then writes what goes in now and returns the count (the buffer's advance). Returns 0, nothing
     * written, if the deadline passes first ({@link Deadlines#NOW}: checks once). A frame of at most
     * {@link Pipes#PIPE_BUF} bytes needs no count: its one {@code write(2)} is all or nothing.
     *
     * <p>The count is in bytes, the kernel's in pages, and other writers (processes of a FIFO) may
     * come between the count and the write, so the write may take less than the count promised: the
     * caller finishes the rest ({@link #write(ByteBuffer, long)}). A write that takes nothing is
     * counted again after the pipe has room ({@code POLLOUT}). With no reader left the write is made
     * anyway and fails with {@link BrokenPipeException}.
     *
     * <p>Waits as {@link #write(ByteBuffer, long)} does (interruptible; a close ends it): on the
     * pipe's readiness while it is full, and while it has some room but too little, in pauses of
     * {@value #ROOM_PAUSE_MIN_MICROS} µs growing to {@value #ROOM_PAUSE_MAX_MICROS} µs (the kernel
     * says when a page is free, not when enough bytes are).
     *
     * @throws InterruptedException if interrupted while waiting, or already when the frame cannot
     *                              begin at once and the deadline is not {@link Deadlines#NOW}; nothing
     *                              was written
     */
    int beginWhole(ByteBuffer frame, long deadline) throws InterruptedException {
        return begin(frame, deadline, true);
    }

    /**
     * Begins writing {@code frame} as soon as the pipe has room for any of it (its readiness), and
     * returns the count written (more than 0): for a sender whose frame may go in part and whose rest
     * is bounded by its caller (a channel's {@code put}, whose frame timeout then runs). Waits and
     * throws as {@link #beginWhole(ByteBuffer, long)}, without a deadline.
     */
    int beginAny(ByteBuffer frame) throws InterruptedException {
        return begin(frame, Deadlines.NONE, false);
    }

    private int begin(ByteBuffer frame, long deadline, boolean whole) throws InterruptedException {
        int length = frame.remaining();
        long pause = ROOM_PAUSE_MIN_MICROS;
        int fd = handle.acquire();
        try {
            while (true) {
                if (!whole || length <= Pipes.PIPE_BUF || hasRoomFor(fd, length)) {
                    int n = write(frame, Deadlines.NOW);
                    if (n > 0) {
                        return n;
                    }
                }
                if (Deadlines.passed(deadline)) {
                    Deadlines.interruptedAt(deadline);
                    return 0;
                }
                checkMayWait("waiting for room");
                int events = Pipes.poll(fd, Pipes.POLLOUT, 0);
                if ((events & Pipes.POLLERR) != 0) {
                    return write(frame, Deadlines.NOW); // no reader left: BrokenPipeException
                }
                if ((events & Pipes.POLLOUT) == 0) {
                    Readiness.await(handle, Pipes.POLLOUT, deadline); // full: wait for a free page
                    pause = ROOM_PAUSE_MIN_MICROS;
                } else {
                    long nanos = Deadlines.remaining(deadline, TimeUnit.MICROSECONDS.toNanos(pause));
                    if (nanos > 0) {
                        LockSupport.parkNanos(this, nanos); // an interrupt ends it at once
                    }
                    pause = Math.min(pause * 2, ROOM_PAUSE_MAX_MICROS);
                }
            }
        } finally {
            handle.release();
        }
    }

    /** Whether the pipe has room for {@code length} bytes by the byte count, or is empty if it is larger than the pipe. */
    private boolean hasRoomFor(int fd, int length) {
        int capacity = Pipes.capacity(fd, handle.subject());
        int unread = Pipes.available(fd, handle.subject());
        return length > capacity ? unread == 0 : capacity - unread >= length;
    }

    /**
     * Writes what it can of {@code source} before the deadline; {@code progress[0]} holds the count
     * written so far, so that a caller learns it also when this throws. A native segment goes to
     * {@code write(2)} itself (the linker checks its scope and keeps it alive during the call); a
     * heap one is copied through native scratch memory, at most {@link #CHUNK} bytes at a time.
     */
    private void write(MemorySegment source, long deadline, long[] progress) throws InterruptedException {
        if (source.isNative()) {
            writeNative(source, deadline, progress);
            return;
        }
        long length = source.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(Math.max(1, Math.min(length, CHUNK)));
            while (progress[0] < length) {
                long chunk = Math.min(length - progress[0], CHUNK);
                MemorySegment.copy(source, progress[0], scratch, 0, chunk);
                long[] written = {0};
                try {
                    writeNative(scratch.asSlice(0, chunk), deadline, written);
                } finally {
                    progress[0] += written[0];
                }
                if (written[0] < chunk) {
                    break; // timed out
                }
            }
        }
    }

    /** Writes up to all of the native segment {@code source}, as {@link #write(MemorySegment, long, long[])}. */
    private void writeNative(MemorySegment source, long deadline, long[] progress) throws InterruptedException {
        long length = source.byteSize();
        int fd = handle.acquire();
        try {
            long written = 0;
            while (written < length) {
                long n = writeUnlessClosed(fd, source.asSlice(written));
                if (n > 0) {
                    written += n;
                    progress[0] = written;
                    continue;
                }
                if (n == -Errno.EPIPE) {
                    throw new BrokenPipeException(handle.subject());
                }
                if (Deadlines.passed(deadline)) {
                    if (written == 0) {
                        Deadlines.interruptedAt(deadline);
                    }
                    break;
                }
                checkMayWait("writing");
                Readiness.await(handle, Pipes.POLLOUT, deadline);
            }
        } finally {
            handle.release();
        }
    }


    /**
     * One non-blocking {@code write(2)}, unless this writer is closed: throws {@link ClosedException}
     * then, with nothing written. Pairs with {@link #close()}: this thread counts itself in
     * ({@link #writing}), then looks at the close; the closer marks the handle closed, then waits
     * until the count is 0. Both are sequentially consistent, so either this thread sees the close,
     * or the closer sees it counted and waits for its write(2) to return.
     */
    private long writeUnlessClosed(int fd, MemorySegment source) {
        writing.incrementAndGet();
        try {
            if (handle.isClosed()) {
                throw new ClosedException(handle.subject() + " was closed while writing");
            }
            return Pipes.write(fd, source, handle.subject());
        } finally {
            writing.decrementAndGet();
        }
    }

    /**
     * Closes this end (see {@link PipeEnd#close()}). Returns once no {@code write(2)} of this writer
     * is going on: writes on other threads end with {@link ClosedException}, with the bytes they
     * wrote before (a buffer's position tells how many); none reaches the pipe after this returned.
     * Waits only for a non-blocking {@code write(2)} under way to return, never for room.
     */
    @Override
    public void close() {
        super.close();
        while (writing.get() != 0) {
            Thread.yield(); // a write(2) of a non-blocking descriptor: it returns at once
        }
    }

    /** An {@link OutputStream} view; an interrupt while it waits becomes an {@link InterruptedIOException}. */
    public OutputStream asOutputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                Objects.checkFromIndexSize(offset, length, bytes.length);
                ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
                try {
                    PipeWriter.this.write(buffer);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    InterruptedIOException io = new InterruptedIOException("interrupted while writing "
                            + handle.subject());
                    io.bytesTransferred = buffer.position() - offset;
                    throw io;
                }
            }

            @Override
            public void close() {
                PipeWriter.this.close();
            }
        };
    }
}
