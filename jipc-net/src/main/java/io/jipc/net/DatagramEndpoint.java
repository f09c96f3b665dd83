package io.jipc.net;

import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.Selectable;
import io.jipc.platform.Sockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A datagram socket — Unix-domain ({@code AF_UNIX, SOCK_DGRAM}, a path) or UDP — that sends and
 * receives whole messages to and from any peer.
 *
 * <table class="striped">
 * <caption>Verbs</caption>
 * <tr><th></th><th>at once</th><th>blocks</th><th>blocks at most</th></tr>
 * <tr><td>send</td><td>{@link #offer(SocketAddress, byte[])}</td><td>{@link #put(SocketAddress, byte[])}</td>
 *     <td>{@link #offer(SocketAddress, byte[], Duration)}</td></tr>
 * <tr><td>receive</td><td>{@link #poll()}</td><td>{@link #take()}</td><td>{@link #poll(Duration)}</td></tr>
 * </table>
 *
 * <p><b>What a datagram socket promises.</b> Each datagram arrives whole or not at all: boundaries
 * are kept, one send is one receive. Nothing more: <em>UDP</em> may drop datagrams (on loopback,
 * when the receiver's buffer is full: a sender is never slowed down) and, between hosts, reorder
 * or duplicate them; there is no acknowledgement and no retransmission. <em>Unix-domain</em>
 * datagrams are not dropped on this host — a sender blocks (or {@code offer} returns false) while
 * the receiver's queue is full — and keep their order per sender; a datagram to a path where no
 * socket receives fails with {@code ECONNREFUSED}/{@code ENOENT}. A Unix-domain datagram stays
 * charged to its sender's send buffer until it is read, so a sender whose datagrams wait unread at
 * receivers that do not read (stopped, slow) blocks towards <em>every</em> receiver once that buffer
 * is full (about 208 KiB), also an empty one, until one of them reads: a server that answers many
 * clients from one endpoint should answer with a timed {@code offer} (docs/sockets.md).
 *
 * <p><b>Size.</b> A datagram larger than {@link DatagramOptions#maxDatagramSize()} is refused before
 * sending ({@link MessageTooLargeException}; so is one the kernel refuses, {@code EMSGSIZE}). A
 * received one larger than the buffer is an exception too, unless the endpoint was opened with
 * {@link DatagramOptions#truncate()}; it is never shortened silently (the kernel's
 * {@code MSG_TRUNC} tells its real length).
 *
 * <p><b>Threads.</b> One thread may receive while another sends. Blocking calls park virtual
 * threads and put platform threads to sleep in {@code poll(2)}; they are interruptible and end with
 * {@link ClosedException} when the endpoint is closed.
 */
public final class DatagramEndpoint implements AutoCloseable, Selectable {
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int YIELDS = 16;

    private final NativeSocket socket;
    private final DatagramOptions options;
    private final SocketAddress local;
    private final long socketInode;
    /** Orders {@link #close()}s: the second waits until the first has removed the socket file. */
    private final Object closeLock = new Object();
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final ReentrantLock sendLock = new ReentrantLock();
    private final MemorySegment rx;
    private final MemorySegment tx;

    private DatagramEndpoint(NativeSocket socket, DatagramOptions options, SocketAddress local, long socketInode) {
        this.socket = socket;
        this.options = options;
        this.local = local;
        this.socketInode = socketInode;
        Arena arena = Arena.ofAuto();
        this.rx = arena.allocate(options.maxDatagramSize(), 64);
        this.tx = arena.allocate(options.maxDatagramSize(), 64);
    }

    /** Binds with the default options. */
    public static DatagramEndpoint bind(SocketAddress local) {
        return bind(local, DatagramOptions.defaults());
    }

    /**
     * An endpoint bound to {@code local}, where peers send to it: a {@link UnixDomainSocketAddress}
     * (the socket file gets mode 0600, the file of a dead owner is replaced; see
     * {@link #bind(SocketAddress, DatagramOptions, int)}) or an {@link InetSocketAddress} (port 0
     * picks a free port: {@link #localAddress()}).
     */
    public static DatagramEndpoint bind(SocketAddress local, DatagramOptions options) {
        return bind(local, options, 0600);
    }

    /**
     * Like {@link #bind(SocketAddress, DatagramOptions)}, with the mode of a Unix-domain socket file
     * (sending needs write permission).
     *
     * @throws IllegalArgumentException      if {@code socketPermissions} has bits outside {@code 0777} or
     *                                       lacks {@code 0600} (as a mailbox's: the creator's user must keep access)
     * @throws io.jipc.InsecureFileException if another process replaced the socket file right after
     *                                       it was bound (possible only where other users may write
     *                                       the directory): its mode is then not changed, the socket is closed
     */
    public static DatagramEndpoint bind(SocketAddress local, DatagramOptions options, int socketPermissions) {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(options, "options");
        if ((socketPermissions & ~0777) != 0 || (socketPermissions & 0600) != 0600) { // the creator's user must send
            throw new IllegalArgumentException("socket permissions must be within 0777 and include 0600: 0"
                    + Integer.toOctalString(socketPermissions));
        }
        return open(Sockets.family(local), local, options, socketPermissions);
    }

    /**
     * An endpoint for talking to peers of {@code peerKind}'s family, bound to a name of the kernel's
     * choosing so that replies can come back: an autobound abstract name for Unix-domain (it has no
     * path, so {@link Datagram#sender()} is null to the peer — answer through a bound endpoint if
     * the peer must reply), an ephemeral port on the wildcard address for UDP.
     */
    public static DatagramEndpoint open(SocketAddress peerKind, DatagramOptions options) {
        Objects.requireNonNull(peerKind, "peerKind");
        Objects.requireNonNull(options, "options");
        int family = Sockets.family(peerKind);
        SocketAddress local = switch (family) {
            case Sockets.AF_UNIX -> null;
            case Sockets.AF_INET6 -> new InetSocketAddress(anyAddress(true), 0);
            default -> new InetSocketAddress(anyAddress(false), 0);
        };
        return open(family, local, options, 0600);
    }

    private static InetAddress anyAddress(boolean v6) {
        try {
            return v6 ? Inet6Address.getByAddress(new byte[16]) : InetAddress.getByAddress(new byte[4]);
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static DatagramEndpoint open(int family, SocketAddress local, DatagramOptions options, int permissions) {
        NativeSocket socket = NativeSocket.open(family, Sockets.SOCK_DGRAM, Sockets.describe(local));
        long inode = 0;
        try {
            if (options.receiveBuffer() > 0) {
                Sockets.setBufferSizes(socket.fd, 0, options.receiveBuffer());
            }
            if (local instanceof UnixDomainSocketAddress unix) {
                inode = UnixSocketFile.bind(socket.fd, unix, permissions);
            } else {
                Sockets.bind(socket.fd, local);
            }
            SocketAddress bound = local instanceof UnixDomainSocketAddress ? local : Sockets.localAddress(socket.fd);
            socket.subject = Sockets.describe(bound); // port 0: the port the kernel gave
            return new DatagramEndpoint(socket, options, bound, inode);
        } catch (Throwable e) {
            // also an Error, such as the OutOfMemoryError of the two buffers of maxDatagramSize (native
            // memory): until 2026-12-06 the socket then stayed open and bound, its file with it, and the
            // path could not be bound again while this process lived
            UnixSocketFile.undoBind(socket, local, inode, e);
            throw e;
        }
    }

    /** Where peers send to reach this endpoint; null for an autobound Unix-domain endpoint. */
    public SocketAddress localAddress() {
        return local;
    }

    public DatagramOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends one datagram if the kernel takes it now; false (nothing sent) if it would have to wait
     * (also while another thread waits to send). A pending interrupt is kept and does not stop it.
     */
    public boolean offer(SocketAddress target, byte[] message) {
        try {
            return send(target, message, System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sends one datagram, waiting at most {@code timeout} for room; false (nothing sent) on timeout. */
    public boolean offer(SocketAddress target, byte[] message, Duration timeout) throws InterruptedException {
        return send(target, message, StreamConnection.deadlineOf(timeout));
    }

    /**
     * Sends one datagram, waiting while the kernel has no room for it (Unix-domain: the receiver's
     * queue is full). Delivery is not confirmed.
     *
     * @throws MessageTooLargeException if it exceeds the maximum datagram size (nothing sent)
     * @throws ErrnoException           e.g. {@code ECONNREFUSED}/{@code ENOENT}: no socket at that path
     * @throws ClosedException          if the endpoint is closed, also by another thread while this one waits
     */
    public void put(SocketAddress target, byte[] message) throws InterruptedException {
        send(target, message, Long.MAX_VALUE);
    }

    private boolean send(SocketAddress target, byte[] message, long deadline) throws InterruptedException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(message, "message");
        if (message.length > options.maxDatagramSize()) {
            throw new MessageTooLargeException("datagram of " + message.length + " bytes exceeds the maximum of "
                    + options.maxDatagramSize() + " bytes (to " + Sockets.describe(target) + ")", message.length,
                    options.maxDatagramSize());
        }
        if (!StreamConnection.takeTurn(sendLock, deadline)) {
            return false; // another thread sends, waiting for room
        }
        try {
            socket.enter();
            try {
                MemorySegment.copy(message, 0, tx, JAVA_BYTE, 0, message.length);
                int retries = 0;
                while (true) {
                    long n;
                    try {
                        n = Sockets.sendTo(socket.fd, tx.address(), message.length, target);
                    } catch (ErrnoException e) {
                        if (socket.isClosed()) {
                            // this side's close shut the socket down under the call (EPIPE): a close, not the
                            // target's doing (until 2026-12-07 a put waiting for room, between its waits,
                            // threw that EPIPE naming the target's path)
                            throw socket.closed();
                        }
                        if (e.errno() == Sockets.EMSGSIZE) {
                            throw new MessageTooLargeException("the kernel refuses a datagram of " + message.length
                                    + " bytes to " + Sockets.describe(target) + " (EMSGSIZE)", message.length,
                                    options.maxDatagramSize());
                        }
                        throw e;
                    }
                    if (n >= 0) {
                        return true;
                    }
                    if (!socket.await(Sockets.POLLOUT, deadline)) {
                        return false;
                    }
                    // an unconnected Unix-domain sender polls writable while the receiver's queue is
                    // full (the kernel tracks that per connected pair only): yield to the receiver a
                    // few times, then back off (10 µs doubling to 1 ms)
                    if (++retries <= YIELDS) {
                        Thread.yield();
                    } else {
                        LockSupport.parkNanos(Math.min(MAX_BACKOFF_NANOS, 10_000L << Math.min(retries - YIELDS - 1, 7)));
                    }
                }
            } finally {
                socket.exit();
            }
        } finally {
            sendLock.unlock();
        }
    }

    // ------------------------------------------------------------------ receiving

    /** The next datagram, blocking until one arrives. */
    public Datagram take() throws InterruptedException {
        return receive(Long.MAX_VALUE);
    }

    /** The next datagram, waiting at most {@code timeout}; null if none arrived. */
    public Datagram poll(Duration timeout) throws InterruptedException {
        return receive(StreamConnection.deadlineOf(timeout));
    }

    /**
     * The next datagram if one is queued, else null at once (also while another thread receives). A
     * pending interrupt is kept and does not stop it.
     */
    public Datagram poll() {
        try {
            return receive(System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Datagram receive(long deadline) throws InterruptedException {
        if (!StreamConnection.takeTurn(receiveLock, deadline)) {
            return null; // another thread receives, and gets what arrives until then
        }
        try {
            socket.enter();
            try {
                while (true) {
                    long n = Sockets.recvFrom(socket.fd, rx.address(), rx.byteSize(), socket.subject);
                    if (n >= 0) {
                        SocketAddress sender = Sockets.lastSender();
                        int max = options.maxDatagramSize();
                        if (n > max && !options.truncate()) {
                            throw new MessageTooLargeException("received a datagram of " + n + " bytes from "
                                    + Sockets.describe(sender) + ", more than the maximum of " + max
                                    + " bytes; it was dropped (open the endpoint with truncate to receive its start)",
                                    n, max);
                        }
                        byte[] payload = rx.asSlice(0, Math.min(n, max)).toArray(JAVA_BYTE);
                        return new Datagram(payload, (int) n, sender, n > max);
                    }
                    if (!socket.await(Sockets.POLLIN, deadline)) {
                        return null;
                    }
                }
            } finally {
                socket.exit();
            }
        } finally {
            receiveLock.unlock();
        }
    }

    /**
     * This endpoint for an {@code io.jipc.select.Selector}: readable when a datagram waits
     * ({@link #poll()} returns it), writable when the socket has send-buffer space.
     */
    @Override
    public Selectable.Descriptor readinessSource() {
        return socket.readinessSource(OP_READ | OP_WRITE, () -> false);
    }

    /**
     * Closes the endpoint (idempotent) and removes its socket file; blocked threads get {@link
     * ClosedException}. When it returns, the file is gone, also for a thread whose close raced
     * another's (it waits for that close to finish): a shutdown hook's close must not return while
     * the main thread's is between the socket's close and the file's removal, or the JVM halts with
     * the file left (seen once in {@code BenchStopCleanupTest}).
     *
     * <p>If the socket file cannot be removed (say {@code EACCES}: the directory lost its write
     * permission), the socket is closed all the same (blocked threads get {@link ClosedException})
     * and then the first close throws that {@link ErrnoException} (naming the path); the file
     * stays, a later close returns normally.
     *
     * @throws ErrnoException if the socket file could not be removed (only after the socket is closed)
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (socket.isClosed()) {
                return;
            }
            try {
                if (local instanceof UnixDomainSocketAddress unix) { // while the socket is open: see UnixSocketFile
                    UnixSocketFile.remove(unix, socketInode);
                }
            } finally {
                socket.close();
            }
        }
    }

    @Override
    public String toString() {
        return "DatagramEndpoint[" + Sockets.describe(local) + "]";
    }
}
