package io.jipc.remote;

import io.jipc.Timeouts;
import io.jipc.JipcException;
import io.jipc.mailbox.MailboxBusyException;
import io.jipc.net.FrameCodec;
import io.jipc.net.StreamConnection;
import io.jipc.platform.Printable;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves one client connection of a {@link MailboxGateway}, on the connection's virtual thread:
 * an {@link Wire.Open} first, within the {@linkplain RemoteOptions#connectTimeout() connect timeout}
 * of connecting (else the connection is ended with an error), then one request at a time. Until a
 * mailbox is open the connection accepts no frame longer than {@link Wire#MAX_OPEN} (a longer one
 * ends it at its header, {@link io.jipc.net.InvalidFrameException}); from then on, none longer than
 * a Send of the message size its {@link Wire.Opened} announced ({@link Wire#OVERHEAD} more: the
 * smaller of the mailbox's message size and the gateway's {@code maxFrameSize} less that), ended the
 * same way, so a client holds no more of the gateway's memory than a message the mailbox takes. While a
 * request blocks on the mailbox it waits in slices of the heartbeat interval, sending a
 * {@link Wire.Heartbeat} after each, and a {@link ClientWatch} reads what the client sends meanwhile
 * ({@link Wire.Ping}, {@link Wire.Cancel}): a cancellation, the end of the connection (at once when
 * the client process dies: the kernel closes its socket), a protocol violation or silence longer
 * than the peer timeout interrupts the wait at once, and then nothing was sent, or a message handed
 * to it is given back to the {@link ExportedMailbox} for the next receive (in the mailbox itself). A delivery not acknowledged within the peer timeout is given back too, pings or not. A receive of an exported mailbox waits while another
 * session's delivery of it is outstanding (see {@link ExportedMailbox}). A frame that breaks the
 * protocol is answered {@link Wire.ErrorCode#PROTOCOL} in every state (idle, while a request waits,
 * while a delivery awaits its acknowledgement, while the {@code Open} resolves); a delivery it
 * interrupts is given back first. An error reply that ends the connection is followed by end of
 * stream and a bounded read of what the client still sends ({@link #lingerAfterFinalReply()}), so
 * that the close does not reset the connection.
 */
final class GatewaySession {
    private static final AtomicLong DELIVERIES = new AtomicLong();
    /** How long a connection ended by an error reply is read for the client's end of stream. */
    private static final long LINGER_MILLIS = 1000;

    private final MailboxGateway gateway;
    private final StreamConnection connection;
    private final RemoteOptions options;
    private ExportedMailbox exported;
    /** The protocol version of the client's {@link Wire.Open}: whether deliveries carry the priority. */
    private int version;
    private long lastHeard = System.nanoTime();

    /**
     * The client went away (end of stream, silence, a failed connection) while a request was in
     * progress, or broke the protocol ({@link ProtocolViolation}).
     */
    private static class ClientGone extends Exception {
        private static final long serialVersionUID = 1L;

        ClientGone(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * The client broke the protocol while a request was in progress (a frame that does not decode,
     * a request out of turn): answered {@code Error(PROTOCOL, reason)}, then the connection ends.
     */
    private static final class ProtocolViolation extends ClientGone {
        private static final long serialVersionUID = 1L;

        ProtocolViolation(String why) {
            super(why);
        }
    }

    /** How a wait at the mailbox ended when it did not succeed. */
    private enum Outcome { DONE, TIMED_OUT, CANCELLED }

    /**
     * Tests only (StalledReaderTest): run by a session when its wait for the client's frame (its Open, or a
     * request while a delivery awaits its Ack) found none, before it decides on the clock whether the client is
     * late or silent, to stand for the session's stall there. Null otherwise.
     */
    static volatile Runnable afterEmptyPoll;
    /**
     * Tests only (StalledReaderTest): run by a session when an attempt of a timed send or receive at the
     * mailbox did not succeed within its slice, before it decides on the clock whether the wait timed out, to
     * stand for the session's stall there. Null otherwise.
     */
    static volatile Runnable afterFailedAttempt;

    GatewaySession(MailboxGateway gateway, StreamConnection connection) {
        this.gateway = gateway;
        this.connection = connection;
        this.options = gateway.options();
    }

    void serve() throws InterruptedException {
        // a client that has not opened a mailbox may send nothing longer than an Open: connections that
        // never open one pin no more than that each, not a whole frame of the gateway's limit
        connection.setReceiveLimit(Math.min(Wire.MAX_OPEN, options.maxFrameSize()));
        try {
            long openBy = Timeouts.deadline(options.connectTimeout());
            for (byte[] frame; (frame = nextFrame(openBy)) != null; ) {
                lastHeard = System.nanoTime();
                Wire.Request request;
                try {
                    request = Wire.decodeRequest(frame);
                } catch (ProtocolException e) {
                    reply(new Wire.Error(Wire.ErrorCode.PROTOCOL, e.getMessage()));
                    lingerAfterFinalReply();
                    return;
                }
                if (!handle(request)) {
                    lingerAfterFinalReply();
                    return;
                }
            }
        } catch (ProtocolViolation violation) {
            // a delivery in progress has been given back already (deliver's finally)
            try {
                reply(new Wire.Error(Wire.ErrorCode.PROTOCOL, violation.getMessage()));
            } catch (ClientGone gone) {
                return;
            }
            lingerAfterFinalReply();
        } catch (ClientGone gone) {
            // the connection is closed by the server when this returns
        } finally {
            if (exported != null) {
                gateway.release(exported);
            }
        }
    }

    /**
     * The client's next frame, waiting as long as it takes once a mailbox is open (an idle client
     * sends nothing), else only until {@code openBy}; null at end of stream.
     *
     * @throws ProtocolViolation if no mailbox was opened by {@code openBy}: a connection that never
     *                           speaks must not hold one of the server's connection slots for good
     */
    private byte[] nextFrame(long openBy) throws InterruptedException, ProtocolViolation {
        if (exported != null) {
            return connection.take();
        }
        while (true) {
            long left = openBy == Timeouts.NO_DEADLINE ? Timeouts.MOST_NANOS : openBy - System.nanoTime();
            // past the deadline by the clock: one look more, without waiting (a stall of this thread after its
            // wait must not refuse an Open that came meanwhile and waits unread; until 2026-12-07 it did)
            byte[] frame = left > 0 ? connection.poll(Duration.ofNanos(left)) : connection.poll();
            if (frame != null || connection.isEndOfStream()) {
                return frame;
            }
            stallHere();
            if (left <= 0) {
                throw new ProtocolViolation("no Open within " + Timeouts.text(options.connectTimeout())
                        + " of connecting");
            }
        }
    }

    /**
     * After an error reply that ends the connection: sends end of stream after it, then reads and
     * discards what the client still sends until it closes its side, for at most
     * {@value #LINGER_MILLIS} ms. Closing a socket that holds unread bytes (the client's pings
     * while a slow request was served) resets the connection, and a client that learns of the reset
     * before it reads the reply may never see the reply.
     */
    private void lingerAfterFinalReply() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMillis(LINGER_MILLIS).toNanos();
        try {
            connection.shutdownOutput();
            for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                if (connection.poll(Duration.ofNanos(left)) == null && connection.isEndOfStream()) {
                    return;
                }
            }
        } catch (JipcException gone) {
            // nothing more to read: close
        }
    }

    /** Handles one request; false when the connection must end. */
    private boolean handle(Wire.Request request) throws InterruptedException, ClientGone {
        if (request instanceof Wire.Open open) {
            return open(open);
        }
        if (exported == null && (request instanceof Wire.Send || request instanceof Wire.Receive)) {
            reply(new Wire.Error(Wire.ErrorCode.NOT_OPEN, "no mailbox opened on this connection"));
            return false;
        }
        try {
            switch (request) {
                case Wire.Send send -> send(send);
                case Wire.Receive receive -> receive(receive);
                default -> {
                    // a ping, or an acknowledgement or cancellation that arrived after its request ended
                }
            }
        } catch (MailboxBusyException e) { // one code for both roles: see Wire.ErrorCode.RECEIVER_BUSY
            reply(new Wire.Error(Wire.ErrorCode.RECEIVER_BUSY, (request instanceof Wire.Send ? "sender" : "receiver")
                    + " role busy: " + e.getMessage()));
        } catch (IllegalArgumentException e) {
            reply(new Wire.Error(Wire.ErrorCode.BAD_PRIORITY, e.getMessage()));
        } catch (JipcException e) {
            reply(new Wire.Error(Wire.ErrorCode.INTERNAL, e.getMessage()));
            return false;
        }
        return true;
    }

    private boolean open(Wire.Open open) throws InterruptedException, ClientGone {
        if (exported != null || open.version() < Wire.MIN_VERSION || open.version() > Wire.VERSION) {
            reply(new Wire.Error(Wire.ErrorCode.PROTOCOL, exported != null ? "mailbox already opened"
                    : "protocol version " + open.version() + " not supported (this gateway speaks "
                            + Wire.MIN_VERSION + " to " + Wire.VERSION + ")"));
            return false;
        }
        version = open.version();
        try {
            exported = resolveWithHeartbeats(open.name());
        } catch (MailboxGateway.LabelledMailboxException e) { // with --all: not served, see exportAll
            reply(new Wire.Error(Wire.ErrorCode.NO_SUCH_MAILBOX, e.getMessage()));
            return false;
        } catch (JipcException e) { // with --all: a file under the mailbox directory that is no mailbox of ours
            reply(new Wire.Error(Wire.ErrorCode.INTERNAL, "mailbox " + Printable.quoted(open.name()) + " cannot be opened: "
                    + e.getMessage()));
            return false;
        }
        if (exported == null) {
            reply(new Wire.Error(Wire.ErrorCode.NO_SUCH_MAILBOX, "no mailbox " + Printable.quoted(open.name()) + " exported by " + gateway));
            return false;
        }
        int limit = Math.min(exported.mailbox.maxMessageSize(), options.maxFrameSize() - Wire.OVERHEAD);
        // what Opened announces, and no more: a longer Send could only be refused, so its header ends the
        // connection before its payload is read and held (set before Opened: the client sends at once)
        connection.setReceiveLimit(limit + Wire.OVERHEAD);
        reply(new Wire.Opened(limit, exported.mailbox.priorities()));
        return true;
    }

    /**
     * The exported mailbox {@code name} ({@link MailboxGateway#acquire}), resolved on a virtual
     * thread of its own while this one sends the client a heartbeat every heartbeat interval:
     * opening a mailbox file whose creator is still initialising it waits up to the 2 s a mailbox
     * takes to become ready, longer than a client's peer timeout may be. What the client sends
     * meanwhile (pings) is read and dropped. If this session gives up first, the reference the
     * resolving thread acquires is given back when it comes.
     */
    private ExportedMailbox resolveWithHeartbeats(String name) throws InterruptedException, ClientGone {
        CompletableFuture<ExportedMailbox> resolving = new CompletableFuture<>();
        Thread.ofVirtual().name("jipc-gateway-open").start(() -> {
            try {
                resolving.complete(gateway.acquire(name));
            } catch (Throwable e) {
                resolving.completeExceptionally(e);
            }
        });
        long heartbeat = Timeouts.nanos(options.heartbeatInterval());
        boolean handedOver = false;
        try {
            while (true) {
                try {
                    ExportedMailbox mailbox = resolving.get(heartbeat, TimeUnit.NANOSECONDS);
                    handedOver = true;
                    return mailbox;
                } catch (TimeoutException stillOpening) {
                    reply(new Wire.Heartbeat());
                    for (Wire.Request r; (r = nextRequest(Duration.ZERO)) != null; ) {
                        if (!(r instanceof Wire.Ping)) { // nothing else belongs before the answer to the Open
                            throw new ProtocolViolation("unexpected " + describe(r) + " before the Open was answered");
                        }
                    }
                } catch (ExecutionException e) {
                    handedOver = true; // nothing was acquired
                    if (e.getCause() instanceof RuntimeException failure) {
                        throw failure;
                    }
                    throw new IllegalStateException("resolving mailbox '" + name + "' failed", e.getCause());
                }
            }
        } finally {
            if (!handedOver) {
                resolving.thenAccept(mailbox -> {
                    if (mailbox != null) {
                        gateway.release(mailbox);
                    }
                });
            }
        }
    }

    private void send(Wire.Send send) throws InterruptedException, ClientGone {
        byte[] payload = send.payload();
        if (payload.length > exported.mailbox.maxMessageSize()) {
            reply(new Wire.Error(Wire.ErrorCode.MESSAGE_TOO_LARGE, payload.length + "-byte message exceeds the "
                    + exported.mailbox.maxMessageSize() + " bytes of mailbox '" + exported.mailbox.name() + "'"));
            return;
        }
        int priority = send.priority();
        Outcome outcome = switch (send.mode()) {
            case NOW -> exported.mailbox.offer(payload, priority) ? Outcome.DONE : Outcome.TIMED_OUT;
            case TIMED, FOREVER -> waitFor(send.mode(), send.timeoutNanos(),
                    slice -> exported.mailbox.offer(payload, priority, slice), null);
        };
        reply(new Wire.Sent(outcome == Outcome.DONE));
    }

    private void receive(Wire.Receive receive) throws InterruptedException, ClientGone {
        ExportedMailbox.Received[] got = new ExportedMailbox.Received[1];
        switch (receive.mode()) {
            case NOW -> got[0] = exported.poll(Duration.ZERO);
            case TIMED, FOREVER -> waitFor(receive.mode(), receive.timeoutNanos(),
                    slice -> (got[0] = exported.poll(slice)) != null, () -> {
                        got[0].settle(false); // the client cancelled or went meanwhile: the next receive gets it
                        got[0] = null;
                    });
        }
        if (got[0] == null) {
            reply(new Wire.Empty());
            return;
        }
        deliver(got[0]);
    }

    /**
     * Hands {@code message} to the client and waits for its acknowledgement, at most the peer
     * timeout from when the delivery was written (pings do not extend it: the delivery holds the
     * mailbox's receive turn); settles it either way: acknowledged (gone from the mailbox), or
     * given back for the next receive when the client cancelled, went silent or away, broke the
     * protocol or did not acknowledge in time (the last two then end the connection).
     */
    private void deliver(ExportedMailbox.Received message) throws InterruptedException, ClientGone {
        long id = DELIVERIES.incrementAndGet();
        boolean acknowledged = false;
        try {
            reply(version >= 2 ? new Wire.PrioritizedDelivery(id, message.priority(), message.payload())
                    : new Wire.Delivery(id, message.payload()), deliveryFrameLimit());
            long deadline = Timeouts.deadline(options.peerTimeout());
            while (!acknowledged) {
                long left = deadline == Timeouts.NO_DEADLINE ? Timeouts.MOST_NANOS : deadline - System.nanoTime();
                // past the deadline by the clock: one look more, without waiting, so that a stall of this thread
                // after its wait (a GC pause, a loaded host) does not refuse an acknowledgement that came meanwhile
                // and waits unread (until 2026-12-07 it did)
                Wire.Request next = left > 0 ? nextRequest(Duration.ofNanos(left)) : lastLook();
                if (next == null) {
                    if (left <= 0) {
                        throw new ProtocolViolation("delivery " + id + " not acknowledged within "
                                + Timeouts.text(options.peerTimeout()) + " (pings do not extend it)");
                    }
                    continue; // silence and end of stream are checked in nextRequest
                }
                if (next instanceof Wire.Cancel) {
                    return;
                }
                acknowledged = next instanceof Wire.Ack ack && ack.deliveryId() == id;
                if (!acknowledged && !(next instanceof Wire.Ping)) {
                    throw new ProtocolViolation("unexpected " + describe(next) + " while delivery " + id
                            + " awaits its acknowledgement");
                }
            }
        } finally {
            message.settle(acknowledged);
        }
    }

    /**
     * Retries {@code attempt} in heartbeat slices, sending a heartbeat after each, until it
     * succeeds, the timeout passes or the client ends the wait. Meanwhile a {@link ClientWatch}
     * reads the connection and interrupts the attempt as soon as the client cancels, closes the
     * connection, breaks the protocol or falls silent: the interrupted mailbox wait has sent or
     * taken nothing. An attempt that succeeded as the client ended the wait stands if it cannot be
     * undone ({@code undo} null: a send; answered as sent when the client cancelled) and is undone
     * otherwise (a receive: the message is given back, answered as cancelled).
     *
     * @throws ClientGone        if the client went away (also after a successful attempt)
     * @throws ProtocolViolation if it broke the protocol meanwhile
     */
    private Outcome waitFor(Wire.Wait wait, long timeoutNanos, ClientWatch.Attempt attempt, Runnable undo)
            throws InterruptedException, ClientGone {
        if (attempt.tryFor(Duration.ZERO)) {
            return Outcome.DONE; // no wait: no watcher thread
        }
        long deadline = wait == Wire.Wait.FOREVER || timeoutNanos >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE
                : System.nanoTime() + timeoutNanos;
        long heartbeat = Timeouts.nanos(options.heartbeatInterval());
        ClientWatch watch = ClientWatch.start(connection, lastHeard, options.peerTimeout());
        Outcome outcome;
        try {
            while (true) {
                // The clock is read before the attempt: past the deadline, one more attempt is made without
                // waiting, and only then is the wait timed out, so that a stall of this thread after an attempt
                // that failed (a GC pause, a loaded host) does not time out a receive whose message came into
                // the mailbox meanwhile, or a send for which room appeared (until 2026-12-07 it decided on a
                // clock read after the attempt, and the client was told Empty, or not sent)
                long left = deadline == Long.MAX_VALUE ? heartbeat : deadline - System.nanoTime();
                boolean last = left <= 0;
                boolean done;
                try {
                    done = watch.attempt(attempt, last ? Duration.ZERO : Duration.ofNanos(Math.min(heartbeat, left)));
                } catch (InterruptedException e) {
                    if (watch.verdict() == null) {
                        throw e; // not the watcher's: the gateway is closing
                    }
                    done = false;
                }
                if (done) {
                    outcome = Outcome.DONE;
                    break;
                }
                if (watch.verdict() != null) {
                    outcome = Outcome.CANCELLED;
                    break;
                }
                if (last) {
                    outcome = Outcome.TIMED_OUT;
                    break;
                }
                Runnable seam = afterFailedAttempt;
                if (seam != null) {
                    seam.run();
                }
                if (deadline == Long.MAX_VALUE || deadline - System.nanoTime() > 0) {
                    reply(new Wire.Heartbeat());
                }
            }
        } finally {
            watch.stop();
            lastHeard = watch.lastHeard();
        }
        ClientWatch.Verdict verdict = watch.verdict();
        if (verdict == null) {
            return outcome;
        }
        if (outcome == Outcome.DONE && undo != null) {
            undo.run();
        }
        return switch (verdict.kind()) {
            case CANCELLED -> outcome == Outcome.DONE && undo == null ? Outcome.DONE : Outcome.CANCELLED;
            case GONE -> throw new ClientGone(verdict.why());
            case PROTOCOL_VIOLATION -> throw new ProtocolViolation(verdict.why());
        };
    }

    /**
     * The next request the client sent, waiting at most {@code timeout}; null if none came.
     *
     * @throws ProtocolViolation if the client sent a frame that does not decode
     * @throws ClientGone        if the client closed the connection, its connection failed, or it has
     *                           been silent for longer than the peer timeout
     */
    private Wire.Request nextRequest(Duration timeout) throws InterruptedException, ClientGone {
        byte[] frame;
        try {
            frame = timeout.isZero() ? connection.poll() : connection.poll(timeout);
        } catch (JipcException e) {
            throw new ClientGone(e.toString());
        }
        if (frame == null) {
            if (connection.isEndOfStream()) {
                throw new ClientGone("client closed the connection");
            }
            stallHere();
            if (System.nanoTime() - lastHeard <= Timeouts.nanos(options.peerTimeout())) {
                return null;
            }
            // silent by the clock: one look more, without waiting, before the client is taken for gone, so that
            // a stall of this thread after its wait (a GC pause, a loaded host) does not lose a client whose
            // frame came meanwhile and waits unread (until 2026-12-07 it did)
            Wire.Request request = lastLook();
            if (request == null) {
                throw new ClientGone(connection.isEndOfStream() ? "client closed the connection"
                        : "client silent for longer than " + Timeouts.text(options.peerTimeout()));
            }
            return request;
        }
        return heard(frame);
    }

    /**
     * The request the client has sent, if one waits whole in the connection: a look without waiting, made
     * before a decision on the clock (the client silent, an acknowledgement late); null if none.
     *
     * @throws ProtocolViolation if the client sent a frame that does not decode
     * @throws ClientGone        if its connection failed
     */
    private Wire.Request lastLook() throws ClientGone {
        byte[] frame;
        try {
            frame = connection.poll();
        } catch (JipcException e) {
            throw new ClientGone(e.toString());
        }
        return frame == null ? null : heard(frame);
    }

    /** Runs the test seam {@link #afterEmptyPoll}, if set. */
    private static void stallHere() {
        Runnable seam = afterEmptyPoll;
        if (seam != null) {
            seam.run();
        }
    }

    /** A frame the client sent, decoded; the client is heard from now. */
    private Wire.Request heard(byte[] frame) throws ProtocolViolation {
        lastHeard = System.nanoTime();
        try {
            return Wire.decodeRequest(frame);
        } catch (ProtocolException e) {
            throw new ProtocolViolation(e.getMessage());
        }
    }

    /** A request as an error text names it: its type, and the delivery an {@code Ack} is of. */
    static String describe(Wire.Request request) {
        return request instanceof Wire.Ack ack ? "Ack of delivery " + ack.deliveryId()
                : request.getClass().getSimpleName();
    }

    private void reply(Wire.Reply reply) throws ClientGone {
        reply(reply, options.maxFrameSize());
    }

    /**
     * The largest delivery frame this session sends: the gateway's {@code maxFrameSize}, or the
     * exported mailbox's message size plus {@value Wire#OVERHEAD} if that is more. The gateway's
     * limit bounds what clients may send it (memory it allocates for them); a message a local
     * process put into the mailbox is delivered whatever its size, as far as the receiving client's
     * own limit admits it (else its receive fails with {@code MessageTooLargeException}).
     */
    private int deliveryFrameLimit() {
        return (int) Math.min(FrameCodec.MAX_FRAME_SIZE,
                Math.max(options.maxFrameSize(), (long) exported.mailbox.maxMessageSize() + Wire.OVERHEAD));
    }

    /**
     * Sends {@code reply} in one frame of at most {@code frameLimit} bytes, which must leave whole
     * within the peer timeout of this call ({@link StreamConnection#offerWhole(byte[], Duration, int)}):
     * else the client is gone (it stopped reading; a frame cut half-way has closed the connection).
     * A timed {@code offer} bounded only the first byte, and its last try at the end of the wait often
     * found a little room the kernel had made without announcing it, so a client that stopped reading
     * was given up after about two peer timeouts, not one.
     */
    private void reply(Wire.Reply reply, int frameLimit) throws ClientGone {
        try {
            if (!connection.offerWhole(Wire.encode(reply), options.peerTimeout(), frameLimit)) {
                throw new ClientGone("client stopped reading for " + Timeouts.text(options.peerTimeout()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientGone("gateway closing");
        } catch (JipcException e) {
            throw new ClientGone(e.toString());
        }
    }
}
