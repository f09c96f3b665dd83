package io.jipc.rpc;

import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MailboxExistsException;
import io.jipc.mailbox.MessageTooLargeException;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.Registration;
import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.platform.ProcessIdentity;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Serves an implementation of a Java interface to other processes of this host, and, with
 * {@link Builder#listen}, to processes of other hosts over TCP (or to those of this host over a
 * Unix-domain socket): the server stub of jipc's remote procedure calls. Callers reach it with an
 * {@link RpcClient} of the same interface and the same name (or the listener's
 * {@code tcp://HOST:PORT/NAME} or {@code unix:PATH#NAME}).
 *
 * <pre>{@code
 * interface Bank { long balance(String account); void deposit(String account, long cents); }
 *
 * try (RpcServer<Bank> server = RpcServer.start("bank", Bank.class, new BankImpl())) {
 *     server.awaitClose();                 // serves until closed (e.g. by a shutdown hook)
 * }
 * }</pre>
 *
 * <p><b>How it works.</b> The server creates a mailbox of the given name, labelled with the protocol
 * {@value #PROTOCOL} ({@link Mailbox#protocol()}): a client sends nothing into a mailbox without
 * that label, so its HELLO never reaches a receiver that is not an RPC server. Platform threads take turns
 * at receiving from it (leader/follower): the one receiving hands the turn on when it takes a call
 * and runs the call itself, so a request meets no thread hand-off on its way to the implementation,
 * and calls of one or many clients run concurrently (a slow call holds up no other). A client says
 * HELLO with the name of its own reply mailbox, where each call's result or failure goes. With a
 * listener, each TCP client's frames are read on a platform thread of its connection, each of its
 * calls runs on a platform thread of a pool, and replies go back on the connection: no call, and
 * no virtual thread of the process, can keep a connection from answering its client's keep-alive
 * PINGs or a new client's HELLO (CPU-bound virtual threads hold their carriers). The frames
 * are {@link RpcFrame}'s; arguments and results are {@link Marshaller}'s, checked against the
 * interface. A call that the client cancels, or whose timeout passes here, has its thread
 * interrupted. A call starts (its implementation is entered) only once its arguments are decoded,
 * which may take long (large arguments, record constructors that check much): one cancelled, or whose
 * deadline passes, or whose server begins to {@linkplain #close() close}, before or while its
 * arguments are decoded never starts, and answers CANCELLED (CLOSING for the close) instead. A call
 * fails alone, never the client's session: a result larger than the client
 * takes fails that call ({@link RpcProtocolException} at the caller), and an exception whose message
 * is too long for it arrives with the message cut to fit (its beginning, then
 * {@code " … (N characters cut)"}; the class name whole). Every call gets exactly one answer: a result
 * whose encoding throws anything (a {@code subList} view whose backing list changed since, a collection
 * another thread changes meanwhile, an {@link OutOfMemoryError}) fails that call too
 * ({@link RpcProtocolException} naming the method and what was thrown; logged {@code WARNING} here with
 * its stack trace), and an exception whose {@code getMessage()} throws arrives with its class name and a
 * message saying so; the server's thread goes on, and a mailbox client's place in its bound
 * ({@link Builder#maxCallsPerConnection}) is given back as for any reply. Arguments whose decoding
 * here throws (a record whose constructor refuses its components; a map key whose {@code hashCode()} or
 * {@code equals} throws) are the caller's bad arguments: the method does not run, and the call fails
 * with {@link RpcProtocolException} naming the method and what was thrown (code {@code BAD_ARGUMENTS});
 * not a bug of the server, so logged at {@code DEBUG} only ({@code WARNING} for an {@link Error}, such
 * as memory running out while they are decoded).
 *
 * <p><b>How many calls at once.</b> At most {@link Builder#maxCalls} calls ({@value #DEFAULT_MAX_CALLS}
 * by default) are in progress at once, and at most {@link Builder#maxCallsPerConnection}
 * ({@value #DEFAULT_MAX_CALLS_PER_CONNECTION}) of one TCP connection or of one client through the
 * mailbox. Calls beyond {@code maxCalls} wait at the server for a slot, in order, up to the request
 * mailbox's capacity in bytes (of all clients, one call always; and the calls set aside whose turn came); the server goes on reading behind
 * them (so a CANCEL of a waiting call drops it unrun), and beyond that it takes no further request
 * from the mailbox, or reads nothing more from that connection, until a call ends: clients that send
 * calls faster than they end are slowed (their requests wait in the mailbox or the socket buffers),
 * and the server's threads and memory stay bounded. A client's calls beyond its own bound (through
 * the mailbox, which is shared, or over a connection) are set aside at the server (up to the request
 * mailbox's capacity in bytes) and start as its calls end, while the server goes on taking other
 * clients' requests and that client's CANCELs. A call's deadline runs from when the server takes it:
 * one that has not started when it passes is dropped unrun. A call's reply that finds no room in its
 * client's reply mailbox (the client is stopped, or does not read) waits at the server, in order, and
 * holds no thread and no slot of {@code maxCalls}; a client whose replies found no room for {@link
 * Builder#replyTimeout} ({@link #DEFAULT_REPLY_TIMEOUT}, 10 s) is forgotten. A call that calls
 * this server again may wait for a free slot.
 *
 * <p><b>When a peer dies.</b> A client that dies while its call runs gets no reply; the server notices
 * when a reply finds no room and the client's process is gone, and otherwise within {@link #SWEEP_INTERVAL} (it checks its mailbox clients' liveness that often, on
 * its deadline timer's thread, once a client has come through the mailbox), and then interrupts
 * that client's running calls (their answers dropped), drops those that have not started (set aside,
 * waiting for a slot, or their arguments still being decoded: they never start), and removes its reply
 * mailbox. The same sweep removes the reply mailboxes of this service that clients killed before their
 * HELLO reached the server left behind ({@link StrayReplyMailboxes}). A client of this host that lives but takes no
 * reply for {@link Builder#replyTimeout} is forgotten the same way (its mailbox kept), and told
 * CLOSING once its mailbox has room; so is a client that says BYE ({@link RpcClient#close()}), and a live
 * client whose reply mailbox another process removed (taken for gone; told through the mapping both
 * still hold: until 2026-12-07 it was told nothing, and waited for ever). A TCP
 * client is forgotten when its connection ends: at once if
 * its process dies, after about the connection's frame timeout if its host vanishes or its link is cut
 * (the kernel's keepalive and {@code TCP_USER_TIMEOUT}: {@link Builder#listen(SocketAddress, ServerOptions)}).
 * If this process dies,
 * clients notice within their liveness check ({@link RpcClient.Options#livenessCheck()}); the
 * request mailbox is left for {@code jipc gc} (its owner is dead) or the next server of that name,
 * which replaces it.
 *
 * <p><b>When the request mailbox fails.</b> A receive from it that throws while the server is not
 * closing (its file was overwritten, e.g. by another process of the same user: the same record
 * would fail every later receive) makes the server log it ({@link System.Logger} {@code io.jipc.rpc},
 * {@code ERROR}) and close itself, as {@link #close()} does: {@link #awaitClose()} returns and
 * clients' calls fail with {@link RpcServerLostException}. Any other exception while a worker
 * handles one request is logged ({@code WARNING}) and the worker goes on taking requests.
 *
 * <p>Thread-safe. {@link #close()} destroys the request mailbox, lets running calls answer for up to
 * {@link #CLOSE_GRACE}, interrupts the rest and tells every connected client (CLOSING).
 *
 * @param <T> the interface served
 */
public final class RpcServer<T> implements AutoCloseable {
    /** The {@linkplain MailboxOptions.Builder#protocol protocol label} of every RPC server's request mailbox. */
    public static final String PROTOCOL = "jipc-rpc";
    /** The request mailbox's options unless given: 64 KiB messages, room for 256 KiB. */
    public static final MailboxOptions DEFAULT_MAILBOX = MailboxOptions.builder().maxMessageSize(64 * 1024)
            .capacityBytes(256 * 1024).build();
    /** How long {@link #close()} lets running calls finish before it interrupts them. */
    public static final Duration CLOSE_GRACE = Duration.ofSeconds(1);
    /** Workers that may wait to lead before a worker that finished a call ends. */
    private static final int MOST_IDLE_WORKERS = 4;
    /**
     * Calls in progress at once unless {@link Builder#maxCalls} says otherwise: beyond it the server
     * takes no further call until one ends.
     */
    public static final int DEFAULT_MAX_CALLS = 256;
    /**
     * Calls of one TCP connection in progress at once unless {@link Builder#maxCallsPerConnection}
     * says otherwise: beyond it the server reads nothing more from that connection until one ends.
     */
    public static final int DEFAULT_MAX_CALLS_PER_CONNECTION = 64;
    /**
     * How often a connection's reader that waits for a free slot tells its client that the server
     * lives (a PONG), since the client's PINGs wait unread behind the call.
     */
    private static final long SLOT_WAIT_SLICE_MILLIS = 100;
    /**
     * How often the server checks that the clients that came through the mailbox live, and forgets
     * the dead ones (their reply mailboxes removed): a dead client is otherwise noticed only when a
     * reply to it finds no room. Each check reads each client's process status and stats its reply
     * mailbox; calls and HELLOs pay nothing for it (until 2026-12-07 every HELLO through the mailbox
     * checked every client first, on the thread that takes every client's requests: with 1,000 clients
     * HELLOs were taken at 15 to 40 a second and other clients' calls waited behind them).
     */
    public static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);
    /**
     * How long a mailbox client's replies may find no room in its reply mailbox (none placed, while
     * its process lives) unless {@link Builder#replyTimeout} says otherwise: then the server forgets
     * it, as a TCP client that stops reading is cut after its connection's frame timeout (10 s too).
     */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Clients through the mailbox at once unless {@link Builder#maxMailboxClients} says otherwise: a
     * HELLO beyond it is refused.
     */
    public static final int DEFAULT_MAX_MAILBOX_CLIENTS = 1024;

    private final String name;
    private final Class<T> api;
    private final T implementation;
    private final Marshaller marshaller;
    private final Map<String, Method> methods;
    private final Mailbox requests;
    private final long self = ProcessIdentity.current().token();
    /**
     * Every client, by its id: a random non-zero 64-bit number ({@link #CLIENT_IDS}), told the client only
     * in its WELCOME, so that a writer of the request mailbox cannot name a client it did not learn of
     * from that client ({@link #mailboxClient}).
     */
    private final Map<Long, Client> clients = new ConcurrentHashMap<>();
    /** The clients of {@link #clients} that came through the mailbox: at most {@link #maxMailboxClients}. */
    private final AtomicInteger mailboxClients = new AtomicInteger();
    private final int maxMailboxClients;
    /**
     * Where client ids come from: a cryptographic generator, whose next value cannot be told from those
     * seen (an attacker's own client's id). Until 2026-12-07 ids were 1, 2, 3, ... for every client,
     * through the mailbox and over connections alike, and a CALL written into the request mailbox with
     * another client's id and its next call id was run as that client's call: the client's own call was
     * then dropped as its duplicate and it took the forged call's result as its own (a connection's client
     * had its connection ended).
     */
    private static final SecureRandom CLIENT_IDS = new SecureRandom();
    /**
     * Platform threads that run TCP clients' calls and a mailbox client's calls set aside: never
     * virtual threads, whose carriers CPU-bound calls would hold (and so starve the connections'
     * readers); pooled, since a thread started per call costs more than a short call. At most about
     * {@link Builder#maxCalls} run calls at once; an idle one ends after {@value #IDLE_CALL_THREAD_SECONDS} s.
     */
    private final ThreadPoolExecutor callThreads;
    /** How long a thread of {@link #callThreads} waits for another call before it ends. */
    private static final long IDLE_CALL_THREAD_SECONDS = 10;
    /**
     * Tests only (RpcServerStallTest): run by a connection's reader when its wait for the HELLO found none,
     * before it gives up on the connection, to stand for its stall there (given that connection). Null otherwise.
     */
    static volatile Consumer<StreamConnection> afterHelloWait;
    /**
     * Tests only (RpcServerStallTest): run by a mailbox client's delivery of replies when a reply found no room
     * in its reply mailbox within a slice, before it decides whether to forget the client, to stand for its
     * stall there. Null otherwise.
     */
    static volatile Runnable afterFailedPlace;
    /** Calls' deadlines and, once a client came through the mailbox, the periodic {@link #sweep()}. */
    private final ScheduledExecutorService deadlines;
    /** Whether the periodic {@link #sweep()} is scheduled (at the first HELLO through the mailbox). */
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** Held by the one worker that takes requests from the mailbox (the leader); the others wait to lead. */
    private final Semaphore leadership = new Semaphore(1);
    /** Workers waiting for {@link #leadership}. */
    private final AtomicInteger idleWorkers = new AtomicInteger();
    private final AtomicInteger workerNumbers = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The listener (TCP, or Unix-domain) for clients over connections, if any. */
    private volatile StreamServer listener;
    /** The service's name in a name service, if registered. */
    private volatile Registration registration;
    /** The host registered for the listener, if given. */
    private volatile String advertised;
    /** Calls started and not yet answered; guarded by itself for {@link #close()}'s wait. */
    private final Object callsLock = new Object();
    private int runningCalls;
    /** A permit per call that may be in progress (admitted, not yet ended); fair, so that no waiting connection starves. */
    private final Semaphore callSlots;
    private final int maxCallsPerConnection;
    /**
     * Calls that have their client's turn (a mailbox client's, or their connection's slot) and wait for
     * a slot of {@link #callSlots}, in the order taken; guarded by itself. The leader, and a connection's
     * reader, take further requests while they hold less than {@link #maxAwaitingSlotBytes}, so that a
     * CANCEL (or BYE) behind a waiting call is read and drops it unrun; a call that ends hands its slot
     * to the first of them ({@link #releaseSlot}). While one waits, no slot is free (but for a moment).
     */
    private final ArrayDeque<AwaitingSlot> awaitingSlot = new ArrayDeque<>();
    /** What the calls of {@link #awaitingSlot} count for ({@link ClientBacklog#size}); guarded by {@link #awaitingSlot}. */
    private long awaitingSlotBytes;
    /**
     * Calls handed a slot ({@link #handOff}) whose thread could not be started (the process's thread limit),
     * waiting for the deadline timer to try again; guarded by itself.
     */
    private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
    /** Whether a retry of {@link #deferred} is scheduled; guarded by {@link #deferred}. */
    private boolean retrying;
    /** The most {@link #awaitingSlot} holds before the leader or a reader waits: the request mailbox's capacity (one call always). */
    private final long maxAwaitingSlotBytes;
    /**
     * Calls cancelled (a CANCEL, or their deadline) before they started, and calls whose arguments were
     * still being decoded when the server began to close, or that were on their way to a thread or still
     * decoding when their client was forgotten, and so never run: for tests. (A forgotten client's calls
     * set aside or waiting for a slot, which {@link #forget} drops itself, are not counted.)
     */
    private final AtomicLong droppedUnrun = new AtomicLong();
    private final Duration replyTimeout;
    /** The reason of the CLOSING a forgotten client is told ({@link #closing}). */
    private final String sessionEnded;
    /**
     * Reply mailboxes of forgotten clients, by client id, that live but had no room for their
     * CLOSING: each {@link #sweep()} tries again, so that such a client (stopped, then resumed) learns
     * that its calls are lost instead of waiting for ever; the handle is closed once it is told or gone.
     */
    private final Map<Long, Replies.ToMailbox> owedClosings = new ConcurrentHashMap<>();
    /** What removes the reply mailboxes of clients killed before their HELLO came (started by the sweep). */
    private final StrayReplyMailboxes strayReplies;
    private volatile boolean closed;
    /** Orders {@link #close()}s: the one that sets {@link #closed} closes, the others wait for {@link #stopped}. */
    private final Object closeLock = new Object();

    /**
     * A call running on a thread, which CANCEL, the call's deadline and {@link #close()} may
     * interrupt — but only until the call ends: a worker thread goes on to take requests, and an
     * interrupt meant for its last call must not reach what it does next.
     */
    private static final class RunningCall {
        /** The call's thread; null until a pooled thread takes the call ({@link #runOn}). */
        private Thread thread;
        /** An interrupt that came before the call had its thread: {@link #runOn} delivers it. */
        private boolean interruptPending;
        private boolean ended;
        private boolean cancelled;
        /** Interrupted by {@link #close()}: whatever the call made of it is not its answer. */
        private boolean closing;
        /**
         * Its client was forgotten ({@link RpcServer#forget}: a BYE, taken for gone, replies untaken): if it
         * has not started, it never does; its answer is dropped, as every answer to a forgotten client.
         */
        private boolean forgotten;
        /** The call's deadline at the server, from when the server took it; cancelled when the call ends. */
        private ScheduledFuture<?> deadline;

        RunningCall(Thread thread) {
            this.thread = thread;
        }

        /**
         * The call runs on {@code runner} from now on (an interrupt that came before it reaches it now);
         * false if it was cancelled (a CANCEL, or its deadline) or its client {@linkplain #forget() forgotten}
         * before it started: then it must not run, and it has ended.
         */
        synchronized boolean runOn(Thread runner) {
            thread = runner;
            if (cancelled || forgotten) {
                ended = true;
                return false;
            }
            if (interruptPending && !ended) {
                runner.interrupt();
            }
            return true;
        }

        /**
         * Called by the call's thread once its arguments are decoded, right before the implementation
         * is entered: null if the call starts now, or why it must not (then it has ended, and no interrupt
         * reaches the thread after this): {@code CLOSING} if {@code serverClosed} (the server's
         * {@link RpcServer#closed}, read by the caller) or {@link #interruptForClose} came first,
         * {@code CANCELLED} if a CANCEL or its deadline came first, or its client was {@linkplain #forget()
         * forgotten} (that answer is dropped: nobody is left to take it). Decoding may take long (large
         * arguments, records whose constructors check much), and whatever came meanwhile must keep the
         * implementation from running, as it does before the decode ({@link #runOn}). Under this call's
         * lock, so a close either keeps it from starting or finds it started: then it is one of the
         * running calls the close waits for (it was counted when admitted) and, once the close's grace is
         * over, interrupts ({@link #interruptForClose}); its thread may reach the implementation only after
         * {@link RpcServer#close()} has returned, but interrupted, and its outcome is not sent. No call
         * that had not passed this check when the close interrupted the running calls ever starts; nor any
         * that had not passed it when its client was forgotten (the same rule: it had started, and is
         * interrupted, or it never starts).
         */
        synchronized RpcFrame.FailureCode startAfterDecoding(boolean serverClosed) {
            RpcFrame.FailureCode refused = serverClosed || closing ? RpcFrame.FailureCode.CLOSING
                    : cancelled || forgotten ? RpcFrame.FailureCode.CANCELLED
                    : null;
            if (refused != null) {
                ended = true;
            }
            return refused;
        }

        /** Interrupts the call's thread if the call still runs; {@code cancel} marks it cancelled. */
        synchronized void interrupt(boolean cancel) {
            if (!ended) {
                cancelled |= cancel;
                deliverInterrupt();
            }
        }

        private void deliverInterrupt() {
            if (thread != null) {
                thread.interrupt();
            } else {
                interruptPending = true;
            }
        }

        /**
         * Its client is forgotten ({@link RpcServer#forget}): interrupts the call's thread if the call still
         * runs (not marked cancelled: what it then returns or throws is dropped with every answer to that
         * client), and keeps it from starting if it has not ({@link #runOn}, {@link #startAfterDecoding}:
         * waiting for its thread, or its arguments still decoding). Its deadline is removed.
         */
        synchronized void forget() {
            if (!ended) {
                forgotten = true;
                deliverInterrupt();
            }
            dropDeadline();
        }

        /** {@link #close()}'s interrupt, once its grace is over: the call's outcome is then dropped ({@link #end()}). */
        synchronized void interruptForClose() {
            if (!ended) {
                closing = true;
                deliverInterrupt();
            }
        }

        synchronized boolean cancelled() {
            return cancelled;
        }

        /** Its deadline (cancelled at once if the call has ended meanwhile). */
        synchronized void deadline(ScheduledFuture<?> timer) {
            deadline = timer;
            if (ended) {
                timer.cancel(false);
            }
        }

        /** The call has ended (ran, or was dropped unrun): its deadline is removed from the timer's queue. */
        synchronized void dropDeadline() {
            if (deadline != null) {
                deadline.cancel(false);
            }
        }

        /**
         * Ends the call: no interrupt reaches its thread after this. Returns whether {@link #close()}
         * interrupted it first: then what it returned is the close's doing, and its caller is told CLOSING.
         */
        synchronized boolean end() {
            ended = true;
            dropDeadline();
            return closing;
        }
    }

    /** A connected client: where its replies go, the largest it takes, and its running calls. */
    private static final class Client {
        final long id;
        final Replies replies;
        /** The channel's limit, or the client's own (its HELLO) if smaller. */
        final int maxReply;
        /** Whose limit {@link #maxReply} is, with its value: what a result too large is told it exceeds. */
        final String maxReplyText;
        final Map<Long, RunningCall> running = new ConcurrentHashMap<>();
        /**
         * Its calls in progress ({@link Builder#maxCallsPerConnection}) and set aside beyond them, and, through
         * mailboxes, its replies waiting for room.
         */
        final ClientBacklog backlog;

        Client(long id, Replies replies, int maxReply, String maxReplyText, ClientBacklog backlog) {
            this.id = id;
            this.replies = replies;
            this.maxReply = maxReply;
            this.maxReplyText = maxReplyText;
            this.backlog = backlog;
        }
    }

    /**
     * A call waiting in {@link #awaitingSlot}; {@code own} ends its place in its connection's bound (over
     * TCP; null for a mailbox client, whose reply's placing ends it): {@link #own(Client)}.
     */
    private record AwaitingSlot(Client client, RpcFrame.Call call, Runnable own) {
        /** What gives back its slots once it has one of {@code maxCalls} too ({@code shared} gives that back). */
        Runnable release(Runnable shared) {
            return both(shared, own);
        }
    }

    /** Runs {@code first}, then {@code then} if not null. */
    private static Runnable both(Runnable first, Runnable then) {
        return then == null ? first : () -> {
            first.run();
            then.run();
        };
    }

    private RpcServer(String name, Class<T> api, T implementation, MailboxOptions options, int maxCalls,
            int maxCallsPerConnection, int maxMailboxClients, Duration replyTimeout, ThreadFactory callThreadFactory) {
        this.callSlots = new Semaphore(maxCalls, true);
        this.maxMailboxClients = maxMailboxClients;
        this.maxCallsPerConnection = maxCallsPerConnection;
        this.replyTimeout = replyTimeout;
        this.sessionEnded = "'" + name + "' has ended this client's session "
                + "(a BYE for it, it was taken for gone, or its replies found no room for " + Timeouts.text(replyTimeout)
                + "): connect again";
        this.name = name;
        this.strayReplies = new StrayReplyMailboxes(name);
        this.api = api;
        this.implementation = implementation;
        this.marshaller = Marshaller.of(api);
        this.methods = RpcMethods.of(api);
        this.requests = createReplacingDead(name, options.toBuilder().protocol(PROTOCOL).build());
        this.maxAwaitingSlotBytes = requests.capacityBytes();
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("jipc-rpc-deadlines-" + name).factory());
        timer.setRemoveOnCancelPolicy(true);
        this.deadlines = timer;
        this.callThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_CALL_THREAD_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(), callThreadFactory != null ? callThreadFactory
                        : Thread.ofPlatform().daemon().name("jipc-rpc-calls-" + name + "-", 1).factory());
    }

    /**
     * Creates the request mailbox; one of that name whose creator has exited (a server that was
     * killed, or any process) is destroyed first, with whatever it still holds: nobody serves it.
     *
     * @throws MailboxExistsException if a live process made the mailbox of that name
     */
    private static Mailbox createReplacingDead(String name, MailboxOptions options) {
        try {
            return Mailbox.create(name, options);
        } catch (MailboxExistsException taken) {
            try (Mailbox existing = Mailbox.open(name)) {
                ProcessIdentity creator = existing.creator();
                if (creator.isAlive()) {
                    throw new MailboxExistsException("mailbox '" + name + "' exists and its creator, pid "
                            + creator.pid() + ", is alive (another server of that name?)", taken);
                }
                existing.destroy(); // that file only: a mailbox another starting server just made is left alone
            } catch (MailboxExistsException alive) {
                throw alive;
            } catch (RuntimeException unreadable) {
                throw taken;
            }
            return Mailbox.create(name, options); // two servers racing for the name: one of them gets EEXIST
        }
    }

    /**
     * Creates the mailbox {@code name} (replacing one whose creator is dead) and serves
     * {@code implementation} on it, with {@link #DEFAULT_MAILBOX}'s options.
     *
     * @throws NotMarshallableException if a method of {@code api} names a type calls cannot carry, or a record or
     *         enum io.jipc.rpc cannot use (not public, or not exported to it: {@link Marshaller#of})
     * @throws IllegalArgumentException if the interface is not public, or not exported to io.jipc.rpc
     * @throws io.jipc.mailbox.MailboxExistsException if a live process has a mailbox of that name
     */
    public static <T> RpcServer<T> start(String name, Class<T> api, T implementation) {
        return start(name, api, implementation, DEFAULT_MAILBOX);
    }

    /** As {@link #start(String, Class, Object)}, with the request mailbox's options (their size limits apply to requests). */
    public static <T> RpcServer<T> start(String name, Class<T> api, T implementation, MailboxOptions options) {
        return builder(name, api, implementation).mailboxOptions(options).start();
    }

    /** A server to configure: the request mailbox's options, a TCP port for clients on other hosts. */
    public static <T> Builder<T> builder(String name, Class<T> api, T implementation) {
        return new Builder<>(name, api, implementation);
    }

    /** Configures and starts an {@link RpcServer}. */
    public static final class Builder<T> {
        private final String name;
        private final Class<T> api;
        private final T implementation;
        private MailboxOptions mailboxOptions = DEFAULT_MAILBOX;
        private SocketAddress listen;
        private ServerOptions serverOptions = ServerOptions.defaults();
        private NameService names;
        private String advertisedHost;
        private int maxCalls = DEFAULT_MAX_CALLS;
        private int maxCallsPerConnection = DEFAULT_MAX_CALLS_PER_CONNECTION;
        private int maxMailboxClients = DEFAULT_MAX_MAILBOX_CLIENTS;
        private Duration replyTimeout = DEFAULT_REPLY_TIMEOUT;
        private ThreadFactory callThreadFactory;

        private Builder(String name, Class<T> api, T implementation) {
            this.name = Objects.requireNonNull(name, "name");
            this.api = Objects.requireNonNull(api, "api");
            this.implementation = Objects.requireNonNull(implementation, "implementation");
        }

        /**
         * The request mailbox's options (their size limits apply to requests through it); its
         * protocol label is always {@value RpcServer#PROTOCOL}.
         */
        public Builder<T> mailboxOptions(MailboxOptions options) {
            this.mailboxOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Also serves clients over connections to this address: a TCP address for clients of other
         * hosts, port 0 for a free one ({@link RpcServer#tcpAddress()}), which they reach as
         * {@code tcp://HOST:PORT/NAME}; or a {@link java.net.UnixDomainSocketAddress} for clients of this
         * host, which they reach as {@code unix:PATH#NAME} ({@link RpcClient#connect(java.net.URI, Class,
         * RpcClient.Options)}). The same frames either way, over {@code jipc-net}'s framed streams
         * ({@link StreamServer}: the socket file is made by {@link #start()}, a stale one of a dead
         * server replaced, and removed by {@link RpcServer#close()}). {@link RpcServer#listenAddress()}
         * says the address bound.
         */
        public Builder<T> listen(SocketAddress address) {
            return listen(address, ServerOptions.defaults());
        }

        /**
         * As {@link #listen(SocketAddress)}, with the listener's options (frame size limit, connections).
         * A connection whose HELLO has not arrived within {@code options.connection().connectTimeout()}
         * (10 s by default) is closed, so that connections that never speak cannot take every one of
         * {@code maxConnections}. Over TCP a connection's {@link ConnectionOptions#deadPeerTimeout()} is
         * its frame timeout (10 s by default) unless the options set one: a client whose host vanished,
         * or whose link was cut, is forgotten after about that long, idle or not (its running calls
         * interrupted, its {@code maxConnections} place freed), not after the kernel's retransmissions
         * (about 15 minutes) or never.
         */
        public Builder<T> listen(SocketAddress address, ServerOptions options) {
            this.listen = Objects.requireNonNull(address, "address");
            this.serverOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Registers the service in {@code names} as {@code rpc/NAME} while it runs (kind
         * {@value RpcClient#KIND}, id the interface's name, address the TCP listener's
         * {@code tcp://HOST:PORT/NAME} or {@code mailbox:NAME}, attribute {@code host} this host's
         * identity), so that {@link RpcClient#lookup} finds it from this host or, through a
         * cluster-wide service, from others. A Unix-domain listener is not recorded (the address is
         * {@code mailbox:NAME}): a lookup from this host connects through the mailbox, and no other
         * host can reach the socket.
         */
        public Builder<T> register(NameService names) {
            this.names = Objects.requireNonNull(names, "names");
            return this;
        }

        /**
         * The most calls in progress at once, of all clients ({@value RpcServer#DEFAULT_MAX_CALLS} unless
         * given): a call is in progress from when the server takes it until its reply has been sent, or,
         * through mailboxes, until its reply waits at the server for room in its client's reply mailbox
         * (see {@link #replyTimeout}): such a reply holds no slot and no thread. With
         * that many in progress further calls wait at the server for a slot, in the order taken, holding
         * no thread, up to the request mailbox's capacity in bytes ({@link #mailboxOptions}; of all
         * clients, through the mailbox and over TCP; one call always; and the calls clients had set aside
         * whose turn came, counted in their set-aside bytes already): the server reads on behind them, so
         * that a CANCEL (or the caller's timeout, which sends one) of a waiting call drops it unrun, and a
         * BYE or PING is answered. Beyond that it takes no further request from its mailbox, and reads no
         * further frame from a connection that has a call to start, until a call ends: the requests wait
         * in the mailbox (their senders wait for room) or in the socket buffers (the peer's writes stop),
         * so a client that sends calls faster than they end is slowed, and the server's threads and memory
         * stay bounded (at most this many calls' threads, and their arguments and that capacity more).
         * Frames that come behind a call the server cannot take on the same channel (HELLO, CANCEL and
         * BYE through the mailbox; anything on that connection) wait with it: a client keeps a CANCEL
         * that finds no room and sends it as room appears, and it drops its call if the call still waits
         * then (calls that get a slot before it start, and are interrupted when it comes). Deadlines the
         * calls carry run at the server from when it takes a call: a call still waiting when its
         * caller's timeout has passed is dropped unrun, CANCEL or not. A call that calls this server
         * again (directly, or through another server that calls back) waits for a free slot like any other:
         * if every slot is held by such calls, they wait for ever (until their timeouts), so keep nested
         * calls well below the bound.
         *
         * @throws IllegalArgumentException if {@code calls} is below 1
         */
        public Builder<T> maxCalls(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("maxCalls must be at least 1: " + calls);
            }
            this.maxCalls = calls;
            return this;
        }

        /**
         * The most calls of one TCP (or Unix-domain) connection, or of one client through the mailbox, in
         * progress at once ({@value RpcServer#DEFAULT_MAX_CALLS_PER_CONNECTION} unless given), within
         * {@link #maxCalls}: so that one peer cannot take every slot. A connection's further calls are set
         * aside as a mailbox client's are (below), and its reader reads on (a CANCEL of any of its waiting
         * calls drops it unrun); only with the request mailbox's capacity in bytes set aside does it
         * read nothing more from that connection until one of its calls ends; meanwhile it sends the
         * client a PONG every 100 ms, so that a client whose PINGs wait unread behind its call does not
         * take the server for lost. A mailbox client's call counts from when the server takes it until
         * its reply is in the client's reply mailbox (a reply waiting at the server for room there still
         * counts, so that a client that does not read has at most this many replies held for it). The
         * server takes a mailbox client's further calls from the shared mailbox and sets them aside, in
         * order, up to the request mailbox's capacity in bytes (one call always), starting each when one
         * of the client's calls ends; only a client with that much set aside makes the server wait for
         * one of its calls to end (or for it to be forgotten: see {@link #replyTimeout}) before it takes
         * further requests. A CANCEL (or the caller's timeout) of a call set aside, or waiting for a slot
         * of {@link #maxCalls}, drops it unrun.
         *
         * @throws IllegalArgumentException if {@code calls} is below 1
         */
        public Builder<T> maxCallsPerConnection(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("maxCallsPerConnection must be at least 1: " + calls);
            }
            this.maxCallsPerConnection = calls;
            return this;
        }

        /**
         * The most clients through the mailbox at once ({@value RpcServer#DEFAULT_MAX_MAILBOX_CLIENTS} unless
         * given): a HELLO through the mailbox beyond it is refused, and that client's {@link RpcClient#connect}
         * throws {@link RpcException} ("... has its most clients through the mailbox ...,
         * RpcServer.Builder.maxMailboxClients"); a client that leaves (its BYE, its death, its replies untaken
         * for the {@link #replyTimeout}) makes room. Each client through the mailbox is one reply mailbox the
         * server maps and one process the server's sweep checks every {@link RpcServer#SWEEP_INTERVAL}, so
         * that one process of the user cannot make the server keep any number of them (until 2026-12-07 no
         * bound: one process's 1,000 HELLOs naming one mailbox became 1,000 clients). Clients over
         * connections are bounded by the listener's {@code maxConnections} instead.
         *
         * @throws IllegalArgumentException if {@code clients} is below 1
         */
        public Builder<T> maxMailboxClients(int clients) {
            if (clients < 1) {
                throw new IllegalArgumentException("maxMailboxClients must be at least 1: " + clients);
            }
            this.maxMailboxClients = clients;
            return this;
        }

        /**
         * How long a client of this host may leave its replies untaken ({@link
         * RpcServer#DEFAULT_REPLY_TIMEOUT}, 10 s, unless given): when replies to a live client have
         * found no room in its reply mailbox and none was placed for this long (it is stopped, by
         * {@code SIGSTOP} or a debugger, or does not read), the server forgets it, as a dead client:
         * its running calls are interrupted, its calls set aside and replies waiting are dropped, and
         * it is told CLOSING as soon as its mailbox has room (its waiting calls and later ones fail
         * with {@link RpcServerLostException}). Until then it holds no server thread and no slot of
         * {@link #maxCalls}: see {@link #maxCallsPerConnection}. A client that resumes within it loses
         * nothing. Over TCP the connection's frame timeout plays this part. A timeout longer than
         * {@code long} nanoseconds hold (centuries, up to {@code Duration.ofSeconds(Long.MAX_VALUE)})
         * is taken as about 146 years ({@link io.jipc.Timeouts#MOST_NANOS}): no limit in practice.
         *
         * @throws IllegalArgumentException if {@code timeout} is not positive
         */
        public Builder<T> replyTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("replyTimeout must be positive: " + timeout);
            }
            this.replyTimeout = timeout;
            return this;
        }

        /**
         * The factory of the pool's platform threads that run calls off the thread that took them (a TCP
         * client's calls; a mailbox client's calls that waited for a slot or were set aside); by default
         * daemon threads named {@code jipc-rpc-calls-NAME-N}. For tests in this package, which give one
         * whose threads cannot start: such a call then runs on the thread that took it.
         */
        Builder<T> callThreadFactory(ThreadFactory factory) {
            this.callThreadFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** The host name or address other hosts should connect to, when the listener is bound to a wildcard address. */
        public Builder<T> advertise(String host) {
            this.advertisedHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Creates the mailbox (replacing one whose creator is dead), binds the listener if asked,
         * registers the name if asked, and starts serving.
         *
         * @throws NotMarshallableException if a method of the interface names a type calls cannot carry, or a record or
         *         enum io.jipc.rpc cannot use (not public, or not exported to it: {@link Marshaller#of})
         * @throws IllegalArgumentException if the interface is not public, or not exported to io.jipc.rpc
         * @throws io.jipc.mailbox.MailboxExistsException if a live process has a mailbox of that name
         */
        public RpcServer<T> start() {
            if (!api.isInstance(implementation)) {
                throw new IllegalArgumentException(implementation.getClass().getName() + " does not implement "
                        + api.getName());
            }
            Marshaller.of(api); // refuse a non-marshallable interface before anything is created
            RpcServer<T> server = new RpcServer<>(name, api, implementation, mailboxOptions, maxCalls,
                    maxCallsPerConnection, maxMailboxClients, replyTimeout, callThreadFactory);
            server.advertised = advertisedHost;
            try {
                if (listen != null) {
                    server.listener = StreamServer.bind(listen, detectingDeadPeers(serverOptions));
                    // platform threads: a connection's reader answers its client's PINGs and reads new clients' HELLOs
                    // even while CPU-bound virtual threads of this process hold every carrier
                    server.listener.start(server::serveConnection,
                            Thread.ofPlatform().daemon().name("jipc-rpc-" + name + "-connection-", 1).factory());
                }
                if (names != null) {
                    server.registration = names.register(RpcClient.NAME_PREFIX + name, record(server));
                }
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            server.startWorker();
            return server;
        }
    }

    /**
     * The listener's options, its connections' {@link ConnectionOptions#deadPeerTimeout()} set to their
     * frame timeout unless given: a client whose host vanished or whose link was cut is forgotten after
     * about that long, as one that does not take its replies is.
     */
    static ServerOptions detectingDeadPeers(ServerOptions options) {
        ConnectionOptions connection = options.connection();
        return connection.deadPeerTimeout().isZero()
                ? options.withConnection(connection.withDeadPeerTimeout(connection.frameTimeout())) : options;
    }

    private static NameRecord record(RpcServer<?> server) {
        String address = "mailbox:" + server.name;
        if (server.tcpAddress().orElse(null) instanceof InetSocketAddress bound) {
            String host = server.advertisedHost(bound);
            address = "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort() + "/" + server.name;
        }
        return NameRecord.of(RpcClient.KIND, server.api.getName(), address).withAttribute(RpcClient.HOST,
                io.jipc.remote.Mailboxes.hostId());
    }

    /** The address an {@link RpcServer} registers for its listener: the advertised host, else the bound one. */
    private String advertisedHost(InetSocketAddress bound) {
        if (advertised != null) {
            return advertised;
        }
        if (bound.getAddress().isAnyLocalAddress()) {
            throw new IllegalStateException("the listener of '" + name + "' is bound to a wildcard address: "
                    + "say with advertise(host) what other hosts should connect to");
        }
        return bound.getAddress().getHostAddress();
    }

    /**
     * The address of the listener ({@link Builder#listen}) as bound (a TCP port 0: the port the kernel
     * gave), if the server has one: an {@link InetSocketAddress} or a
     * {@link java.net.UnixDomainSocketAddress}. Any thread.
     */
    public Optional<SocketAddress> listenAddress() {
        StreamServer bound = listener;
        return bound == null ? Optional.empty() : Optional.of(bound.localAddress());
    }

    /**
     * The address of the TCP listener as bound, if the server listens on TCP: empty without a listener
     * and for a Unix-domain one ({@link #listenAddress()} has its path). Any thread. Until 2026-12-06
     * this was an {@code Optional<SocketAddress>} that held a Unix-domain listener's path too.
     */
    public Optional<InetSocketAddress> tcpAddress() {
        return listenAddress().filter(InetSocketAddress.class::isInstance).map(InetSocketAddress.class::cast);
    }

    /** The name clients connect to. */
    public String name() {
        return name;
    }

    /** The interface served. */
    public Class<T> api() {
        return api;
    }

    /** Clients connected now (said HELLO, not yet BYE or found dead), through the mailbox and over connections. */
    public int clientCount() {
        return clients.size();
    }

    /** Waits until {@link #close()} has finished (also the close of a server whose request mailbox failed). */
    public void awaitClose() throws InterruptedException {
        stopped.await();
    }

    private void startWorker() {
        Thread.ofPlatform().daemon().name("jipc-rpc-" + name + "-" + workerNumbers.incrementAndGet()).start(this::work);
    }

    /**
     * A worker of the request mailbox (leader/follower): platform threads take turns as the one
     * that takes requests (a platform thread sleeps in {@code futex} itself, where a virtual one
     * would be woken through a watcher thread). The leader handles HELLO, CANCEL and BYE itself;
     * when it takes a CALL it hands the leadership on (starting a worker if none waits) and runs the
     * call in its own thread, so that nothing but the call's work stands between the request and
     * its reply. A worker that finishes a call while {@value #MOST_IDLE_WORKERS} others wait ends.
     */
    private void work() {
        while (!closed) {
            idleWorkers.incrementAndGet();
            try {
                leadership.acquire();
            } catch (InterruptedException e) {
                continue; // a late cancellation of this thread's last call
            } finally {
                idleWorkers.decrementAndGet();
            }
            Runnable call;
            try {
                call = lead();
            } catch (RuntimeException e) {
                if (!closed) {
                    throw e;
                }
                call = null; // whatever close() cut short (the request mailbox unmapped under a receive): the worker ends
            } finally {
                leadership.release();
            }
            if (call == null) {
                return; // closing
            }
            if (idleWorkers.get() == 0) {
                startWorker(); // someone must take requests while this thread runs the call
            }
            call.run();
            Thread.interrupted(); // a cancellation that came as the call ended
            if (idleWorkers.get() >= MOST_IDLE_WORKERS) {
                return;
            }
        }
    }

    /** As the leader: handles requests until one is a call for this thread to run; null once closing. */
    private Runnable lead() {
        while (!closed) {
            byte[] message;
            try {
                message = requests.take();
            } catch (InterruptedException e) {
                continue; // a late cancellation of this thread's last call, or closing (checked above)
            } catch (RuntimeException e) {
                if (!closed) {
                    failed(e);
                }
                return null; // closed (or destroyed) by close(), or by failed()
            }
            RpcFrame frame;
            try {
                frame = RpcFrame.decode(message);
            } catch (RpcProtocolException e) {
                continue; // a stray or hostile message: nobody to answer
            }
            Thread.interrupted(); // no call runs on this thread: an interrupt here means nothing (close() closes the mailbox)
            try {
                Runnable work = dispatch(frame);
                if (work != null) {
                    return work;
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return null; // whatever close() cut short
                }
                // one request's handling failed (a bug, or a client's channel failing in a way not caught
                // below): the next requests must still be taken, or the server would stop serving unseen
                Log.LOGGER.log(System.Logger.Level.WARNING, "RPC server '" + name + "': a request from the "
                        + "request mailbox failed; the server goes on", e);
            }
        }
        return null;
    }

    /** As the leader: handles one request from the mailbox; returns a call for this thread to run, or null. */
    private Runnable dispatch(RpcFrame frame) {
        switch (frame) {
            case RpcFrame.Hello hello -> welcome(hello);
            case RpcFrame.Call call -> {
                Client client = mailboxClient(call.clientId());
                if (client == null) {
                    return null; // said BYE, was found dead, never said HELLO to this server, or a connection's
                }
                RunningCall waiting = taken(client, call); // from now on its CANCEL and its deadline find it
                if (waiting == null) {
                    return null; // its call id is in progress already: not answered (see taken)
                }
                if (!takeTurn(client, call, null)) {
                    return null; // set aside: it starts when one of its client's calls ends
                }
                if (!clients.containsKey(client.id)) {
                    client.running.remove(call.callId(), waiting); // forgotten meanwhile
                    waiting.end();
                    return null;
                }
                if (slotNow()) {
                    return admit(client, call, Thread.currentThread(), this::releaseSlot);
                }
                // every slot taken: it waits for one, and the leader takes further requests (its CANCEL, say)
                // while the calls waiting hold less than the request mailbox's capacity (back-pressure beyond)
                queueForSlot(client, call, null, () -> { });
                return null;
            }
            default -> handle(frame, null);
        }
        return null;
    }

    /**
     * Registers a call the server has just taken (from the request mailbox, or read from its
     * connection) in its client's running calls, so that its CANCEL finds it whether it runs, waits
     * for a slot or is set aside, and starts its deadline: the timeout it carries runs from now, so
     * that a call whose caller's timeout has passed before it could start is dropped unrun even if the
     * caller's CANCEL never arrives (it may find no room in a full request mailbox).
     *
     * <p>Returns null, registering nothing, if the client has a call of that id in progress already
     * (running, waiting for a slot or set aside): a client never reuses a call id while its call is in
     * progress, so such a CALL is a hostile or broken peer's, and it is refused, never run. Registered
     * over the first, it would hide that call from its CANCEL, its deadline, its client's end and
     * {@link #close()}: the call would run to its end, holding its slots and thread, for a client gone
     * (until 2026-12-07 it did). The caller refuses it as it does a frame that does not decode: over a
     * connection the connection ends ({@link #startOnThread}), through the mailbox it is dropped
     * unanswered ({@link #dispatch}): the call in progress, the first of that id, runs on, and the
     * duplicate alone is dropped. Since a mailbox client's id is random and told to it alone (2026-12-07),
     * a writer of the request mailbox cannot send a CALL for another client, so the first of an id is the
     * client's own (until then another process could send it first, with a guessed id and the client's
     * next call id: the client's own call was the one dropped, and it took the other's result for its own).
     * The check and the registration are one atomic step ({@code putIfAbsent}).
     */
    private RunningCall taken(Client client, RpcFrame.Call call) {
        RunningCall taken = new RunningCall(null); // its thread is bound when the work starts
        if (client.running.putIfAbsent(call.callId(), taken) != null) {
            return null;
        }
        if (call.timeoutMillis() != 0) {
            try {
                taken.deadline(deadlines.schedule(() -> cancel(client, call.callId()), call.timeoutMillis(),
                        TimeUnit.MILLISECONDS));
            } catch (RejectedExecutionException closing) {
                // close() shut the timer down: the call is answered CLOSING
            }
        }
        return taken;
    }

    /**
     * As the leader, or a connection's reader: gives a client's CALL its turn: true if it is in
     * progress now (for the caller to start), false if it was set aside (it starts when one of the
     * client's calls ends) or the client is gone. Only when the client has as much set aside as it may
     * does the taker wait, for one of the client's calls to end, or for the client to be forgotten
     * (which a mailbox client whose replies find no room is within {@link Builder#replyTimeout}),
     * running {@code whileWaiting} (if any) every {@value #SLOT_WAIT_SLICE_MILLIS} ms meanwhile.
     */
    private boolean takeTurn(Client client, RpcFrame.Call call, Runnable whileWaiting) {
        long lastRun = System.nanoTime();
        while (true) {
            switch (client.backlog.take(call)) {
                case RUN -> {
                    return true;
                }
                case SET_ASIDE, DROPPED -> {
                    return false;
                }
                case FULL -> {
                    if (closed || !clients.containsKey(client.id)) {
                        return false;
                    }
                    try {
                        client.backlog.awaitChange(SLOT_WAIT_SLICE_MILLIS);
                    } catch (InterruptedException e) {
                        // a late cancellation of this thread's last call: lead() clears it
                    }
                    if (whileWaiting != null
                            && System.nanoTime() - lastRun >= TimeUnit.MILLISECONDS.toNanos(SLOT_WAIT_SLICE_MILLIS)) {
                        whileWaiting.run();
                        lastRun = System.nanoTime();
                    }
                }
            }
        }
    }

    /**
     * Starts a client's call that was set aside and whose turn has come ({@code call} null: none), on
     * a platform thread of the pool ({@link #handOff}), now if a slot is free and no call waits for
     * one, else once a call that ends hands it its slot. Never waits.
     */
    private void startSetAside(Client client, RpcFrame.Call call) {
        while (call != null && clients.containsKey(client.id)) { // else none, or the client was forgotten
            Runnable own = own(client);
            if (!slotNow()) {
                queueForSlot(client, call, own, null);
                return;
            }
            Runnable work = admitHolding(client, call, null, both(this::releaseSlot, own));
            if (work != null) {
                handOff(work);
                return;
            }
            releaseSlot(); // nothing to run (closing, no such method: answered)
            if (own == null) {
                return; // a mailbox client's answer ended it there, and started its next call set aside
            }
            call = client.backlog.placed(); // over TCP: its next call set aside, without recursion
        }
    }

    /**
     * What ends a call's place in its client's bound ({@link Builder#maxCallsPerConnection}) once its
     * reply has been sent, starting the client's next call set aside: over a connection; null through
     * mailboxes, where the reply's placing in the reply mailbox does it ({@link #answer}).
     */
    private Runnable own(Client client) {
        return client.replies instanceof Replies.ToMailbox ? null : () -> startSetAside(client, client.backlog.placed());
    }

    /** Takes a slot of {@link #callSlots} if one is free now and no mailbox call waits for one (none overtakes them). */
    private boolean slotNow() {
        synchronized (awaitingSlot) {
            try {
                return awaitingSlot.isEmpty() && callSlots.tryAcquire(0, TimeUnit.NANOSECONDS); // fair, unlike tryAcquire()
            } catch (InterruptedException e) {
                return false; // a late cancellation of this thread's last call: the call waits for a slot handed on instead
            }
        }
    }

    /**
     * A call that has its client's turn waits for a slot, behind those already waiting, until a call
     * that ends hands it its slot ({@link #releaseSlot}). The leader and a connection's reader ({@code whileWaiting} not
     * null) first wait while the waiting calls hold {@link #maxAwaitingSlotBytes} (one always fits), so
     * that they take no further request then (back-pressure), running {@code whileWaiting} every
     * {@value #SLOT_WAIT_SLICE_MILLIS} ms (a reader's PONG); a set-aside call whose turn came is added at
     * once (it was taken already, and counted in its client's set-aside bytes: so the waiting calls may
     * hold more than that bound by such calls). {@code own}: as {@link AwaitingSlot}'s. Once the server
     * closes, the call is answered CLOSING instead.
     */
    private void queueForSlot(Client client, RpcFrame.Call call, Runnable own, Runnable whileWaiting) {
        long size = ClientBacklog.size(call);
        boolean free;
        boolean refused = false;
        while (true) {
            synchronized (awaitingSlot) {
                if (closed) { // close() has emptied the queue, or does so after this (it sets closed first)
                    free = false;
                    refused = true;
                    break;
                }
                if (whileWaiting == null || awaitingSlot.isEmpty()
                        || awaitingSlotBytes + size <= maxAwaitingSlotBytes) {
                    awaitingSlot.add(new AwaitingSlot(client, call, own));
                    awaitingSlotBytes += size;
                    free = callSlots.tryAcquire(); // a call ended since slotNow(): its slot goes to the first waiting
                    break;
                }
                try {
                    awaitingSlot.wait(SLOT_WAIT_SLICE_MILLIS);
                } catch (InterruptedException e) {
                    // a late cancellation of this thread's last call (lead() clears it), or closing
                }
            }
            whileWaiting.run(); // not under the lock: a PONG may wait for room in the socket
        }
        if (refused) {
            ended(client.running.remove(call.callId()));
            fail(client, call.callId(), RpcFrame.FailureCode.CLOSING, RpcServerLostException.class.getName(),
                    "'" + name + "' is closing");
            release(own);
            return;
        }
        if (free) {
            releaseSlot();
        }
    }

    /**
     * Calls cancelled before they started (set aside, waiting for a slot, marked on their way, or while
     * their arguments were decoded) or whose server began to close, or whose client was forgotten, while
     * they were on their way or their arguments were decoded: never run ({@link #droppedUnrun}'s field says which).
     */
    long droppedUnrun() {
        return droppedUnrun.get();
    }

    /** Calls waiting for a slot of {@link Builder#maxCalls} now (not those set aside): for tests. */
    int callsAwaitingSlot() {
        synchronized (awaitingSlot) {
            return awaitingSlot.size();
        }
    }

    /**
     * Gives back a slot of {@link Builder#maxCalls} (a call ended, or did not start): to the first call
     * waiting for one, which starts on a platform thread of the pool ({@link #handOff}), else to the free
     * slots. Never waits, and never runs a call on the calling thread (the leader, or a connection's
     * reader, may call it).
     */
    private void releaseSlot() {
        while (true) {
            AwaitingSlot next;
            synchronized (awaitingSlot) {
                next = awaitingSlot.poll();
                if (next == null) {
                    callSlots.release();
                    return;
                }
                awaitingSlotBytes -= ClientBacklog.size(next.call());
                awaitingSlot.notifyAll(); // room for the leader or a reader
            }
            if (clients.containsKey(next.client().id)) {
                Runnable work = admitHolding(next.client(), next.call(), null, next.release(this::releaseSlot));
                if (work != null) {
                    handOff(work);
                    return;
                }
            }
            release(next.own()); // forgotten, or nothing to run (answered): the slot goes to the next
        }
    }

    /** Removes {@code client}'s call {@code callId} from the calls waiting for a slot; the call removed, or null. */
    private AwaitingSlot unqueue(Client client, long callId) {
        synchronized (awaitingSlot) {
            for (Iterator<AwaitingSlot> it = awaitingSlot.iterator(); it.hasNext(); ) {
                AwaitingSlot waiting = it.next();
                if (waiting.client() == client && waiting.call().callId() == callId) {
                    it.remove();
                    awaitingSlotBytes -= ClientBacklog.size(waiting.call());
                    awaitingSlot.notifyAll();
                    return waiting;
                }
            }
            return null;
        }
    }

    /** Gives back a connection's slot ({@link AwaitingSlot#own}), if any. */
    private static void release(Runnable own) {
        if (own != null) {
            own.run();
        }
    }

    /**
     * Runs a call that has its slots on a platform thread of {@link #callThreads}, for a thread other
     * than the one that took it (a call that ended, handing on its slot; a CANCEL giving a client's
     * place to its next call set aside): as {@link #runPooled}, but never on the calling thread, which
     * may be the leader or a connection's reader, and must not be held by other clients' calls. If no
     * thread can be started (the process's thread limit) the call waits, holding its slots (its CANCEL
     * still drops it unrun), and the deadline timer tries again every {@value #SLOT_WAIT_SLICE_MILLIS}
     * ms, on the pool or else on a thread of its own, until one starts.
     */
    private void handOff(Runnable work) {
        Runnable clearing = () -> {
            try {
                work.run();
            } finally {
                Thread.interrupted();
            }
        };
        try {
            callThreads.execute(clearing);
        } catch (RejectedExecutionException closing) {
            startOwnThread(clearing); // as runPooled
        } catch (OutOfMemoryError noThread) {
            Log.LOGGER.log(System.Logger.Level.WARNING, "RPC server '" + name + "' cannot start a thread for a call ("
                    + noThread + "): it starts once a thread can be started");
            defer(clearing);
        }
    }

    /** Starts {@code task} on a platform thread of its own; an {@link OutOfMemoryError} if none can start. */
    private void startOwnThread(Runnable task) {
        Thread.ofPlatform().daemon().name("jipc-rpc-calls-" + name).start(task);
    }

    /** Keeps a call whose thread could not be started for {@link #retryDeferred}, scheduling it if need be. */
    private void defer(Runnable task) {
        synchronized (deferred) {
            deferred.add(task);
            if (retrying) {
                return;
            }
            retrying = true;
        }
        scheduleRetry();
    }

    private void scheduleRetry() {
        try {
            deadlines.schedule(this::retryDeferred, SLOT_WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            synchronized (deferred) { // close() shut the timer down: the calls were answered CLOSING
                deferred.clear();
                retrying = false;
            }
        }
    }

    /** On the deadline timer: starts the calls {@link #defer} kept, in order, while threads can be started. */
    private void retryDeferred() {
        while (true) {
            Runnable next;
            synchronized (deferred) {
                next = deferred.peek();
                if (next == null) {
                    retrying = false;
                    return;
                }
            }
            try {
                try {
                    callThreads.execute(next);
                } catch (OutOfMemoryError | RejectedExecutionException noPoolThread) {
                    startOwnThread(next);
                }
            } catch (OutOfMemoryError stillNone) {
                scheduleRetry();
                return;
            }
            synchronized (deferred) {
                deferred.poll();
            }
        }
    }

    /**
     * Runs {@code task}, a call just taken by the calling thread, on a platform thread of {@link #callThreads}; on a thread of its own if the
     * pool is shut down (a call admitted as {@link #close()} began must still end, answered and counted);
     * on the calling thread if no thread can be started (the process's thread limit: the task holds a
     * connection's and the server's call slots, which it gives back only when it runs).
     * The thread's interrupt status is cleared after the task: an interrupt meant for a call must not
     * reach the pool's next task.
     */
    private void runPooled(Runnable task) {
        Runnable clearing = () -> {
            try {
                task.run();
            } finally {
                Thread.interrupted();
            }
        };
        try {
            try {
                callThreads.execute(clearing);
            } catch (RejectedExecutionException closing) {
                Thread.ofPlatform().daemon().name("jipc-rpc-calls-" + name).start(clearing);
            }
        } catch (OutOfMemoryError noThread) { // "unable to create native thread": a pids limit, for a while
            // the task holds slots it gives back only when it runs: it runs here, on the connection's reader
            // (or the leader), which then answers no PING until it is done, instead of leaking them for good
            Log.LOGGER.log(System.Logger.Level.WARNING, "RPC server '" + name + "' cannot start a thread for a call ("
                    + noThread + "): it runs on the thread that took it");
            clearing.run();
        }
    }

    /**
     * The request mailbox failed while the server was not closing (a receive threw: its file is
     * corrupt, e.g. overwritten by another process of the same user; the same record would fail
     * every later receive): the server cannot take requests any more, so it says so (logged at
     * {@code ERROR}) and closes, as {@link #close()} does: clients' calls fail with
     * {@link RpcServerLostException}, {@link #awaitClose()} returns, {@link #clientCount()} drops
     * to 0. Called by the leader, which then ends.
     */
    private void failed(RuntimeException e) {
        Log.LOGGER.log(System.Logger.Level.ERROR, "RPC server '" + name + "': its request mailbox failed; the "
                + "server closes", e);
        close();
    }

    private static final class Log {
        static final System.Logger LOGGER = System.getLogger("io.jipc.rpc");
    }

    /**
     * One client on a connection: its HELLO first, then its CALL, CANCEL and BYE frames until the
     * connection ends; replies go back on the connection. A HELLO naming another service than this
     * one (in its reply-mailbox field, which a connection has no use for) is REFUSED with "no such
     * service"; one naming none (a client of before that check, or one in another language) is
     * served. A frame that does not decode ends it (its client is forgotten: its calls are interrupted), so does a
     * CALL whose call id the client has in progress already ({@link #taken}), and so does a HELLO that has not arrived whole within the connection options' connect timeout: silent
     * connections must not hold the listener's connections (at most {@link ServerOptions#maxConnections()}).
     * Until the HELLO is welcomed the connection accepts no frame longer than {@link RpcFrame#MAX_HELLO}
     * (a longer header ends it at once), so that connections that never say HELLO hold little memory.
     */
    private void serveConnection(StreamConnection connection) throws InterruptedException {
        Client client = null;
        // nothing longer than a HELLO before the HELLO is welcomed: connections that never say one pin no
        // more than that each, not a frame of the listener's whole limit
        connection.setReceiveLimit(Math.min(RpcFrame.MAX_HELLO, connection.options().maxFrameSize()));
        try {
            byte[] first = connection.poll(connection.options().connectTimeout());
            if (first == null && !connection.isEndOfStream()) {
                Consumer<StreamConnection> seam = afterHelloWait;
                if (seam != null) {
                    seam.accept(connection);
                }
                // no HELLO within the connect timeout: one look more, without waiting, before the connection is
                // closed, so that a stall of this thread after its wait (a GC pause, a loaded host) does not turn
                // away a client whose HELLO came meanwhile and waits unread (until 2026-12-07 it did)
                first = connection.poll();
            }
            if (first == null || !(RpcFrame.decode(first) instanceof RpcFrame.Hello hello)) {
                return;
            }
            String asked = hello.replyMailbox(); // over a connection: the service the client asks for, or empty
            if (!asked.isEmpty() && !asked.equals(name)) {
                refuse(hello, new Replies.ToConnection(connection),
                        RpcFrame.NO_SUCH_SERVICE + "'" + asked + "' (this listener serves '" + name + "')");
                return;
            }
            client = welcome(hello, new Replies.ToConnection(connection), connection.options().maxFrameSize(),
                    new ClientBacklog(maxCallsPerConnection, maxAwaitingSlotBytes));
            if (client == null) {
                return;
            }
            connection.setReceiveLimit(connection.options().maxFrameSize()); // calls up to what WELCOME said
            // reads until the client leaves or close() lets it go: close() first lets the running calls
            // answer on this connection, then says CLOSING and closes it (leaving when closed is set
            // would close the connection under a call about to answer)
            for (byte[] message; (message = connection.take()) != null; ) {
                handle(RpcFrame.decode(message), client);
            }
        } catch (RpcProtocolException | JipcException e) {
            // a hostile or broken peer, or the connection closed: the client is gone
        } finally {
            if (client != null) {
                forget(client);
            } else {
                connection.close();
            }
        }
    }

    /**
     * The client of {@code id} if it said HELLO through the request mailbox, else null: a frame taken
     * from the request mailbox (which every process of the user may write into) names its client by id,
     * and may speak only for such a client, never for a connection's, whose frames come on its connection
     * alone (until 2026-12-07 a CALL, CANCEL or BYE written into the request mailbox reached a TCP or
     * Unix-domain client of that id too: a CALL with its next call id ended its connection). Its id is
     * random ({@link #CLIENT_IDS}) and told only in the WELCOME in its reply mailbox, so only a process
     * that learnt it there (the client) can name it.
     */
    private Client mailboxClient(long id) {
        Client client = clients.get(id);
        return client != null && client.replies instanceof Replies.ToMailbox ? client : null;
    }

    /**
     * A HELLO through the mailbox: the client's replies go to the reply mailbox it names, if that is named
     * as a reply mailbox of this service of the HELLO's process ({@link RpcClient#isReplyName}) and was
     * made by that process, which lives ({@link #madeByLiveClient}); other HELLOs are ignored.
     */
    private void welcome(RpcFrame.Hello hello) {
        if (!RpcClient.isReplyName(hello.replyMailbox(), name, hello.clientToken())) {
            return; // not a client's reply mailbox: never open (or later remove) another mailbox
        }
        Mailbox mailbox;
        try {
            mailbox = Mailbox.open(hello.replyMailbox());
        } catch (RuntimeException e) {
            return; // no such mailbox (the client is gone) or not a valid name: nobody to answer
        }
        if (!madeByLiveClient(mailbox, hello.clientToken())) {
            mailbox.close(); // not the HELLO's sender's: never written to, nor removed, for this HELLO
            return;
        }
        Replies.ToMailbox replies = new Replies.ToMailbox(mailbox, hello.clientToken(), replyTimeout);
        if (mailboxClients.get() >= maxMailboxClients) { // only this thread adds mailbox clients
            refuse(hello, replies, "'" + name + "' has its most clients through the mailbox (" + maxMailboxClients
                    + ", RpcServer.Builder.maxMailboxClients): connect again once one has left");
            replies.close();
            return;
        }
        if (welcome(hello, replies, requests.maxMessageSize(),
                new ClientBacklog(maxCallsPerConnection, requests.capacityBytes())) != null) {
            mailboxClients.incrementAndGet(); // forget() takes it back, also if that came first
        }
        if (sweeping.compareAndSet(false, true)) {
            startSweeping();
        }
    }

    /**
     * Whether {@code mailbox}, named by a HELLO carrying {@code clientToken}, was made by that very process
     * (its creator's pid and start time, from the mailbox file's header) and that process lives: a client
     * makes its reply mailbox before its HELLO. Another writer of the request mailbox could otherwise name a
     * live client's reply mailbox in a HELLO with that client's pid and another start time: the server took
     * that record's client for dead at its next sweep and removed the mailbox, ending the live client's
     * session (until 2026-12-07: explorer rpc66, finding 4).
     */
    private static boolean madeByLiveClient(Mailbox mailbox, long clientToken) {
        try {
            return mailbox.creator().token() == clientToken && ProcessIdentity.isAlive(clientToken);
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    /**
     * Sweeps every {@link #SWEEP_INTERVAL} on the deadline timer's thread (started now if no call
     * carried a deadline yet: a server that never had a client through the mailbox has no thread for
     * it), until {@link #close()} shuts the timer down: {@link #sweep()}, then the start (on a thread of its
     * own) of the removal of the reply mailboxes of this service that dead clients left without the server
     * ever hearing of them ({@link StrayReplyMailboxes}: a client killed while its HELLO waited for room in
     * the request mailbox). A
     * sweep that fails is not the end of the next ones.
     */
    private void startSweeping() {
        long every = SWEEP_INTERVAL.toMillis();
        try {
            deadlines.scheduleWithFixedDelay(() -> {
                try {
                    sweep();
                    strayReplies.removeAside(); // not on this thread: an open may wait 2 s
                } catch (RuntimeException e) {
                    // a client's check or clean-up failed (the server closing under it): the next sweep tries again
                }
            }, every, every, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // close() shut the timer down meanwhile
        }
    }

    /**
     * Answers a HELLO on {@code replies}: WELCOME, which tells the client the largest call it may
     * send ({@code maxRequest}, the limit of the channel it arrived on), or REFUSED for another
     * interface; returns the new client or null. {@code backlog}: the client's own bound on its calls.
     * Through the mailbox the answer is placed at once or not at all ({@link Replies#answerHello}): the
     * leader, which takes every client's requests, never waits for room in a reply mailbox here, and a
     * HELLO whose answer finds none is forgotten.
     */
    private Client welcome(RpcFrame.Hello hello, Replies replies, int maxRequest, ClientBacklog backlog) {
        if (!hello.api().equals(api.getName())) {
            refuse(hello, replies, "'" + name + "' serves " + api.getName() + ", not " + hello.api());
            replies.close();
            return null;
        }
        Client client;
        do {
            client = new Client(CLIENT_IDS.nextLong(), replies, replyLimit(hello, replies),
                    replyLimitText(replies, hello.maxReplyFrame()), backlog);
        } while (client.id == 0 || clients.putIfAbsent(client.id, client) != null);
        if (!replies.answerHello(RpcFrame.encode(new RpcFrame.Welcome(client.id, self, maxRequest)))) {
            // no room in its reply mailbox at once (not a client's fresh mailbox), or its connection failed: it
            // never was a client, so it is dropped without a CLOSING (nothing owed, nothing to interrupt)
            clients.remove(client.id);
            replies.close();
            return null;
        }
        return client;
    }

    /**
     * Answers a HELLO with REFUSED, its reason cut to what the client takes ({@link #replyLimit};
     * {@link RpcFrame#encodeWithin(RpcFrame.Refused, int)}): the reason echoes the interface or service
     * name the HELLO asked for, which may be long (a class name of up to 64 KiB), and a refusal larger
     * than the client's limit would not reach it (through mailboxes its send fails and the client waits
     * for its connect timeout; over TCP the client's connection refuses the frame).
     */
    private static void refuse(RpcFrame.Hello hello, Replies replies, String reason) {
        replies.answerHello(RpcFrame.encodeWithin(new RpcFrame.Refused(reason), replyLimit(hello, replies)));
    }

    /**
     * The largest frame the client of {@code hello} takes on {@code replies}: what its HELLO said, if it
     * said (a client of wire 1.0 says 0, nothing), and no more than the channel carries (its reply
     * mailbox's message size, or this server's frame limit for connections).
     */
    private static int replyLimit(RpcFrame.Hello hello, Replies replies) {
        int channel = replies.maxFrameSize();
        int said = hello.maxReplyFrame();
        return said > 0 ? Math.min(channel, said) : channel;
    }

    /**
     * Whose limit a result to this client must fit, and its value: the client's own (its HELLO said
     * {@code said}), or, when that is larger or not said, the channel's: over a connection this
     * server's frame limit for connections (its listener's), through mailboxes the client's reply
     * mailbox's.
     */
    private static String replyLimitText(Replies replies, int said) {
        int channel = replies.maxFrameSize();
        if (said > 0 && said <= channel) {
            return "the client's maximum of " + said;
        }
        if (replies instanceof Replies.ToConnection) {
            return "this server's frame limit for connections of " + channel + " (its listener's ConnectionOptions"
                    + ".maxFrameSize" + (said > 0 ? "; the client takes up to " + said : "") + ")";
        }
        return "the client's reply mailbox's maximum of " + channel;
    }

    /**
     * A CALL, CANCEL or BYE, from the request mailbox ({@code connected} null: the frame names its
     * client, which must be one that said HELLO through the mailbox: {@link #mailboxClient}) or from a
     * client's connection (then it can only speak for that client).
     */
    private void handle(RpcFrame frame, Client connected) {
        switch (frame) {
            case RpcFrame.Call call -> {
                if (connected != null) { // through the mailbox, lead() takes calls itself
                    startOnThread(connected, call);
                }
            }
            case RpcFrame.Cancel cancel -> cancel(connected != null ? connected : mailboxClient(cancel.clientId()),
                    cancel.callId());
            // a client that says BYE is closing: its CLOSING (owed to the sweep if there is no room at once)
            // matters only if another process sent the BYE, so the taking thread does not wait for room
            // (until 2026-12-07 it waited up to 100 ms, every other client's requests with it)
            case RpcFrame.Bye bye -> forget(connected != null ? connected : mailboxClient(bye.clientId()), false);
            case RpcFrame.Ping ping -> {
                if (connected != null) { // over a connection: the client checks that this server still answers
                    send(connected, RpcFrame.encode(new RpcFrame.Pong(ping.nonce())));
                }
            }
            default -> {
                // a second HELLO, or frames of the other direction: ignored
            }
        }
    }

    /**
     * As a connection's reader: takes a call of its client. It runs on a platform thread of the pool (a
     * CPU-bound call on a virtual thread would hold a carrier, and enough of them would starve the
     * connections' readers) once it has its connection's slot and one of the server's. Beyond its
     * connection's slots it is set aside (it starts when one of the connection's calls ends), and
     * beyond the server's it waits for a slot, while the reader reads on (CANCEL, PING, BYE, more
     * calls): only when the connection has the request mailbox's capacity of calls set aside, or the
     * calls waiting for a slot hold that much, does the reader stop reading (back-pressure), and the
     * client gets a PONG every {@value #SLOT_WAIT_SLICE_MILLIS} ms meanwhile.
     */
    private void startOnThread(Client client, RpcFrame.Call call) {
        Runnable keepAlive = () -> send(client, RpcFrame.encode(new RpcFrame.Pong(0)));
        RunningCall waiting = taken(client, call); // from now on its CANCEL and its deadline find it
        if (waiting == null) { // ends the connection, as a frame that does not decode: serveConnection
            throw new RpcProtocolException("call id " + call.callId() + " is in progress already");
        }
        if (!takeTurn(client, call, keepAlive)) {
            return; // set aside (it starts when one of its connection's calls ends), or the client is gone
        }
        Runnable own = own(client);
        if (!clients.containsKey(client.id)) {
            client.running.remove(call.callId(), waiting); // forgotten meanwhile
            waiting.end();
            own.run();
            return;
        }
        if (!slotNow()) {
            // every slot taken: it waits for one, and this reader reads on (its CANCEL, PINGs) while the calls
            // waiting hold less than the request mailbox's capacity (back-pressure beyond)
            queueForSlot(client, call, own, keepAlive);
            return;
        }
        Runnable work = admit(client, call, null, both(this::releaseSlot, own));
        if (work != null) {
            runPooled(work);
        }
    }

    /**
     * Admits a CALL to run on {@code runner}: registers it (for CANCEL and {@link #close()}) and its
     * deadline; returns the work, or null if there is nothing to run (closing, or a method the server
     * lacks, which are answered here). {@code release} gives back the call's slots: when the work ends,
     * or at once if there is none.
     */
    private Runnable admit(Client client, RpcFrame.Call call, Thread runner, Runnable release) {
        Runnable work = admitHolding(client, call, runner, release);
        if (work == null) {
            release.run();
        }
        return work;
    }

    private Runnable admitHolding(Client client, RpcFrame.Call call, Thread runner, Runnable release) {
        if (closed) {
            ended(client.running.remove(call.callId()));
            fail(client, call.callId(), RpcFrame.FailureCode.CLOSING, RpcServerLostException.class.getName(),
                    "'" + name + "' is closing");
            return null;
        }
        Method method = methods.get(call.method());
        if (method == null) {
            ended(client.running.remove(call.callId()));
            fail(client, call.callId(), RpcFrame.FailureCode.NO_SUCH_METHOD, RpcProtocolException.class.getName(),
                    "'" + name + "' (" + api.getName() + ") has no method " + call.method());
            return null;
        }
        // registered, with its deadline, since the server took it (a CANCEL meanwhile marked it: it does not run)
        RunningCall running = client.running.computeIfAbsent(call.callId(), id -> new RunningCall(runner));
        synchronized (callsLock) {
            runningCalls++;
        }
        return () -> {
            try {
                run(client, call, method, running); // its end removes its deadline from the timer's queue
            } finally {
                release.run();
            }
        };
    }

    /** Ends a call that never ran ({@code call} null: none): its deadline is removed. */
    private static void ended(RunningCall call) {
        if (call != null) {
            call.end();
        }
    }

    /**
     * Runs a call and sends its one answer: its RESULT, or a FAILURE. Whatever the call's outcome, or
     * the building of its reply, throws becomes a FAILURE its caller can read ({@link #reply}); only if
     * the sending itself fails unexpectedly is the client forgotten (told CLOSING, its calls failed), so
     * that no call is left unanswered (a mailbox client's call would otherwise hold a place in its
     * client's bound for good) and nothing thrown ends the thread (the leader's, or a pool thread).
     */
    private void run(Client client, RpcFrame.Call call, Method method, RunningCall running) {
        try {
            byte[] reply;
            try {
                reply = reply(client, call, method, running);
            } catch (Throwable unexpected) { // a bug, or an Error: the call still gets its answer
                Log.LOGGER.log(System.Logger.Level.WARNING, "RPC server '" + name + "': the reply to "
                        + call.method() + " could not be built; its caller is told so", unexpected);
                reply = failure(client, call.callId(), RpcFrame.FailureCode.BAD_RESULT, unexpected.getClass().getName(),
                        "the reply to " + call.method() + " could not be built: " + describe(unexpected));
            }
            try {
                answer(client, reply);
            } catch (Throwable unexpected) {
                Log.LOGGER.log(System.Logger.Level.WARNING, "RPC server '" + name + "': the reply to "
                        + call.method() + " could not be sent; the client is forgotten", unexpected);
                forget(client);
            }
        } finally {
            running.end();
            client.running.remove(call.callId(), running);
            synchronized (callsLock) {
                runningCalls--;
                callsLock.notifyAll();
            }
        }
    }

    /**
     * Runs a call and returns its reply's bytes, within what the client takes: its RESULT, or the
     * FAILURE that says why not. A result the encoder refuses ({@link NotMarshallableException}: a type
     * outside the allow-list, or a value the client's decoder would refuse, such as a hash flood or a map
     * key holding a map) fails the call with {@code BAD_RESULT} and the encoder's message, not logged:
     * nothing of it is sent. A result whose encoding throws (a view of a collection changed since, a
     * collection changed by another thread meanwhile, an {@link OutOfMemoryError} while it grows: not
     * only {@link NotMarshallableException}) fails the call with {@code BAD_RESULT}, naming the method
     * and what was thrown, and is logged ({@code WARNING}, with its stack trace, which the caller does
     * not get); an exception of the implementation whose {@code getMessage()} throws arrives with its
     * class name and a message saying so. Arguments that do not decode, whatever their decoding throws
     * (a map key's {@code hashCode()} too), fail the call with {@code BAD_ARGUMENTS} before it runs.
     */
    private byte[] reply(Client client, RpcFrame.Call call, Method method, RunningCall running) {
        if (!running.runOn(Thread.currentThread())) {
            // cancelled before it started (a CANCEL while it waited for a slot, or its deadline), or its client
            // forgotten (then this answer is dropped): it never runs
            droppedUnrun.incrementAndGet();
            return failure(client, call.callId(), RpcFrame.FailureCode.CANCELLED, CancellationException.class.getName(),
                    call.method() + " was cancelled before it started");
        }
        Object[] arguments;
        try {
            arguments = marshaller.decodeArguments(call.arguments(), method);
        } catch (RpcProtocolException e) {
            return failure(client, call.callId(), RpcFrame.FailureCode.BAD_ARGUMENTS, e.getClass().getName(),
                    e.getMessage());
        } catch (Throwable e) {
            // the argument types' own code threw on what the caller sent (a map key's hashCode or equals): the
            // caller's bad argument, as a record constructor's refusal is, not a bug of this server, so logged
            // at DEBUG only; an Error (memory ran out here) is this server's trouble: WARNING
            Log.LOGGER.log(e instanceof Error ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
                    "RPC server '" + name + "': the arguments of " + call.method()
                            + " could not be decoded; its caller is told so", e);
            return failure(client, call.callId(), RpcFrame.FailureCode.BAD_ARGUMENTS, e.getClass().getName(),
                    "the arguments of " + call.method() + " could not be decoded: " + describe(e));
        }
        RpcFrame.FailureCode refused = running.startAfterDecoding(closed);
        if (refused == RpcFrame.FailureCode.CLOSING) {
            // the server began closing while the arguments were decoded: no new call starts (until 2026-12-06
            // it ran, also after close() had returned)
            droppedUnrun.incrementAndGet();
            return failure(client, call.callId(), RpcFrame.FailureCode.CLOSING, RpcServerLostException.class.getName(),
                    "'" + name + "' is closing");
        }
        if (refused != null) {
            // cancelled (a CANCEL, or its deadline) or its client forgotten while the arguments were decoded: it
            // never runs (until 2026-12-06 it ran once they were, long after its caller had given up or gone; a
            // forgotten client's answer, this one too, is dropped: see send)
            droppedUnrun.incrementAndGet();
            return failure(client, call.callId(), RpcFrame.FailureCode.CANCELLED, CancellationException.class.getName(),
                    call.method() + " was cancelled before it started");
        }
        Object result;
        try {
            result = method.invoke(implementation, arguments);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            // interrupted because the server closes, or because the call was cancelled: say so, not what the
            // implementation made of its interrupt
            RpcFrame.FailureCode code = closed ? RpcFrame.FailureCode.CLOSING
                    : running.cancelled() ? RpcFrame.FailureCode.CANCELLED
                    : RpcFrame.FailureCode.THREW;
            return failure(client, call.callId(), code, cause.getClass().getName(), messageOf(cause));
        } catch (IllegalAccessException e) {
            return failure(client, call.callId(), RpcFrame.FailureCode.THREW, e.getClass().getName(), e.getMessage());
        }
        if (running.end()) {
            // close() interrupted it, and the implementation made a value of the interrupt: not the call's
            // result (it raced the close's CLOSING, and sometimes arrived as a success)
            return failure(client, call.callId(), RpcFrame.FailureCode.CLOSING, RpcServerLostException.class.getName(),
                    "'" + name + "' closed while the call ran");
        }
        if (running.cancelled()) {
            // its deadline passed at the server, or its caller cancelled it, and it was interrupted: what it
            // returned may be what it made of the interrupt, not its result (its caller, whose own deadline
            // passes about now, took it for one); a timed caller gets RpcTimeoutException for CANCELLED
            return failure(client, call.callId(), RpcFrame.FailureCode.CANCELLED, CancellationException.class.getName(),
                    call.method() + " was cancelled while it ran (its deadline passed, or its caller cancelled it)");
        }
        byte[] value;
        try {
            value = RpcFrame.encode(new RpcFrame.Result(call.callId(), marshaller.encodeValue(result)));
        } catch (NotMarshallableException e) {
            return failure(client, call.callId(), RpcFrame.FailureCode.BAD_RESULT, e.getClass().getName(),
                    e.getMessage());
        } catch (Throwable e) { // the result's own code threw while it was read (or memory ran out): the call fails
            Log.LOGGER.log(System.Logger.Level.WARNING, "RPC server '" + name + "': the result of " + call.method()
                    + " could not be encoded; its caller is told so", e);
            return failure(client, call.callId(), RpcFrame.FailureCode.BAD_RESULT, e.getClass().getName(),
                    "the result of " + call.method() + " could not be encoded: " + describe(e));
        }
        if (value.length > client.maxReply) {
            return failure(client, call.callId(), RpcFrame.FailureCode.BAD_RESULT,
                    MessageTooLargeException.class.getName(),
                    "the result of " + value.length + " bytes exceeds " + client.maxReplyText);
        }
        return value;
    }

    /** {@code thrown}'s message, or, if its {@code getMessage()} throws, a message saying so; never throws. */
    private static String messageOf(Throwable thrown) {
        try {
            return thrown.getMessage();
        } catch (Throwable broken) {
            return "(its getMessage() threw " + broken.getClass().getName() + ")";
        }
    }

    /** {@code thrown}'s class name and, if it has one, its message ({@link #messageOf}); never throws. */
    static String describe(Throwable thrown) {
        String message = messageOf(thrown);
        return thrown.getClass().getName() + (message == null ? "" : ": " + message);
    }

    /**
     * CANCEL, or a call's deadline: interrupts the call if it runs; one that has not started never runs
     * (a mailbox client's call set aside, or waiting for a slot, is dropped at once: its place in its
     * client's bound and in the waiting calls' bytes is given back, and the client's next call set aside
     * may start; a call between those places is marked, and dropped when its turn comes).
     */
    private void cancel(Client client, long callId) {
        if (client == null) {
            return;
        }
        RunningCall call = client.running.get(callId);
        if (call == null) {
            return;
        }
        call.interrupt(true); // marks it cancelled: if it has not started, it never does (RunningCall.runOn)
        if (client.backlog.discard(callId)) {
            client.running.remove(callId, call); // set aside: it was not in progress, nothing else to give back
            call.end();
            droppedUnrun.incrementAndGet();
            return;
        }
        AwaitingSlot waiting = unqueue(client, callId);
        if (waiting != null) {
            client.running.remove(callId, call);
            call.end();
            droppedUnrun.incrementAndGet();
            release(waiting.own());
            // in progress for a mailbox client's bound: its (unread) answer ends it there, and starts the next set aside
            fail(client, callId, RpcFrame.FailureCode.CANCELLED, CancellationException.class.getName(),
                    "the call was cancelled before it started");
        }
    }

    /**
     * Answers a call with a FAILURE that fits what the client takes ({@link Client#maxReply}): a longer
     * message is cut ({@link RpcFrame#encodeWithin}), so that the call fails, not the client's session
     * (a frame beyond the limit would fail the send, and the server would forget the client).
     */
    private void fail(Client client, long callId, RpcFrame.FailureCode code, String className, String message) {
        answer(client, failure(client, callId, code, className, message));
    }

    /** The bytes of a FAILURE that fits what the client takes, as {@link #fail} sends. */
    private static byte[] failure(Client client, long callId, RpcFrame.FailureCode code, String className,
            String message) {
        return RpcFrame.encodeWithin(new RpcFrame.Failure(callId, code, className, message), client.maxReply);
    }

    /**
     * Sends a call's reply (its RESULT or FAILURE), which ends the call. Over a connection as {@link
     * #send}. To a mailbox client without waiting: placed in its reply mailbox if there is room now
     * and no earlier reply waits, else queued behind those in its {@link ClientBacklog}, for a
     * delivery (a virtual thread, one per such client) that places them as room appears; the call's
     * thread and its slot of {@link Builder#maxCalls} go on at once. The call stays in progress for
     * its client's own bound until its reply is placed; then the next call set aside starts.
     */
    private void answer(Client client, byte[] frame) {
        if (client.backlog == null || !(client.replies instanceof Replies.ToMailbox mailbox)) {
            send(client, frame);
            return;
        }
        if (!clients.containsKey(client.id)) {
            return; // forgotten: see send
        }
        ClientBacklog backlog = client.backlog;
        if (!backlog.hasWaiting()) {
            boolean placed;
            try {
                placed = mailbox.place(frame);
            } catch (RuntimeException closed) {
                forget(client); // closed under us: the client is being forgotten
                return;
            }
            if (placed) {
                startSetAside(client, backlog.placed());
                return;
            }
        }
        if (backlog.queue(frame)) {
            Thread.ofVirtual().name("jipc-rpc-replies-" + client.id).start(() -> deliver(client, mailbox));
        }
    }

    /**
     * Places a mailbox client's waiting replies, in order, as room appears in its reply mailbox,
     * starting a call set aside for each; ends when none waits. Forgets the client if it is gone,
     * or if no reply could be placed for {@link Builder#replyTimeout} (it is stopped or does not read).
     */
    private void deliver(Client client, Replies.ToMailbox mailbox) {
        ClientBacklog backlog = client.backlog;
        long patience = Timeouts.nanos(replyTimeout); // centuries: no limit in practice, not an overflow
        for (byte[] next; (next = backlog.nextWaiting()) != null; ) {
            // the clock is read before the try: the client is forgotten for want of room only once a try begun
            // past the reply timeout found none, so that a stall of this thread after a try (a GC pause, a loaded
            // host) does not forget a client that made room meanwhile (until 2026-12-07 it decided on a clock
            // read after the try, and the client's session ended, its calls with it, though it read)
            long now = System.nanoTime();
            boolean placed;
            try {
                placed = mailbox.place(next, Replies.ToMailbox.SLICE);
            } catch (RuntimeException closed) {
                forget(client);
                return;
            }
            if (placed) {
                startSetAside(client, backlog.placedWaiting());
                continue;
            }
            Runnable seam = afterFailedPlace;
            if (seam != null) {
                seam.run();
            }
            if (!clients.containsKey(client.id) || mailbox.clientGone() || backlog.stalledNanos(now) >= patience) {
                forget(client);
                return;
            }
        }
    }

    /**
     * Sends {@code frame} to {@code client}, unless the server has forgotten it: the calls that
     * {@link #forget} interrupts (the client said BYE, died, or its connection ended) have nobody to
     * answer, and what they made of the interrupt must not reach a client as what the implementation threw.
     */
    private void send(Client client, byte[] frame) {
        if (!clients.containsKey(client.id)) {
            return;
        }
        if (!client.replies.send(frame)) {
            forget(client);
        }
    }

    /**
     * Checks every client's liveness; forgets the dead ones. The deadline timer calls it every {@link
     * #SWEEP_INTERVAL} ({@link #forget} is idempotent); not the leader, at a HELLO, since 2026-12-07: it
     * costs a look at every client, and the leader takes every client's requests.
     */
    private void sweep() {
        for (Client client : clients.values()) {
            if (client.replies.clientGone()) {
                forget(client);
            }
        }
        owedClosings.forEach((id, mailbox) -> {
            boolean done;
            try {
                done = mailbox.clientGone() || mailbox.place(closing(sessionEnded, mailbox.maxFrameSize()));
            } catch (RuntimeException unusable) {
                done = true;
            }
            if (done && owedClosings.remove(id, mailbox)) {
                mailbox.close();
            }
        });
    }

    /**
     * Forgets a client: drops what a mailbox client had set aside and its replies waiting for room, and
     * its calls waiting for a slot, interrupts its running calls (whose replies are then dropped: see
     * {@link #send}) and keeps those that have not started (their arguments still decoding, or on their
     * way to a thread) from ever starting ({@link RunningCall#forget}: under each call's lock, so a call
     * either had started, and is interrupted, or never starts), tells a client whose
     * process lives (through its reply mailbox) with a CLOSING that its session is over, and releases
     * its reply channel (removing a dead client's reply mailbox). If the reply mailbox has no room for
     * the CLOSING within 100 ms (at once, for a BYE), it stays open and each {@link #sweep()} tries again until the CLOSING
     * is placed or the client is gone. The CLOSING matters when the client did not say the BYE itself
     * (a process of the same user that holds its id wrote it into the request mailbox), was taken for gone, or left
     * its replies untaken for {@link Builder#replyTimeout}: its pending calls and
     * its next call fail with {@link RpcServerLostException} instead of waiting for ever for replies
     * that would never come (a CALL of a client id the server does not know is not answered: the
     * CALL does not say where to).
     */
    private void forget(Client client) {
        forget(client, true);
    }

    /** {@link #forget(Client)}, the CLOSING waiting for room in the reply mailbox only if {@code waitForRoom}. */
    private void forget(Client client, boolean waitForRoom) {
        if (client == null || clients.remove(client.id) == null) {
            return;
        }
        if (client.replies instanceof Replies.ToMailbox) {
            mailboxClients.decrementAndGet();
        }
        client.backlog.drop();
        synchronized (awaitingSlot) { // its calls waiting for a slot are dropped (own: a no-op once dropped)
            for (Iterator<AwaitingSlot> it = awaitingSlot.iterator(); it.hasNext(); ) {
                AwaitingSlot waiting = it.next();
                if (waiting.client() == client) {
                    it.remove();
                    awaitingSlotBytes -= ClientBacklog.size(waiting.call());
                    release(waiting.own());
                }
            }
            awaitingSlot.notifyAll();
        }
        // its running calls are interrupted; those that have not started (their arguments still decoding, or
        // on their way to a thread) never do (until 2026-12-06 a call whose arguments were still decoding ran
        // once they were, for a client gone, its answer dropped)
        client.running.values().forEach(RunningCall::forget);
        if (!closed && !client.replies.notice(closing(sessionEnded, client.maxReply), waitForRoom) // close() says CLOSING itself
                && client.replies instanceof Replies.ToMailbox mailbox) {
            owedClosings.put(client.id, mailbox); // its mailbox was full: the sweep tells it when there is room
            if (!closed || !owedClosings.remove(client.id, mailbox)) {
                return; // kept for the sweep, or close() (racing) took it and closes it
            }
        }
        client.replies.close();
    }

    /**
     * Stops serving: destroys the request mailbox (no new calls start: neither one taken later, nor one
     * whose arguments are still being decoded, which answers CLOSING instead), lets running calls finish and
     * answer for up to {@link #CLOSE_GRACE}, interrupts those still running (what such a call then
     * returns or throws is not sent: its caller gets {@link RpcServerLostException}), and tells every
     * connected client (their pending and later calls fail with {@link RpcServerLostException}; replies still
     * waiting for room in a client's reply mailbox are dropped, and the CLOSING waits for room there
     * for at most {@link Builder#replyTimeout}: a client that gets none, or reads none, learns of the
     * close from the removed request mailbox, 2 s later, as {@link RpcClient} says under "When a peer
     * dies"). Idempotent.
     *
     * <p>A close that races another (another thread's, or a shutdown hook's) returns only once that one
     * has finished (as {@link #awaitClose()}); an interrupt ends that wait (the status is set again; the
     * other close goes on). A running call that closes its server while another close runs is interrupted
     * by that close once its grace is over, which ends its close's wait. (Until 2026-12-06 a racing close
     * returned at once, before the clients were told, or both ran the whole close.)
     *
     * <p><b>What blocks.</b> The close unregisters the service's name first (if {@link Builder#register}ed),
     * and the {@code local:} name service removes a name under a lock on its names directory
     * (docs/naming.md), which it waits for without limit: while another process of the user holds that
     * lock and is stopped ({@code SIGSTOP}, Ctrl-Z) or hung, the close waits (the server still serves
     * meanwhile), and so does a close racing it, e.g. a shutdown hook's, and with it the JVM's exit. The
     * request mailbox's name is removed under the same lock. Then up to {@link #CLOSE_GRACE} for the
     * running calls, and up to {@link Builder#replyTimeout} per client whose reply mailbox is full.
     *
     * <p>If a step fails (say the registration's close throws a {@link io.jipc.naming.NamingException}:
     * the name service refused the removal), the close still does all the others (the request mailbox
     * is removed, the clients are told, the server's threads end) and then throws the first failure, the
     * later ones {@linkplain Throwable#getSuppressed() suppressed} in it; the server is closed, and a
     * later or racing close returns normally. (Until 2026-12-06 a failed unregistration was thrown before
     * anything else: the request mailbox, its name and the server's threads stayed, the clients were not
     * told, while {@link #awaitClose()} said the server was closed and a second close did nothing.)
     *
     * @throws RuntimeException what the first failing step threw (only after the whole close)
     */
    @Override
    public void close() {
        boolean first;
        synchronized (closeLock) {
            first = !closed;
            closed = true;
        }
        if (!first) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            closeOnce();
        } finally {
            stopped.countDown();
        }
    }

    /**
     * What the first {@link #close()} does. Each step runs whatever an earlier one threw (a registration
     * whose close fails must not leave the mailbox, the clients and the threads behind); then the first
     * failure is thrown, the later ones suppressed in it.
     */
    private void closeOnce() {
        Throwable failure = null;
        Registration registered = registration;
        if (registered != null) {
            failure = closeStep(failure, registered::close);
        }
        failure = closeStep(failure, requests::destroy);
        failure = closeStep(failure, requests::close); // the leader's take ends, and each waiting worker's after it
        ArrayDeque<AwaitingSlot> waiting;
        synchronized (awaitingSlot) { // calls waiting for a slot never start: their clients are told CLOSING below
            waiting = new ArrayDeque<>(awaitingSlot);
            awaitingSlot.clear();
            awaitingSlotBytes = 0;
            awaitingSlot.notifyAll();
        }
        waiting.forEach(dropped -> release(dropped.own()));
        awaitRunningCalls(System.nanoTime() + CLOSE_GRACE.toNanos());
        StreamServer listener = this.listener;
        for (Client client : clients.values()) {
            failure = closeStep(failure, () -> {
                client.running.values().forEach(RunningCall::interruptForClose);
                client.replies.send(closing("'" + name + "' closed", client.maxReply));
                forget(client);
            });
        }
        owedClosings.forEach((id, mailbox) -> {
            if (owedClosings.remove(id, mailbox)) {
                mailbox.close();
            }
        });
        if (listener != null) {
            failure = closeStep(failure, listener::close);
        }
        deadlines.shutdownNow();
        callThreads.shutdown(); // its idle threads end now; those still in calls the close interrupted end with them
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /** Runs one step of {@link #closeOnce}; returns the first failure so far ({@code failure}, or what {@code step} threw). */
    private static Throwable closeStep(Throwable failure, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException | Error e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    /**
     * A CLOSING with {@code reason}, cut to fit {@code limit} (what the client takes): one too large would
     * not be placed in a client's reply mailbox, and that client, whose server's process lives, would wait
     * for ever (a client may take as little as 64 bytes, and the reasons echo the service's name).
     */
    private static byte[] closing(String reason, int limit) {
        return RpcFrame.encodeWithin(new RpcFrame.Closing(reason), limit);
    }

    private void awaitRunningCalls(long deadline) {
        boolean interrupted = false;
        synchronized (callsLock) {
            while (runningCalls > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(callsLock, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "RpcServer[" + name + ", " + api.getName() + ", " + clients.size() + " clients]";
    }
}
