package io.jipc.net;

import io.jipc.Timeouts;
import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.Selectable;
import io.jipc.platform.Errno;
import io.jipc.platform.Sockets;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * A listening stream socket — a Unix-domain path or a TCP port — that accepts clients and serves
 * each in a virtual thread of its own (or hands connections out through {@link #accept()}).
 *
 * <pre>{@code
 * try (StreamServer server = StreamServer.bind(UnixDomainSocketAddress.of("/run/echo.sock"))) {
 *     server.serve(connection -> {                       // one virtual thread per client
 *         for (byte[] m; (m = connection.take()) != null; ) {
 *             connection.put(m);
 *         }
 *     });                                                // until close() from another thread
 * }
 * }</pre>
 *
 * <p><b>Admission.</b> A Unix-domain server learns each client's pid, uid and gid from the kernel
 * ({@code SO_PEERCRED}, {@link StreamConnection#peerCredentials()}) and closes at once the
 * connections of users not in {@link ServerOptions#allowedUids()}; any server closes at once a
 * connection beyond {@link ServerOptions#maxConnections()}, and one whose set-up fails (its
 * connection's buffers not allocated: an {@link OutOfMemoryError} of direct memory; its socket
 * options refused), which it says on standard error: that client alone is lost, the server goes on.
 * All are counted in {@link #refusedCount()}.
 *
 * <p><b>The socket file.</b> Binding a Unix-domain path creates the socket file with
 * {@link ServerOptions#socketPermissions()}. A path left behind by a server that died (nobody
 * accepts on it: {@code ECONNREFUSED}) is replaced; a path where a server still listens, or that
 * is not a socket, is refused ({@code EADDRINUSE}). {@link #close()} removes the file if it is
 * still the one this server created. Among jipc processes the replacement and the removal are one
 * step each (a lock on the directory: docs/sockets.md, "Socket files"), so of binders racing on a
 * stale file one wins and the others get {@code EADDRINUSE}, and a closing server never removes
 * its successor's file. Any process that can read the directory can hold that lock too (another
 * user, in {@code /tmp}); a bind or close then waits for it at most one second and goes on
 * without it: such a holder can delay binds and closes there by up to a second each, and for
 * those calls the two guarantees are off; it cannot stop them.
 *
 * <p><b>Graceful close.</b> {@link #close()} stops accepting, ends the input side of every open
 * connection (their {@code take()} returns end of stream once the messages already received are
 * consumed; replies can still be sent; a {@code take()} in the middle of a frame gets
 * {@link ClosedException}, which blames no client and is not reported to {@link #onHandlerError},
 * and that connection is closed), waits up to {@link ServerOptions#closeGrace()} for the
 * handlers to return and for connections handed out by {@link #accept()} to be closed by their
 * users, then closes what is left (blocked threads get {@link ClosedException}). A close racing
 * another returns once that one has finished (see {@link #close()}).
 *
 * <p><b>Threads.</b> The admission of a client (its connection made one of the open ones and, on a
 * server that serves, its handler's thread started) and the start of a close exclude each other (one
 * lock): a client accepted as the close begins is either refused (closed at once, counted in
 * {@link #refusedCount()}) or one of the open connections whose input the close ends and for which it
 * waits. No handler starts once close has begun: a client whose thread the acceptor was still making
 * then is closed unserved, and {@link #accept()} returns no connection any more. (Until 2026-12-06 a
 * client accepted in that instant could be served by a handler started after close had returned, on a
 * connection the close never closed.)
 *
 * <p><b>One way of accepting.</b> A server either serves ({@link #serve}, or {@link #start} in a
 * thread of its own) or hands connections out ({@link #accept()}), never both: while it serves, a
 * second {@code serve}/{@code start} and every {@code accept} throw {@link IllegalStateException}
 * (a {@code serve} ended by an interrupt, or a {@code start} whose acceptor ended without a close, no
 * longer serves: see {@link #serve}, {@link #start}), and after {@link #close()} each of them throws
 * {@link ClosedException}.
 */
public final class StreamServer implements AutoCloseable, Selectable {
    private static final int ENFILE = 23;
    private static final int ENOBUFS = 105;

    private final NativeSocket listener;
    private final SocketAddress address;
    private final ServerOptions options;
    private final boolean unix;
    private final long socketInode;
    private final Set<StreamConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong clients = new AtomicLong();
    private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean serving = new AtomicBoolean();
    private volatile boolean closing;
    /**
     * Orders {@link #close()}s (only the first closes; see {@link #closed}) and the admission of clients:
     * {@link #closing} is set under it, and a client's connection is added to {@link #open} (and, on a
     * server that serves, its thread added to {@link #handlers} and started) only under it while not
     * closing. So each accepted client is either refused, or fully registered before the close ends the
     * input of the open connections and joins the handlers; no handler starts once close has begun.
     */
    private final Object closeLock = new Object();
    /** Counted down when the first {@link #close()} has finished; a racing close waits for it. */
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Notified (under itself) whenever a connection leaves {@link #open}: the close's grace waits on it. */
    private final Object connectionClosed = new Object();
    private volatile Thread acceptor;
    private volatile BiConsumer<StreamConnection, Throwable> errors = (connection, error) -> {
        System.err.println("jipc: handler of " + connection + " failed: " + error);
    };

    private StreamServer(NativeSocket listener, SocketAddress address, ServerOptions options, long socketInode) {
        this.listener = listener;
        this.address = address;
        this.options = options;
        this.unix = address instanceof UnixDomainSocketAddress;
        this.socketInode = socketInode;
    }

    /** Binds with the default options. */
    public static StreamServer bind(SocketAddress address) {
        return bind(address, ServerOptions.defaults());
    }

    /**
     * Binds and listens on {@code address}: a {@link UnixDomainSocketAddress} (path of at most 107
     * bytes) or an {@link java.net.InetSocketAddress} (port 0 picks a free port; see
     * {@link #localAddress()}).
     *
     * @throws ErrnoException {@code EADDRINUSE} if a live server (or another file) has the name
     * @throws io.jipc.InsecureFileException if another process replaced the socket file right after
     *                                       it was bound (possible only where other users may write
     *                                       the directory): its mode is then not changed, the socket is closed
     */
    public static StreamServer bind(SocketAddress address, ServerOptions options) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        int family = Sockets.family(address);
        NativeSocket socket = NativeSocket.open(family, Sockets.SOCK_STREAM, Sockets.describe(address));
        long inode = 0;
        try {
            if (family == Sockets.AF_UNIX) {
                inode = UnixSocketFile.bind(socket.fd, (UnixDomainSocketAddress) address,
                        options.socketPermissions());
            } else {
                Sockets.setReuseAddress(socket.fd);
                Sockets.bind(socket.fd, address);
            }
            Sockets.listen(socket.fd, options.backlog(), address);
            SocketAddress bound = family == Sockets.AF_UNIX ? address : Sockets.localAddress(socket.fd);
            socket.subject = Sockets.describe(bound); // port 0: the port the kernel gave
            return new StreamServer(socket, bound, options, inode);
        } catch (Throwable e) {
            // also an Error; and the socket file this bind made goes too (until 2026-12-06 a listen that
            // failed left it for a later bind to find stale, and an Error left the descriptor open)
            UnixSocketFile.undoBind(socket, address, inode, e);
            throw e;
        }
    }

    /** The address clients connect to (with the actual port when bound to port 0). */
    public SocketAddress localAddress() {
        return address;
    }

    public ServerOptions options() {
        return options;
    }

    /**
     * Where failures of handlers go (by default, a line on standard error); called in the failed
     * connection's handler thread.
     *
     * @throws NullPointerException if {@code handler} is null
     */
    public StreamServer onHandlerError(BiConsumer<StreamConnection, Throwable> handler) {
        this.errors = Objects.requireNonNull(handler, "handler");
        return this;
    }

    // ------------------------------------------------------------------ accepting

    /**
     * Waits for the next admitted client. Refused clients (user not allowed, too many connections)
     * are closed and counted, and waiting goes on. Any thread may call it, several at once (each
     * client goes to one of them); not while the server {@link #serve serves}, whose acceptor takes
     * every client, but again once that acceptor has ended without a close (a {@code serve} interrupted,
     * a {@link #start}'s acceptor ended: see there).
     *
     * @throws ClosedException       if the server is closed (before or while waiting)
     * @throws IllegalStateException if the server serves (a {@link #serve}, or the acceptor of a
     *                               {@link #start}, runs)
     */
    public StreamConnection accept() throws InterruptedException {
        checkHandsOut();
        return acceptUntil(Long.MAX_VALUE);
    }

    /**
     * Like {@link #accept()}, waiting at most {@code timeout}; null if no client was admitted in time.
     *
     * @throws NullPointerException  if {@code timeout} is null
     * @throws ClosedException       if the server is closed (before or while waiting)
     * @throws IllegalStateException if the server serves (a {@link #serve}, or the acceptor of a
     *                               {@link #start}, runs)
     */
    public StreamConnection accept(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        checkHandsOut();
        return acceptUntil(StreamConnection.deadlineOf(timeout));
    }

    private void checkHandsOut() {
        if (closing) {
            throw closed();
        }
        if (serving.get()) {
            throw new IllegalStateException(this + " serves its clients itself (a serve, or the acceptor of a start, runs):"
                    + " accept() would compete with its acceptor");
        }
    }

    private ClosedException closed() {
        return new ClosedException(this + " is closed");
    }

    /**
     * Claims the accepting for {@link #serve}/{@link #start}: by one of them at a time (until that one's
     * acceptor ends), never after close.
     */
    private void beginServing(ConnectionHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (closing) {
            throw closed();
        }
        if (!serving.compareAndSet(false, true)) {
            throw new IllegalStateException(this + " is already started (a serve, or the acceptor of a start, runs)");
        }
    }

    private StreamConnection acceptUntil(long deadline) throws InterruptedException {
        listener.enter();
        try {
            while (true) {
                int fd;
                try {
                    fd = Sockets.accept(listener.fd, address);
                } catch (ErrnoException e) {
                    if (listener.isClosed()) {
                        // the close shut the listener down under the call: a TCP listener leaves the
                        // listening state, and accept4 fails with EINVAL (until 2026-12-07 thrown as is)
                        throw listener.closed();
                    }
                    throw e;
                }
                if (fd >= 0) {
                    StreamConnection connection = admit(fd);
                    if (connection != null) {
                        return connection;
                    }
                } else if (!listener.await(Sockets.POLLIN, deadline)) {
                    return null;
                }
            }
        } finally {
            listener.exit();
        }
    }

    /**
     * Admits the client accepted as {@code fd}: its connection, open and counted, or null if it is
     * refused (closed at once, counted in {@link #refusedCount()}). A failure in its set-up (its peer
     * credentials or socket options refused, its connection's buffers not allocated: an
     * {@link OutOfMemoryError} of direct memory) loses that client only, said on standard error, as a
     * thread that cannot start for it does: until 2026-12-06 it ended the acceptor, and the server
     * looked open while later clients waited in the backlog for ever (and the socket stayed open).
     */
    private StreamConnection admit(int fd) {
        NativeSocket socket = new NativeSocket(fd, "client of " + Sockets.describe(address));
        boolean counted = false;
        try {
            PeerCredentials peer = null;
            String remote;
            long number = clients.incrementAndGet();
            if (unix) {
                Sockets.Credentials c = Sockets.peerCredentials(fd);
                peer = new PeerCredentials(c.pid(), c.uid(), c.gid());
                remote = "pid " + c.pid() + " (uid " + Integer.toUnsignedString(c.uid()) + ") on " + Sockets.describe(address);
                if (!options.allowedUids().isEmpty() && !options.allowedUids().contains(c.uid())) {
                    refuse(socket);
                    return null;
                }
            } else {
                Sockets.setTcpNoDelay(fd);
                DeadPeerDetection.apply(fd, options.connection().deadPeerTimeout());
                remote = "client " + number + " of " + Sockets.describe(address);
            }
            if (admitted.incrementAndGet() > options.maxConnections()) {
                admitted.decrementAndGet();
                refuse(socket);
                return null;
            }
            counted = true;
            StreamConnection[] self = new StreamConnection[1];
            self[0] = new StreamConnection(socket, remote, peer, options.connection(), () -> {
                if (open.remove(self[0])) {
                    admitted.decrementAndGet();
                    synchronized (connectionClosed) {
                        connectionClosed.notifyAll();
                    }
                }
            });
            synchronized (closeLock) { // open before close ends the input of the open ones, or refused: see closeLock
                if (!closing) {
                    open.add(self[0]);
                    return self[0];
                }
            }
            admitted.decrementAndGet();
            refuse(socket);
            return null;
        } catch (Throwable e) { // this client's set-up failed: it alone is lost
            if (counted) {
                admitted.decrementAndGet();
            }
            refuse(socket);
            if (!closing) {
                System.err.println("jipc: " + this + " could not admit a client (closed unserved): " + e);
            }
            return null;
        }
    }

    private void refuse(NativeSocket socket) {
        refused.incrementAndGet();
        socket.close();
    }

    /**
     * Accepts clients until the server is closed, serving each in a new virtual thread with
     * {@code handler}; the calling thread is the acceptor. Returns once {@link #close()} was called.
     * When the process runs out of file descriptors ({@code EMFILE}/{@code ENFILE}) or the kernel of
     * memory for a new socket ({@code ENOBUFS}/{@code ENOMEM}), it says so on standard error and retries
     * every 100 ms; the waiting clients stay in the kernel's backlog (until 2026-12-07 {@code ENOBUFS} and
     * {@code ENOMEM} ended the acceptor as the failures below do: the server stayed open and took no
     * client until a later {@code serve}, {@code start} or {@code accept}).
     * One {@code serve} or {@link #start} per server at a time (see the class comment).
     *
     * <p>An interrupt of the calling thread, or another failure of accepting, ends it but not the
     * server: the clients it accepted are still served by their handlers, those not yet accepted wait
     * in the kernel's backlog, and the server is open and no longer serving, so that {@code serve},
     * {@link #start} or {@link #accept()} may take it up again; or {@link #close()} ends it all. (Until
     * 2026-12-07 the server stayed marked as serving: it looked open, clients connected and waited in
     * the backlog for ever, and a second {@code serve} or an {@code accept} threw
     * {@link IllegalStateException}; only a close was left.)
     *
     * @throws NullPointerException  if {@code handler} is null
     * @throws IllegalStateException if the server already serves (another {@code serve}, or the acceptor
     *                               of a {@link #start}, runs)
     * @throws ClosedException       if the server was closed before the call
     * @throws InterruptedException  if the calling thread was interrupted (the server stays open, see above)
     */
    public void serve(ConnectionHandler handler) throws InterruptedException {
        beginServing(handler);
        try {
            acceptLoop(handler, null);
        } finally {
            serving.set(false); // accepting stopped: a later serve, start or accept may take it up (closed: they throw)
        }
    }

    /**
     * Whether an {@code accept4} that failed with {@code errno} failed for a shortage that passes, which
     * the acceptor rides out: file descriptors ({@code EMFILE}, {@code ENFILE}) or kernel memory
     * ({@code ENOBUFS}, {@code ENOMEM}: accept(2) "not enough free memory", often the socket buffer
     * limits). The client waits in the backlog meanwhile. Anything else ({@code EBADF}, {@code EINVAL},
     * {@code ENOTSOCK}, {@code EOPNOTSUPP}, ...) says the listener cannot accept at all.
     */
    private static boolean isShortForNow(int errno) {
        return errno == Errno.EMFILE || errno == ENFILE || errno == ENOBUFS || errno == Errno.ENOMEM;
    }

    /** {@code threads}: each client's thread, or null for a virtual thread. */
    private void acceptLoop(ConnectionHandler handler, ThreadFactory threads) throws InterruptedException {
        while (!closing) {
            StreamConnection connection;
            try {
                connection = acceptUntil(Long.MAX_VALUE);
            } catch (ClosedException e) {
                if (closing) {
                    return;
                }
                throw e;
            } catch (ErrnoException e) {
                if (!isShortForNow(e.errno())) {
                    throw e;
                }
                // out of descriptors or kernel memory: the pending client waits in the backlog until some are released
                System.err.println("jipc: " + this + " cannot accept for now: " + e.getMessage());
                Thread.sleep(100);
                continue;
            }
            Runnable serving = () -> {
                try (connection) {
                    handler.handle(connection);
                } catch (Throwable t) {
                    if (!(closing && t instanceof ClosedException)) {
                        errors.accept(connection, t);
                    }
                } finally {
                    handlers.remove(Thread.currentThread());
                }
            };
            Thread thread = null;
            Throwable notStarted = null;
            try {
                thread = threads == null ? Thread.ofVirtual().name("jipc-client " + connection.remote()).unstarted(serving)
                        : threads.newThread(serving);
                if (thread == null) { // ThreadFactory: "null if the request to create a thread is rejected"
                    notStarted = new RejectedExecutionException("the thread factory rejected it (newThread returned null)");
                }
            } catch (Throwable noThread) { // a factory that fails (any Error too): as a thread that cannot start
                notStarted = noThread;
            }
            boolean started = false;
            if (notStarted == null) {
                synchronized (closeLock) { // no handler starts once close has begun: see closeLock
                    if (!closing) {
                        handlers.add(thread);
                        try {
                            thread.start();
                            started = true;
                        } catch (Throwable noThread) { // "unable to create native thread" (a pids limit), or any other
                            handlers.remove(thread);
                            notStarted = noThread;
                        }
                    }
                }
            }
            if (!started) {
                // this client is not served: its connection is closed (a close going on waits for that);
                // unless the server is closing, the acceptor goes on with the next ones
                connection.close();
            }
            if (notStarted != null) {
                if (notStarted instanceof InterruptedException) { // thrown by a factory without declaring it
                    Thread.currentThread().interrupt(); // the sleep below ends the acceptor, as an interrupt does
                }
                System.err.println("jipc: " + this + " cannot start a thread for the client " + connection.remote()
                        + " (" + notStarted + "); its connection is closed");
                if (!closing) {
                    Thread.sleep(100);
                }
            }
        }
    }

    /**
     * Does what {@link #serve} does in a daemon platform thread of its own (the acceptor), and returns at
     * once. The acceptor ends with {@link #close()}. Should it end otherwise (its thread interrupted, or a
     * failure of accepting that it does not ride out as it does {@code EMFILE} and {@code ENOBUFS}: see
     * {@link #serve}), it says so on standard error and leaves the server as an interrupted {@code serve}
     * does: open and no longer serving, its handlers going on, the clients not yet accepted waiting in
     * the kernel's backlog until a later {@code start}, {@code serve} or {@link #accept()} takes them; or
     * {@code close()} ends it all. (Until
     * 2026-12-07 the server stayed marked as serving: it looked open, clients waited in the backlog for
     * ever, and {@code start} and {@code accept} threw {@link IllegalStateException}; only a close was left.)
     *
     * @throws NullPointerException  if {@code handler} is null
     * @throws IllegalStateException if the server serves (the acceptor of an earlier {@code start}, or a
     *                               {@link #serve}, runs)
     * @throws ClosedException       if the server is closed
     */
    public StreamServer start(ConnectionHandler handler) {
        beginServing(handler);
        return startAcceptor(handler, null);
    }

    /**
     * As {@link #start(ConnectionHandler)}, serving each client in a new thread of {@code threads}
     * instead of a virtual thread: e.g. platform threads, for handlers that must run (answer a peer's
     * keep-alive, read a new client's greeting) even while CPU-bound virtual threads of the process
     * hold every carrier thread. {@link #close()} waits for those threads as for virtual ones. A
     * client for whom {@code threads} makes no thread (its {@code newThread} returns null or throws
     * anything, an {@link Error} such as {@link AssertionError} or {@link ExceptionInInitializerError}
     * too) or whose thread does not start is not served: its connection is closed, a line says so on
     * standard error, and the acceptor goes on with the next clients after 100 ms (or ends, if the server
     * is closing, or if {@code newThread} threw an {@link InterruptedException}). (Until 2026-12-06 an
     * {@code Error} other than {@link OutOfMemoryError} ended the acceptor: that client stayed open
     * unserved and the later ones waited in the backlog for ever.) {@code newThread} is called in the
     * acceptor with no lock held, the client's connection already open: a close that begins meanwhile
     * ends, waits for and closes that connection like the others, and no thread is started for it. A
     * {@code newThread} that closes the server itself has its close handed on as a handler's is (see
     * {@link #close()}): that close returns once accepting has stopped, and the client's connection is
     * closed as {@code newThread} returns. (Until 2026-12-06 that close waited the whole grace for the
     * connection only its own thread could close.)
     *
     * @throws NullPointerException  if {@code handler} or {@code threads} is null
     * @throws IllegalStateException if the server serves (the acceptor of an earlier {@code start}, or a
     *                               {@link #serve}, runs)
     * @throws ClosedException       if the server is closed
     */
    public StreamServer start(ConnectionHandler handler, ThreadFactory threads) {
        Objects.requireNonNull(threads, "threads");
        beginServing(handler);
        return startAcceptor(handler, threads);
    }

    private StreamServer startAcceptor(ConnectionHandler handler, ThreadFactory threads) {
        Thread thread = Thread.ofPlatform().daemon().name("jipc-acceptor " + Sockets.describe(address)).unstarted(() -> {
            Throwable ended = null;
            try {
                acceptLoop(handler, threads);
            } catch (InterruptedException e) {
                ended = e;
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                ended = e;
            } finally {
                // as serve's end: accepting stopped, a later serve, start or accept may take it up (closed: they throw)
                serving.set(false);
            }
            if (ended != null && !closing) {
                System.err.println("jipc: the acceptor of " + this + " ended (" + ended + "); the server is open and"
                        + " no longer serves: its clients wait in the backlog until start, serve or accept takes them,"
                        + " or close()");
            }
        });
        acceptor = thread; // before it runs: a close it calls (from the thread factory) must know it
        thread.start();
        return this;
    }

    /** Connections open now. */
    public int connectionCount() {
        return open.size();
    }

    /**
     * Connections closed at once since the start: user not allowed, beyond the cap, set-up failed, or
     * accepted as the close began.
     */
    public long refusedCount() {
        return refused.get();
    }

    /**
     * The listening socket for an {@code io.jipc.select.Selector}: readable (acceptable) when a
     * connection waits, so {@code accept(Duration.ZERO)} returns it (unless another thread takes it
     * first; on a server that {@link #start serves}, its acceptor takes it).
     */
    @Override
    public Selectable.Descriptor readinessSource() {
        return listener.readinessSource(OP_READ, () -> false);
    }

    /** Whether {@link #close()} has begun. */
    public boolean isClosed() {
        return closing;
    }

    /**
     * Closes gracefully (see the class comment); idempotent. A close that races another (another
     * thread's, or a shutdown hook's) returns only once that one has finished: the socket file removed,
     * the handlers returned or their grace over, every connection closed. A close called by a handler
     * of this server, or by its acceptor, while another runs returns at once instead, since the other
     * waits for that thread. An interrupt of a close waiting for another ends that wait (the status is
     * set again; the other close goes on).
     *
     * <p>A handler may close its own server (a "shutdown" request): its close stops accepting, removes
     * the socket file and ends the input side of the connections, then returns, and the rest of the
     * graceful close (the grace for the other handlers and connections, the final closes) goes on in
     * a thread of its own (not a daemon: the JVM does not end before it, at most the grace and a
     * second), since the handler's own connection closes only when the handler returns: the handler
     * can still send its reply. (Until 2026-12-05 it waited the whole grace for its own
     * connection, which was then closed under its reply.) If no thread can be started, the handler's
     * close does it all itself, as before. A close called in the acceptor (by the thread factory of
     * {@link #start(ConnectionHandler, ThreadFactory)}) is handed on the same way, since the client it was
     * making a thread for is closed only once that close returns.
     *
     * <p>If the socket file cannot be removed (say {@code EACCES}: the directory lost its write
     * permission), the close still does all of the above, and then the first close throws that
     * {@link ErrnoException} (naming the path); the server is closed, the file stays, a later or
     * racing close returns normally. (Until 2026-12-06 the failed removal was thrown before the
     * connections' input was ended: the handlers and connections stayed open for good.)
     *
     * @throws ErrnoException if the server's socket file could not be removed (only after the close)
     */
    @Override
    public void close() {
        boolean first;
        synchronized (closeLock) {
            first = !closing;
            closing = true;
        }
        if (!first) {
            awaitTheFirstClose(); // outside the lock: another close (a handler's, an interrupted one) must not queue behind it
            return;
        }
        boolean handedOn = false;
        RuntimeException removal;
        try {
            removal = stopAccepting();
            Thread self = Thread.currentThread();
            if (handlers.contains(self) || self == acceptor) {
                handedOn = finishCloseInAThreadOfItsOwn();
            }
            if (!handedOn) {
                finishClose();
            }
        } finally {
            if (!handedOn) {
                closed.countDown();
            }
        }
        if (removal != null) {
            throw removal; // reported once the server is shut down (net52: it used to skip the shutdown)
        }
    }

    /** Starts {@link #finishClose} in a new platform thread, which counts {@link #closed} down; false if none starts. */
    private boolean finishCloseInAThreadOfItsOwn() {
        try {
            // not a daemon, as the handler (a virtual thread) would make it: the JVM waits for the graceful close
            Thread.ofPlatform().daemon(false).name("jipc-close " + Sockets.describe(address)).start(() -> {
                try {
                    finishClose();
                } finally {
                    closed.countDown();
                }
            });
            return true;
        } catch (OutOfMemoryError | RuntimeException noThread) { // "unable to create native thread"
            return false;
        }
    }

    private void awaitTheFirstClose() {
        Thread self = Thread.currentThread();
        if (handlers.contains(self) || self == acceptor) {
            return; // the first close waits for this thread: waiting for it would hold both for the grace
        }
        try {
            closed.await();
        } catch (InterruptedException e) {
            self.interrupt();
        }
    }

    /**
     * The first part of the close: no client is accepted any more, the socket file is gone, no input
     * is read. Returns why the socket file could not be removed, or null: the rest runs either way.
     */
    private RuntimeException stopAccepting() {
        RuntimeException removal = null;
        try {
            if (unix) { // while the listener is open: see UnixSocketFile
                UnixSocketFile.remove((UnixDomainSocketAddress) address, socketInode);
            }
        } catch (RuntimeException e) {
            removal = e;
        } finally {
            listener.close();
        }
        for (StreamConnection connection : open) {
            connection.shutdownInputQuietly();
        }
        return removal;
    }

    /** The rest: the grace for handlers and accepted connections, then every connection closed. */
    private void finishClose() {
        long deadline = System.nanoTime() + Timeouts.nanos(options.closeGrace());
        joinHandlers(deadline);
        // connections handed out by accept() are closed by their users: give them the same grace
        awaitConnectionsClosed(deadline);
        for (StreamConnection connection : open) {
            connection.close();
        }
        joinHandlers(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        Thread a = acceptor;
        if (a != null && a != Thread.currentThread()) {
            try {
                a.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits until no connection is open or {@code deadline} (a {@link System#nanoTime()}) passes. */
    private void awaitConnectionsClosed(long deadline) {
        synchronized (connectionClosed) {
            long left;
            while (!open.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(connectionClosed, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Joins the handlers' threads until {@code deadline}. Called once {@link #closing} is set: the acceptor
     * adds and starts a thread only under {@link #closeLock} while not closing, so every thread in the set
     * has started ({@code Thread.join(Duration)} refuses an unstarted thread) and none is added any more.
     */
    private void joinHandlers(long deadline) {
        List<Thread> started = List.copyOf(handlers);
        for (Thread thread : started) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || thread == Thread.currentThread()) {
                continue;
            }
            try {
                thread.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "StreamServer[" + Sockets.describe(address) + "]";
    }
}
