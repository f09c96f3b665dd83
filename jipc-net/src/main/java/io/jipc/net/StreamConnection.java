package io.jipc.net;

import io.jipc.Timeouts;
import io.jipc.Turns;
import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.Selectable;
import io.jipc.platform.Errno;
import io.jipc.platform.Sockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntToLongFunction;
import java.util.function.LongSupplier;

/**
 * A connected stream socket — Unix-domain ({@code AF_UNIX}, a path) or TCP — used as a two-way
 * channel of messages that keep their boundaries ({@link FrameCodec} framing), or as raw bytes.
 *
 * <table class="striped">
 * <caption>Verbs</caption>
 * <tr><th></th><th>at once</th><th>blocks</th><th>blocks at most</th></tr>
 * <tr><td>send</td><td>{@link #offer(byte[])} → false if the socket buffer is full</td><td>{@link #put(byte[])}</td>
 *     <td>{@link #offer(byte[], Duration)}</td></tr>
 * <tr><td>receive</td><td>{@link #poll()} → null if no whole message is there</td><td>{@link #take()}
 *     → null at end of stream</td><td>{@link #poll(Duration)}</td></tr>
 * <tr><td>raw bytes</td><td></td><td>{@link #read(ByteBuffer)}, {@link #write(ByteBuffer)}</td><td></td></tr>
 * </table>
 *
 * <p><b>Threads.</b> One thread may receive while another sends; concurrent receivers (or
 * senders) take turns, each message whole. Blocking calls park a virtual thread (its carrier stays
 * free) and put a platform thread to sleep in {@code poll(2)}; both are interruptible, and
 * {@link #close()} from another thread ends them with {@link ClosedException}.
 *
 * <p><b>Limits.</b> See {@link ConnectionOptions}: a message above {@code maxFrameSize} is refused
 * on sending and a header announcing one ends the connection on receiving, before any allocation
 * (a server may lower what it receives for a while: {@link #setReceiveLimit});
 * a frame that does not complete within {@code frameTimeout} of its first byte (or, with
 * {@link ConnectionOptions#frameTimeoutFromLastByte()}, of the last byte of it that moved) ends the
 * connection with {@link FrameTimeoutException}, and one cut by the peer's close with
 * {@link PeerClosedException}. A send that gives up before its first byte left (timed
 * {@code offer}) has sent nothing; a send or receive cut short after that closes the connection,
 * because the stream is no longer at a frame boundary. {@link #offerShielded} does not let an
 * interrupt cut its frame short: it finishes the frame and sets the interrupt status again; given
 * when this side last heard from the peer ({@link #offerShielded(byte[], Duration, LongSupplier)}),
 * its frame timeout counts from the later of the frame's first byte and that.
 *
 * <p><b>When the peer dies.</b> The kernel closes its end: a receiver sees end of stream
 * ({@link #take()} returns null) at a frame boundary, {@link PeerClosedException} mid-frame (the
 * connection is then closed: later calls throw {@link ClosedException}, and
 * {@link #isEndOfStream()} stays false, since the last message was cut). A receive that fails
 * (a reset, {@code ECONNRESET}: the peer closed with input unread or with {@code SO_LINGER} 0;
 * {@code ETIMEDOUT} below), mid-frame or at a boundary, gets {@link PeerClosedException} too (saying
 * "mid-frame" if it was) and closes the connection the same way: a reset is never reported as a
 * clean end of stream (until 2026-12-06 the first failure left the connection open, and the next
 * receive returned end of stream, or a second exception mid-frame); a
 * sender gets {@link PeerClosedException} (the kernel's {@code EPIPE}/{@code ECONNRESET}; never
 * {@code SIGPIPE}). The kernel reports a reset once, to whichever call comes first: when a send
 * got it, receives still deliver what the peer sent before, then throw that
 * {@link PeerClosedException} and close the connection in place of the end of stream (until
 * 2026-12-06 they reported a clean end). Messages the kernel had accepted before the death are delivered to a live
 * reader; nothing is acknowledged end to end. A peer whose host vanishes, or behind a cut link,
 * closes nothing: over TCP with {@link ConnectionOptions#deadPeerTimeout()} set the kernel ends the
 * connection after about that long without hearing from it, and the waiting and later calls get
 * {@link PeerClosedException} ({@code ETIMEDOUT}); without it a send that waits is ended only by
 * its timeout, a receive by nothing.
 *
 * <p><b>Memory consistency.</b> Only bytes travel: the array {@code take} returns is a new array
 * holding exactly the bytes of one {@code put}. When both ends are in one process, actions of a
 * thread before {@code put} happen-before the return of the {@code take} that receives that
 * message (the system calls on the shared kernel buffer order them).
 */
public final class StreamConnection implements AutoCloseable, Selectable {
    private static final int BUFFER = 64 * 1024;

    private final NativeSocket socket;
    private final ConnectionOptions options;
    private final String remote;
    private final PeerCredentials peer;
    private final Runnable onClose;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final MemorySegment in;
    private final ByteBuffer inView;
    private final MemorySegment out;
    /** A view of {@link #out} for the frame being sent; guarded by {@link #writeLock}. */
    private final ByteBuffer staging;
    private final FrameDecoder decoder;
    /** The largest frame accepted from now on ({@link #setReceiveLimit}); at most {@code options.maxFrameSize()}. */
    private volatile int receiveLimit;
    private long frameStart;
    /**
     * Tests only: run by a receive right after a look at the socket found nothing, before it decides
     * whether a frame under way is late or its wait timed out, to stand for the receiver's stall there.
     * Null otherwise.
     */
    static volatile Runnable afterEmptyFill;
    /**
     * Tests only: run by the send of a started frame right after a {@code send(2)} found no room for its
     * rest, before it waits and decides whether the frame's deadline has passed, to stand for the sender's
     * stall there. Null otherwise.
     */
    static volatile Runnable afterFullSend;

    /** When bytes last came from the socket ({@link System#nanoTime()}); at first, when the connection was made. */
    private volatile long lastReceived = System.nanoTime();
    private boolean endOfStream;
    /** Set when the stream ended mid-frame: it did not end at a boundary ({@link #isEndOfStream()} stays false). */
    private volatile boolean cut;
    /** Set by {@link #shutdownInputQuietly()}: an end of input from now on may be this side's doing. */
    private volatile boolean inputShutDown;
    /** Whether this side ended its sending ({@link #shutdownOutput()}): a later send's EPIPE is its own doing. */
    private volatile boolean outputShutDown;
    /**
     * The reset ({@code ECONNRESET}) or kernel give-up ({@code ETIMEDOUT}) that a send met, if any. The
     * kernel reports such an error once, to whichever call comes first; after a send has taken it, a
     * receive finds what the peer sent before, then end of stream, which must not pass for a clean end.
     */
    private volatile ErrnoException sendFailure;

    StreamConnection(NativeSocket socket, String remote, PeerCredentials peer, ConnectionOptions options,
                     Runnable onClose) {
        this.socket = socket;
        this.remote = remote;
        this.peer = peer;
        this.options = options;
        this.onClose = onClose;
        Arena arena = Arena.ofAuto();
        this.in = arena.allocate(BUFFER, 64);
        this.inView = in.asByteBuffer().limit(0);
        this.out = arena.allocate(BUFFER, 64);
        this.staging = out.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
        this.decoder = new FrameDecoder(options.maxFrameSize());
        this.receiveLimit = options.maxFrameSize();
    }

    /** Connects with the default options (see {@link #connect(SocketAddress, ConnectionOptions)}). */
    public static StreamConnection connect(SocketAddress address) throws InterruptedException {
        return connect(address, ConnectionOptions.defaults());
    }

    /**
     * Connects to a server: a {@link UnixDomainSocketAddress} or an {@link java.net.InetSocketAddress}
     * (TCP, with {@code TCP_NODELAY}, and the options' {@link ConnectionOptions#deadPeerTimeout()} if
     * set). Waits at most {@code options.connectTimeout()}.
     *
     * @throws ConnectTimeoutException if the connection was not made in time
     * @throws ErrnoException          if it was refused ({@code ECONNREFUSED}: nobody listens;
     *                                 {@code ENOENT}: no such socket path; {@code EACCES}: no permission)
     */
    public static StreamConnection connect(SocketAddress address, ConnectionOptions options)
            throws InterruptedException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        String subject = Sockets.describe(address);
        int family = Sockets.family(address);
        NativeSocket socket = NativeSocket.open(family, Sockets.SOCK_STREAM, subject);
        boolean done = false;
        try {
            long deadline = deadlineOf(options.connectTimeout());
            socket.enter();
            try {
                int rc;
                while ((rc = Sockets.connect(socket.fd, address)) == Errno.EAGAIN) {
                    // a Unix-domain listener whose backlog is full: try again shortly
                    if (System.nanoTime() - deadline >= 0) {
                        throw new ConnectTimeoutException("connection to " + subject + " not accepted within "
                                + Timeouts.text(options.connectTimeout()) + " (its backlog is full)");
                    }
                    Thread.sleep(5);
                }
                if (rc == Sockets.EINPROGRESS) {
                    while (Sockets.poll(socket.fd, Sockets.POLLOUT, 0) == 0) {
                        if (!socket.await(Sockets.POLLOUT, deadline)) {
                            throw new ConnectTimeoutException("no connection to " + subject + " within "
                                    + Timeouts.text(options.connectTimeout()));
                        }
                    }
                    int error = Sockets.socketError(socket.fd);
                    if (error != 0) {
                        throw Errno.exception(error, "connect", subject);
                    }
                }
                PeerCredentials credentials = null;
                if (family == Sockets.AF_UNIX) {
                    Sockets.Credentials c = Sockets.peerCredentials(socket.fd);
                    credentials = new PeerCredentials(c.pid(), c.uid(), c.gid());
                } else {
                    Sockets.setTcpNoDelay(socket.fd);
                    DeadPeerDetection.apply(socket.fd, options.deadPeerTimeout());
                }
                StreamConnection connection = new StreamConnection(socket, subject, credentials, options, null);
                done = true;
                return connection;
            } finally {
                socket.exit();
            }
        } finally {
            if (!done) {
                socket.close();
            }
        }
    }

    /**
     * {@link Turns#take} for a call of this package: a call that did not get the turn of its
     * direction by its deadline cannot complete at once, so an interrupted thread throws (and its
     * status is cleared), also for a zero timeout (docs/architecture.md, "Interrupts and timeouts").
     * The at-once calls catch that and keep the status.
     */
    static boolean takeTurn(ReentrantLock turn, long deadline) throws InterruptedException {
        if (Turns.take(turn, deadline)) {
            return true;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return false;
    }

    static long deadlineOf(Duration timeout) {
        long nanos = Timeouts.nanos(timeout); // centuries: no deadline, never an overflow
        return nanos >= Timeouts.MOST_NANOS ? Long.MAX_VALUE : System.nanoTime() + nanos;
    }

    /** The earlier of two deadlines of {@link #deadlineOf}, {@link Long#MAX_VALUE} being none (nanoTime may wrap). */
    private static long earlier(long a, long b) {
        if (a == Long.MAX_VALUE || b == Long.MAX_VALUE) {
            return Math.min(a, b);
        }
        return a - b <= 0 ? a : b;
    }

    // ------------------------------------------------------------------ receiving

    /**
     * Receives the next message, blocking until it has arrived whole.
     *
     * @return the message, or null at end of stream (the peer closed its side at a frame boundary)
     * @throws InvalidFrameException if the peer announced a length outside the limit (connection closed)
     * @throws FrameTimeoutException if a started frame did not complete in time (connection closed)
     * @throws PeerClosedException   if the peer closed the connection mid-frame, or reset it, or the
     *                               kernel ended it ({@code ETIMEDOUT}) (connection closed: later calls
     *                               throw {@link ClosedException})
     * @throws ClosedException       if the connection is closed, also when the graceful close of the
     *                               server that accepted it ended its input mid-frame
     */
    public byte[] take() throws InterruptedException {
        return receive(Long.MAX_VALUE);
    }

    /** Like {@link #take()}, waiting at most {@code timeout}; null on timeout or at end of stream ({@link #isEndOfStream()}). */
    public byte[] poll(Duration timeout) throws InterruptedException {
        return receive(deadlineOf(timeout));
    }

    /**
     * The next message if it has arrived whole, else null at once (also while another thread
     * receives); bytes of a partial frame are kept. A pending interrupt is kept and does not stop it.
     */
    public byte[] poll() {
        try {
            return receive(System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a receive that does not wait is not interrupted
            return null;
        }
    }

    /**
     * Sets the largest frame this connection accepts from now on, {@code options().maxFrameSize()}
     * until then: a header announcing more ends the connection with {@link InvalidFrameException}
     * when it has arrived, before any of its payload is read or allocated. For a server whose
     * protocol bounds what a peer may send before it has identified itself (its greeting) far below
     * what it accepts afterwards: the server sets the greeting's limit before its first receive and
     * raises it once the greeting is accepted, so that connections that never greet pin no more than
     * a greeting each. A frame whose header has been checked already keeps going. Any thread may call
     * it; it does not block.
     *
     * @param bytes 0 to {@code options().maxFrameSize()}
     */
    public void setReceiveLimit(int bytes) {
        if (bytes < 0 || bytes > options.maxFrameSize()) {
            throw new IllegalArgumentException("receive limit must be 0 to " + options.maxFrameSize() + ": " + bytes);
        }
        receiveLimit = bytes;
    }

    /**
     * When bytes from the peer last reached this side ({@link System#nanoTime()}): when a receive last
     * read some from the socket (bytes of a frame still under way included), or when the connection was
     * made if none yet. For a protocol that counts a peer heard from while a long frame of it arrives,
     * before the frame is whole. Bytes the kernel holds that no receive has read yet do not count. Any
     * thread may call it; it does not block.
     */
    public long lastReceived() {
        return lastReceived;
    }

    /** The largest frame this connection accepts now ({@link #setReceiveLimit}). */
    public int receiveLimit() {
        return receiveLimit;
    }

    /**
     * Whether the peer has closed its side and every message before that has been received; false
     * after the stream was cut mid-frame or a receive failed (a reset: {@link PeerClosedException}
     * from a receive, the connection closed): that is no end at a message boundary.
     */
    public boolean isEndOfStream() {
        return endOfStream && !cut && !inView.hasRemaining();
    }

    private byte[] receive(long deadline) throws InterruptedException {
        if (!takeTurn(readLock, deadline)) {
            return null; // another thread receives, and gets what arrives until then
        }
        try {
            socket.enter();
            try {
                return receiveLocked(deadline);
            } finally {
                socket.exit();
            }
        } finally {
            readLock.unlock();
        }
    }

    private byte[] receiveLocked(long deadline) throws InterruptedException {
        while (true) {
            if (inView.hasRemaining()) {
                byte[] message;
                try {
                    message = decoder.decode(inView, receiveLimit);
                } catch (InvalidFrameException e) {
                    close();
                    throw new InvalidFrameException("from " + remote + ": " + e.getMessage(), e.announcedLength());
                }
                if (message != null) {
                    frameStart = 0;
                    return message;
                }
                if (frameStart == 0) {
                    frameStart = System.nanoTime();
                }
            }
            if (endOfStream) {
                return null;
            }
            // The clock is read before the look at the socket, not after it: bytes that came before this
            // instant are read by the look, so a stall of this thread between the two (a GC pause, a
            // loaded host) cannot make a frame whose bytes wait unread late (until 2026-12-07 it could)
            long now = System.nanoTime();
            long n = fill();
            if (n > 0) {
                continue;
            }
            if (n == 0) {
                endOfStream = true;
                if (decoder.inFrame()) {
                    throw cutMidFrame();
                }
                return null;
            }
            Runnable seam = afterEmptyFill;
            if (seam != null) {
                seam.run();
            }
            // The kernel holds nothing more: only now is a frame past its deadline late. Bytes that
            // arrived in time but were read late (a receiver busy elsewhere) complete it above.
            long frameDeadline = frameDeadline();
            if (decoder.inFrame() && now - frameDeadline >= 0) {
                close();
                throw new FrameTimeoutException("from " + remote + ": frame incomplete "
                        + (options.frameTimeoutFromLastByte() ? "and no byte of it received for " : "after ")
                        + Timeouts.text(options.frameTimeout())
                        + " (" + frameProgress() + "); connection closed");
            }
            boolean frameFirst = decoder.inFrame() && (deadline == Long.MAX_VALUE || frameDeadline - deadline < 0);
            if (!frameFirst && deadline != Long.MAX_VALUE && now - deadline >= 0) {
                // timed out by the clock read before the look above, which found nothing; an interrupted
                // thread throws, as the wait would (docs/architecture.md, "Interrupts and timeouts")
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                return null;
            }
            // false once its deadline passed by its own clock reading, later than the look above (until
            // 2026-12-07 the receive then returned null, though bytes may have come since the look): the loop
            // looks once more and decides on a clock read before that look
            socket.await(Sockets.POLLIN, frameFirst ? frameDeadline : deadline);
        }
    }

    /**
     * The stream ended mid-frame: no boundary follows, so the connection is closed (as after a bad
     * header or a frame timeout) and the exception to throw says who ended it: the server's close
     * ({@link #shutdownInputQuietly()}: a {@link ClosedException}, the peer is not to blame), else the peer.
     */
    private RuntimeException cutMidFrame() {
        String progress = frameProgress();
        cut = true;
        close();
        if (inputShutDown) {
            return new ClosedException("the close of its server ended the input of the connection with " + remote
                    + " mid-frame (" + progress + "); connection closed");
        }
        return new PeerClosedException(remote + " closed the connection mid-frame (" + progress + "); connection closed");
    }

    /**
     * A receive failed: the peer reset the connection ({@code ECONNRESET}: it closed with input unread,
     * or with {@code SO_LINGER} 0), the kernel gave up on it ({@code ETIMEDOUT}), or another error.
     * The kernel reports such an error once and then end of stream, which must not pass for a clean
     * end, and any frame under way can never complete: so the connection is closed at once and
     * {@link #isEndOfStream()} stays false, as for a stream cut mid-frame ({@link #cutMidFrame}).
     */
    private RuntimeException receiveFailed(ErrnoException e) {
        RuntimeException gone = peerGone(e);
        if (socket.isClosed()) {
            return gone; // this side's close, not the peer's
        }
        String where = decoder.inFrame() ? " mid-frame (" + frameProgress() + ")" : "";
        cut = true;
        close();
        if (gone instanceof PeerClosedException) {
            return new PeerClosedException(gone.getMessage() + where + "; connection closed");
        }
        return gone; // another errno, named by the exception; the connection is closed too
    }

    /** How much of the unfinished frame has arrived, e.g. "18 of 108 bytes received" ("3 of 8+" inside the header). */
    private String frameProgress() {
        return decoder.progress() + " of " + (decoder.expected() < 0 ? "8+" : decoder.expected()) + " bytes received";
    }

    /**
     * Reads what the kernel has into the input buffer: bytes read, 0 at end of stream, -1 if none yet.
     *
     * @throws ClosedException if this side closed the connection meanwhile (another thread's {@link #close()})
     */
    private long fill() {
        if (inView.position() > 0) {
            inView.compact().flip();
        }
        int limit = inView.limit();
        if (limit == inView.capacity()) {
            return 1; // full: the decoder consumes before more is read
        }
        long n;
        try {
            n = Sockets.recv(socket.fd, in.address() + limit, inView.capacity() - limit, 0, remote);
        } catch (ErrnoException e) {
            throw receiveFailed(e);
        }
        if (n == 0 && socket.isClosed()) {
            // this side's close shut the socket down under the call (its SHUT_RD reads as an end of
            // stream): a close, not the peer's end, so no end of stream and no cut frame (until
            // 2026-12-07 a close from another thread during a receive passed for the peer's close: null
            // and isEndOfStream() true at a boundary, PeerClosedException "mid-frame" inside a frame)
            throw socket.closed();
        }
        if (n == 0 && sendFailure != null) {
            throw receiveFailed(sendFailure); // the end that follows a reset a send met: no clean end
        }
        if (n > 0) {
            inView.limit(limit + (int) n);
            lastReceived = System.nanoTime();
        }
        return n;
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends a message, blocking while the socket buffer is full (the peer is slow to read).
     *
     * @throws MessageTooLargeException if it is longer than {@code maxFrameSize} (nothing is sent)
     * @throws PeerClosedException      if the peer has closed the connection
     * @throws FrameTimeoutException    if the peer stopped reading half-way (connection closed)
     */
    public void put(byte[] message) throws InterruptedException {
        transmit(true, frame(message), Long.MAX_VALUE);
    }

    /**
     * Sends a message if its first byte can leave within {@code timeout}; returns false (nothing
     * sent) otherwise. Once started, the frame is finished (within the frame timeout).
     */
    public boolean offer(byte[] message, Duration timeout) throws InterruptedException {
        return transmit(true, frame(message), deadlineOf(timeout));
    }

    /**
     * {@link #offer(byte[], Duration)} whose frame, once its first byte has left, is finished even if
     * the thread is interrupted meanwhile: the interrupt is held until the frame is through (or ends
     * with {@link FrameTimeoutException}, {@link PeerClosedException} or {@link ClosedException}, as
     * a frame of {@code offer} does) and then set again, so the caller finds it after this call
     * returns. A plain {@code offer} closes the connection on such an interrupt, since the stream is
     * no longer at a frame boundary; this one keeps it usable. Until the first byte leaves it is
     * that {@code offer}: an interrupted thread that must wait for room throws
     * {@link InterruptedException} at once with its status cleared and nothing sent (a frame that
     * finds room at once is sent). For a sender whose threads are interrupted to abandon their own
     * work, while the connection is shared by others (an RPC client's calls, cancelled by an
     * interrupt). Any thread may call it; it blocks as {@code offer} does: for room for the first
     * byte at most {@code timeout}, then for the rest of the frame at most the frame timeout.
     *
     * @return whether the message was sent (false: nothing sent)
     * @throws MessageTooLargeException if it is longer than {@code maxFrameSize} (nothing is sent)
     * @throws PeerClosedException      if the peer has closed the connection
     * @throws FrameTimeoutException    if the frame started but did not finish in time (connection closed)
     * @throws InterruptedException     if interrupted before the first byte left (nothing sent)
     */
    public boolean offerShielded(byte[] message, Duration timeout) throws InterruptedException {
        return transmit(true, frame(message), deadlineOf(timeout), options.maxFrameSize(), Long.MAX_VALUE,
                true, null);
    }

    /**
     * {@link #offerShielded(byte[], Duration)} whose started frame waits for room as long as the peer
     * shows that it lives: it ends with {@link FrameTimeoutException} (connection closed) only once the
     * frame timeout has passed both since its first byte and since {@code lastHeard}, the
     * {@link System#nanoTime()} at which this side last heard from the peer, as the caller's receiving
     * side records it. For a peer that rightly leaves this side's frames unread for a while (flow
     * control: an RPC server whose calls all wait) and meanwhile tells this side that it lives (its
     * replies, its PONGs): with the plain frame timeout such a wait longer than it would end the
     * connection, though nothing is wrong. Bytes the peer sends while the frame waits count too, read
     * or not: the sending thread looks, every eighth of the frame timeout, at how many bytes the kernel
     * holds for this side ({@code SIOCINQ}, nothing consumed), and a count that grew means the peer was
     * heard from; so the peer lives for this side even while no thread of it receives (an RPC client
     * whose callers have all given up), as long as the socket's receive buffer takes what the peer sends.
     * A peer that sends nothing more while the frame waits (its process stopped, its host gone) still
     * ends it, within the frame timeout and an eighth of it of the last it sent, or of {@code lastHeard}
     * if later. {@code lastHeard} is asked only when the frame's deadline has passed, by the sending
     * thread with this connection's send turn held: it must return at once and must not send on this
     * connection.
     * Any thread may call it; it blocks as {@code offerShielded} does, for the rest of the frame as
     * long as the peer is heard from.
     *
     * @return whether the message was sent (false: nothing sent)
     * @throws MessageTooLargeException if it is longer than {@code maxFrameSize} (nothing is sent)
     * @throws PeerClosedException      if the peer has closed the connection
     * @throws FrameTimeoutException    if the frame started and the peer was silent for the frame timeout while
     *                                  it waited (connection closed)
     * @throws InterruptedException     if interrupted before the first byte left (nothing sent)
     */
    public boolean offerShielded(byte[] message, Duration timeout, LongSupplier lastHeard) throws InterruptedException {
        ByteBuffer frame = frame(message);
        Objects.requireNonNull(lastHeard, "lastHeard");
        return transmit(true, frame, deadlineOf(timeout), options.maxFrameSize(), Long.MAX_VALUE,
                true, lastHeard);
    }

    /**
     * Sends {@code message} only if it can leave whole at once, and otherwise sends nothing and returns
     * false: it waits at most {@code turnWait} for this connection's send turn (another thread's frame
     * going out), and then needs room for all of it: what the socket's send queue holds
     * ({@link Sockets#unsentBytes}, {@code SIOCOUTQ}) and the frame together must take at most a
     * quarter of the send buffer ({@code SO_SNDBUF}), so that one {@code send(2)} copies all of it into
     * the kernel. Sent, it is a frame of {@link #offerShielded(byte[], Duration, LongSupplier)} (should
     * the kernel take only part of it after all, the rest is finished as that frame's would be). For a
     * sender that must not be held by a frame that waits for room, and sends the frames this refuses
     * on a thread of its own (an RPC client, whose callers give up at their deadlines). Any thread may
     * call it; it waits for the turn only, never for room, and costs two system calls beyond the send.
     *
     * @return whether the message was sent (false: nothing sent)
     * @throws MessageTooLargeException if it is longer than {@code maxFrameSize} (nothing is sent)
     * @throws PeerClosedException      if the peer has closed the connection
     * @throws FrameTimeoutException    if the frame started and did not finish, as that frame's
     * @throws InterruptedException     if interrupted while it waited for the turn (nothing sent)
     */
    public boolean offerShieldedAtOnce(byte[] message, Duration turnWait, LongSupplier lastHeard)
            throws InterruptedException {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(lastHeard, "lastHeard");
        int length = message.length;
        if (length > options.maxFrameSize()) {
            throw new MessageTooLargeException("message of " + length + " bytes exceeds the maximum frame size of "
                    + options.maxFrameSize() + " bytes of the connection to " + remote, length, options.maxFrameSize());
        }
        if (!takeTurn(writeLock, deadlineOf(turnWait))) {
            return false; // another thread's frame is still going out
        }
        try {
            socket.enter();
            try {
                long queued = Sockets.unsentBytes(socket.fd, "connection to " + remote);
                if (queued + FrameCodec.HEADER_LENGTH + length > Sockets.sendBufferSize(socket.fd) / 4) {
                    return false;
                }
                return transmitLocked(true, frame(message), System.nanoTime(), Long.MAX_VALUE, true,
                        lastHeard);
            } finally {
                socket.exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Sends a message if it can leave whole within {@code timeout}: false (nothing sent) if its
     * first byte could not leave in time; a frame that started but is not through by then (nor
     * within the frame timeout of its first byte, if that comes first) closes the connection with
     * {@link FrameTimeoutException}, as a frame timeout does. Once the timeout has passed it makes no
     * further try. {@link #offer(byte[], Duration)} bounds only the start, and tries once more when
     * its wait ends: on a peer that stopped reading that last try often finds a little room the
     * kernel made in the full buffer without announcing it, so the frame starts at the end of the
     * wait and has the whole frame timeout more to finish, and the next frame the same again. For a
     * sender whose bound on such a peer must hold per frame (an RPC server's replies). Any thread
     * may call it; it blocks as {@code offer} does.
     *
     * @throws MessageTooLargeException if it is longer than {@code maxFrameSize} (nothing is sent)
     * @throws PeerClosedException      if the peer has closed the connection
     * @throws FrameTimeoutException    if the frame started but did not finish in time (connection closed)
     */
    public boolean offerWhole(byte[] message, Duration timeout) throws InterruptedException {
        ByteBuffer frame = frame(message);
        long deadline = deadlineOf(timeout);
        return transmit(true, frame, deadline, options.maxFrameSize(), deadline);
    }

    /**
     * {@link #offer(byte[], Duration)} with a send limit of {@code sendLimit} bytes in place of this
     * connection's {@code maxFrameSize}, for a protocol whose own rules bound what one side sends
     * beyond what it accepts: a server that relays messages of a size its peer asked for (jipc-remote's
     * gateway delivers a mailbox's messages, whose size the receiving client's limit must admit, while
     * its own {@code maxFrameSize} bounds what clients may send it). What this side accepts is still
     * bounded by {@code maxFrameSize}. Any thread may call it; it blocks as that {@code offer} does.
     *
     * @param sendLimit the largest message this call sends, 0 to {@link FrameCodec#MAX_FRAME_SIZE}
     * @throws MessageTooLargeException if the message is longer than {@code sendLimit} (nothing is sent)
     */
    public boolean offer(byte[] message, Duration timeout, int sendLimit) throws InterruptedException {
        ByteBuffer frame = frame(message);
        long deadline = deadlineOf(timeout);
        FrameCodec.checkLimit(sendLimit);
        return transmit(true, frame, deadline, sendLimit);
    }

    /**
     * {@link #offerWhole(byte[], Duration)} with a send limit of {@code sendLimit} bytes in place of
     * this connection's {@code maxFrameSize}, as {@link #offer(byte[], Duration, int)} has it: for a
     * relaying server whose bound on a peer that stopped reading must hold per frame (jipc-remote's
     * gateway, whose deliveries are as long as the mailbox's messages). Any thread may call it; it
     * blocks as {@code offerWhole} does.
     *
     * @param sendLimit the largest message this call sends, 0 to {@link FrameCodec#MAX_FRAME_SIZE}
     * @throws MessageTooLargeException if the message is longer than {@code sendLimit} (nothing is sent)
     * @throws PeerClosedException      if the peer has closed the connection
     * @throws FrameTimeoutException    if the frame started but did not finish in time (connection closed)
     */
    public boolean offerWhole(byte[] message, Duration timeout, int sendLimit) throws InterruptedException {
        ByteBuffer frame = frame(message);
        long deadline = deadlineOf(timeout);
        FrameCodec.checkLimit(sendLimit);
        return transmit(true, frame, deadline, sendLimit, deadline);
    }

    /**
     * Sends a message if the socket buffer has room for its start now (and no other thread is sending);
     * false (nothing sent) otherwise. A pending interrupt is kept and does not stop it, except while
     * it waits to finish a started frame, which then closes the connection.
     */
    public boolean offer(byte[] message) {
        try {
            return transmit(true, frame(message), System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (!socket.isClosed()) {
                return false; // interrupted before its first byte left: nothing sent
            }
            throw new ClosedException("interrupted while finishing a frame to " + remote + "; connection closed");
        }
    }

    /**
     * Writes raw bytes (no framing) from {@code src}, all of them, blocking while the socket buffer
     * is full. Do not interleave with messages of another thread.
     */
    public void write(ByteBuffer src) throws InterruptedException {
        transmit(false, Objects.requireNonNull(src, "src"), Long.MAX_VALUE);
    }

    /** {@code message} as the payload of a frame; a null message is refused by its parameter's name. */
    private static ByteBuffer frame(byte[] message) {
        return ByteBuffer.wrap(Objects.requireNonNull(message, "message"));
    }

    private boolean transmit(boolean framed, ByteBuffer payload, long deadline) throws InterruptedException {
        return transmit(framed, payload, deadline, options.maxFrameSize());
    }

    private boolean transmit(boolean framed, ByteBuffer payload, long deadline, int sendLimit)
            throws InterruptedException {
        return transmit(framed, payload, deadline, sendLimit, Long.MAX_VALUE);
    }

    private boolean transmit(boolean framed, ByteBuffer payload, long deadline, int sendLimit, long finishBy)
            throws InterruptedException {
        return transmit(framed, payload, deadline, sendLimit, finishBy, false, null);
    }

    /**
     * {@code finishBy}: when a started frame must be through at the latest, besides the frame timeout;
     * {@code shielded}: an interrupt while a started frame waits is held until it is through ({@link #offerShielded});
     * {@code lastHeard}: null, or when the peer was last heard from, which extends a started frame's
     * deadline to the frame timeout after it ({@link #offerShielded(byte[], Duration, LongSupplier)}).
     */
    private boolean transmit(boolean framed, ByteBuffer payload, long deadline, int sendLimit, long finishBy,
                             boolean shielded, LongSupplier lastHeard) throws InterruptedException {
        int length = payload.remaining();
        if (framed && length > sendLimit) {
            throw new MessageTooLargeException("message of " + length + " bytes exceeds the maximum frame size of "
                    + sendLimit + " bytes of the connection to " + remote, length, sendLimit);
        }
        if (!takeTurn(writeLock, deadline)) {
            return false; // another thread sends: the buffer had no room for its frame
        }
        try {
            socket.enter();
            try {
                return transmitLocked(framed, payload, deadline, finishBy, shielded, lastHeard);
            } finally {
                socket.exit();
            }
        } finally {
            writeLock.unlock();
        }
    }

    private boolean transmitLocked(boolean framed, ByteBuffer payload, long deadline, long finishBy,
                                   boolean shielded, LongSupplier lastHeard) throws InterruptedException {
        staging.clear();
        if (framed) {
            FrameCodec.putHeader(staging, payload.remaining());
        }
        stage(staging, payload);
        long sent = 0;
        long frameDeadline = Long.MAX_VALUE;
        boolean held = false; // an interrupt that came while a shielded frame was under way
        boolean lastTried = false; // not strict: the started frame's deadline passed, and one more send was made
        Arrivals arrivals = null; // with lastHeard, once the started frame waits: what the peer sent meanwhile
        try {
            while (staging.hasRemaining()) {
                long n;
                try {
                    n = Sockets.send(socket.fd, out.address() + staging.position(), staging.remaining(), remote);
                } catch (ErrnoException e) {
                    if (e.errno() == Sockets.ECONNRESET || e.errno() == Errno.ETIMEDOUT) {
                        sendFailure = e; // taken from the receiving side: it must still say so at the end
                    }
                    throw peerGone(e);
                }
                if (n > 0) {
                    if (sent == 0 || options.frameTimeoutFromLastByte()) { // from its first byte, or from each
                        frameDeadline = earlier(deadlineOf(options.frameTimeout()), finishBy);
                        lastTried = false; // a new deadline: its own last try
                    }
                    sent += n;
                    staging.position(staging.position() + (int) n);
                    if (!staging.hasRemaining() && payload.hasRemaining()) {
                        staging.clear();
                        stage(staging, payload);
                    }
                    continue;
                }
                Runnable seam = sent > 0 ? afterFullSend : null;
                if (seam != null) {
                    seam.run();
                }
                long until = sent == 0 ? deadline : frameDeadline;
                if (lastHeard != null && sent > 0 && !lastTried) { // the last try is decided on at once
                    if (arrivals == null) { // the frame waits: from now on, see what the peer sends meanwhile
                        arrivals = new Arrivals(Timeouts.nanos(options.frameTimeout()));
                    }
                    until = earlier(until, arrivals.nextLook());
                }
                boolean ready;
                try {
                    ready = socket.await(Sockets.POLLOUT, until);
                } catch (InterruptedException e) {
                    if (!shielded || sent == 0) {
                        throw e;
                    }
                    held = true; // the status is clear now: wait on for the rest of the frame
                    continue;
                }
                // strict (finishBy set): no last try once the deadline passed, which often finds room the kernel
                // made without announcing it (POLLOUT), and would let a stalled peer take a frame per timeout
                if (!ready
                        || finishBy != Long.MAX_VALUE && until != Long.MAX_VALUE && System.nanoTime() - until >= 0) {
                    if (sent == 0) {
                        return false;
                    }
                    if (arrivals != null) {
                        long now = System.nanoTime();
                        arrivals.look(now);
                        if (frameDeadline == Long.MAX_VALUE || now - frameDeadline < 0) {
                            continue; // only a look at what arrived: the frame's deadline is still ahead
                        }
                        // the frame's deadline passed, so the frame timeout is no "centuries": no overflow here
                        long heardDeadline = arrivals.latest(lastHeard.getAsLong())
                                + Timeouts.nanos(options.frameTimeout());
                        if (heardDeadline - now > 0) {
                            frameDeadline = heardDeadline; // the peer lives: the frame waits on
                            lastTried = false;
                            continue;
                        }
                    }
                    if (finishBy == Long.MAX_VALUE && !lastTried) {
                        // the deadline was decided on a clock read (the wait's) after the send that found no
                        // room, and this thread may have stalled in between (a GC pause, a loaded host) while
                        // the peer read: one more send before the frame is given up (until 2026-12-07 none,
                        // and such a stall ended the connection with FrameTimeoutException). Not when strict
                        // (above): there no try follows the deadline
                        lastTried = true;
                        continue;
                    }
                    close();
                    throw new FrameTimeoutException(remote + " did not read a started frame "
                            + (frameDeadline == finishBy ? "in time"
                                    : (options.frameTimeoutFromLastByte() ? "(took no byte of it) for " : "within ")
                                    + Timeouts.text(options.frameTimeout()))
                            + (lastHeard == null ? "" : " of its start and of the last this side heard from it")
                            + " (" + sent + " bytes sent); connection closed");
                }
            }
            return true;
        } catch (InterruptedException | RuntimeException e) {
            if (sent > 0 && (staging.hasRemaining() || payload.hasRemaining())) {
                close(); // the stream is mid-frame: it cannot be used any more
            }
            throw e;
        } finally {
            if (held) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What the peer sent while a started frame of {@link #offerShielded(byte[], Duration, LongSupplier)}
     * waits, seen without reading it: the bytes the kernel holds for this side
     * ({@link Sockets#unreadBytes}, {@code SIOCINQ}), looked at every eighth of the frame timeout (at
     * most a minute); a count larger than at the last look means the peer was heard from since. So a
     * peer that keeps sending (an RPC server's PONGs) counts as heard from while nobody on this side
     * receives, as long as the socket's receive buffer takes what it sends; a peer that sends nothing
     * (stopped) does not. Used by the sending thread alone, with the connection's send turn and the
     * socket held; a look costs one {@code ioctl} and never blocks.
     */
    private final class Arrivals {
        private final long slice;
        private int seen;
        private long heardAt;
        private long lookedAt;

        Arrivals(long frameTimeout) {
            // at least a millisecond; at most a minute, so that a frame timeout of centuries does not overflow
            slice = Math.min(Math.max(frameTimeout / 8, 1_000_000L), 60_000_000_000L);
            lookedAt = System.nanoTime();
            heardAt = lookedAt;
            seen = Sockets.unreadBytes(socket.fd, remote);
        }

        /** When to look again: a slice after the last look. */
        long nextLook() {
            return lookedAt + slice;
        }

        /** Looks at the unread bytes: more than last time, and the peer was heard from, at most a slice ago. */
        void look(long now) {
            int unread = Sockets.unreadBytes(socket.fd, remote);
            if (unread > seen) {
                heardAt = now;
            }
            seen = unread;
            lookedAt = now;
        }

        /** The later of {@code heard} (the caller's lastHeard) and the last time bytes were seen arriving. */
        long latest(long heard) {
            return heard - heardAt > 0 ? heard : heardAt;
        }
    }

    /** Copies as much of {@code payload} as fits into {@code staging}, then flips it for sending. */
    private static void stage(ByteBuffer staging, ByteBuffer payload) {
        int n = Math.min(staging.remaining(), payload.remaining());
        staging.put(staging.position(), payload, payload.position(), n);
        staging.position(staging.position() + n);
        payload.position(payload.position() + n);
        staging.flip();
    }

    private RuntimeException peerGone(ErrnoException e) {
        if (socket.isClosed()) {
            // this side's close shut the socket down under the call (EPIPE on its own shutdown): a close,
            // not the peer's (offerShielded, which holds an interrupt, sends on and meets it)
            return socket.closed();
        }
        if (e.errno() == Errno.EPIPE && outputShutDown) {
            return new ClosedException("this side shut down its output to " + remote
                    + " (shutdownOutput): nothing more can be sent on the connection");
        }
        if (e.errno() == Errno.EPIPE || e.errno() == Sockets.ECONNRESET) {
            return new PeerClosedException(remote + " closed the connection (" + e.errnoName() + ")");
        }
        if (e.errno() == Errno.ETIMEDOUT) {
            return new PeerClosedException(remote + " stopped answering: the kernel ended the connection after "
                    + (options.deadPeerTimeout().isZero() ? "its retransmissions"
                            : Timeouts.text(options.deadPeerTimeout()) + " (its dead peer timeout)")
                    + " (" + e.errnoName() + ")");
        }
        return e;
    }

    // ------------------------------------------------------------------ raw bytes

    /**
     * Reads raw bytes (no framing) into {@code dst}: blocks until at least one byte is there;
     * returns the count, or -1 at end of stream (0 at once if {@code dst} has no room). Bytes
     * already buffered are returned first, also to an interrupted thread (which keeps its status);
     * with none there, an interrupted thread gets {@link InterruptedException}.
     *
     * @throws ReadOnlyBufferException if {@code dst} is read-only: at once, nothing read (as a mailbox's
     *                                 {@code poll(ByteBuffer)} and a pipe's {@code read}; until 2026-12-07
     *                                 it was thrown only once a byte had come, the wait for it first)
     * @throws IllegalStateException   if a message was half received
     * @throws PeerClosedException     if the peer reset the connection (connection closed, as for {@link #take()})
     * @throws ClosedException         if the connection is closed, also by another thread while this one reads
     */
    public int read(ByteBuffer dst) throws InterruptedException {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (!dst.hasRemaining()) {
            return 0; // as a channel read into a full buffer: nothing to wait for
        }
        Turns.take(readLock, Timeouts.NO_DEADLINE); // free: taken also by an interrupted thread, bytes there are read
        try {
            if (decoder.inFrame()) {
                throw new IllegalStateException("a message from " + remote + " is half received");
            }
            socket.enter();
            try {
                while (!inView.hasRemaining()) {
                    if (endOfStream) {
                        return -1;
                    }
                    long n = fill();
                    if (n == 0) {
                        endOfStream = true;
                        return -1;
                    }
                    if (n < 0) {
                        socket.await(Sockets.POLLIN, Long.MAX_VALUE);
                    }
                }
                int n = Math.min(dst.remaining(), inView.remaining());
                dst.put(dst.position(), inView, inView.position(), n);
                dst.position(dst.position() + n);
                inView.position(inView.position() + n);
                return n;
            } finally {
                socket.exit();
            }
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Ends this side's sending ({@code shutdown(SHUT_WR)}): the peer reads end of stream after what was
     * sent. A later send throws {@link ClosedException} (this side's doing, not the peer's).
     */
    public void shutdownOutput() {
        outputShutDown = true;
        socket.enter();
        try {
            Sockets.shutdown(socket.fd, Sockets.SHUT_WR);
        } finally {
            socket.exit();
        }
    }

    /**
     * Ends the input side ({@code SHUT_RD}) so that a blocked receiver sees end of stream; for a
     * closing server. A receiver in the middle of a frame gets {@link ClosedException} (not
     * {@link PeerClosedException}: the peer did not close) and the connection is closed.
     */
    void shutdownInputQuietly() {
        inputShutDown = true;
        try {
            socket.enter();
            try {
                Sockets.shutdown(socket.fd, Sockets.SHUT_RD);
            } finally {
                socket.exit();
            }
        } catch (RuntimeException alreadyClosed) {
            // nothing to end
        }
    }

    /**
     * Over TCP, how many bytes of what this side sent the peer's host has acknowledged so far
     * ({@link Sockets#tcpBytesAcknowledged}; the kernel's count, a connecting side's includes its
     * {@code SYN}). A count that grew since an earlier look shows that the peer's host lives and takes
     * this side's data, also while a long frame is still going out, before which nothing this side
     * sends later can reach the peer to be answered (a slow link). It shows less of the peer's process:
     * its kernel acknowledges into the socket's receive buffer whether the process reads or not, until
     * that buffer is full. -1 over a Unix-domain socket, and once the connection is closed. Any thread
     * may call it; it does not block.
     */
    public long bytesAcknowledged() {
        return whileOpen(fd -> Sockets.tcpBytesAcknowledged(fd));
    }

    /**
     * Bytes this side has sent that the peer has not taken yet ({@link Sockets#unsentBytes},
     * {@code SIOCOUTQ}): over TCP those not yet acknowledged, sent or still in the send buffer. -1 once
     * the connection is closed. Any thread may call it; it does not block.
     */
    public long bytesNotYetTaken() {
        return whileOpen(fd -> Sockets.unsentBytes(fd, "connection to " + remote));
    }

    /**
     * Bytes the peer has sent that the kernel holds for this side, unread ({@link Sockets#unreadBytes},
     * {@code SIOCINQ}; nothing is consumed, and bytes this connection has already read into its own buffer
     * do not count). A count larger than at an earlier look shows that the peer sent something since, also
     * while no thread of this side receives. -1 once the connection is closed. Any thread may call it; it
     * does not block.
     */
    public long bytesUnread() {
        return whileOpen(fd -> Sockets.unreadBytes(fd, "connection to " + remote));
    }

    /** {@code look} of the open descriptor, or -1 if the connection is closed (also meanwhile). */
    private long whileOpen(IntToLongFunction look) {
        try {
            socket.enter();
        } catch (ClosedException closed) {
            return -1;
        }
        try {
            return look.applyAsLong(socket.fd);
        } finally {
            socket.exit();
        }
    }

    // ------------------------------------------------------------------ identity

    /**
     * The process at the other end of a Unix-domain connection (for a client: the server process
     * that created the listening socket), as the kernel recorded it; empty for TCP.
     */
    public Optional<PeerCredentials> peerCredentials() {
        return Optional.ofNullable(peer);
    }

    /** What this connection is to, for messages: a socket path or {@code host:port}. */
    public String remote() {
        return remote;
    }

    public ConnectionOptions options() {
        return options;
    }

    /**
     * This connection for an {@code io.jipc.select.Selector}: readable when {@link #poll()} would
     * not wait (a message, or the end of the stream, or an error to report: a hint, since a partial
     * frame also makes the socket readable), writable when the socket has send-buffer space. A frame
     * left unfinished turns it readable at its frame timeout, when {@code poll()} throws
     * {@link FrameTimeoutException} (a selector sleeps no longer than that).
     */
    @Override
    public Selectable.Descriptor readinessSource() {
        return socket.readinessSource(OP_READ | OP_WRITE, this::hasBufferedInput, this::readableBy);
    }

    /**
     * Bytes read from the socket but not yet received, or an unfinished frame past its timeout; false
     * while another thread receives.
     */
    private boolean hasBufferedInput() {
        if (!readLock.tryLock()) {
            return false;
        }
        try {
            long deadline = frameDeadline();
            return inView.hasRemaining() || deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0;
        } finally {
            readLock.unlock();
        }
    }

    /** The timeout of an unfinished frame ({@link #frameDeadline()}); none while another thread receives. */
    private long readableBy() {
        if (!readLock.tryLock()) {
            return Long.MAX_VALUE;
        }
        try {
            return frameDeadline();
        } finally {
            readLock.unlock();
        }
    }

    /**
     * When the frame begun must be finished ({@link System#nanoTime()}): a frame timeout after its first
     * byte, or after the last byte received if later with {@link ConnectionOptions#frameTimeoutFromLastByte()};
     * MAX_VALUE if none was begun. Under the read lock.
     */
    private long frameDeadline() {
        if (!decoder.inFrame() || frameStart == 0) {
            return Long.MAX_VALUE;
        }
        long nanos = Timeouts.nanos(options.frameTimeout());
        long from = options.frameTimeoutFromLastByte() && lastReceived - frameStart > 0 ? lastReceived : frameStart;
        return nanos >= Timeouts.MOST_NANOS ? Long.MAX_VALUE : from + nanos;
    }

    public boolean isOpen() {
        return !socket.isClosed();
    }

    /**
     * Closes the connection (idempotent). Threads blocked on it get {@link ClosedException}; the
     * peer reads end of stream after the bytes already sent.
     */
    @Override
    public void close() {
        if (!socket.isClosed()) {
            socket.close();
            if (onClose != null) {
                onClose.run();
            }
        }
    }

    @Override
    public String toString() {
        return "StreamConnection[" + remote + (peer == null ? "" : ", pid " + peer.pid() + ", uid " + peer.uid()) + "]";
    }
}
