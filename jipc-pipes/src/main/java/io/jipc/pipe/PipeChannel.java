package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.Selectable;
import io.jipc.Timeouts;
import io.jipc.Turns;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Discrete messages over kernel pipes: each message is sent as one frame ({@link FrameCodec}) and
 * received whole, with its boundaries, in order. The verbs are those of
 * {@link java.util.concurrent.BlockingQueue}.
 *
 * <table class="striped">
 * <caption>Sending and receiving</caption>
 * <tr><th></th><th>at once</th><th>blocks</th><th>blocks at most</th></tr>
 * <tr><td>send</td><td>{@link #offer(byte[])}: false, nothing written, if the pipe has no room for the whole
 *     frame</td><td>{@link #put(byte[])}</td>
 *     <td>{@link #offer(byte[], Duration)}: false, nothing written, if no room for the whole frame in time</td></tr>
 * <tr><td>receive</td><td>{@link #poll()}: null if no whole message is there</td><td>{@link #take()}</td>
 *     <td>{@link #poll(Duration)}</td></tr>
 * </table>
 *
 * <p>A channel sends on one pipe and receives from another (either may be absent). Between a parent
 * and a child JVM: the parent prepares the child's command with {@link #prepare(Command)}, which
 * passes a pipe on each of the child's descriptors 3 (it reads) and 4 (it writes), and connects
 * with {@link #toChild(ChildProcess)}; the child connects with {@link #toParent()}. Standard
 * output stays free for printing.
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>A message larger than the channel's maximum is refused with {@link IllegalArgumentException}
 *     when sent, and a frame announcing one is refused with {@link CorruptFrameException} when
 *     received, before anything is allocated.</li>
 * <li>A frame of at most {@link FrameCodec#ATOMIC_PAYLOAD} payload bytes is written atomically, so
 *     several sending processes may share one pipe with such messages. A larger message is written
 *     in pieces and is for a single sending process. Within a process, sends are serialised.</li>
 * <li>Threads take turns: one sends at a time, one receives at a time. A call that finds another
 *     thread sending (or receiving) waits for its turn no longer than its own deadline: {@code
 *     offer(m, timeout)} then returns false and {@code poll(timeout)} null, {@code put} and {@code
 *     take} wait until the turn is theirs or they are interrupted, and the at-once {@code offer} and
 *     {@code poll} return false and null at once, since the other thread may wait for long (for
 *     room, for a message). {@link #isEndOfStream()} never waits.</li>
 * <li>Interrupts follow the library's rule (docs/architecture.md, "Interrupts and timeouts"): a
 *     {@code put}, {@code take}, timed {@code offer} or {@code poll} that can complete at once does
 *     so and leaves the interrupt status set; one that cannot (no whole message, no room, another
 *     thread's turn) and finds the thread interrupted throws {@link InterruptedException}, also with
 *     a zero or negative timeout. The at-once {@code offer} and {@code poll} never look at it.</li>
 * <li>An {@code offer} begins a frame only when the pipe has room for all of it: its capacity
 *     ({@code F_GETPIPE_SZ}) minus the bytes not yet read ({@code FIONREAD}), or, for a frame larger
 *     than the capacity, an empty pipe. The at-once {@code offer} returns false, nothing written, if
 *     there is not that room now; the timed {@code offer} waits for it until its timeout (then false,
 *     nothing written). {@code put} begins as soon as any of the frame fits (waiting as long as it
 *     takes for that), as a socket connection's {@code put} does. A frame of at most
 *     {@link FrameCodec#ATOMIC_PAYLOAD} payload bytes needs no count: its one {@code write(2)} is all
 *     or nothing.</li>
 * <li>A frame once begun is finished, because half a frame would corrupt the stream, but within the
 *     {@linkplain #frameTimeout(Duration) frame timeout} (10 s unless set): a frame larger than the
 *     room ({@code put}'s, or one larger than the pipe) waits for its receiver to read, and one whose
 *     room was overtaken (below) may too. At the
 *     frame timeout the send throws {@link FrameTimeoutException} and the channel is closed (the
 *     receiver gets the torn frame as a {@link CorruptFrameException}), as a socket connection's
 *     send does. An interrupt meanwhile does not stop it and is kept for after; it does not lengthen
 *     the wait either.</li>
 * <li>The room is counted in bytes and the kernel's in pages, and several writer processes of one
 *     FIFO may all see the same room: the count can be overtaken. Frames of at most {@code
 *     ATOMIC_PAYLOAD} payload bytes stay atomic whatever happens; a larger frame that finds less
 *     room than counted goes in part and waits for the rest, at most the frame timeout, as above.
 *     The room of a pipe with partly filled pages (frames of just over half a page take a page
 *     each) is less than the count.</li>
 * <li>When every sender has closed and every message was received, {@link #take()} and
 *     {@link #poll(Duration)} throw {@link EndOfStreamException}, {@link #poll()} returns null and
 *     {@link #isEndOfStream()} is true. A stream that ends inside a frame is a
 *     {@link CorruptFrameException}.</li>
 * <li>A send when no receiver is left throws {@link BrokenPipeException}.</li>
 * <li>After this channel's own {@link #close()}, every receive and send throws
 *     {@link ClosedException}: one blocked in it on another thread, and every later one, also the
 *     at-once {@code poll()} ({@link #isEndOfStream()} keeps its answer). {@link EndOfStreamException} is only for the end the peer made; a close by
 *     this process is never reported as one, also when the channel sends and receives on the same
 *     pipe (until 2026-12-05 a receive after the close, or blocked in it, threw
 *     {@code EndOfStreamException} and {@code poll()} returned null).</li>
 * </ul>
 *
 * <h2>Selecting</h2>
 * A channel that receives is {@link Selectable} for reading: a selector waits on its receiving
 * pipe, and also reports it ready while bytes the channel already read from the pipe wait in it
 * (several messages come in one read), so that no message sits unnoticed in the process while the
 * pipe is empty. A channel that only sends is selectable for writing (see {@link #readinessSource()}).
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a sender before sending a message happen-before the receiver's return of it.
 */
public final class PipeChannel implements AutoCloseable, Selectable {
    /** The child's descriptor for messages from its parent ({@link #prepare}). */
    public static final int CHILD_INPUT_FD = 3;
    /** The child's descriptor for messages to its parent ({@link #prepare}). */
    public static final int CHILD_OUTPUT_FD = 4;
    /** The default maximum message length: 16 MiB. */
    public static final int DEFAULT_MAX_LENGTH = 16 << 20;

    /** The default {@link #frameTimeout()}: 10 s, as a socket connection's. */
    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(10);

    private static final int READ_CHUNK = 64 * 1024;

    private final PipeReader in;
    private final PipeWriter out;
    private final int maxLength;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final FrameDecoder decoder;
    /** Bytes read but not yet decoded; direct, so reads go straight into it. Guarded by receiveLock. */
    private final ByteBuffer inbound = ByteBuffer.allocateDirect(READ_CHUNK).flip();
    /** Frames that fit are built here, then written from it without a copy. Guarded by sendLock. */
    private final ByteBuffer outbound = ByteBuffer.allocateDirect(READ_CHUNK);
    /** Written under receiveLock; read without it by {@link #isEndOfStream()}. */
    private volatile boolean endOfStream;
    /** Set first by {@link #close()}: from then on every call throws {@link ClosedException}. */
    private volatile boolean closed;
    private volatile Duration frameTimeout = DEFAULT_FRAME_TIMEOUT;

    private PipeChannel(PipeReader in, PipeWriter out, int maxLength) {
        this.in = in;
        this.out = out;
        this.maxLength = maxLength;
        this.decoder = new FrameDecoder(maxLength);
    }

    /**
     * A channel receiving from {@code in} and sending on {@code out} (either may be null), with
     * messages of at most {@code maxLength} bytes. The channel owns both ends: closing it closes them.
     */
    public static PipeChannel over(PipeReader in, PipeWriter out, int maxLength) {
        if (in == null && out == null) {
            throw new IllegalArgumentException("a channel needs a pipe to receive from or to send on");
        }
        return new PipeChannel(in, out, new FrameDecoder(maxLength).maxLength());
    }

    /** Passes the child two new pipes, on its descriptors {@value #CHILD_INPUT_FD} and {@value #CHILD_OUTPUT_FD}. */
    public static Command prepare(Command child) {
        Objects.requireNonNull(child, "child");
        return child.passFd(CHILD_INPUT_FD, Redirect.PIPE, true).passFd(CHILD_OUTPUT_FD, Redirect.PIPE, false);
    }

    /** The parent's side of the channel to a child started from a {@link #prepare prepared} command. */
    public static PipeChannel toChild(ChildProcess child) {
        Objects.requireNonNull(child, "child");
        return over(child.passedReader(CHILD_OUTPUT_FD), child.passedWriter(CHILD_INPUT_FD), DEFAULT_MAX_LENGTH);
    }

    /** The child's side of the channel to its parent (descriptors {@value #CHILD_INPUT_FD} and {@value #CHILD_OUTPUT_FD}). */
    public static PipeChannel toParent() {
        PipeReader in = PipeReader.adopt(CHILD_INPUT_FD);
        try {
            return over(in, PipeWriter.adopt(CHILD_OUTPUT_FD), DEFAULT_MAX_LENGTH);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    public int maxMessageLength() {
        return maxLength;
    }

    // ---------------------------------------------------------------- sending

    /** Sends {@code message}, waiting for room as long as it takes. */
    public void put(byte[] message) throws InterruptedException {
        send(wrap(message), Deadlines.NONE, false);
    }

    /** Sends {@code message}'s remaining bytes, waiting for room as long as it takes. */
    public void put(ByteBuffer message) throws InterruptedException {
        send(Objects.requireNonNull(message, "message").duplicate(), Deadlines.NONE, false);
    }

    /** Sends {@code message} if the pipe has room to begin it now (false while another thread sends); see the class comment. */
    public boolean offer(byte[] message) {
        try {
            return send(wrap(message), Deadlines.NOW, true);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Sends {@code message} if the pipe has room to begin it, and no other thread is sending, within {@code timeout}.
     * A century or more is no limit; the offer still writes nothing until there is room for the whole
     * frame (until 2026-12-07 such an offer began as {@link #put(byte[])} does, and could end at the
     * frame timeout with the channel closed).
     *
     * @throws InterruptedException if interrupted while waiting, or already when the message cannot be
     *                              begun at once, whatever the timeout (also zero or negative); nothing was sent
     */
    public boolean offer(byte[] message, Duration timeout) throws InterruptedException {
        return send(wrap(message), Deadlines.after(timeout), true);
    }

    private static ByteBuffer wrap(byte[] message) {
        return ByteBuffer.wrap(Objects.requireNonNull(message, "message"));
    }

    /**
     * Sends one frame: {@code whole} (an offer) begins only with room for all of it, else begins as
     * soon as any of it fits (a put, whose deadline is {@link Deadlines#NONE}). Not the deadline but
     * {@code whole} tells them apart: a timed offer of a century or more has {@link Deadlines#NONE} too.
     */
    private boolean send(ByteBuffer message, long deadline, boolean whole) throws InterruptedException {
        if (out == null) {
            throw new UnsupportedOperationException("this channel has no pipe to send on");
        }
        ensureOpen();
        if (message.remaining() > maxLength) {
            throw new IllegalArgumentException("message of " + message.remaining()
                    + " bytes exceeds the channel's maximum of " + maxLength);
        }
        if (!takeTurn(sendLock, deadline)) {
            return false; // another thread sends, and may wait for room until then
        }
        try {
            ByteBuffer frame = FrameCodec.HEADER_LENGTH + message.remaining() <= outbound.capacity()
                    ? FrameCodec.encode(message, outbound.clear())
                    : FrameCodec.encode(message, false);
            // an offer begins only with room for the whole frame (or returns false, nothing written);
            // put begins as soon as any of it fits, as a socket's put does: its rest is bounded by the frame timeout
            int begun = whole ? out.beginWhole(frame, deadline) : out.beginAny(frame);
            if (begun == 0) {
                return false; // no room for the whole frame before the deadline: nothing written
            }
            finish(frame);
            return true;
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * Finishes a begun frame within the frame timeout, counted from now. An interrupt meanwhile does
     * not stop it (half a frame would corrupt the stream) and is kept for after; it does not extend
     * the bound either. At the frame timeout the channel is closed.
     */
    private void finish(ByteBuffer frame) {
        if (!frame.hasRemaining()) {
            return;
        }
        int length = frame.limit();
        Duration timeout = frameTimeout;
        long frameDeadline = Deadlines.after(timeout);
        boolean interrupted = false;
        try {
            while (frame.hasRemaining()) {
                if (Deadlines.passed(frameDeadline)) {
                    close();
                    throw new FrameTimeoutException("the receiver of " + out + " did not read a begun frame within "
                            + Timeouts.text(timeout) + " (" + frame.position() + " of " + length
                            + " bytes written); channel closed");
                }
                try {
                    out.write(frame, frameDeadline);
                } catch (InterruptedException e) {
                    interrupted = true; // kept for after; the frame deadline still holds
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The longest a begun frame may take to finish (10 s unless set): see {@link #frameTimeout(Duration)}.
     */
    public Duration frameTimeout() {
        return frameTimeout;
    }

    /**
     * Sets how long a frame, once its first bytes are in the pipe, may take to finish; returns this
     * channel. A frame begins only once the pipe has room for all of it, so it waits this long only
     * when its receiver stops reading while it is larger than the pipe's capacity, or when the room
     * count was overtaken (see the class comment). When it passes, the send throws {@link
     * FrameTimeoutException} and the channel is closed. A century or more is no limit. Any thread
     * may call it; a send already finishing keeps the timeout it began with.
     *
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public PipeChannel frameTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("frame timeout must be positive: " + timeout);
        }
        frameTimeout = timeout;
        return this;
    }

    // ---------------------------------------------------------------- receiving

    /** The next message, waiting as long as it takes. */
    public byte[] take() throws InterruptedException {
        return receive(Deadlines.NONE, true);
    }

    /**
     * The next message, waiting at most {@code timeout} (also for another thread's receive); null on timeout.
     *
     * @throws InterruptedException if interrupted while waiting, or already when no whole message is
     *                              there at once, whatever the timeout (also zero or negative)
     */
    public byte[] poll(Duration timeout) throws InterruptedException {
        return receive(Deadlines.after(timeout), true);
    }

    /**
     * The next message if it has arrived whole; else null (also at end of stream, see {@link
     * #isEndOfStream()}, and while another thread receives).
     */
    public byte[] poll() {
        try {
            return receive(Deadlines.NOW, false);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Whether every sender closed and every message was received: a receive saw the end of the
     * stream. Never waits, also while another thread receives (it is false then, until that
     * receive sees the end).
     */
    public boolean isEndOfStream() {
        return endOfStream;
    }

    /**
     * {@link Turns#take} with a {@link Deadlines} value. A free turn is taken whatever the interrupt
     * status ({@link ReentrantLock#tryLock(long, TimeUnit)} would throw for an interrupted thread even
     * then); {@link Deadlines#NOW} takes only a free one. A timed call whose deadline passed while the
     * turn is another thread's (also a zero timeout) throws if the thread is interrupted, as while it
     * waits.
     */
    private static boolean takeTurn(ReentrantLock turn, long deadline) throws InterruptedException {
        if (turn.tryLock()) {
            return true;
        }
        if (deadline == Deadlines.NOW) {
            return false;
        }
        if (Turns.take(turn, deadline)) {
            return true;
        }
        Deadlines.interruptedAt(deadline);
        return false;
    }

    private byte[] receive(long deadline, boolean throwAtEnd) throws InterruptedException {
        if (in == null) {
            throw new UnsupportedOperationException("this channel has no pipe to receive from");
        }
        ensureOpen();
        if (!takeTurn(receiveLock, deadline)) {
            return null; // another thread receives, and gets what arrives until then
        }
        try {
            while (true) {
                ensureOpen(); // also after waiting for the turn of a receive the close ended
                byte[] message = decoder.decode(inbound);
                if (message != null) {
                    return message;
                }
                if (endOfStream) {
                    endedInsideAFrame(); // every time: the receiver stays failed
                    return endOfStream(throwAtEnd);
                }
                inbound.compact();
                int n;
                try {
                    n = in.read(inbound, deadline);
                } finally {
                    inbound.flip();
                }
                if (n == 0) {
                    return null; // timed out
                }
                if (n < 0) {
                    ensureOpen(); // the end this channel's own close made (one pipe both ways) is no end of stream
                    endOfStream = true;
                    endedInsideAFrame();
                    return endOfStream(throwAtEnd);
                }
            }
        } finally {
            receiveLock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("the channel was closed: " + this);
        }
    }

    /** Throws if the stream ended inside a frame (checked at end of stream). */
    private void endedInsideAFrame() {
        if (!decoder.atBoundary()) {
            throw new CorruptFrameException("the stream of " + in + " ended inside a frame ("
                    + decoder.partialFrame() + ")");
        }
    }

    private byte[] endOfStream(boolean throwAtEnd) {
        if (throwAtEnd) {
            throw new EndOfStreamException("every sender closed " + in + "; no more messages");
        }
        return null;
    }

    /**
     * For a selector ({@link Selectable}). A channel that receives: its receiving pipe's descriptor,
     * read readiness only, and the bytes already read into this channel as buffered input. A channel
     * that only sends: its sending pipe's descriptor, write readiness: the pipe has room for a
     * page, which is what {@link #offer(byte[])} of a message of at most
     * {@link FrameCodec#ATOMIC_PAYLOAD} bytes needs; a larger one may still find too little room for
     * the whole frame and return false.
     */
    @Override
    public Selectable.Descriptor readinessSource() {
        if (in == null) {
            return out.readinessSource();
        }
        Selectable.Descriptor pipe = in.readinessSource();
        return Selectable.Descriptor.of(pipe.fd(), OP_READ, pipe::whileOpen, pipe::isClosed,
                () -> hasBufferedInput() || pipe.hasBufferedInput(), // the pipe's: an end of file its fd hides
                () -> Long.MAX_VALUE);
    }

    /** Bytes read from the pipe and not yet decoded; false while another thread receives (a hint). */
    private boolean hasBufferedInput() {
        if (!receiveLock.tryLock()) {
            return false;
        }
        try {
            return inbound.hasRemaining();
        } finally {
            receiveLock.unlock();
        }
    }

    /**
     * Closes both pipe ends: the peer's receiver sees end of stream, its sender a broken pipe. Calls
     * on this channel, also ones blocked in it on other threads, then throw {@link ClosedException}
     * (a blocked one as soon as {@link PipeReader#close()} or {@link PipeWriter#close()} ends its
     * wait). Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        try {
            if (out != null) {
                out.close();
            }
        } finally {
            if (in != null) {
                in.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PipeChannel[in=" + in + ", out=" + out + "]";
    }
}
