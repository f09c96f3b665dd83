package io.jipc.remote;

import io.jipc.ClosedException;
import io.jipc.Timeouts;
import io.jipc.Turns;
import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MessageTooLargeException;
import io.jipc.net.InvalidFrameException;
import io.jipc.net.StreamConnection;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A mailbox of another host, reached through that host's {@link MailboxGateway} over TCP, with the
 * verbs of a local mailbox ({@link MessageChannel}).
 *
 * <pre>{@code
 * try (RemoteMailbox orders = RemoteMailbox.connect(URI.create("tcp://10.231.0.1:7070/orders"))) {
 *     orders.put("hello".getBytes());       // returns once the message is in the remote mailbox
 *     byte[] reply = orders.poll(Duration.ofSeconds(1));
 * }
 * }</pre>
 *
 * <p><b>Who may call.</b> Any thread; calls of several threads take turns (one request at a time
 * on the connection), so a thread blocked in {@code take} holds up the others: use one handle per
 * thread that blocks. A call waits for its turn no longer than it may wait at all: an at-once call
 * ({@code offer}, {@code poll}) that finds another thread's request in progress returns false or
 * null at once, a timed one gives up at its own deadline (its wait at the gateway gets what is
 * left), and a blocking one ends on an interrupt.
 *
 * <p><b>Blocking and timeouts.</b> {@code put}, {@code take} and the timed variants wait at the
 * gateway (the timeout runs there); meanwhile the gateway sends a heartbeat every
 * {@linkplain RemoteOptions#heartbeatInterval() interval} and this client a ping. An interrupt of a
 * waiting thread cancels the request at the gateway: {@link InterruptedException} unless the
 * request had already completed there (a send that completed returns normally with the interrupt
 * status set; a message that had been handed out is not acknowledged and goes to the next receive).
 * A waiting or timed call made with the interrupt status already set asks the gateway only for what
 * it can do at once: it returns a message that is there, or sends one there is room for, keeping the
 * status, and else throws {@link InterruptedException} (status cleared, nothing sent or taken), also
 * with a zero or negative timeout (docs/architecture.md, "Interrupts and timeouts").
 *
 * <p><b>Delivery.</b> A send that returns true (or a {@code put} that returns) has put the message
 * in the remote mailbox. A received message is acknowledged to the gateway as it is returned; a
 * message whose acknowledgement is lost with the connection is delivered again (at least once).
 * The gateway process is the sender: in a mailbox with headers, a message sent through this handle
 * names the gateway ({@code Message.sender()}) and carries the gateway's sequence number and send
 * time, shared by all its clients. What a local mailbox offers beyond these verbs (transfer,
 * buffers, claims, deliveries, selectors...) is not available remotely; {@code docs/remote.md} lists it.
 *
 * <p><b>Message size.</b> {@link #maxMessageSize()} is the smaller of the mailbox's limit (as the
 * gateway announced it) and what this client's own {@linkplain RemoteOptions#maxFrameSize() frame
 * limit} carries; a longer message is refused before anything is sent. The protocol cannot tell the
 * gateway this client's frame limit, so a client whose limit is below the mailbox's cannot receive a
 * message longer than its limit: such a receive fails with {@link MessageTooLargeException}, the
 * connection is dropped (the message was already on its way), and the message stays at the head of
 * the mailbox for a receiver with a large enough limit. Give a receiving client a
 * {@code maxFrameSize} of at least the mailbox's message size + {@value Wire#OVERHEAD}.
 *
 * <p><b>Priorities.</b> Sends take the remote mailbox's levels; {@link #pollMessage()} and
 * {@link #takeMessage()} return each message with the level it was sent at (protocol version 2, see
 * {@link Wire#VERSION}: a gateway also serves version-1 clients, whose deliveries carry none).
 *
 * <p><b>When the handle is closed.</b> A call that another thread's {@link #close()} overtakes ends
 * with {@link ClosedException}, with one exception that keeps a send's outcome true: a send whose
 * request has gone to the gateway is cancelled there, and close() waits for the gateway's answer
 * (about one round trip) before it closes the connection. A send that completed there all the same
 * returns normally (true), as a local send that a close overtook once it had completed; one that
 * was cancelled throws {@link ClosedException} and sent nothing; if no answer comes (a gateway that
 * died or stopped answering) the send fails with {@link RemotePeerLostException}, which says the
 * message may or may not be in the mailbox. A receive ends at once: what the gateway handed out
 * without the acknowledgement is given back.
 *
 * <p><b>When the gateway dies or the connection is cut.</b> The call in progress fails with
 * {@link RemotePeerLostException}: at once when the kernel reports the connection closed (the
 * gateway process died), else once nothing came for {@linkplain RemoteOptions#peerTimeout() the
 * peer timeout} (a cut link, a frozen host). The next call connects again.
 *
 * <p><b>Memory consistency.</b> Only bytes travel: a message is a new array holding the bytes sent.
 */
public final class RemoteMailbox implements MessageChannel {
    /**
     * Tests only (StalledReaderTest): run by a call when its wait for the gateway's frame found none, before
     * it decides whether the gateway is lost, to stand for the caller's stall there. Null otherwise.
     */
    static volatile Runnable afterEmptyPoll;
    /** Bytes of a {@link Wire.PrioritizedDelivery} frame besides the payload: type, delivery id, priority. */
    private static final int DELIVERY_OVERHEAD = 1 + 8 + 1;
    /** The largest message any mailbox takes ({@code MailboxOptions.Builder.maxMessageSize}, 1 GiB). */
    private static final long LARGEST_MAILBOX_MESSAGE = 1L << 30;

    private final URI uri;
    private final InetSocketAddress address;
    private final String name;
    private final RemoteOptions options;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile StreamConnection connection;
    /** The limit the gateway announced in {@link Wire.Opened}: the mailbox's, or the gateway's frame limit. */
    private int announcedMaxMessageSize;
    /** {@link #announcedMaxMessageSize}, and at most what {@link RemoteOptions#maxFrameSize()} carries. */
    private volatile int maxMessageSize; // volatile: a send checks it before it takes its turn
    private volatile int priorities;
    private volatile boolean closed;
    /**
     * The send whose answer a call awaits, from just before its request is written until the caller
     * has the answer: {@link #close()} cancels it and waits for that answer before it closes the
     * connection. Set and cleared by the thread that holds {@link #lock}.
     */
    private volatile PendingRequest pendingSend;

    private RemoteMailbox(URI uri, RemoteOptions options) {
        this.uri = uri;
        this.options = options;
        if (!"tcp".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0 || uri.getPath() == null
                || uri.getPath().length() < 2) {
            throw new IllegalArgumentException("not a remote mailbox address (tcp://host:port/NAME): " + uri);
        }
        if (uri.getPort() > 65535) {
            throw new IllegalArgumentException("port " + uri.getPort() + " of " + uri + " is outside 0..65535");
        }
        this.name = uri.getPath().substring(1);
        try {
            Mailbox.path(name); // the gateway's own check of an Open's name (ExportedMailbox.open)
        } catch (IllegalArgumentException notAMailboxName) {
            throw new IllegalArgumentException("remote mailbox " + uri + ": " + notAMailboxName.getMessage(),
                    notAMailboxName);
        }
        this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    /** Connects with the default options; see {@link #connect(URI, RemoteOptions)}. */
    public static RemoteMailbox connect(URI address) throws InterruptedException {
        return connect(address, RemoteOptions.defaults());
    }

    /**
     * Connects to the gateway at {@code tcp://host:port/NAME} and opens its mailbox {@code NAME}.
     *
     * @throws RemotePeerLostException  if the gateway cannot be reached within the connect timeout
     * @throws RemoteMailboxException   if the gateway does not export that mailbox
     * @throws IllegalArgumentException if the address is not of that form, or {@code NAME} is not a mailbox
     *                                  name (1-200 of {@code A-Z a-z 0-9 . _ -}, not starting with {@code .}
     *                                  or {@code -}, as {@link Mailbox#path(String)} checks), before connecting
     */
    public static RemoteMailbox connect(URI address, RemoteOptions options) throws InterruptedException {
        RemoteMailbox mailbox = new RemoteMailbox(Objects.requireNonNull(address, "address"),
                Objects.requireNonNull(options, "options"));
        mailbox.lock.lock();
        try {
            mailbox.connection();
        } finally {
            mailbox.lock.unlock();
        }
        return mailbox;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isRemote() {
        return true;
    }

    /** The address this handle connects to. */
    public URI uri() {
        return uri;
    }

    /**
     * The longest message this handle sends: the mailbox's limit as the gateway announced it, or
     * less if this client's {@link RemoteOptions#maxFrameSize()} (minus {@value Wire#OVERHEAD})
     * carries less. A receive of a longer message (another client sent it) fails; see the class
     * comment.
     */
    @Override
    public int maxMessageSize() {
        return maxMessageSize;
    }

    @Override
    public int priorities() {
        return priorities;
    }

    // ------------------------------------------------------------------ sending

    @Override
    public boolean offer(byte[] message, int priority) {
        try {
            return send(message, priority, Wire.Wait.NOW, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a send that does not wait is not interrupted
            return false;
        }
    }

    @Override
    public boolean offer(byte[] message, int priority, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message"); // before the timeout, as a local mailbox checks them
        return send(message, priority, Wire.Wait.TIMED, nanos(timeout));
    }

    @Override
    public void put(byte[] message, int priority) throws InterruptedException {
        send(message, priority, Wire.Wait.FOREVER, 0);
    }

    /**
     * Checks the arguments in a local mailbox's order (message, timeout, size, priority; then whether
     * the handle is closed: docs/architecture.md, "Argument errors"), against the limits of the
     * current connection or, closed, the last one. With no connection (lost, not closed) they are
     * checked only once the next connection has announced the limits: a mailbox created anew under
     * the name may have other ones.
     */
    private boolean send(byte[] message, int priority, Wire.Wait wait, long timeoutNanos) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        if (closed || connection != null) {
            checkSend(message, priority);
        }
        long deadline = deadline(wait, timeoutNanos);
        if (!lock.tryLock() && !Turns.take(lock, deadline)) { // free: taken even by an interrupted thread
            interruptedUnlessAtOnce(wait);
            return false; // another thread's request holds the connection past this call's deadline
        }
        timeoutNanos = left(wait, timeoutNanos, deadline);
        try {
            StreamConnection c = connection();
            checkSend(message, priority); // again: a new connection may have announced other limits
            boolean onlyAtOnce = interruptedBeforeWaiting(wait);
            Answer answer = onlyAtOnce ? call(c, new Wire.Send(Wire.Wait.NOW, priority, 0, message), false)
                    : call(c, new Wire.Send(wait, priority, timeoutNanos, message), wait != Wire.Wait.NOW);
            if (!(answer.reply instanceof Wire.Sent sent)) {
                throw unexpected(answer.reply);
            }
            if (!sent.accepted() && closed && !answer.cancelled) {
                // close() cancelled it (or came as it was refused): nothing was sent, as the gateway said
                throw closedMeanwhile(null);
            }
            if (onlyAtOnce && !sent.accepted()) {
                Thread.interrupted();
                throw new InterruptedException("send to " + uri + " would wait, and the thread is interrupted");
            }
            if (answer.cancelled) {
                if (!sent.accepted()) {
                    throw new InterruptedException("send to " + uri + " cancelled");
                }
                Thread.currentThread().interrupt();
            }
            return sent.accepted();
        } finally {
            lock.unlock();
        }
    }

    /** Refuses a message longer than {@link #maxMessageSize()}, then a priority the mailbox has no level for. */
    private void checkSend(byte[] message, int priority) {
        int limit = maxMessageSize;
        if (message.length > limit) {
            throw new MessageTooLargeException(message.length + "-byte message exceeds the " + limit
                    + " bytes of remote mailbox " + uri, message.length, limit);
        }
        int levels = priorities;
        if (priority < 0 || priority >= levels) {
            throw new IllegalArgumentException("priority " + priority + " outside 0.." + (levels - 1)
                    + " of remote mailbox " + uri);
        }
    }

    // ------------------------------------------------------------------ receiving

    @Override
    public byte[] poll() {
        ReceivedMessage message = pollMessage();
        return message == null ? null : message.payload();
    }

    @Override
    public byte[] poll(Duration timeout) throws InterruptedException {
        ReceivedMessage message = pollMessage(timeout);
        return message == null ? null : message.payload();
    }

    @Override
    public byte[] take() throws InterruptedException {
        return takeMessage().payload();
    }

    @Override
    public ReceivedMessage pollMessage() {
        try {
            return receive(Wire.Wait.NOW, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public ReceivedMessage pollMessage(Duration timeout) throws InterruptedException {
        return receive(Wire.Wait.TIMED, nanos(timeout));
    }

    @Override
    public ReceivedMessage takeMessage() throws InterruptedException {
        return receive(Wire.Wait.FOREVER, 0);
    }

    private ReceivedMessage receive(Wire.Wait wait, long timeoutNanos) throws InterruptedException {
        long deadline = deadline(wait, timeoutNanos);
        if (!lock.tryLock() && !Turns.take(lock, deadline)) { // free: taken even by an interrupted thread
            interruptedUnlessAtOnce(wait);
            return null; // another thread's request holds the connection past this call's deadline
        }
        timeoutNanos = left(wait, timeoutNanos, deadline);
        try {
            StreamConnection c = connection();
            boolean onlyAtOnce = interruptedBeforeWaiting(wait);
            Answer answer = onlyAtOnce ? call(c, new Wire.Receive(Wire.Wait.NOW, 0), false)
                    : call(c, new Wire.Receive(wait, timeoutNanos), wait != Wire.Wait.NOW);
            ReceivedMessage message;
            long deliveryId;
            switch (answer.reply) {
                case Wire.PrioritizedDelivery delivery -> { // this client opens with version 2
                    if (delivery.priority() >= priorities) {
                        drop();
                        throw new ProtocolException("delivery at priority " + delivery.priority() + " from a mailbox of "
                                + priorities + " level(s)");
                    }
                    deliveryId = delivery.deliveryId();
                    message = new ReceivedMessage(delivery.payload(), delivery.priority());
                }
                case Wire.Empty empty -> {
                    if (answer.cancelled) {
                        throw new InterruptedException("receive from " + uri + " cancelled");
                    }
                    if (onlyAtOnce) {
                        Thread.interrupted();
                        throw new InterruptedException("receive from " + uri
                                + " would wait, and the thread is interrupted");
                    }
                    return null;
                }
                default -> throw unexpected(answer.reply);
            }
            if (answer.cancelled) {
                // not acknowledged: the gateway saw the cancellation and keeps the message
                throw new InterruptedException("receive from " + uri + " cancelled");
            }
            transmit(c, new Wire.Ack(deliveryId));
            return message;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ the connection

    /** A reply, and whether this client cancelled the request before it came on an interrupt of the caller. */
    private record Answer(Wire.Reply reply, boolean cancelled) {
    }

    /**
     * The open connection, connecting (and opening the mailbox) first if there is none. Holds the lock.
     * A {@link #close()} during the connect ends it with {@link ClosedException} once the connect
     * returns (within the connect timeout), and the new connection is closed: close() finds either
     * this connection to close, or no connection, and then this method sees it closed (both fields
     * are volatile: each side writes its own, then reads the other's).
     */
    private StreamConnection connection() throws InterruptedException {
        if (closed) {
            throw new ClosedException("remote mailbox " + uri + " is closed");
        }
        if (connection != null) {
            return connection;
        }
        StreamConnection c;
        long connectStart = System.nanoTime();
        boolean interrupted = Thread.interrupted(); // an interrupt status from before does not stop the connect
        try {
            c = StreamConnection.connect(address, options.connection());
        } catch (JipcException e) {
            if (closed) {
                throw closedMeanwhile(e);
            }
            throw new RemotePeerLostException("cannot reach the gateway of " + uri + ": " + e.getMessage(), e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        connection = c;
        if (closed) { // close() came during the connect: it saw no connection, or this one
            drop();
            throw closedMeanwhile(null);
        }
        // the Open's answer within what is left of the connect timeout, heartbeats or not (and, as any
        // answer, within the peer timeout of silence): a gateway that accepts and then says nothing
        // (stopped, overloaded), or only heartbeats (an open that does not end), is as unreachable as none
        long openLimit = Math.max(1, Timeouts.nanos(options.connectTimeout()) - (System.nanoTime() - connectStart));
        Answer answer = call(c, new Wire.Open(Wire.VERSION, name), false, openLimit);
        if (answer.reply instanceof Wire.Opened opened) {
            announcedMaxMessageSize = opened.maxMessageSize();
            maxMessageSize = Math.min(announcedMaxMessageSize, options.maxFrameSize() - Wire.OVERHEAD);
            priorities = opened.priorities();
            if (answer.cancelled) {
                Thread.currentThread().interrupt();
            }
            return c;
        }
        drop();
        throw unexpected(answer.reply);
    }

    /**
     * Sends {@code request} and waits for its reply, skipping heartbeats. While it waits it pings
     * the gateway every heartbeat interval, whatever the gateway sends meanwhile: the gateway, like
     * this side, counts only what it hears, so a long wait stays alive both ways. An interrupt of
     * a {@code cancellable} request (one that waits at the gateway) sends a cancellation and goes on
     * waiting for the reply, which then says whether the request completed; an interrupt of another
     * request is kept for the caller. The interrupt status the caller had before is treated alike.
     *
     * <p>A send is {@linkplain #pendingSend published} for {@link #close()} before its request is
     * written. A close() before that ends the call with {@link ClosedException}, nothing sent; a
     * close() after it cancels the send at the gateway if it waits there (here, if the request had
     * not left when close() looked) and waits until this call has the reply, which says whether the
     * message went. A request's one cancellation goes to whichever comes first, an interrupt or the close.
     */
    private Answer call(StreamConnection c, Wire.Request request, boolean cancellable) throws InterruptedException {
        return call(c, request, cancellable, Long.MAX_VALUE);
    }

    /**
     * {@link #call(StreamConnection, Wire.Request, boolean)}, declaring the gateway lost after the
     * peer timeout of silence, or once {@code answerWithinNanos} have passed since the call began,
     * whatever was heard meanwhile: for the {@code Open}, what is left of the connect timeout
     * ({@link Long#MAX_VALUE} for every other request: no such limit). Until 2026-12-07 the Open's
     * limit was one of silence too, which the gateway's heartbeats renewed, so a gateway that sent
     * them and never answered held {@code connect} for good ({@code OpenDeadlineTest}).
     */
    private Answer call(StreamConnection c, Wire.Request request, boolean cancellable, long answerWithinNanos)
            throws InterruptedException {
        long began = System.nanoTime();
        long silenceNanos = Timeouts.nanos(options.peerTimeout());
        PendingRequest pending = new PendingRequest(c, cancellable);
        boolean isSend = request instanceof Wire.Send;
        if (isSend) {
            pendingSend = pending;
        }
        boolean interrupted = false;
        boolean cancelled = false; // by this thread, on an interrupt
        try {
            if (isSend && closed) { // close() came before the send was published, or saw it not yet sent
                throw closedMeanwhile(null);
            }
            transmit(c, request);
            pending.transmitted();
            long heartbeat = Timeouts.nanos(options.heartbeatInterval());
            long lastHeard = System.nanoTime();
            long lastSent = lastHeard;
            if (isSend && closed && pending.claimCancel()) { // close() came as the request left
                Answer already = sendWhileWaiting(c, new Wire.Cancel(), false);
                if (already != null) {
                    return already;
                }
            }
            while (true) {
                byte[] frame;
                try {
                    long now = System.nanoTime();
                    long left = Math.min(silenceNanos - (now - lastHeard), answerWithinNanos - (now - began));
                    frame = c.poll(Duration.ofNanos(Math.max(1, Math.min(heartbeat, left))));
                } catch (InterruptedException e) { // also the status the caller came with
                    interrupted = true;
                    if (pending.claimCancel()) {
                        cancelled = true;
                        Answer already = sendWhileWaiting(c, new Wire.Cancel(), true);
                        if (already != null) {
                            return already;
                        }
                        lastSent = System.nanoTime();
                    }
                    continue;
                } catch (JipcException e) {
                    throw failed(request, e);
                }
                if (frame == null) {
                    Runnable seam = afterEmptyPoll;
                    if (seam != null) {
                        seam.run();
                    }
                }
                long now = System.nanoTime();
                if (frame == null && !c.isEndOfStream() && (now - lastHeard >= silenceNanos || now - began >= answerWithinNanos)) {
                    // late by the clock: one look more, without waiting, before the gateway is declared lost
                    // below, so that a stall of this thread after its wait (a GC pause, a loaded host) does not
                    // lose a gateway whose frame came meanwhile and waits unread (until 2026-12-07 it did)
                    try {
                        frame = c.poll();
                    } catch (JipcException e) {
                        throw failed(request, e);
                    }
                }
                if (frame != null) {
                    lastHeard = now;
                } else if (c.isEndOfStream()) {
                    throw lost("the gateway closed the connection", null);
                } else if (now - lastHeard >= silenceNanos) {
                    throw lost("nothing heard from the gateway for " + Timeouts.text(options.peerTimeout()), null);
                }
                if (frame != null) {
                    Wire.Reply reply;
                    try {
                        reply = Wire.decodeReply(frame);
                    } catch (ProtocolException e) {
                        drop();
                        throw e;
                    }
                    if (!(reply instanceof Wire.Heartbeat)) {
                        return new Answer(reply, cancelled);
                    }
                }
                if (now - began >= answerWithinNanos) { // heard or not (the Open)
                    throw lost("the gateway at " + uri.getHost() + ":" + uri.getPort() + " accepted the connection but did not"
                            + " answer its Open within the connect timeout of " + Timeouts.text(options.connectTimeout()), null);
                }
                if (now - lastSent >= heartbeat) {
                    Answer already = sendWhileWaiting(c, new Wire.Ping(), cancelled);
                    if (already != null) {
                        return already;
                    }
                    lastSent = now;
                }
            }
        } finally {
            if (interrupted && !cancelled) {
                Thread.currentThread().interrupt(); // not turned into a cancellation: the caller's to see
            }
            if (isSend) {
                pendingSend = null;
                pending.settle(); // after the reply was read, or the failure decided: close() may end the connection
            }
        }
    }

    /** What a call throws when a receive from the connection failed with {@code e}; the connection is dropped. */
    private JipcException failed(Wire.Request request, JipcException e) {
        MessageTooLargeException beyondOwnLimit = beyondOwnFrameLimit(request, e);
        if (beyondOwnLimit != null) {
            drop();
            return beyondOwnLimit;
        }
        return lost("connection to the gateway failed: " + e.getMessage(), e);
    }

    /**
     * When {@code failure} is a delivery that this client's frame limit cannot carry, though the
     * mailbox takes it (another client with a larger limit, or a local one, sent it): the exception
     * that says so. The gateway announced the smaller of the mailbox's message size and its own frame
     * limit, but delivers messages up to the mailbox's size. Null for anything else (a frame longer
     * than any mailbox's message is a broken gateway).
     */
    private MessageTooLargeException beyondOwnFrameLimit(Wire.Request request, JipcException failure) {
        if (!(request instanceof Wire.Receive) || !(failure instanceof InvalidFrameException invalid)) {
            return null;
        }
        long length = invalid.announcedLength() - DELIVERY_OVERHEAD;
        if (length <= maxMessageSize || length > LARGEST_MAILBOX_MESSAGE) {
            return null;
        }
        String mailboxSize = length <= announcedMaxMessageSize
                ? "below the mailbox's message size of " + announcedMaxMessageSize
                : "a message longer than the " + announcedMaxMessageSize + " bytes the gateway accepts from clients";
        return new MessageTooLargeException("remote mailbox " + uri + ": the " + length + "-byte message at its head"
                + " exceeds the " + maxMessageSize + " bytes this client's maxFrameSize of " + options.maxFrameSize()
                + " carries, " + mailboxSize + " (raise RemoteOptions.maxFrameSize to at least "
                + (Math.max(length, announcedMaxMessageSize) + Wire.OVERHEAD)
                + " to receive it); the message stays in the mailbox, the connection was dropped",
                (int) length, maxMessageSize);
    }

    /**
     * Sends a ping or a cancellation while a reply is awaited; null when sent. A gateway that
     * answered and then closed the connection (an error reply ends it) resets it if it had not read
     * all that was sent to it: the write then fails, but the answer is in the socket already, and
     * it is returned instead when it needs nothing more of the connection (an error, sent or
     * empty; not a delivery, which the gateway takes back unacknowledged, nor an opened).
     */
    private Answer sendWhileWaiting(StreamConnection c, Wire.Request request, boolean cancelled) {
        try {
            transmit(c, request, false);
            return null;
        } catch (RemotePeerLostException failed) {
            Answer already = alreadyReceived(c, cancelled);
            drop();
            if (already == null) {
                throw failed;
            }
            return already;
        }
    }

    /**
     * The final reply that arrived before {@code c} failed, if one did (heartbeats skipped); null if
     * none, or if the reply was one that the failure undoes.
     */
    private static Answer alreadyReceived(StreamConnection c, boolean cancelled) {
        try {
            for (byte[] frame; (frame = c.poll()) != null; ) {
                Wire.Reply reply = Wire.decodeReply(frame);
                if (!(reply instanceof Wire.Heartbeat)) {
                    boolean complete = reply instanceof Wire.Error || reply instanceof Wire.Sent
                            || reply instanceof Wire.Empty;
                    return complete ? new Answer(reply, cancelled) : null;
                }
            }
        } catch (JipcException orUnreadable) {
            // nothing more can be read: the failure stands
        }
        return null;
    }

    /**
     * Sends {@code request} whole. The caller's interrupt status does not stop it and stays set; an
     * interrupt while it waits for room drops the connection (the frame is finished before the
     * interrupt is reported, or nothing was sent, but the request's fate is unknown).
     */
    private void transmit(StreamConnection c, Wire.Request request) {
        transmit(c, request, true);
    }

    /** {@link #transmit(StreamConnection, Wire.Request)}; a failure drops the connection only if {@code dropOnFailure}. */
    private void transmit(StreamConnection c, Wire.Request request, boolean dropOnFailure) {
        boolean interrupted = Thread.interrupted();
        try {
            if (!c.offer(Wire.encode(request), options.peerTimeout())) {
                throw lost("the gateway stopped reading for " + Timeouts.text(options.peerTimeout()), null);
            }
        } catch (InterruptedException e) {
            interrupted = true;
            throw lost("interrupted while writing to the gateway", e);
        } catch (JipcException e) {
            String why = "connection to the gateway failed: " + e.getMessage();
            throw dropOnFailure ? lost(why, e) : failure(why, e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The failure of the connection, which is dropped: see {@link #failure}. */
    private JipcException lost(String why, Throwable cause) {
        drop();
        return failure(why, cause);
    }

    /**
     * What a call that lost its connection throws: {@link ClosedException} when {@link #close()}
     * ended it (from another thread, during the call), unless the call is a send whose request had
     * left and whose answer did not come (close() waits for that answer for a while, but not for a
     * gateway that stopped answering): then, as for any connection lost under a send,
     * {@link RemotePeerLostException}, which says that the message may or may not be in the mailbox.
     */
    private JipcException failure(String why, Throwable cause) {
        if (!closed) {
            return new RemotePeerLostException("remote mailbox " + uri + ": " + why, cause);
        }
        PendingRequest send = pendingSend;
        if (send != null && send.isTransmitted()) {
            return new RemotePeerLostException("remote mailbox " + uri + " was closed during a send whose answer"
                    + " did not come (" + why + "): the message may or may not be in the mailbox", cause);
        }
        return closedMeanwhile(cause);
    }

    private ClosedException closedMeanwhile(Throwable cause) {
        ClosedException e = new ClosedException("remote mailbox " + uri + " was closed during the call");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private void drop() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    private RuntimeException unexpected(Wire.Reply reply) {
        if (reply instanceof Wire.Error error) {
            if (endsTheConnection(error.code())) {
                drop(); // the gateway closes it after this reply: the next call connects afresh
            }
            return switch (error.code()) {
                case BAD_PRIORITY -> new IllegalArgumentException(error.text());
                default -> new RemoteMailboxException(error.code(), "remote mailbox " + uri + ": " + error.text());
            };
        }
        drop();
        return new ProtocolException("unexpected reply " + reply + " from the gateway of " + uri);
    }

    /** Whether the gateway ends the connection after an error of this code (the others leave it usable). */
    static boolean endsTheConnection(Wire.ErrorCode code) {
        return switch (code) {
            case MESSAGE_TOO_LARGE, BAD_PRIORITY, RECEIVER_BUSY -> false;
            case NO_SUCH_MAILBOX, PROTOCOL, INTERNAL, NOT_OPEN -> true;
        };
    }

    /**
     * The deadline of a call's wait for its turn ({@link Turns}): now for an at-once call, the end
     * of its timeout for a timed one, none for a blocking one.
     */
    private static long deadline(Wire.Wait wait, long timeoutNanos) {
        return switch (wait) {
            case NOW -> System.nanoTime();
            case TIMED -> Timeouts.deadline(Duration.ofNanos(timeoutNanos));
            case FOREVER -> Timeouts.NO_DEADLINE;
        };
    }

    /**
     * Whether a call that may wait ({@code put}, {@code take}, the timed verbs) comes with its thread
     * interrupted: it then asks the gateway for what it can do at once, as {@code offer(msg)} and
     * {@code poll()} do, and completes if that completes (keeping the status) or throws
     * {@link InterruptedException} if not (the library's rule, docs/architecture.md, "Interrupts and
     * timeouts"): only the gateway knows whether it would wait, and a request that waits there and
     * is cancelled at once would refuse a message that was there.
     */
    private static boolean interruptedBeforeWaiting(Wire.Wait wait) {
        return wait != Wire.Wait.NOW && Thread.currentThread().isInterrupted();
    }

    /**
     * A call that did not get its turn by its deadline, another thread's request holding the
     * connection: it cannot complete at once, so an interrupted thread throws (and its status is
     * cleared), also for a zero timeout. The at-once calls never look at the status.
     */
    private static void interruptedUnlessAtOnce(Wire.Wait wait) throws InterruptedException {
        if (wait != Wire.Wait.NOW && Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** What is left of a timed call's timeout once it has its turn (for its wait at the gateway). */
    private static long left(Wire.Wait wait, long timeoutNanos, long deadline) {
        if (wait != Wire.Wait.TIMED || deadline == Timeouts.NO_DEADLINE) {
            return timeoutNanos;
        }
        return Math.max(0, deadline - System.nanoTime());
    }

    private static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        try {
            return Math.max(0, timeout.toNanos());
        } catch (ArithmeticException tooLong) {
            return timeout.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    /**
     * Closes the connection; a thread blocked in a call of this handle ends with
     * {@link ClosedException}, and later calls throw it too. Idempotent; any thread may call it.
     * <ul>
     * <li>A receive in progress is abandoned at the gateway as when a client goes away: a delivery
     *     not acknowledged is given back for the next receive.</li>
     * <li>A send in progress (its request sent) is cancelled at the gateway, and this method waits
     *     for the gateway's answer before it closes the connection, so that the send's caller learns
     *     the truth: a send that completed returns normally, a cancelled one throws
     *     {@link ClosedException} and sent nothing. The wait is about one round trip; with a gateway
     *     that does not answer, it lasts until the sending thread declares the gateway lost
     *     ({@linkplain RemoteOptions#peerTimeout() peer timeout}; at most three peer timeouts), and
     *     that send fails with {@link RemotePeerLostException}: its message may or may not be in the
     *     mailbox. The closing thread's interrupt status does not cut the wait short and is kept.
     *     (Until 2026-12-05 the connection was closed at once, and a send the gateway completed as
     *     the close came threw {@link ClosedException} though its message was in the mailbox.)</li>
     * <li>A call that is connecting (the first call after a lost connection) ends with
     *     {@link ClosedException} once its connect returns, within the
     *     {@linkplain RemoteOptions#connectTimeout() connect timeout}, and closes the new connection
     *     without using it.</li>
     * </ul>
     * Otherwise it does not block.
     */
    @Override
    public void close() {
        closed = true;
        PendingRequest send = pendingSend;
        if (send != null) { // the caller publishes it, then reads closed: one of the two sees the other
            if (send.isTransmitted() && send.claimCancel()) { // else the caller cancels it once sent
                cancel(send.connection());
            }
            send.awaitSettled(closeWaitNanos());
        }
        StreamConnection c = connection;
        if (c != null) {
            c.close();
        }
    }

    /**
     * Sends a {@code Cancel} from {@link #close()}, for the send another thread awaits the answer to.
     * A failure is left to that thread, which sees it too; the closing thread's interrupt status
     * does not stop it and is kept.
     */
    private void cancel(StreamConnection c) {
        boolean interrupted = Thread.interrupted();
        try {
            c.offer(Wire.encode(new Wire.Cancel()), options.peerTimeout());
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (JipcException failed) {
            // the caller's wait fails with the connection
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * How long {@link #close()} waits for the answer to a send in progress: long enough for the
     * caller to give up on a silent gateway itself (a write of up to the peer timeout, then the peer
     * timeout of silence, checked every heartbeat interval), so that it is the caller that reports it.
     */
    private long closeWaitNanos() {
        long peer = Timeouts.nanos(options.peerTimeout());
        return peer >= Timeouts.MOST_NANOS / 3 ? Timeouts.MOST_NANOS : 3 * peer;
    }

    @Override
    public String toString() {
        return "RemoteMailbox[" + uri + "]";
    }
}
