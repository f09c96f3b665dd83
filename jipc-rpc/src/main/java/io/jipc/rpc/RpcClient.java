package io.jipc.rpc;

import io.jipc.ErrnoException;
import io.jipc.Timeouts;
import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.net.ConnectionOptions;
import io.jipc.net.FrameCodec;
import io.jipc.net.StreamConnection;
import io.jipc.platform.Printable;
import io.jipc.platform.ProcessIdentity;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The caller's side of jipc's remote procedure calls: a stub that implements the interface an
 * {@link RpcServer} serves, and turns each call into a request to that server and its reply.
 *
 * <pre>{@code
 * try (RpcClient<Bank> client = RpcClient.connect("bank", Bank.class)) {
 *     Bank bank = client.stub();
 *     bank.deposit("alice", 500);                                      // blocks until the server ran it
 *     CompletableFuture<Long> balance = client.async(b -> b.balance("alice")); // runs on a virtual thread
 * }
 * }</pre>
 *
 * <p><b>Calls.</b> The stub's methods marshal their arguments ({@link Marshaller}), send them to the
 * server's mailbox, and block until the result comes back in this client's own reply mailbox (created
 * by {@link #connect}, removed by {@link #close()}) — or, for a client connected by a
 * {@code tcp://} URI, over its connection — until the deadline passes
 * ({@link RpcTimeoutException}), or the server is lost ({@link RpcServerLostException}). What the
 * implementation threw arrives as {@link RemoteInvocationException}. A call whose arguments make a
 * frame larger than the way to the server takes is refused before it is sent
 * ({@link RpcCallTooLargeException}, naming whose limit). Default methods of the interface
 * run locally; {@code equals}, {@code hashCode} and {@code toString} are the stub's own. Any number of
 * threads may call at once: replies are matched to calls by id.
 *
 * <p><b>Interrupts and cancellation.</b> A caller interrupted while it waits tells the server to cancel
 * the call (its thread there is interrupted) and gets an {@link RpcException} whose cause is an
 * {@link InterruptedException}, with its interrupt status set again. A call made with the status
 * set already gets the same at once and is not sent (a round trip never completes at once:
 * docs/architecture.md, "Interrupts and timeouts"). {@link #async} returns a future
 * whose {@code cancel(true)} does the same; its {@code cancel(false)} lets the call run on. A plain
 * (blocking) call cancelled at the server while its caller still waits (by a CANCEL this client did not
 * send: one written into the server's request mailbox by a process that holds this client's id, which
 * only this client learns from the server) throws {@link java.util.concurrent.CancellationException}
 * ("M was cancelled at the server"), or {@link RpcTimeoutException} if it has a timeout. Over
 * TCP a call's frame that leaves whole at once (the connection's send turn taken soon, room for all
 * of it in the socket: the usual case, unless the server holds the client's calls back) is sent by
 * its caller; any other
 * is sent by a virtual thread of its own ({@code jipc-rpc-send-NAME}) while its caller waits for the
 * reply, so a caller that gives up (interrupt, cancellation, call timeout) returns at once also when
 * its frame is half-sent (the server holds the client's calls back and the socket buffers are
 * full): that frame is finished in the background (the connection is shared by all the client's
 * calls and must not be cut mid-frame) and then followed by the call's CANCEL; a frame that had not
 * started is not sent at all. Until 2026-12-07 such a caller waited until its frame was through or
 * the connection ended, whatever its call timeout.
 *
 * <p><b>Receiving.</b> There is no reply thread: waiting callers take turns at polling the reply
 * channel themselves, so a reply wakes its caller directly. The one polling hands other callers'
 * replies to them.
 *
 * <p><b>When a peer dies.</b> The polling caller waits in slices of {@link Options#livenessCheck()};
 * after each empty slice it checks that the server process lives (pid and start time, so a reused
 * pid does not count), and fails every pending call with {@link RpcServerLostException} if not: a
 * caller learns of the server's death within about one slice, not at its deadline. Through mailboxes a
 * session can also end while the server's process lives: the server's CLOSING says so (its close, or
 * its forgetting this client), and when none can come, the names of the two mailboxes do, looked at in
 * the same slices (one {@code lstat} each), also by a caller still waiting for room to send its call
 * (which reads no CLOSING) and by the sending of queued CANCELs: this client's own reply mailbox removed
 * by another process (the server forgets the client) ends the session at once; the server's request
 * mailbox removed (its close removes it first) ends it once no CLOSING came within 2 s (twice {@link
 * RpcServer#CLOSE_GRACE}), time for the calls that answer within the close's grace (a client whose
 * reply mailbox stayed full, stopped, while the server closed; a caller still sending). Until 2026-12-07
 * such calls waited until the server's process exited, for ever while it lived on. Over TCP the connection's end says it at once;
 * a server that stays silent (no reply, no PONG) for {@link Options#peerTimeout()} while calls wait is lost (its
 * host taking more of a long frame of this client's counts as hearing from it: a large call going out over a slow
 * link holds back the PINGs behind it), and a
 * call frame left half-sent to it ends the connection once the server sent nothing for {@link
 * Options#tcpFrameTimeout()} (a server that holds the client's calls back is heard from meanwhile). If this process
 * dies, the server notices and removes the reply mailbox (or drops the connection).
 *
 * <p>Memory consistency: actions of the server's implementation before it returned happen-before the
 * stub call's return, as far as its result's bytes carry them (only bytes travel).
 *
 * @param <T> the interface called
 */
public final class RpcClient<T> implements AutoCloseable {
    /**
     * The {@linkplain MailboxOptions.Builder#protocol protocol label} of every client's reply mailbox:
     * its receiver takes a RESULT for a call id on trust as the server's, so a gateway serving any
     * mailbox a client names (jipc-remote's {@code exportAll}) does not serve it.
     */
    public static final String REPLY_PROTOCOL = "jipc-rpc-reply";
    private static final AtomicLong REPLY_MAILBOXES = new AtomicLong();
    /** The kind of the name records of RPC services. */
    public static final String KIND = "rpc";
    /** The prefix of a service's name in the name service: {@code rpc/NAME}. */
    public static final String NAME_PREFIX = "rpc/";
    /** The record attribute naming the host (its boot id, {@link io.jipc.remote.Mailboxes#hostId()}) where the server runs. */
    public static final String HOST = "host";

    /**
     * How a client behaves.
     *
     * @param callTimeout    longest a call may take, or null for none: then it fails with {@link
     *                       RpcTimeoutException} and the server is told to cancel it. Over TCP this holds
     *                       also for a call whose frame is left half-sent to a server that holds the
     *                       client's calls back (back-pressure): a started frame cannot be taken back
     *                       without ending the connection all calls share, so it is finished in the
     *                       background, followed by the call's CANCEL, and the reply that may come later
     *                       is dropped. Until 2026-12-07 such a call ended only once its frame was through
     *                       (the server read again) or the connection ended (the server silent for
     *                       {@code tcpFrameTimeout}), whatever its call timeout
     * @param connectTimeout longest {@link #connect} waits for the server's answer (over TCP also for the
     *                       connection, as {@link ConnectionOptions#connectTimeout()}); positive, on either
     *                       way to the server (until 2026-12-06 zero was taken here: through mailboxes it
     *                       gave up unless the answer was there at once, over TCP {@link #connect(URI,
     *                       Class, Options) connect} refused it with an {@link IllegalArgumentException})
     * @param livenessCheck  how often a client with pending calls checks that the server process lives
     *                       and, through mailboxes, that its reply mailbox and the server's request
     *                       mailbox are still named (over TCP: sends the server a PING)
     * @param peerTimeout    over TCP, how long a server may stay silent (no reply, no PONG) while calls
     *                       wait before it counts as lost: what notices a host that vanished without
     *                       closing its connections (or a cut link). While at least 4 KiB of this
     *                       client's data wait to be taken (a large call going out, behind which no PING
     *                       can go), the server's host acknowledging more of them counts as hearing from
     *                       it; a server whose process stopped is then lost once the buffers on the way
     *                       (its kernel's receive buffer, a relaying proxy's) are full and this timeout
     *                       has passed. Acknowledgements may come in bursts (a receiver reopens its
     *                       window once half its buffer is free): keep this well above the time half a
     *                       receive buffer takes at the link's rate (docs/rpc.md). An idle client notices at its next
     *                       call, by this timeout. The connection has no
     *                       {@link ConnectionOptions#deadPeerTimeout()}: its {@code TCP_USER_TIMEOUT}
     *                       would also end a connection whose server rightly leaves the client's calls
     *                       unread (every slot taken) for that long
     * @param maxReplySize   largest reply (result frame) through mailboxes, in bytes, 64 to
     *                       {@value #MAX_REPLY_SIZE} (64 MiB); the reply mailbox holds four, so its
     *                       file in {@code /dev/shm} is up to four times as large
     * @param maxTcpFrameSize over TCP, the largest frame in bytes this client takes (a reply) or sends
     *                       (a call, which must also fit the server's own limit, announced when it
     *                       welcomes the client): its connection's frame limit. Its HELLO too must fit:
     *                       27 bytes and the interface's and the service's names (UTF-8); a limit too
     *                       small for them is an {@link IllegalArgumentException} of {@link
     *                       #connect(URI, Class, Options) connect}
     * @param tcpFrameTimeout over TCP, its connection's {@link ConnectionOptions#frameTimeout() frame
     *                       timeout}, positive: a reply frame must be through within it of its first
     *                       byte, and a call frame that started (the server's socket buffer had room for
     *                       its first bytes) may wait for the rest as long as the server is heard from
     *                       (replies, or the PONG it sends every 100 ms while it holds the client's calls
     *                       back, taken by a waiting caller or, with none waiting, seen arriving unread in
     *                       the socket's receive queue as long as that takes them): the connection
     *                       ends ({@link RpcServerLostException} for every call) once it waited this
     *                       long both since its start and since the server's last frame (and up to an
     *                       eighth of it more when no caller waits). Until 2026-12-06 it was 10 s from
     *                       the frame's start, so a server that applied its back-pressure for longer cut
     *                       the client off though it lived
     */
    public record Options(Duration callTimeout, Duration connectTimeout, Duration livenessCheck, Duration peerTimeout,
            int maxReplySize, int maxTcpFrameSize, Duration tcpFrameTimeout) {
        /**
         * The largest {@code maxReplySize}, 64 MiB: the reply mailbox holds four replies, so a larger
         * limit would make each client's reply mailbox a file of gigabytes in {@code /dev/shm}.
         * Larger results travel over TCP ({@code maxTcpFrameSize}) or in parts.
         */
        public static final int MAX_REPLY_SIZE = 64 << 20;

        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(livenessCheck, "livenessCheck");
            Objects.requireNonNull(peerTimeout, "peerTimeout");
            if (peerTimeout.compareTo(livenessCheck) <= 0) {
                throw new IllegalArgumentException("peerTimeout must be longer than livenessCheck: " + peerTimeout);
            }
            if (callTimeout != null && (callTimeout.isNegative() || callTimeout.isZero())) {
                throw new IllegalArgumentException("callTimeout must be positive: " + callTimeout);
            }
            if (livenessCheck.compareTo(Duration.ofMillis(1)) < 0) { // no toMillis: overflow
                throw new IllegalArgumentException("livenessCheck of at least 1 ms: " + livenessCheck);
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero()) { // as jipc-net's ConnectionOptions
                throw new IllegalArgumentException("connect timeout must be positive: " + connectTimeout);
            }
            Objects.requireNonNull(tcpFrameTimeout, "tcpFrameTimeout");
            if (tcpFrameTimeout.isNegative() || tcpFrameTimeout.isZero()) { // as jipc-net's ConnectionOptions
                throw new IllegalArgumentException("frame timeout must be positive: " + tcpFrameTimeout);
            }
            if (maxReplySize < 64 || maxReplySize > MAX_REPLY_SIZE) {
                throw new IllegalArgumentException("maxReplySize of 64 to " + MAX_REPLY_SIZE
                        + " bytes (Options.MAX_REPLY_SIZE, 64 MiB: the reply mailbox holds four replies): " + maxReplySize);
            }
            if (maxTcpFrameSize < 64 || maxTcpFrameSize > FrameCodec.MAX_FRAME_SIZE) {
                throw new IllegalArgumentException("maxTcpFrameSize of 64 to " + FrameCodec.MAX_FRAME_SIZE + " bytes: "
                        + maxTcpFrameSize);
            }
        }

        /** Options with jipc-net's default frame timeout over TCP (10 s), as before {@code tcpFrameTimeout} was one. */
        public Options(Duration callTimeout, Duration connectTimeout, Duration livenessCheck, Duration peerTimeout,
                int maxReplySize, int maxTcpFrameSize) {
            this(callTimeout, connectTimeout, livenessCheck, peerTimeout, maxReplySize, maxTcpFrameSize,
                    ConnectionOptions.defaults().frameTimeout());
        }

        /**
         * No call timeout, 10 s to connect, liveness checked every 100 ms, a silent TCP server lost
         * after 5 s, replies through mailboxes up to 64 KiB, frames over TCP up to 1 MiB and a frame
         * timeout over TCP of 10 s (jipc-net's defaults).
         */
        public static Options defaults() {
            return new Options(null, Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofSeconds(5), 64 * 1024,
                    ConnectionOptions.defaults().maxFrameSize(), ConnectionOptions.defaults().frameTimeout());
        }

        public Options withCallTimeout(Duration timeout) {
            return new Options(timeout, connectTimeout, livenessCheck, peerTimeout, maxReplySize, maxTcpFrameSize,
                    tcpFrameTimeout);
        }

        public Options withLivenessCheck(Duration check) {
            return new Options(callTimeout, connectTimeout, check, peerTimeout, maxReplySize, maxTcpFrameSize,
                    tcpFrameTimeout);
        }

        public Options withPeerTimeout(Duration timeout) {
            return new Options(callTimeout, connectTimeout, livenessCheck, timeout, maxReplySize, maxTcpFrameSize,
                    tcpFrameTimeout);
        }

        public Options withConnectTimeout(Duration timeout) {
            return new Options(callTimeout, timeout, livenessCheck, peerTimeout, maxReplySize, maxTcpFrameSize,
                    tcpFrameTimeout);
        }

        public Options withMaxReplySize(int bytes) {
            return new Options(callTimeout, connectTimeout, livenessCheck, peerTimeout, bytes, maxTcpFrameSize,
                    tcpFrameTimeout);
        }

        public Options withMaxTcpFrameSize(int bytes) {
            return new Options(callTimeout, connectTimeout, livenessCheck, peerTimeout, maxReplySize, bytes,
                    tcpFrameTimeout);
        }

        public Options withTcpFrameTimeout(Duration timeout) {
            return new Options(callTimeout, connectTimeout, livenessCheck, peerTimeout, maxReplySize, maxTcpFrameSize,
                    timeout);
        }
    }

    private final String name;
    private final Class<T> api;
    private final Options options;
    private final Marshaller marshaller;
    private final Transport transport;
    private final long clientId;
    private final long serverToken;
    /** The largest call frame: the transport's limit, or the server's (its WELCOME) if smaller. */
    private final int maxRequest;
    /** Whose limit {@link #maxRequest} is, with its value: what a call too large is told it exceeds. */
    private final String maxRequestText;
    private final T stub;
    private final Map<Long, CompletableFuture<RpcFrame>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextCallId = new AtomicLong(1);
    /** Guards {@link #receiving}; {@link #turn} is signalled when a reply came or the receiver left. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition turn = lock.newCondition();
    /** Whether a caller is receiving replies now (for itself and for the others). */
    private boolean receiving;
    /**
     * Why calls fail from now on, once the server is lost or this client closed; null while usable.
     * Once it is a {@link ClientClosed} it stays one: what the transport says after {@link #close()}
     * (its own end, the server's CLOSING) is the close's doing, not news of the server.
     */
    private final AtomicReference<RuntimeException> broken = new AtomicReference<>();
    /**
     * CANCELs that found no room at once (the server's request mailbox full, or the socket's send
     * buffer), in order, for {@link #sendCancels}; guarded by itself. At most one per call.
     */
    private final ArrayDeque<byte[]> cancels = new ArrayDeque<>();
    /** Whether {@link #sendCancels} runs (true whenever {@link #cancels} is not empty); guarded by {@link #cancels}. */
    private boolean cancelling;
    /** When a caller last heard from the server over TCP ({@link System#nanoTime()}): bounds {@link #sendCancels}. */
    private volatile long heardAt = System.nanoTime();
    /** Through mailboxes, what notices that the session is over while the server's process lives; null over TCP. */
    private final SessionWatch session;

    private RpcClient(String name, Class<T> api, Options options, Transport transport, RpcFrame.Welcome welcome) {
        this.name = name;
        this.api = api;
        this.options = options;
        this.marshaller = Marshaller.of(api);
        this.transport = transport;
        this.clientId = welcome.clientId();
        this.serverToken = welcome.serverToken();
        int channel = transport.maxRequestSize();
        int said = welcome.maxRequestFrame(); // 0: a server of wire 1.0 says nothing
        this.maxRequest = said > 0 ? Math.min(channel, said) : channel;
        // over TCP the channel's limit is this client's own connection's; through mailboxes the server's mailbox's
        this.maxRequestText = transport instanceof Transport.ThroughConnection && (said <= 0 || channel < said)
                ? "more than this client's frame limit over TCP (Options.maxTcpFrameSize) of " + channel
                : "more than '" + name + "' takes (" + maxRequest + ")";
        this.stub = api.cast(Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] {api}, new Stub()));
        this.session = transport instanceof Transport.ThroughMailboxes mailboxes
                ? new SessionWatch(name, mailboxes.requests(), mailboxes.replies()) : null;
    }

    /**
     * The remote methods of {@code api}, those a stub sends to the server: every abstract method,
     * inherited ones included, but not a redeclaration of {@code equals}, {@code hashCode} or
     * {@code toString} (a stub answers those itself); default and static methods run locally. In the
     * order of their keys ({@code name(ParamType,...)}). Any thread; for tools that list or call
     * methods by name, such as {@code jipc rpc}.
     */
    public static java.util.List<Method> remoteMethods(Class<?> api) {
        Objects.requireNonNull(api, "api");
        return java.util.List.copyOf(RpcMethods.of(api).values());
    }

    /** Connects to the server {@code name} of {@code api} with {@link Options#defaults()}. */
    public static <T> RpcClient<T> connect(String name, Class<T> api) throws InterruptedException {
        return connect(name, api, Options.defaults());
    }

    /**
     * Connects to the server {@code name} of {@code api} on this host: creates this client's reply
     * mailbox, says HELLO through the server's mailbox, and waits for the server's answer.
     *
     * @throws io.jipc.mailbox.MailboxNotFoundException if no mailbox of that name exists
     * @throws RpcServerLostException if the server did not answer within the connect timeout, or the
     *         mailbox's creator has exited: a server creates its mailbox and serves it until it exits, so
     *         nobody serves that one (and the HELLO is not left in it)
     * @throws RpcException if the server refused (it serves another interface, or has its most clients through
     *         the mailbox: {@link RpcServer.Builder#maxMailboxClients}), or the mailbox is not
     *         an RPC server's (its {@linkplain Mailbox#protocol() protocol label} is not {@value
     *         RpcServer#PROTOCOL}): then nothing is sent into it
     * @throws io.jipc.CorruptSegmentException or another exception of {@link Mailbox#open(String)}
     * @throws NotMarshallableException if a method of {@code api} names a type calls cannot carry, or a record or
     *         enum io.jipc.rpc cannot use (not public, or not exported to it: {@link Marshaller#of})
     * @throws IllegalArgumentException if the interface is not public, or not exported to io.jipc.rpc; or
     *         if the HELLO is larger than the server's mailbox takes (its {@linkplain
     *         Mailbox#maxMessageSize() message size}; the HELLO takes 27 bytes and the interface's and
     *         the reply mailbox's names, so a 64 KiB mailbox takes interface names up to 65,509 bytes
     *         of UTF-8 less the reply mailbox's name, {@code <name>-reply-<pid>-<n>}): then nothing is
     *         sent and no reply mailbox is made (until 2026-12-05 the HELLO's send failed, an {@link
     *         RpcServerLostException} "'NAME' is gone")
     */
    public static <T> RpcClient<T> connect(String name, Class<T> api, Options options) throws InterruptedException {
        Objects.requireNonNull(options, "options");
        Marshaller.of(api);
        Mailbox requests = Mailbox.open(name);
        String protocol = requests.protocol();
        if (!protocol.equals(RpcServer.PROTOCOL)) { // a HELLO would reach a receiver of other messages
            requests.close();
            throw new RpcException("mailbox '" + name + "' is not an RPC server's: its protocol label is "
                    + (protocol.isEmpty() ? "empty" : "'" + protocol + "'") + ", not '"
                    + RpcServer.PROTOCOL + "' (nothing was sent to it)");
        }
        ProcessIdentity creator = requests.creator();
        if (!creator.isAlive()) { // a server makes its own mailbox and serves it until it exits
            requests.close();
            throw new RpcServerLostException("no RPC server serves mailbox '" + name + "': the process that made it, pid "
                    + creator.pid() + ", has exited (nothing was sent to it)");
        }
        String replyName = replyName(name);
        RpcFrame.Hello hello = new RpcFrame.Hello(api.getName(), replyName, ProcessIdentity.current().token(),
                options.maxReplySize());
        byte[] helloBytes;
        try {
            int limit = requests.maxMessageSize();
            helloBytes = helloWithin(hello, "'" + name + "'", "the reply mailbox name", limit,
                    "the server's request mailbox takes (its message size, " + limit + " bytes)");
        } catch (IllegalArgumentException e) {
            requests.close();
            throw e;
        }
        Mailbox replies;
        try {
            replies = Mailbox.create(replyName, MailboxOptions.builder().maxMessageSize(options.maxReplySize())
                    .capacityBytes(Math.max(4L * options.maxReplySize(), 16 * 1024)).protocol(REPLY_PROTOCOL).build());
        } catch (RuntimeException e) {
            requests.close();
            throw e;
        }
        Transport transport = new Transport.ThroughMailboxes(name, requests, replies);
        return handshake(name, api, options, transport, helloBytes);
    }

    /**
     * Connects to a server by URI: {@code mailbox:NAME} on this host (as {@link #connect(String, Class,
     * Options)}), {@code tcp://HOST:PORT/NAME} for a server of any host that listens there, or
     * {@code unix:PATH#NAME} for a server of this host that listens on the Unix-domain socket
     * {@code PATH} ({@link RpcServer.Builder#listen}; also {@code unix:///PATH#NAME}; {@code PATH}
     * relative to this process's working directory if it does not start with {@code /}). The name
     * follows the {@code #} because a socket's path is itself a path. Both socket forms are standard
     * URIs: path and name are percent-decoded ({@code %20} for a space, {@code %23} for a {@code #} in the
     * path). Over a socket, TCP or Unix-domain alike, the frames are those of TCP ({@code jipc-net}'s framed
     * streams), limited by the connection's frame limit (1 MiB unless the server's listener says
     * otherwise; this client's {@link Options#maxTcpFrameSize()}), and the server's loss is the
     * connection's end. The HELLO names {@code NAME}, and the server refuses it if it serves another
     * service (a server of before that check serves whatever name the URI says).
     *
     * @throws IllegalArgumentException for another scheme or a URI without a name (a {@code unix:} URI
     *         with a host or a query too); for a {@code NAME}
     *         longer than 200 bytes of UTF-8 (a service's name is its mailbox's name, which is never
     *         longer); or if the HELLO is larger than this client's {@link Options#maxTcpFrameSize()}
     *         (it takes 27 bytes and the interface's and the service's names). Then no connection is
     *         made. Until 2026-12-05 the long name was sent and refused by the server ({@link
     *         RpcServiceNotFoundException}), and the HELLO too large was a lost connection ({@link
     *         RpcServerLostException} "the connection to 'NAME' ended: message of N bytes exceeds
     *         ..."), though nothing was lost. Until 2026-12-06 a {@code unix:} URI was refused so
     *         ("not an RPC address"), though a server could listen on a Unix-domain socket
     * @throws io.jipc.net.ConnectTimeoutException if the connection was not made within the connect timeout
     * @throws RpcServerLostException if the connection was refused (nobody listens there: {@code
     *         ECONNREFUSED}; or the host or network is unreachable; for {@code unix:} no socket at that
     *         path, {@code ENOENT}, or no permission, {@code EACCES}): the message says the address and
     *         the errno, the cause is the {@link io.jipc.ErrnoException}; or if the server did not
     *         answer the HELLO within the connect timeout
     * @throws RpcServiceNotFoundException over a socket, if the server listening there serves another
     *         service than {@code NAME} (through mailboxes: {@link io.jipc.mailbox.MailboxNotFoundException})
     * @throws RpcException if the server refused (it serves another interface)
     */
    public static <T> RpcClient<T> connect(URI uri, Class<T> api, Options options) throws InterruptedException {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        if ("mailbox".equals(uri.getScheme())) {
            return connect(uri.getSchemeSpecificPart(), api, options);
        }
        ConnectionAddress address = ConnectionAddress.parse(uri);
        Marshaller.of(api);
        String name = address.service();
        // no reply mailbox over a connection: that field of the HELLO names the service
        byte[] hello = helloWithin(new RpcFrame.Hello(api.getName(), name, 0, options.maxTcpFrameSize()),
                Printable.quoted(uri.toString()), "the service name", options.maxTcpFrameSize(),
                "this client's frame limit over TCP (Options.maxTcpFrameSize) of " + options.maxTcpFrameSize() + " bytes");
        StreamConnection connection;
        try {
            connection = StreamConnection.connect(address.resolved(),
                    ConnectionOptions.defaults().withMaxFrameSize(options.maxTcpFrameSize())
                            .withConnectTimeout(options.connectTimeout()).withFrameTimeout(options.tcpFrameTimeout()));
        } catch (ErrnoException e) { // ECONNREFUSED, EHOSTUNREACH, ENOENT, ...: no server to reach there
            throw new RpcServerLostException("no RPC server to connect to at " + uri + ": " + e.getMessage(), e);
        }
        return handshake(name, api, options, new Transport.ThroughConnection(name, connection), hello);
    }

    /**
     * The bytes of {@code hello}, checked against the largest frame the way to the server carries
     * ({@code limit}: the server's request mailbox's message size, or this client's own frame limit
     * over TCP), before anything is made or sent: a HELLO that cannot travel is the caller's choice of
     * names and limits, not a lost server. {@code target} names the service in the message,
     * {@code secondName} the HELLO's second name (the reply mailbox's, or the service's over TCP),
     * {@code whose} the limit and its value.
     *
     * @throws IllegalArgumentException naming the limit, the HELLO's length and the two names' lengths
     */
    private static byte[] helloWithin(RpcFrame.Hello hello, String target, String secondName, int limit,
            String whose) {
        byte[] bytes = RpcFrame.encode(hello);
        if (bytes.length > limit) {
            throw new IllegalArgumentException("cannot connect to " + target + ": its HELLO takes " + bytes.length
                    + " bytes (the interface name " + Printable.quoted(hello.api()) + " "
                    + hello.api().getBytes(StandardCharsets.UTF_8).length + " bytes, " + secondName + " "
                    + hello.replyMailbox().getBytes(StandardCharsets.UTF_8).length + "), more than " + whose
                    + " (nothing was sent)");
        }
        return bytes;
    }

    /**
     * Connects to the service {@code name} as the name service knows it ({@link RpcServer.Builder#register}):
     * through the server's mailbox when the server runs on this host, over TCP otherwise.
     *
     * @throws RpcException if no service of that name is registered, it serves another interface, or it
     *                      runs on another host without a TCP address
     */
    public static <T> RpcClient<T> lookup(NameService names, String name, Class<T> api, Options options)
            throws InterruptedException {
        NameRecord record = names.lookup(NAME_PREFIX + name).map(NameEntry::record)
                .orElseThrow(() -> new RpcException("no RPC service '" + name + "' is registered"));
        if (!record.kind().equals(KIND)) {
            throw new RpcException("'" + NAME_PREFIX + name + "' is a " + record.kind() + ", not an RPC service");
        }
        if (!record.id().equals(api.getName())) {
            throw new RpcException("'" + name + "' serves " + record.id() + ", not " + api.getName());
        }
        if (io.jipc.remote.Mailboxes.hostId().equals(record.attributes().get(HOST))) {
            return connect(name, api, options);
        }
        if (!record.address().startsWith("tcp://")) {
            throw new RpcException("'" + name + "' runs on another host and has no TCP address");
        }
        return connect(URI.create(record.address()), api, options);
    }

    /** Whether this client reaches its server over a network connection (not through shared memory). */
    public boolean isRemote() {
        return transport instanceof Transport.ThroughConnection;
    }

    /** Says HELLO over {@code transport} and waits for WELCOME; closes the transport on failure. */
    private static <T> RpcClient<T> handshake(String name, Class<T> api, Options options, Transport transport,
            byte[] hello) throws InterruptedException {
        try {
            long start = System.nanoTime();
            long deadline = start + Timeouts.nanos(options.connectTimeout());
            if (!transport.offer(hello, options.connectTimeout())) {
                throw new RpcServerLostException("'" + name + "' took no HELLO within "
                        + Timeouts.text(options.connectTimeout()));
            }
            long sent = System.nanoTime();
            byte[] answer = transport.poll(Duration.ofNanos(Math.max(0, deadline - sent)));
            if (answer == null) {
                throw new RpcServerLostException("no answer from '" + name + "' within "
                        + Timeouts.text(options.connectTimeout()) + " (sending the HELLO took "
                        + Timeouts.text(Duration.ofNanos(sent - start).truncatedTo(ChronoUnit.MICROS)) + ")");
            }
            return switch (RpcFrame.decode(answer)) {
                case RpcFrame.Welcome welcome -> new RpcClient<>(name, api, options, transport, welcome);
                case RpcFrame.Refused refused when refused.reason().startsWith(RpcFrame.NO_SUCH_SERVICE) ->
                        throw new RpcServiceNotFoundException("'" + name + "' refused: " + refused.reason());
                case RpcFrame.Refused refused -> throw new RpcException("'" + name + "' refused: " + refused.reason());
                case RpcFrame.Closing closing -> throw new RpcServerLostException(closing.reason());
                default -> throw new RpcProtocolException("unexpected answer to HELLO from '" + name + "'");
            };
        } catch (RuntimeException | InterruptedException e) {
            transport.close();
            throw e;
        }
    }

    /** A fresh reply mailbox name: the service's, this process's pid, a counter. */
    private static String replyName(String service) {
        String suffix = "-reply-" + ProcessHandle.current().pid() + "-" + REPLY_MAILBOXES.incrementAndGet();
        String base = service.length() + suffix.length() > 200 ? service.substring(0, 200 - suffix.length()) : service;
        return base + suffix;
    }

    private static final Pattern REPLY_NAME = Pattern.compile("(.+)-reply-(\\d{1,19})-\\d{1,19}");

    /**
     * Whether {@code mailbox} is a name {@link #replyName} gives for {@code service} in the process
     * of {@code clientToken}: the server opens (and, once that process is dead, removes) no other
     * mailbox a HELLO names.
     */
    static boolean isReplyName(String mailbox, String service, long clientToken) {
        Matcher m = REPLY_NAME.matcher(mailbox);
        return m.matches() && service.startsWith(m.group(1))
                && m.group(2).equals(Long.toString(ProcessIdentity.pidOf(clientToken)));
    }

    /** The stub: calls on it are calls of the server. */
    public T stub() {
        return stub;
    }

    /**
     * Runs {@code call} on the stub on a virtual thread; the future completes with its result or its
     * exception. {@code cancel(true)} interrupts that thread, which cancels the call at the server (its
     * thread there is interrupted). {@code cancel(false)}, as {@link java.util.concurrent.Future#cancel}
     * says, lets the call run on: the future is cancelled at once, the call goes on at the server and its
     * result is dropped when it comes (where a plain {@code CompletableFuture} ignores the flag). Only
     * this future's {@code cancel} does this, not that of a stage made from it ({@code thenApply}, ...).
     */
    public <R> CompletableFuture<R> async(Function<? super T, ? extends R> call) {
        Objects.requireNonNull(call, "call");
        AsyncCall<R> future = new AsyncCall<>();
        future.thread = Thread.ofVirtual().name("jipc-rpc-async-" + name).unstarted(() -> {
            try {
                future.complete(call.apply(stub));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        future.thread.start();
        return future;
    }

    /** A future whose {@code cancel(true)} interrupts the thread running the call. */
    private static final class AsyncCall<R> extends CompletableFuture<R> {
        volatile Thread thread;

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled && mayInterruptIfRunning) {
                thread.interrupt();
            }
            return cancelled;
        }
    }

    /** The stub's invocation handler. */
    private final class Stub implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "RpcClient.stub[" + name + ", " + api.getName() + "]";
                };
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            return call(method, args);
        }
    }

    private Object call(Method method, Object[] args) {
        RuntimeException why = broken.get();
        if (why != null) {
            throw rethrown(why);
        }
        if (Thread.currentThread().isInterrupted()) { // a round trip never completes at once: nothing is sent
            throw new RpcException(RpcMethods.key(method) + " not called: the thread is interrupted",
                    new InterruptedException());
        }
        long callId = nextCallId.getAndIncrement();
        Duration timeout = options.callTimeout();
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + Timeouts.nanos(timeout);
        byte[] request = RpcFrame.encode(new RpcFrame.Call(clientId, callId,
                timeout == null ? 0 : Math.max(1, Timeouts.nanos(timeout) / 1_000_000), RpcMethods.key(method),
                marshaller.encodeArguments(args)));
        if (request.length > maxRequest) {
            throw new RpcCallTooLargeException("the call of " + RpcMethods.key(method) + " takes " + request.length
                    + " bytes, " + maxRequestText, request.length, maxRequest);
        }
        CompletableFuture<RpcFrame> reply = new CompletableFuture<>();
        pending.put(callId, reply);
        CallSend sending = null;
        boolean unsent = false; // given up in the wait for the send turn: the server never saw the call
        try {
            if (transport instanceof Transport.ThroughConnection connection) {
                // a frame that may wait for room may wait as long as the server: the caller must not wait with it
                boolean sent;
                try {
                    sent = sentAtOnce(connection, request, deadline, reply);
                } catch (InterruptedException e) {
                    unsent = true;
                    throw e;
                }
                if (!sent) {
                    sending = CallSend.start("jipc-rpc-send-" + name, () -> sendAndCheck(request, deadline, reply),
                            e -> failSent(reply, e), () -> cancelAtServer(callId));
                }
            } else {
                sendAndCheck(request, deadline, reply);
            }
            RpcFrame frame = awaitReply(reply, deadline);
            return switch (frame) {
                case RpcFrame.Result result -> decodeResult(method, result);
                // nobody cancels a blocking call but its deadline: the server's timer (started when the call
                // arrived) may fire and its reply come in before this thread sees its own deadline pass
                case RpcFrame.Failure failure when failure.code() == RpcFrame.FailureCode.CANCELLED && timeout != null ->
                        throw new RpcTimeoutException(RpcMethods.key(method) + " on '" + name + "' took longer than "
                                + Timeouts.text(timeout));
                case RpcFrame.Failure failure -> throw failure(method, failure);
                default -> throw new RpcProtocolException("unexpected reply " + frame.getClass().getSimpleName());
            };
        } catch (InterruptedException e) {
            if (!unsent) {
                giveUp(callId, sending);
            }
            Thread.currentThread().interrupt();
            throw new RpcException(RpcMethods.key(method) + " interrupted", e);
        } catch (TimeoutException e) {
            giveUp(callId, sending);
            throw new RpcTimeoutException(RpcMethods.key(method) + " on '" + name + "' took longer than "
                    + Timeouts.text(timeout));
        } catch (ExecutionException e) {
            throw rethrown((RuntimeException) e.getCause());
        } finally {
            pending.remove(callId);
        }
    }

    /**
     * {@link #send}s a call's request; then, if the server was lost meanwhile, fails {@code reply}
     * (the others may have been failed before the call was registered).
     */
    private void sendAndCheck(byte[] request, long deadline, CompletableFuture<RpcFrame> reply)
            throws InterruptedException, TimeoutException {
        send(request, deadline);
        RuntimeException why = broken.get();
        if (why != null) {
            reply.completeExceptionally(why);
        }
    }

    /**
     * Over TCP, sends a call's request on the calling thread if it leaves whole at once
     * ({@link Transport.ThroughConnection#offerAtOnce}: the connection's send turn taken within a
     * liveness check's time and the call's deadline, room in the socket for all of it); then, if the
     * server was lost meanwhile, fails {@code reply}. False: nothing sent, the frame goes on a thread
     * of its own ({@link CallSend}), since it may wait for room. So a call costs no thread hand-off
     * unless the server holds the client's frames back (or a frame is large for the socket's buffer).
     * The wait for the turn sends nothing, so an interrupt or the deadline there gives the call up
     * cleanly.
     */
    private boolean sentAtOnce(Transport.ThroughConnection connection, byte[] request, long deadline,
                               CompletableFuture<RpcFrame> reply) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false; // the send's own way says so (TimeoutException)
        }
        Duration turnWait = options.livenessCheck();
        if (left < Timeouts.nanos(turnWait)) {
            turnWait = Duration.ofNanos(left);
        }
        boolean sent;
        try {
            sent = connection.offerAtOnce(request, turnWait);
        } catch (RpcServerLostException e) {
            throw rethrown(broken.get() instanceof ClientClosed closed ? closed : e); // closed under this send
        }
        if (sent) {
            RuntimeException why = broken.get();
            if (why != null) {
                reply.completeExceptionally(why);
            }
        }
        return sent;
    }

    /** A call's frame could not be sent ({@link CallSend}'s thread): fails the call and wakes its caller. */
    private void failSent(CompletableFuture<RpcFrame> reply, RuntimeException why) {
        if (reply.completeExceptionally(why)) {
            wakeWaiters();
        }
    }

    /**
     * The caller gave up on a call (its deadline, an interrupt): the server is told to cancel it. Over
     * TCP ({@code sending} not null) a frame not yet started is not sent at all, and one half-sent is
     * finished in the background and followed by the CANCEL ({@link CallSend}); the caller returns at
     * once either way.
     */
    private void giveUp(long callId, CallSend sending) {
        if (sending == null || sending.abandon()) {
            cancelAtServer(callId);
        }
    }

    /**
     * Puts a request into the server's mailbox, waiting for room while the server lives, the session
     * is not over ({@link #sessionEnded}: a closed server takes nothing more, however long its process
     * lives) and the deadline allows.
     */
    private void send(byte[] request, long deadline) throws InterruptedException, TimeoutException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException();
            }
            Duration slice = options.livenessCheck();
            if (left < Timeouts.nanos(slice)) {
                slice = Duration.ofNanos(left);
            }
            try {
                if (transport.offer(request, slice)) {
                    return;
                }
            } catch (RpcServerLostException e) {
                throw rethrown(broken.get() instanceof ClientClosed closed ? closed : e); // closed under this send
            }
            RuntimeException why = broken.get();
            if (why != null) {
                throw rethrown(why);
            }
            if (!transport.serverAlive(serverToken)) {
                throw lost("the server of '" + name + "' (" + ProcessIdentity.describe(serverToken) + ") died");
            }
            if (sessionEnded()) { // a closed server takes nothing more, whatever room comes; a forgetting one ignores it
                throw rethrown(broken.get());
            }
        }
    }

    /**
     * The value of {@code result}, checked against {@code method}'s return type. A method's key is its
     * name and parameter types, not its return type: a server built from a version of the interface
     * whose method of the same key returns another type runs the call, and its value does not fit here.
     *
     * @throws RpcProtocolException naming the method, if the value does not decode or fit
     */
    private Object decodeResult(Method method, RpcFrame.Result result) {
        try {
            return marshaller.decodeResult(result.value(), method);
        } catch (RpcProtocolException e) {
            String key = RpcMethods.key(method);
            throw new RpcProtocolException(key + ": " + e.getMessage() + " (the call ran at the server; a server whose "
                    + key + " returns another type, of another version of the interface, answers so)");
        }
    }

    private RuntimeException failure(Method method, RpcFrame.Failure failure) {
        String key = RpcMethods.key(method);
        return switch (failure.code()) {
            case THREW -> new RemoteInvocationException(key, failure.className(), failure.message());
            case NO_SUCH_METHOD, BAD_ARGUMENTS, BAD_RESULT -> new RpcProtocolException(key + ": " + failure.message());
            case CANCELLED -> new CancellationException(key + " was cancelled at the server");
            case CLOSING -> new RpcServerLostException(key + ": '" + name + "' is closing");
        };
    }

    /**
     * Sends a CANCEL for a call the caller gave up on (its timeout passed, its thread was interrupted,
     * its future cancelled): at once if there is room, else (the server's request mailbox is full, which
     * it is while the server holds as many calls waiting for a slot as it may, or the connection's send
     * buffer) it is queued and sent by one virtual thread per client, in order, as room appears, so
     * that a call that waits at the server is dropped unrun there; the caller does not wait. The queued
     * CANCELs are dropped once the client is closed or the server lost: through mailboxes when the
     * server's process has died or the session is over though it lives (the server closed, this
     * client's reply mailbox removed: {@link #sessionEnded}; until 2026-12-07 the sending thread then
     * retried every liveness check for as long as the server's process lived), over TCP when the
     * connection ends, or when nothing was heard from the server for {@link Options#peerTimeout()}
     * (callers waiting for replies hear its PONGs; with no caller receiving, bytes of the server's that
     * arrive unread count: the PONGs a server sends while it holds this client's calls back, so that the
     * CANCELs reach a live server however long it leaves the connection unread; until 2026-12-07 they
     * were dropped a peer timeout after all callers had given up, and the calls ran at the server).
     */
    private void cancelAtServer(long callId) {
        if (broken.get() != null) {
            return;
        }
        byte[] frame = RpcFrame.encode(new RpcFrame.Cancel(clientId, callId));
        synchronized (cancels) {
            if (cancelling) {
                cancels.add(frame); // behind those already waiting
                return;
            }
        }
        if (offerNow(frame)) {
            return;
        }
        synchronized (cancels) {
            cancels.add(frame);
            if (cancelling) {
                return;
            }
            cancelling = true;
        }
        Thread.ofVirtual().name("jipc-rpc-cancels-" + name).start(this::sendCancels);
    }

    /** Sends the CANCELs that found no room at once, in order, waiting for room; ends when none is left (see {@link #cancelAtServer}). */
    private void sendCancels() {
        long since = System.nanoTime(); // then the latest the server was seen to send bytes nobody read
        long unread = transport.unreadFromServer();
        boolean lost = false;
        while (true) {
            byte[] next;
            synchronized (cancels) {
                next = cancels.peek();
                if (next == null || lost || broken.get() != null) {
                    cancels.clear();
                    cancelling = false;
                    return;
                }
            }
            boolean sent;
            try {
                sent = transport.offer(next, options.livenessCheck());
            } catch (InterruptedException | RuntimeException e) {
                lost = true; // the server or its channel is gone (or this client closed it): nothing to cancel there
                continue;
            }
            if (sent) {
                synchronized (cancels) {
                    cancels.poll();
                }
            } else {
                // the clock is read before the looks: what the server sent before it counts
                long now = System.nanoTime();
                heardFromHost();
                long unreadNow = transport.unreadFromServer();
                if (unreadNow > unread) {
                    since = now; // the server sent something since the last look, which nobody has read
                }
                unread = unreadNow;
                lost = !transport.serverAlive(serverToken) || sessionEnded()
                        || isRemote() && now - Math.max(heardAt, since) > Timeouts.nanos(options.peerTimeout());
            }
        }
    }

    /** Sends a frame if there is room now; drops it otherwise, or if the server is gone or this client closed (best effort). */
    private void sendAtOnce(byte[] frame) {
        if (broken.get() != null) {
            return;
        }
        offerNow(frame);
    }

    /** Sends a frame if there is room now; drops it otherwise (best effort); whether it was sent. */
    private boolean offerNow(byte[] frame) {
        boolean interrupted = Thread.interrupted();
        try {
            return transport.offer(frame, Duration.ZERO);
        } catch (InterruptedException | RuntimeException e) {
            return false; // dropped
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits for {@code reply}. Callers take turns at receiving: one caller at a time polls the reply
     * channel itself (no thread in between: a reply wakes its caller directly), hands each reply it
     * takes to its call, and checks the server's liveness after each empty {@link
     * Options#livenessCheck()}; the others wait until their reply has been handed over or the
     * receiving caller leaves, and then one of them receives.
     */
    private RpcFrame awaitReply(CompletableFuture<RpcFrame> reply, long deadline)
            throws InterruptedException, TimeoutException, ExecutionException {
        long slice = Timeouts.nanos(options.livenessCheck());
        while (true) {
            lock.lockInterruptibly();
            try {
                while (true) {
                    // the clock is read before the look: a stall of this thread after a look that found its reply
                    // not yet handed over (a GC pause, a loaded host) does not time out a call whose reply the
                    // receiving caller hands over meanwhile (until 2026-12-07 it decided on a clock read after it)
                    long now = System.nanoTime();
                    if (reply.isDone() || !receiving) {
                        break;
                    }
                    Runnable seam = afterTurnLook;
                    if (seam != null) {
                        seam.run();
                    }
                    long left = deadline - now;
                    if (left <= 0) {
                        throw new TimeoutException();
                    }
                    turn.awaitNanos(Math.min(left, slice));
                }
                if (reply.isDone()) {
                    return reply.get();
                }
                receiving = true;
            } finally {
                lock.unlock();
            }
            try {
                receiveUntil(reply, deadline);
            } finally {
                lock.lock();
                try {
                    receiving = false;
                    turn.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /**
     * Tests only: run by the receiving caller right after a look that found no reply, before it decides
     * on a timeout or a silent server, to stand for its stall there (a GC pause, a loaded host). Null
     * otherwise.
     */
    static volatile Runnable afterEmptyPoll;
    /**
     * Tests only: run by a caller waiting for its turn at receiving right after a look that found its reply
     * not handed over yet and another caller receiving, before it decides on a timeout, to stand for its
     * stall there (a GC pause, a loaded host). Null otherwise.
     */
    static volatile Runnable afterTurnLook;

    /** As the receiving caller: takes replies, handing each to its call, until {@code reply} is complete. */

    private void receiveUntil(CompletableFuture<RpcFrame> reply, long deadline) throws InterruptedException, TimeoutException {
        long slice = Timeouts.nanos(options.livenessCheck());
        long lastHeard = System.nanoTime();
        while (!reply.isDone()) {
            // The clock is read before the look: what came before this instant is read by the look, so a
            // stall of this thread (a GC pause, a loaded host) cannot time out a reply, or make a server
            // silent, whose frame waits unread (until 2026-12-07 both were decided on a clock read after
            // the look). Past the deadline, one more look is made at once.
            long now = System.nanoTime();
            long left = deadline - now;
            byte[] message;
            try {
                message = transport.poll(left <= 0 ? Duration.ZERO : Duration.ofNanos(Math.min(left, slice)));
            } catch (RpcServerLostException e) {
                breakWith(e);
                return;
            } catch (JipcException e) {
                if (broken.get() == null) { // not closed by close(): the reply mailbox went away under us
                    breakWith(lost("the reply mailbox of '" + name + "' is gone: " + e.getMessage()));
                }
                return;
            }
            if (message == null) {
                if (left <= 0) {
                    throw new TimeoutException();
                }
                Runnable seam = afterEmptyPoll;
                if (seam != null) {
                    seam.run();
                }
                if (!transport.serverAlive(serverToken)) {
                    breakWith(lost("the server of '" + name + "' (" + ProcessIdentity.describe(serverToken) + ") died"));
                } else if (sessionEnded()) {
                    // failed every pending call, this one too
                } else if (isRemote()) { // a vanished host closes nothing: its silence must tell
                    heardFromHost();
                    long heard = heardAt; // the host's taking of a long send, seen by this thread or another
                    if (heard - lastHeard > 0) {
                        lastHeard = heard;
                    }
                    if (now - lastHeard > Timeouts.nanos(options.peerTimeout())) {
                        breakWith(lost("the server of '" + name + "' did not answer for "
                                + Timeouts.text(options.peerTimeout())));
                    } else {
                        sendAtOnce(RpcFrame.encode(new RpcFrame.Ping(lastHeard)));
                    }
                }
                continue;
            }
            lastHeard = System.nanoTime();
            heardAt = lastHeard;
            RpcFrame frame;
            try {
                frame = RpcFrame.decode(message);
            } catch (RpcProtocolException e) {
                continue; // not from our server: nobody else writes here but a confused process
            }
            switch (frame) {
                case RpcFrame.Result result -> complete(result.callId(), result, reply);
                case RpcFrame.Failure failure -> complete(failure.callId(), failure, reply);
                case RpcFrame.Closing closing -> breakWith(lost(closing.reason()));
                default -> {
                    // a PONG (it counted as hearing from the server), or nothing a server sends
                }
            }
        }
    }

    /**
     * Over TCP, if the server's host took more of a long send of this client's since any thread last
     * looked ({@link Transport#serverTookMoreOfLongSend}), the server counts as heard from now
     * ({@link #heardAt}). A large call going out over a slow link holds back the PINGs behind it,
     * and with them the PONGs, for as long as it takes; the server is not lost meanwhile while its host
     * takes the call's bytes. (Until 2026-12-07 a call of 700 KB at 100 KB/s, within the 10 s frame
     * timeout, failed with every other call of the client after the 5 s peer timeout, "did not answer":
     * {@code RpcSlowLinkTest}.)
     */
    private void heardFromHost() {
        if (transport.serverTookMoreOfLongSend()) {
            heardAt = System.nanoTime();
        }
    }

    /**
     * Through mailboxes, whether this client's session is over though the server's process lives
     * ({@link SessionWatch}: its reply mailbox or, for longer than {@link SessionWatch#CLOSE_WAIT}, the
     * server's request mailbox no longer named); if so, fails every pending and later call with an
     * {@link RpcServerLostException} saying which ({@link #breakWith}). False over TCP, whose
     * connection's end tells. Any thread; blocks only in two {@code lstat}s.
     */
    private boolean sessionEnded() {
        String why = session == null ? null : session.over();
        if (why == null) {
            return false;
        }
        breakWith(lost(why));
        return true;
    }

    /** Hands a reply to its call (none if it timed out or was cancelled meanwhile); wakes its caller if it is another. */
    private void complete(long callId, RpcFrame frame, CompletableFuture<RpcFrame> own) {
        CompletableFuture<RpcFrame> call = pending.get(callId);
        if (call != null && call.complete(frame) && call != own) {
            wakeWaiters();
        }
    }

    /**
     * Fails every pending and later call with {@code why}, unless this client is closed already: then
     * with the close's reason, which nothing the transport reports afterwards replaces.
     */
    private void breakWith(RuntimeException why) {
        RuntimeException now = broken.updateAndGet(was -> was instanceof ClientClosed ? was : why);
        pending.values().forEach(call -> call.completeExceptionally(now));
        wakeWaiters();
    }

    private void wakeWaiters() {
        lock.lock();
        try {
            turn.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static RpcServerLostException lost(String message) {
        return new RpcServerLostException(message);
    }

    /** A fresh exception of the same kind, thrown in the caller's thread (so its stack shows the call). */
    private static RuntimeException rethrown(RuntimeException why) {
        if (why instanceof RpcServerLostException) {
            return new RpcServerLostException(why.getMessage());
        }
        return why;
    }

    /**
     * Fails the pending calls (a caller receiving at the moment stops), then says BYE (unless the
     * server is lost already) and removes the reply mailbox. Idempotent, and any thread may call it,
     * also while others call. The calls fail first, so that what the server answers to the BYE (it
     * interrupts the calls still running, and may say CLOSING) cannot reach them; from then on every
     * call fails with "... is closed", whatever the transport reports later (the end of the
     * connection, the server's CLOSING, seen by a caller still receiving).
     */
    @Override
    public void close() {
        ClientClosed closed = new ClientClosed("RpcClient of '" + name + "' is closed");
        RuntimeException was;
        do {
            was = broken.get();
            if (was instanceof ClientClosed) {
                return;
            }
        } while (!broken.compareAndSet(was, closed));
        pending.values().forEach(call -> call.completeExceptionally(closed));
        wakeWaiters();
        if (was == null) {
            offerNow(RpcFrame.encode(new RpcFrame.Bye(clientId)));
        }
        transport.close();
    }

    /** Why calls fail after {@link #close()}. */
    private static final class ClientClosed extends RpcException {
        ClientClosed(String message) {
            super(message);
        }
    }

    /** This client's id at its server (its WELCOME); for tests. */
    long clientId() {
        return clientId;
    }

    @Override
    public String toString() {
        return "RpcClient[" + name + ", " + api.getName() + ", client " + clientId + "]";
    }
}
