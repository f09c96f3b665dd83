package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.Timeouts;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Direct communication (seed 002): processes name each other. Each process that opens its
 * endpoint can be sent to by its {@link ProcessIdentity}: {@code send(P, message)}; it receives
 * from anyone ({@link #receive()}, the message says who sent it) or only from one process
 * ({@link #receive(ProcessIdentity)}); lecture 004's truncating {@code receive(from, msg, sz)} is
 * {@link #receive(ProcessIdentity, ByteBuffer)}. A link between two processes is bidirectional:
 * each sends to the other's endpoint, and a reply goes to {@link Message#sender()}.
 *
 * <h2>How</h2>
 * An endpoint is a mailbox with headers named {@code endpoint-<token>} after its process's
 * {@linkplain ProcessIdentity#token() token} (pid and start time, so a reused pid names another
 * endpoint), created by {@link #open()} and destroyed by {@link #close()}; endpoints left by dead
 * processes are removed by the next {@link #open()}. {@code receive(Q)} takes messages in arrival
 * order and keeps those of other senders in this process, in order, for later receives (they are
 * this process's messages: if it dies they are gone, as they would be in its mailbox).
 *
 * <h2>Buffering while {@code receive(Q)} waits</h2>
 * The kept messages count against the endpoint's own buffering, so that it holds as the endpoint
 * was created (seed 002: zero capacity, the sender waits for the receiver; bounded capacity, the
 * sender waits while the link is full):
 * <ul>
 * <li>A receive from one process takes another sender's message out of the endpoint only while the
 *     kept messages are fewer than the endpoint's {@linkplain MailboxOptions.Builder#messageLimit
 *     message limit} (if it has one) and take fewer bytes than its {@linkplain
 *     Mailbox#capacityBytes() capacity}; otherwise it leaves the endpoint alone and waits, and
 *     senders wait on the full endpoint. So an endpoint with a limit of {@code n} holds at most
 *     {@code n} messages and this process at most {@code n} more. The consequence: a {@code
 *     receive(Q)} whose message is behind a full kept store waits until the application (another
 *     thread, or a later call) receives the kept messages, or until its timeout.</li>
 * <li>On a rendezvous endpoint ({@code messageLimit(0)}) a kept message is not yet taken: its
 *     sender's {@link #send} goes on waiting until a receive hands the message to the application
 *     (a send never returns for a message the application has not received). A sender that gives
 *     up meanwhile (it re-offers every {@value #LIVENESS_CHECK_MILLIS} ms, see {@link #send}, or is
 *     interrupted) withdraws its message: the kept copy is dropped, never handed out. If this
 *     process dies, such a send fails as any send to a dead process does ({@link
 *     MailboxNotFoundException}). Only the bytes bound applies to the kept store here. An
 *     at-once {@link #offer} is kept only while another thread of this process waits in a receive
 *     that takes it (from anyone, or from its sender): otherwise it is declined and returns false
 *     at once (the message withdrawn, never handed out), as an offer does when no receive waits,
 *     instead of waiting for the application.</li>
 * </ul>
 *
 * <p>Thread-safe. One endpoint per process, and one handle of it: while a handle is open, {@link
 * #open()} throws {@link IllegalStateException} (share the handle among threads; a second handle
 * would keep messages of its own, and its close would destroy the endpoint under the first: until
 * 2026-12-05 a second open returned such a handle, whose close left the other open-looking handle
 * receiving nothing for ever); after {@link #close()} it opens the endpoint anew: a new, empty
 * mailbox under the same name, which other processes' sends go to from their next send on (a send
 * waiting in the closed one fails, see {@link #send}; until 2026-12-06 processes that had sent to
 * the closed one went on sending into it: their messages were lost, then their sends waited for
 * ever).
 * Threads of one handle may receive at once: one at a time waits on the endpoint's mailbox and keeps
 * the messages it is not waiting for, so another thread's {@code receive(Q)} takes Q's from there; a
 * receive that waits for that thread waits no longer than its own timeout (a timed one then returns
 * null) and ends on an interrupt, as its wait for a message does.
 */
public final class Endpoint implements AutoCloseable {
    private static final String PREFIX = "endpoint-";

    private final Mailbox inbox;
    private final ProcessIdentity identity = ProcessIdentity.current();
    /** Guards {@link #kept} and {@link #receiving}; held only briefly, never while a thread waits for the inbox. */
    private final ReentrantLock state = new ReentrantLock();
    /** Signalled when {@link #kept} gains a message or {@link #receiving} ends. */
    private final Condition changed = state.newCondition();
    /**
     * Messages received while waiting for another sender, in arrival order, with their senders'
     * pending rendezvous tickets; guarded by {@link #state}. Bounded: see {@link #hasRoomToKeep()}.
     */
    private final Deque<HeldMessage> kept = new ArrayDeque<>();
    /** Payload bytes of {@link #kept}; guarded by {@link #state}. */
    private long keptBytes;
    /** Whether a thread is receiving from {@link #inbox} now; guarded by {@link #state}. */
    private boolean receiving;
    /**
     * Threads in a receive now, by the sender token each takes ({@link #ANYONE}: any), so that an
     * at-once offer is kept only for a receive that takes it; guarded by {@link #state}.
     */
    private final Map<Long, Integer> receivers = new HashMap<>();
    /** The key of {@link #receivers} for a receive from anyone (no process has token 0). */
    private static final long ANYONE = 0;
    /** Peers' endpoints this process sent to; guarded by itself. */
    private final Map<Long, Mailbox> peers = new HashMap<>();
    private volatile boolean closed;
    /** This process's open handle, or null; guarded by {@code Endpoint.class}. */
    private static Endpoint open;
    /** When each peer was last found alive ({@link System#nanoTime()}); guarded by {@link #peers}. */
    private final Map<Long, Long> checkedAlive = new HashMap<>();

    private Endpoint(Mailbox inbox) {
        this.inbox = inbox;
    }

    /**
     * The {@linkplain MailboxOptions.Builder#protocol protocol label} of every endpoint: its receiver
     * takes the sender a message's header names as the process that sent it, so a gateway serving any
     * mailbox a client names (jipc-remote's {@code exportAll}, whose process writes that header for its
     * clients) does not serve it (until 2026-12-06 endpoints were unlabelled, and a TCP client could send
     * a message that {@code receive(Q)} took as Q's).
     */
    public static final String PROTOCOL = "jipc-endpoint";

    /**
     * Opens this process's endpoint (creating it, with {@code options}' sizes, if needed; headers
     * are always on, and the protocol label is {@link #PROTOCOL}, whatever {@code options} say; a file
     * of this process's endpoint name that other code of the user made first is opened as it is, with
     * its own label or none).
     *
     * @throws IllegalStateException if this process has an open handle of its endpoint (share it)
     */
    public static Endpoint open(MailboxOptions.Builder options) {
        synchronized (Endpoint.class) {
            if (open != null) {
                throw new IllegalStateException("this process's endpoint is open already (" + open + "): share that"
                        + " handle (it is thread-safe), or close it first; a second handle would keep messages of"
                        + " its own, and its close would destroy the endpoint under the first");
            }
            removeDeadEndpoints();
            String name = nameOf(ProcessIdentity.current().token());
            open = new Endpoint(Mailbox.openOrCreate(name, options.headers(true).protocol(PROTOCOL).build()));
            return open;
        }
    }

    /** Opens this process's endpoint with the default sizes (1 MiB, messages up to 64 KiB). */
    public static Endpoint open() {
        return open(MailboxOptions.builder());
    }

    /** This process, as others name it in {@link #send}. */
    public ProcessIdentity identity() {
        return identity;
    }

    /**
     * Whether {@code process} has an endpoint now: it opened one and has not closed it, and it is alive.
     *
     * @throws io.jipc.InsecureFileException if the jipc root or its {@code mailbox/} directory is a
     *                                       link, another user's, or open to others (as {@link Mailbox#exists})
     */
    public static boolean exists(ProcessIdentity process) {
        return Mailbox.exists(nameOf(process.token())) && ProcessIdentity.isAlive(process.token());
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends {@code message} to {@code process}'s endpoint, waiting while it is full (to a rendezvous
     * endpoint: until the application of that process received it, see the class comment). Each send
     * checks that the endpoint this process has open for {@code process} is still its endpoint (one
     * {@code lstat}: the name {@code endpoint-<token>} still names that file), so a message is never
     * put into the endpoint of a process that closed it, also when that process has opened its
     * endpoint again since: the send opens the new one and goes there. The check and the put are two
     * steps, so a send that overlaps the close can still put its message into the closed endpoint and
     * return normally, and the message is lost: put in just before the close, it is one of the
     * endpoint's unread messages, which the close drops; put in after the check but after the close
     * too (the sending thread descheduled between the two steps), it lies in the destroyed file (a
     * default or bounded endpoint; a rendezvous send waits there and fails as below). A process that
     * closes its endpoint while others send to it must expect to lose what is in flight, as with
     * any receiver that stops. It also checks, at most every {@value
     * #LIVENESS_CHECK_MILLIS} ms and while it waits, that the process is alive, so a killed
     * process's endpoint (which nobody removed) does not swallow messages or hold a send forever. A
     * message sent within that interval after the process was killed goes into its endpoint and is
     * lost with it. A send that waits (for room, or for the receiving application) when the process
     * ends or closes its endpoint fails with {@link MailboxNotFoundException} within {@value
     * #LIVENESS_CHECK_MILLIS} ms, its message delivered to neither endpoint: also when the process
     * opened a new one meanwhile (the close drops what the old one held, and the waiting message goes
     * with it; it does not arrive late in the new one, where a receiver could not tell it from a
     * message sent after its reopen). Threads of this process that wait in sends to the same process
     * then all fail so, not only the first to notice.
     *
     * @throws MailboxNotFoundException if that process has no endpoint (not opened, closed, or it
     *                                  ended; a death is noticed within {@value #LIVENESS_CHECK_MILLIS}
     *                                  ms), or it closed the endpoint while this send waited in it (even
     *                                  if it opened a new one since)
     * @throws ClosedException          if this endpoint was closed
     */
    public void send(ProcessIdentity process, byte[] message) throws InterruptedException {
        try {
            Mailbox endpoint = peer(process);
            while (!endpoint.offer(message, LIVENESS_CHECK)) {
                checkAlive(process, true);
                if (peer(process) != endpoint) { // throws if it has none now
                    throw new MailboxNotFoundException("process " + process.pid() + " closed its endpoint while this"
                            + " send waited (it has opened a new one since): the message was not delivered", null);
                }
            }
        } catch (ClosedException e) {
            throw goneOr(process, e);
        }
    }

    /**
     * Sends {@code message} to {@code process} if its endpoint has room now; false if it is full. Its
     * liveness is checked as by {@link #send}: at most every {@value #LIVENESS_CHECK_MILLIS} ms. To a
     * rendezvous endpoint it hands the message over only if that process is blocked in a receive
     * that takes it now: true once that receive took it; false at once if no receive waits, or if
     * the waiting ones are {@code receive(Q)}s for other processes (the one waiting on the endpoint
     * declines the message instead of keeping it: it is withdrawn, never received), or if the
     * receive does not take it within the endpoint's dead-sender timeout (100 ms by default: the process is
     * stopped, say, or busy in another receive's handling; the message is withdrawn, never
     * received). It never waits for the receiving application longer than that.
     *
     * @throws MailboxNotFoundException if that process has no endpoint (not opened, closed, or it
     *                                  ended; a death is noticed within {@value #LIVENESS_CHECK_MILLIS} ms)
     * @throws ClosedException          if this endpoint was closed
     */
    public boolean offer(ProcessIdentity process, byte[] message) {
        try {
            return peer(process).offer(message);
        } catch (ClosedException e) {
            throw goneOr(process, e);
        }
    }

    /**
     * What a send to {@code process} that met {@code closed} reports. Threads of this process
     * share one handle of a peer's endpoint ({@link #peers}); the handle is closed only by {@link
     * #close()} (this endpoint closed: {@code closed} stands) or by a thread that found the peer
     * gone ({@link #checkAlive}, {@link #peer}) while another thread's send used it: that send's
     * peer is gone too, so it fails as a send to a gone process does ({@link
     * MailboxNotFoundException}), not with the handle's {@link ClosedException}.
     */
    private RuntimeException goneOr(ProcessIdentity process, ClosedException closedHandle) {
        if (closed) {
            return closedHandle;
        }
        String why = ProcessIdentity.isAlive(process.token())
                ? " closed its endpoint while this send used it: the message was not delivered"
                : " has ended: its endpoint is gone";
        return new MailboxNotFoundException("process " + process.pid() + why, closedHandle);
    }

    /** How often a send checks that the receiving process is alive. */
    static final long LIVENESS_CHECK_MILLIS = 100;
    private static final Duration LIVENESS_CHECK = Duration.ofMillis(LIVENESS_CHECK_MILLIS);

    /**
     * Throws if {@code process} has ended, checking at most every {@link #LIVENESS_CHECK} per peer
     * unless {@code now}. The endpoint it left (it was killed: nobody closed it) is removed with what
     * it holds: nobody can receive from it any more.
     */
    private void checkAlive(ProcessIdentity process, boolean now) {
        long token = process.token();
        long at = System.nanoTime();
        synchronized (peers) {
            Long last = checkedAlive.get(token);
            if (!now && last != null && at - last < LIVENESS_CHECK.toNanos()) {
                return;
            }
            checkedAlive.put(token, at);
        }
        if (!ProcessIdentity.isAlive(token)) {
            synchronized (peers) {
                Mailbox peer = peers.remove(token);
                checkedAlive.remove(token);
                if (peer != null) {
                    peer.destroy(); // that file only, if the name is still its own
                    peer.close();
                }
            }
            throw new MailboxNotFoundException("process " + process.pid() + " has ended: its endpoint is gone", null);
        }
    }

    private Mailbox peer(ProcessIdentity process) {
        Objects.requireNonNull(process, "process");
        if (closed) {
            throw new ClosedException("the endpoint of process " + identity.pid() + " is closed");
        }
        checkAlive(process, false);
        long token = process.token();
        synchronized (peers) {
            Mailbox peer = peers.get(token);
            if (peer != null && (peer.isClosed() || !peer.isStillNamed())) {
                // the peer closed its endpoint (or ended), maybe opened a new one under the same name
                // since: never send into the destroyed one (until 2026-12-06 only the name was checked,
                // so after a reopen sends went into the old file and were lost, or waited for ever)
                peer.close();
                peers.remove(token);
                peer = null;
            }
            if (peer == null) {
                try {
                    peer = Mailbox.open(nameOf(token));
                } catch (MailboxNotFoundException e) {
                    throw new MailboxNotFoundException("process " + process.pid() + " has no endpoint", e);
                }
                peers.put(token, peer);
            }
            return peer;
        }
    }

    // ------------------------------------------------------------------ receiving

    /** Receives the next message from any process (receive(ANY)), waiting as long as needed. */
    public Message receive() throws InterruptedException {
        return next(null, Timeouts.NO_DEADLINE);
    }

    /** Receives the next message from {@code process} only, waiting as long as needed. */
    public Message receive(ProcessIdentity process) throws InterruptedException {
        return next(Objects.requireNonNull(process, "process"), Timeouts.NO_DEADLINE);
    }

    /**
     * Receives the next message from any process, waiting at most {@code timeout}; null if none came.
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    public Message poll(Duration timeout) throws InterruptedException {
        return next(null, Timeouts.deadline(timeout));
    }

    /**
     * Receives the next message from {@code process}, waiting at most {@code timeout}; null if none came.
     *
     * @throws NullPointerException if {@code process} or {@code timeout} is null
     */
    public Message poll(ProcessIdentity process, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(process, "process");
        return next(process, Timeouts.deadline(timeout));
    }

    /**
     * Lecture 004's {@code receive(from, msg, sz)}: the next message from {@code from}, or from any
     * process if {@code from} is null ("dontcare"), waiting as long as needed; as much of it as fits
     * in {@code buffer.remaining()} bytes is copied into {@code buffer} (from its position, which is
     * advanced) and the rest is discarded. The result names the sender, as the lecture's {@code from}
     * is overwritten, and says how long the message was: {@link Received#truncated()} when it did not
     * fit.
     *
     * @throws java.nio.ReadOnlyBufferException if {@code buffer} is read-only (checked before receiving)
     * @throws IllegalStateException if {@code buffer} is a segment's {@code asByteBuffer()} of a closed
     *         arena, {@link WrongThreadException} if of a confined arena of another thread (checked before
     *         receiving; an arena closed by another thread while the message is copied loses it)
     */
    public Received receive(ProcessIdentity from, ByteBuffer buffer) throws InterruptedException {
        return truncated(next(from, Timeouts.NO_DEADLINE, buffer), buffer);
    }

    /**
     * As {@link #receive(ProcessIdentity, ByteBuffer)}, waiting at most {@code timeout}; null if none came.
     *
     * @throws NullPointerException if {@code buffer} or {@code timeout} is null
     */
    public Received poll(ProcessIdentity from, ByteBuffer buffer, Duration timeout) throws InterruptedException {
        long deadline = Timeouts.deadline(timeout);
        return truncated(next(from, deadline, buffer), buffer);
    }

    private Message next(ProcessIdentity from, long deadline, ByteBuffer buffer) throws InterruptedException {
        if (buffer.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (buffer.isDirect()) { // a heap buffer is always accessible; a segment's asByteBuffer() may not be
            MessageMemory.requireAccessible(MemorySegment.ofBuffer(buffer), "no message was received");
        }
        return next(from, deadline);
    }

    private static Received truncated(Message message, ByteBuffer buffer) {
        if (message == null) {
            return null;
        }
        byte[] payload = message.payload();
        int copied = Math.min(payload.length, buffer.remaining());
        buffer.put(payload, 0, copied);
        return new Received(message.sender(), payload.length, copied);
    }

    /**
     * The next message from {@code from} (anyone if null), waiting until {@code deadline} ({@link
     * System#nanoTime()} based; {@link Timeouts#NO_DEADLINE}: as long as needed); null at the deadline.
     * One thread at a time receives from the inbox (it holds {@link #receiving}); the others wait for
     * it to keep a message of theirs or to finish, each no longer than its own deadline and
     * interruptibly, then take their turn. A receive from one process takes its turn only while
     * {@link #kept} has room: otherwise it waits for another thread to receive a kept message.
     */
    private Message next(ProcessIdentity from, long deadline) throws InterruptedException {
        long key = from == null ? ANYONE : from.token();
        state.lock();
        try {
            receivers.merge(key, 1, Integer::sum);
        } finally {
            state.unlock();
        }
        try {
            return nextInTurn(from, deadline);
        } finally {
            state.lock();
            try {
                receivers.compute(key, (unused, count) -> count == 1 ? null : count - 1);
                if (!kept.isEmpty() && !closed) {
                    declineUnwanted();
                }
            } finally {
                state.unlock();
            }
        }
    }

    /** {@link #next(ProcessIdentity, long)} once the calling thread is counted in {@link #receivers}. */
    private Message nextInTurn(ProcessIdentity from, long deadline) throws InterruptedException {
        while (true) {
            state.lock();
            try {
                while (true) {
                    if (closed) { // kept messages were dropped with the endpoint: never handed out after close
                        throw new ClosedException("the endpoint of process " + identity.pid() + " is closed");
                    }
                    Message earlier = takeKept(from);
                    if (earlier != null) {
                        return earlier;
                    }
                    boolean room = from == null || hasRoomToKeep();
                    if (!receiving && room) {
                        receiving = true;
                        break;
                    }
                    // while full, kept messages' senders may withdraw them (nobody signals): look again
                    if (!awaitChange(deadline, room ? Timeouts.NO_DEADLINE : RECHECK_KEPT_NANOS)) {
                        return null; // another thread receives and keeps what is ours, or the store is full
                    }
                }
            } finally {
                state.unlock();
            }
            HeldMessage held = null;
            try {
                held = receiveFromInbox(from, deadline);
            } finally {
                state.lock();
                try {
                    receiving = false;
                    changed.signalAll();
                    if (held != null && !isFrom(from, held.message())) {
                        keepOrDecline(held); // another sender's: for a later receive, maybe another thread's
                    }
                } finally {
                    state.unlock();
                }
            }
            if (held == null) {
                return null;
            }
            if (isFrom(from, held.message()) && inbox.release(held.ticket())) {
                return held.message();
            }
            // kept for a later receive, or withdrawn by its sender meanwhile: go on
        }
    }

    /** How often a receive that waits for room in {@link #kept} looks for withdrawn messages there. */
    private static final long RECHECK_KEPT_NANOS = LIVENESS_CHECK.toNanos();

    private static boolean isFrom(ProcessIdentity from, Message message) {
        return from == null || message.senderToken() == from.token();
    }

    /**
     * Waits for {@link #changed} until {@code deadline}, and at most {@code atMostNanos}; false if
     * the deadline had passed. Holds {@link #state}.
     */
    private boolean awaitChange(long deadline, long atMostNanos) throws InterruptedException {
        if (deadline == Timeouts.NO_DEADLINE && atMostNanos == Timeouts.NO_DEADLINE) {
            changed.await();
            return true;
        }
        long left = deadline == Timeouts.NO_DEADLINE ? Long.MAX_VALUE : deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        changed.awaitNanos(Math.min(left, atMostNanos));
        return true;
    }

    /**
     * The next message of the inbox: any message with its ticket taken ({@code from} null: it is
     * handed out at once), or one held with its ticket pending ({@code from} given: it may be another
     * sender's, kept or declined; see {@link Mailbox#takeHeld()} and {@link #keepOrDecline}).
     */
    private HeldMessage receiveFromInbox(ProcessIdentity from, long deadline) throws InterruptedException {
        long left = deadline == Timeouts.NO_DEADLINE ? Long.MAX_VALUE : deadline - System.nanoTime();
        if (from == null) {
            Message message = deadline == Timeouts.NO_DEADLINE ? inbox.takeMessage()
                    : left <= 0 ? inbox.pollMessage() : inbox.pollMessage(Duration.ofNanos(left));
            return message == null ? null : new HeldMessage(message, 0);
        }
        return deadline == Timeouts.NO_DEADLINE ? inbox.takeHeld()
                : inbox.pollHeld(Duration.ofNanos(Math.max(0, left)));
    }

    /**
     * Whether a receive from one process may take another message from the inbox, which it may have
     * to keep: while {@link #kept} holds fewer messages than the endpoint's message limit (if it has
     * one; none on a rendezvous endpoint) and fewer bytes than its ring's capacity. Drops kept
     * messages whose senders withdrew them first. Holds {@link #state}.
     */
    private boolean hasRoomToKeep() {
        for (Iterator<HeldMessage> it = kept.iterator(); it.hasNext(); ) {
            HeldMessage held = it.next();
            if (inbox.dropIfWithdrawn(held.ticket())) {
                it.remove();
                keptBytes -= held.message().payload().length;
            }
        }
        int limit = inbox.messageLimit();
        return (limit <= 0 || kept.size() < limit) && keptBytes < inbox.capacityBytes();
    }

    /**
     * Adds another sender's message to {@link #kept}, unless it is an at-once offer that no thread
     * in a receive waits for: that one is declined (its {@link #offer} returns false now instead of
     * waiting for a later receive) and dropped. Holds {@link #state}.
     */
    private void keepOrDecline(HeldMessage held) {
        if (!wanted(held.message().senderToken()) && inbox.declineAtOnce(held.ticket())) {
            return;
        }
        kept.addLast(held);
        keptBytes += held.message().payload().length;
    }

    /** Whether a thread in a receive now takes a message of the sender {@code token}. Holds {@link #state}. */
    private boolean wanted(long token) {
        return receivers.containsKey(ANYONE) || receivers.containsKey(token);
    }

    /**
     * Declines the kept at-once offers that no thread in a receive takes any more (their offers
     * waited for a thread that has just left). Holds {@link #state}.
     */
    private void declineUnwanted() {
        for (Iterator<HeldMessage> it = kept.iterator(); it.hasNext(); ) {
            HeldMessage held = it.next();
            if (!wanted(held.message().senderToken()) && inbox.declineAtOnce(held.ticket())) {
                it.remove();
                keptBytes -= held.message().payload().length;
            }
        }
    }

    /**
     * The first kept message from {@code from} (anyone if null) whose sender still waits for it or
     * does not wait: its ticket is taken here, so its send completes now. Those withdrawn meanwhile
     * are dropped. Holds {@link #state}.
     */
    private Message takeKept(ProcessIdentity from) {
        for (Iterator<HeldMessage> it = kept.iterator(); it.hasNext(); ) {
            HeldMessage held = it.next();
            if (isFrom(from, held.message())) {
                it.remove();
                keptBytes -= held.message().payload().length;
                if (inbox.release(held.ticket())) {
                    return held.message();
                }
            }
        }
        return null;
    }

    /** Messages kept for later receives now (for tests). */
    int keptCount() {
        state.lock();
        try {
            return kept.size();
        } finally {
            state.unlock();
        }
    }

    /** Payload bytes of the messages kept for later receives now (for tests). */
    long keptBytes() {
        state.lock();
        try {
            return keptBytes;
        } finally {
            state.unlock();
        }
    }

    /** Closes the peers' handles and destroys this process's endpoint (unread messages are dropped). */
    @Override
    public void close() {
        closed = true;
        state.lock();
        try { // the unread kept messages go with the endpoint; waiting receives see the close
            kept.clear();
            keptBytes = 0;
            changed.signalAll();
        } finally {
            state.unlock();
        }
        synchronized (peers) {
            peers.values().forEach(Mailbox::close);
            peers.clear();
        }
        try {
            inbox.destroy();
            inbox.close();
        } finally {
            synchronized (Endpoint.class) { // the process may open its endpoint again
                if (open == this) {
                    open = null;
                }
            }
        }
    }

    /**
     * The process, the endpoint's mailbox name and the messages kept for later receives, or that it
     * is closed, e.g. {@code Endpoint[pid 4711, endpoint-12670000a8f3, 2 kept]}.
     */
    @Override
    public String toString() {
        String head = "Endpoint[pid " + identity.pid() + ", " + inbox.name();
        if (closed) {
            return head + ", closed]";
        }
        state.lock();
        try {
            return head + ", " + kept.size() + " kept]";
        } finally {
            state.unlock();
        }
    }

    // ------------------------------------------------------------------ names

    private static String nameOf(long token) {
        return PREFIX + Long.toHexString(token);
    }

    /** Destroys the endpoints whose processes have ended. */
    private static void removeDeadEndpoints() {
        Path directory = JipcRoot.path(MailboxDescriptor.DIRECTORY);
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*")) {
            for (Path file : files) {
                String hex = file.getFileName().toString().substring(PREFIX.length());
                try {
                    long token = Long.parseUnsignedLong(hex, 16);
                    if (!ProcessIdentity.isAlive(token)) {
                        Mailbox.destroy(file.getFileName().toString());
                    }
                } catch (NumberFormatException notAnEndpoint) {
                    // some other mailbox named endpoint-...
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }
}
