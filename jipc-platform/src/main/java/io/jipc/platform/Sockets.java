package io.jipc.platform;

import io.jipc.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.IntUnaryOperator;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The socket downcalls of jipc: {@code socket}, {@code bind}, {@code listen}, {@code accept4},
 * {@code connect}, {@code send}/{@code recv}, {@code sendto}/{@code recvfrom}, socket options
 * ({@code SO_PEERCRED} among them), {@code shutdown}, the unread bytes ({@code ioctl(SIOCINQ)}), and
 * readiness ({@code poll}, {@code epoll}).
 *
 * <p>Every socket is created non-blocking and close-on-exec; the calls here never block except
 * {@link #poll} and {@link #epollWait}. "Would block" ({@code EAGAIN}) is a return value, not an
 * exception; every other failure is an {@link ErrnoException} naming the errno, the call and the
 * subject (an address or a descriptor). {@code EINTR} is retried where the call is restartable.
 *
 * <p>Addresses are the JDK's own types: {@link UnixDomainSocketAddress} (a path of at most 107
 * bytes, {@code AF_UNIX}) and {@link InetSocketAddress} (IPv4 or IPv6), encoded here into
 * {@code sockaddr_un}, {@code sockaddr_in} and {@code sockaddr_in6}.
 *
 * <p>The constants are those of Linux on x86-64 and aarch64 (the generic socket ABI); only
 * {@code struct epoll_event} differs (packed, 12 bytes, on x86-64).
 */
public final class Sockets {
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int MSG_TRUNC = 0x20;
    public static final int POLLIN = 0x1;
    public static final int POLLOUT = 0x4;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;

    // errno values of the socket calls (generic Linux ABI)
    public static final int EMSGSIZE = 90;
    public static final int EADDRINUSE = 98;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ECONNREFUSED = 111;
    public static final int EINPROGRESS = 115;

    /** Longest path of a {@code sockaddr_un}, in bytes, without the terminating NUL. */
    public static final int MAX_UNIX_PATH = 107;

    private static final int SOCK_NONBLOCK = 04000;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int SO_ERROR = 4;
    private static final int SO_SNDBUF = 7;
    private static final int SO_RCVBUF = 8;
    private static final int SO_KEEPALIVE = 9;
    private static final int SO_PEERCRED = 17;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int TCP_KEEPIDLE = 4;
    private static final int TCP_KEEPINTVL = 5;
    private static final int TCP_KEEPCNT = 6;
    private static final int TCP_USER_TIMEOUT = 18;
    private static final int TCP_INFO = 11;
    private static final int ENOPROTOOPT = 92;
    private static final int ENONET = 64;
    private static final int EPROTO = 71;
    private static final int ENETDOWN = 100;
    private static final int ENETUNREACH = 101;
    private static final int EHOSTDOWN = 112;
    private static final int EHOSTUNREACH = 113;
    /** Where {@code tcpi_bytes_acked} (a {@code __u64}) lies in Linux's {@code struct tcp_info}, and the length up to its end. */
    private static final int TCPI_BYTES_ACKED = 120;
    private static final int TCP_INFO_LENGTH = 128;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SOCKADDR_STORAGE = 128;
    /** A port in a {@code sockaddr_in}/{@code sockaddr_in6}: network byte order. */
    private static final ValueLayout.OfShort NETWORK_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private static final boolean X86 = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> true;
        default -> false;
    };
    /** Bytes of one {@code struct epoll_event}; the 64-bit data follows the 32-bit events. */
    public static final int EPOLL_EVENT_SIZE = X86 ? 12 : 16;
    private static final int EPOLL_DATA_OFFSET = X86 ? 4 : 8;

    /**
     * Per-thread scratch: a socket address at 0 (128 bytes), its length at 128, an int option or
     * {@code struct ucred} at 136, a {@code struct pollfd} at 152, the first {@link #TCP_INFO_LENGTH}
     * bytes of a {@code struct tcp_info} at 160.
     */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(160 + TCP_INFO_LENGTH, 16));
    private static final long LENGTH_AT = 128;
    private static final long VALUE_AT = 136;
    private static final long POLLFD_AT = 152;
    private static final long TCP_INFO_AT = 160;

    /**
     * Test seam (SocketsTest, StreamServerLifecycleTest), null otherwise: given the descriptor a successful
     * {@code accept4} returned, an errno that call is to have failed with instead (the seam closes the
     * descriptor), or 0 to keep it. It stands for a new connection's pending network error passed on by
     * {@code accept4}, which loopback does not provoke.
     */
    static volatile IntUnaryOperator afterAccept4;

    /**
     * The keepalive settings of a TCP socket ({@link #setTcpKeepAlive}): after {@code idleSeconds}
     * without traffic a probe every {@code intervalSeconds}, the connection ended after {@code count}
     * unanswered ones.
     */
    public record KeepAlive(int idleSeconds, int intervalSeconds, int count) {
    }

    /** What {@code SO_PEERCRED} reports of the process at the other end of a Unix-domain socket. */
    public record Credentials(int pid, int uid, int gid) {
    }

    private static final class Calls {
        static final MethodHandle SOCKET = Libc.errno("socket",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1);
        static final MethodHandle BIND = Libc.errno("bind",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle LISTEN = Libc.errno("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
        static final MethodHandle ACCEPT4 = Libc.errno("accept4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), -1);
        static final MethodHandle CONNECT = Libc.errno("connect",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle GETSOCKOPT = Libc.errno("getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), -1);
        static final MethodHandle SETSOCKOPT = Libc.errno("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle GETSOCKNAME = Libc.errno("getsockname",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), -1);
        static final MethodHandle SHUTDOWN = Libc.errno("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    }

    private static final class Transfer {
        static final MethodHandle SEND = Libc.errno("send",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), -1);
        static final MethodHandle RECV = Libc.errno("recv",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), -1);
        static final MethodHandle SENDTO = Libc.errno("sendto",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle RECVFROM = Libc.errno("recvfrom",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS), -1);
    }

    private static final class Readiness {
        static final MethodHandle POLL = Libc.errno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
        static final MethodHandle EPOLL_CREATE1 = Libc.errno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
        static final MethodHandle EPOLL_CTL = Libc.errno("epoll_ctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), -1);
        static final MethodHandle EPOLL_WAIT = Libc.errno("epoll_wait",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), -1);
    }

    private Sockets() {
    }

    // ------------------------------------------------------------------ life cycle

    /** {@code socket(2)}, non-blocking and close-on-exec; returns the descriptor. */
    public static int socket(int domain, int type) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int fd;
        try {
            fd = (int) Calls.SOCKET.invokeExact(state, domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            throw Errno.exception(Libc.errno(state), "socket", "domain " + domain + ", type " + type);
        }
        return fd;
    }

    /** The address family ({@link #AF_UNIX}, {@link #AF_INET}, {@link #AF_INET6}) of {@code address}. */
    public static int family(SocketAddress address) {
        return switch (address) {
            case UnixDomainSocketAddress ignored -> AF_UNIX;
            case InetSocketAddress inet -> inet.getAddress() instanceof Inet6Address ? AF_INET6 : AF_INET;
            default -> throw new IllegalArgumentException("unsupported address type: " + address.getClass().getName());
        };
    }

    /**
     * {@code bind(2)}. A {@code null} address on an {@code AF_UNIX} socket asks the kernel for an
     * autobound abstract address (so that a datagram socket can be answered).
     */
    public static void bind(int fd, SocketAddress address) {
        MemorySegment scratch = SCRATCH.get();
        int length = address == null ? 2 : encode(address, scratch);
        if (address == null) {
            scratch.set(JAVA_SHORT, 0, (short) AF_UNIX);
        }
        int rc;
        try {
            rc = (int) Calls.BIND.invokeExact(Libc.captureState(), fd, scratch, length);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(Libc.captureState()), "bind", describe(address));
        }
    }

    /** {@code listen(2)}. */
    public static void listen(int fd, int backlog, SocketAddress address) {
        int rc;
        try {
            rc = (int) Calls.LISTEN.invokeExact(Libc.captureState(), fd, backlog);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(Libc.captureState()), "listen", describe(address));
        }
    }

    /**
     * {@code accept4(2)}: the descriptor of a new connection (non-blocking, close-on-exec), or -1
     * when none is pending. A connection that was aborted before it was accepted also yields -1, and
     * so, on a TCP listener ({@code address} not a {@link UnixDomainSocketAddress}), does one whose
     * pending network error {@code accept4} passed on as its own ({@code ENETDOWN}, {@code EPROTO},
     * {@code ENOPROTOOPT}, {@code EHOSTDOWN}, {@code ENONET}, {@code EHOSTUNREACH}, {@code EOPNOTSUPP},
     * {@code ENETUNREACH}: accept(2) says to treat them as {@code EAGAIN}); that connection is gone, the
     * next ones are accepted by the next calls. (Until 2026-12-07 such an errno was thrown, and ended a
     * server's acceptor.) A Unix-domain {@code accept4} passes on no such error: there each of them is
     * thrown, as any other errno.
     *
     * @param address the listener's address: its family, and the subject of an exception
     */
    public static int accept(int fd, SocketAddress address) {
        MemorySegment state = Libc.captureState();
        while (true) {
            int rc;
            try {
                rc = (int) Calls.ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            int errno;
            if (rc < 0) {
                errno = Libc.errno(state);
            } else {
                IntUnaryOperator seam = afterAccept4;
                if (seam == null || (errno = seam.applyAsInt(rc)) == 0) {
                    return rc;
                }
            }
            if (errno == Errno.EAGAIN || errno == ECONNABORTED
                    || !(address instanceof UnixDomainSocketAddress) && isPendingNetworkError(errno)) {
                return -1;
            }
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, "accept4", describe(address));
            }
        }
    }

    /**
     * The errors of a new TCP connection that accept(2) (NOTES) lists as passed on by {@code accept4}, to
     * be treated as {@code EAGAIN}: the same numbers on x86-64 and aarch64 (asm-generic).
     */
    private static boolean isPendingNetworkError(int errno) {
        return switch (errno) {
            case ENONET, EPROTO, ENOPROTOOPT, Errno.EOPNOTSUPP, ENETDOWN, ENETUNREACH, EHOSTDOWN, EHOSTUNREACH -> true;
            default -> false;
        };
    }

    /**
     * {@code connect(2)} on a non-blocking socket: 0 when connected at once, or
     * {@link #EINPROGRESS} (wait until writable, then read {@link #socketError}) or
     * {@link Errno#EAGAIN} (a Unix-domain listener's backlog is full: try again later).
     */
    public static int connect(int fd, SocketAddress address) {
        MemorySegment scratch = SCRATCH.get();
        int length = encode(address, scratch);
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Calls.CONNECT.invokeExact(state, fd, scratch, length);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc == 0) {
            return 0;
        }
        int errno = Libc.errno(state);
        if (errno == EINPROGRESS || errno == Errno.EAGAIN || errno == Errno.EINTR) {
            return errno == Errno.EINTR ? EINPROGRESS : errno;
        }
        throw Errno.exception(errno, "connect", describe(address));
    }

    /** {@code shutdown(2)}; a socket that is not connected is ignored. */
    public static void shutdown(int fd, int how) {
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Calls.SHUTDOWN.invokeExact(state, fd, how);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0 && Libc.errno(state) != ENOTCONN) {
            throw Errno.exception(Libc.errno(state), "shutdown", "fd " + fd);
        }
    }

    /**
     * Bytes the kernel holds for this side of a connected stream socket, received and not yet read
     * ({@code ioctl(SIOCINQ)}, {@code FIONREAD}): a TCP socket's unread data, a Unix-domain stream
     * socket's unread bytes in all its queued messages. It only looks: nothing is consumed. Grows while
     * the peer sends and nobody reads, up to what the socket's receive buffer takes. Any thread may call
     * it; it does not block.
     *
     * @param subject names the socket in an error's message
     * @throws ErrnoException {@code EBADF} for a closed descriptor, {@code EINVAL} for a listening socket
     */
    public static int unreadBytes(int fd, String subject) {
        return Libc.unreadBytes(fd, "ioctl(SIOCINQ)", subject);
    }

    /**
     * Bytes this side of a connected stream socket has sent that its peer has not taken yet
     * ({@code ioctl(SIOCOUTQ)}): for TCP, those in the send queue not yet acknowledged; for a
     * Unix-domain stream socket, those the peer has not yet read. 0 when everything sent so far has
     * left the send buffer. Any thread may call it; it does not block.
     *
     * @param subject names the socket in an error's message
     * @throws ErrnoException {@code EBADF} for a closed descriptor, {@code EINVAL} for a listening socket
     */
    public static int unsentBytes(int fd, String subject) {
        return Libc.queuedToSend(fd, subject);
    }

    // ------------------------------------------------------------------ options

    /** The pending error of a socket ({@code SO_ERROR}), cleared by reading it; 0 if none. */
    public static int socketError(int fd) {
        return getInt(fd, SOL_SOCKET, SO_ERROR, "SO_ERROR");
    }

    /** {@code SO_PEERCRED}: the pid, uid and gid of the peer of a connected Unix-domain socket. */
    public static Credentials peerCredentials(int fd) {
        MemorySegment scratch = SCRATCH.get();
        scratch.set(JAVA_INT, LENGTH_AT, 12);
        getOption(fd, SOL_SOCKET, SO_PEERCRED, scratch, "SO_PEERCRED");
        return new Credentials(scratch.get(JAVA_INT, VALUE_AT), scratch.get(JAVA_INT, VALUE_AT + 4),
                scratch.get(JAVA_INT, VALUE_AT + 8));
    }

    /** {@code TCP_NODELAY}: sends small segments at once (no Nagle delay). */
    public static void setTcpNoDelay(int fd) {
        setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    }

    /**
     * {@code SO_KEEPALIVE} with this socket's own {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTVL} and
     * {@code TCP_KEEPCNT} (the system-wide {@code net.ipv4.tcp_keepalive_*} values are not used): once
     * the connection has carried nothing for {@code keepAlive.idleSeconds()} the kernel sends a probe
     * every {@code intervalSeconds()}, and after {@code count()} unanswered probes it ends the
     * connection: the socket's next (or waiting) call fails with {@link Errno#ETIMEDOUT}, a waiting
     * {@code poll} sees {@link #POLLERR}. A peer whose kernel lives answers the probes, whether its
     * process reads or not. A TCP socket only; idle and interval at most 32,767 s, count at most 127.
     *
     * @throws ErrnoException {@code EINVAL} for a value out of range; an errno also on a socket that is not TCP
     */
    public static void setTcpKeepAlive(int fd, KeepAlive keepAlive) {
        setInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, keepAlive.idleSeconds(), "TCP_KEEPIDLE");
        setInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, keepAlive.intervalSeconds(), "TCP_KEEPINTVL");
        setInt(fd, IPPROTO_TCP, TCP_KEEPCNT, keepAlive.count(), "TCP_KEEPCNT");
        setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
    }

    /** The socket's keepalive settings ({@link #setTcpKeepAlive}), or null if {@code SO_KEEPALIVE} is off. */
    public static KeepAlive tcpKeepAlive(int fd) {
        if (getInt(fd, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE") == 0) {
            return null;
        }
        return new KeepAlive(getInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE"),
                getInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL"),
                getInt(fd, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT"));
    }

    /**
     * {@code TCP_USER_TIMEOUT}: data sent on this socket that stays unacknowledged for {@code millis}
     * (the peer's host is gone, or the link to it cut) ends the connection, instead of the
     * retransmissions the kernel would otherwise make for about 15 minutes ({@code tcp_retries2}): the
     * socket's next (or waiting) call fails with {@link Errno#ETIMEDOUT}. With keepalive on it also bounds
     * the unanswered probes; Linux also counts a receive window the peer keeps closed against it. 0
     * restores the system's behaviour. A TCP socket only.
     *
     * @throws ErrnoException {@code EINVAL} for a negative value; an errno also on a socket that is not TCP
     */
    public static void setTcpUserTimeout(int fd, int millis) {
        setInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, millis, "TCP_USER_TIMEOUT");
    }

    /** The socket's {@code TCP_USER_TIMEOUT} in milliseconds (0: the system's behaviour). */
    public static int tcpUserTimeout(int fd) {
        return getInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT");
    }

    /**
     * How many bytes of what this side sent the peer's TCP has acknowledged over the connection's
     * life ({@code getsockopt(TCP_INFO)}'s {@code tcpi_bytes_acked}, Linux 4.1 and later). It grows as
     * the peer's kernel takes the data into its receive buffer, whether the peer's process reads or
     * not; it stands still while nothing is sent, while the peer keeps its receive window closed (its
     * buffer full: its process does not read) and while its host is gone or the link cut. -1 for a
     * socket that is not TCP (a Unix-domain one) and where the kernel does not report it. Any thread
     * may call it; it does not block.
     *
     * @throws ErrnoException {@code EBADF} for a closed descriptor
     */
    public static long tcpBytesAcknowledged(int fd) {
        MemorySegment scratch = SCRATCH.get();
        scratch.set(JAVA_INT, LENGTH_AT, TCP_INFO_LENGTH);
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Calls.GETSOCKOPT.invokeExact(state, fd, IPPROTO_TCP, TCP_INFO,
                    scratch.asSlice(TCP_INFO_AT, TCP_INFO_LENGTH), scratch.asSlice(LENGTH_AT));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            int errno = Libc.errno(state);
            if (errno == Errno.EOPNOTSUPP || errno == ENOPROTOOPT) {
                return -1; // not a TCP socket
            }
            throw Errno.exception(errno, "getsockopt TCP_INFO", "fd " + fd);
        }
        if (scratch.get(JAVA_INT, LENGTH_AT) < TCP_INFO_LENGTH) {
            return -1; // a kernel older than the field
        }
        return scratch.get(JAVA_LONG, TCP_INFO_AT + TCPI_BYTES_ACKED);
    }

    /** {@code SO_REUSEADDR}: a TCP port in {@code TIME_WAIT} may be bound again. */
    public static void setReuseAddress(int fd) {
        setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    }

    /** {@code SO_SNDBUF} / {@code SO_RCVBUF} (the kernel doubles the value and caps it at its limits). */
    public static void setBufferSizes(int fd, int send, int receive) {
        if (send > 0) {
            setInt(fd, SOL_SOCKET, SO_SNDBUF, send, "SO_SNDBUF");
        }
        if (receive > 0) {
            setInt(fd, SOL_SOCKET, SO_RCVBUF, receive, "SO_RCVBUF");
        }
    }

    /** The send buffer size the kernel uses for the socket ({@code SO_SNDBUF}). */
    public static int sendBufferSize(int fd) {
        return getInt(fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF");
    }

    private static int getInt(int fd, int level, int name, String what) {
        MemorySegment scratch = SCRATCH.get();
        scratch.set(JAVA_INT, LENGTH_AT, 4);
        getOption(fd, level, name, scratch, what);
        return scratch.get(JAVA_INT, VALUE_AT);
    }

    private static void getOption(int fd, int level, int name, MemorySegment scratch, String what) {
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Calls.GETSOCKOPT.invokeExact(state, fd, level, name, scratch.asSlice(VALUE_AT),
                    scratch.asSlice(LENGTH_AT));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), "getsockopt " + what, "fd " + fd);
        }
    }

    private static void setInt(int fd, int level, int name, int value, String what) {
        MemorySegment scratch = SCRATCH.get();
        scratch.set(JAVA_INT, VALUE_AT, value);
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Calls.SETSOCKOPT.invokeExact(state, fd, level, name, scratch.asSlice(VALUE_AT), 4);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), "setsockopt " + what, "fd " + fd);
        }
    }

    /** {@code getsockname(2)}: the address the socket is bound to (an ephemeral port, an autobound name). */
    public static SocketAddress localAddress(int fd) {
        MemorySegment scratch = SCRATCH.get();
        scratch.set(JAVA_INT, LENGTH_AT, SOCKADDR_STORAGE);
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Calls.GETSOCKNAME.invokeExact(state, fd, scratch, scratch.asSlice(LENGTH_AT));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), "getsockname", "fd " + fd);
        }
        return decode(scratch, scratch.get(JAVA_INT, LENGTH_AT));
    }

    // ------------------------------------------------------------------ data

    /** What {@link #outcome} returns for an interrupted call: call again. */
    private static final long RETRY = Long.MIN_VALUE;

    /**
     * The result of a data transfer call that returned {@code n}: {@code n} itself on success, -1
     * for "would block" ({@code EAGAIN}), {@link #RETRY} for a signal ({@code EINTR}); any other
     * errno is thrown, naming {@code call} and {@code subject} (a socket address is described only then).
     */
    private static long outcome(long n, String call, Object subject) {
        if (n >= 0) {
            return n;
        }
        int errno = Libc.errno(Libc.captureState());
        if (errno == Errno.EAGAIN) {
            return -1;
        }
        if (errno == Errno.EINTR) {
            return RETRY;
        }
        throw Errno.exception(errno, call,
                subject instanceof SocketAddress address ? describe(address) : String.valueOf(subject));
    }

    /**
     * {@code send(2)} of {@code length} bytes at native {@code address}, without {@code SIGPIPE};
     * returns the bytes sent, or -1 if the socket buffer is full.
     */
    public static long send(int fd, long address, long length, String subject) {
        long result;
        do {
            try {
                result = outcome((long) Transfer.SEND.invokeExact(Libc.captureState(), fd, address, length,
                        MSG_NOSIGNAL), "send", subject);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        } while (result == RETRY);
        return result;
    }

    /**
     * {@code recv(2)} into native memory at {@code address}: the bytes received, 0 at end of
     * stream, or -1 if nothing is there yet. With {@link #MSG_TRUNC} on a datagram socket it
     * returns the datagram's real length even when that is more than {@code length}.
     */
    public static long recv(int fd, long address, long length, int flags, String subject) {
        long result;
        do {
            try {
                result = outcome((long) Transfer.RECV.invokeExact(Libc.captureState(), fd, address, length, flags),
                        "recv", subject);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        } while (result == RETRY);
        return result;
    }

    /** {@code sendto(2)} of one datagram; returns the bytes sent, or -1 if it would block. */
    public static long sendTo(int fd, long address, long length, SocketAddress target) {
        MemorySegment scratch = SCRATCH.get();
        int addressLength = encode(target, scratch);
        long result;
        do {
            try {
                result = outcome((long) Transfer.SENDTO.invokeExact(Libc.captureState(), fd, address, length,
                        MSG_NOSIGNAL, scratch, addressLength), "sendto", target);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        } while (result == RETRY);
        return result;
    }

    /**
     * {@code recvfrom(2)} of one datagram with {@link #MSG_TRUNC}: its real length (which may
     * exceed {@code length}; the rest is discarded by the kernel), or -1 if none is queued. The
     * sender's address is then available from {@link #lastSender()}, until the thread's next call here.
     */
    public static long recvFrom(int fd, long address, long length, String subject) {
        MemorySegment scratch = SCRATCH.get();
        long result;
        do {
            scratch.set(JAVA_INT, LENGTH_AT, SOCKADDR_STORAGE);
            try {
                result = outcome((long) Transfer.RECVFROM.invokeExact(Libc.captureState(), fd, address, length,
                        MSG_TRUNC, scratch, scratch.asSlice(LENGTH_AT)), "recvfrom", subject);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        } while (result == RETRY);
        return result;
    }

    /** The sender of the datagram the calling thread last received with {@link #recvFrom}, or null if unnamed. */
    public static SocketAddress lastSender() {
        MemorySegment scratch = SCRATCH.get();
        return decode(scratch, scratch.get(JAVA_INT, LENGTH_AT));
    }

    // ------------------------------------------------------------------ readiness

    /**
     * {@code poll(2)} of one descriptor for {@code events}; returns the events that occurred, or 0
     * on timeout or interruption by a signal. Blocks the calling OS thread.
     *
     * @param timeoutMillis at most this long; -1 for no limit
     */
    public static int poll(int fd, int events, int timeoutMillis) {
        MemorySegment scratch = SCRATCH.get();
        MemorySegment pollfd = scratch.asSlice(POLLFD_AT, 8);
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, (short) events);
        pollfd.set(JAVA_SHORT, 6, (short) 0);
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Readiness.POLL.invokeExact(state, pollfd, 1L, timeoutMillis);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc < 0) {
            int errno = Libc.errno(state);
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw Errno.exception(errno, "poll", "fd " + fd);
        }
        return rc == 0 ? 0 : pollfd.get(JAVA_SHORT, 6) & 0xffff;
    }

    /** {@code epoll_create1(EPOLL_CLOEXEC)}. */
    public static int epollCreate() {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int fd;
        try {
            fd = (int) Readiness.EPOLL_CREATE1.invokeExact(state, 02000000);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            throw Errno.exception(Libc.errno(state), "epoll_create1", null);
        }
        return fd;
    }

    /** {@code epoll_ctl(2)}: the event's data is the descriptor itself. Returns 0 or the errno. */
    public static int epollCtl(int epfd, int op, int fd, int events) {
        return epollCtl(epfd, op, fd, events, fd & 0xffffffffL);
    }

    /**
     * {@code epoll_ctl(2)} with {@code data} as the event's 64-bit data, which {@link #epollEventData}
     * returns (read {@link #epollEventFd} only where the data is the descriptor). Returns 0 or the errno.
     */
    public static int epollCtl(int epfd, int op, int fd, int events, long data) {
        MemorySegment scratch = SCRATCH.get();
        MemorySegment event = scratch.asSlice(0, EPOLL_EVENT_SIZE);
        event.set(JAVA_INT, 0, events);
        event.set(JAVA_INT, EPOLL_DATA_OFFSET, (int) data); // little-endian: the low half first
        event.set(JAVA_INT, EPOLL_DATA_OFFSET + 4, (int) (data >>> 32));
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Readiness.EPOLL_CTL.invokeExact(state, epfd, op, fd, event);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        return rc == 0 ? 0 : Libc.errno(state);
    }

    /**
     * {@code epoll_wait(2)} into {@code events} (room for {@code max} entries of
     * {@link #EPOLL_EVENT_SIZE} bytes); returns the number of entries, 0 on timeout or signal.
     */
    public static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Readiness.EPOLL_WAIT.invokeExact(state, epfd, events, max, timeoutMillis);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc < 0) {
            int errno = Libc.errno(state);
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw Errno.exception(errno, "epoll_wait", "fd " + epfd);
        }
        return rc;
    }

    /** The descriptor of entry {@code i} of an {@link #epollWait} result. */
    public static int epollEventFd(MemorySegment events, int i) {
        return events.get(JAVA_INT, (long) i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
    }

    /** The 64-bit data of entry {@code i} of an {@link #epollWait} result (see {@link #epollCtl(int, int, int, int, long)}). */
    public static long epollEventData(MemorySegment events, int i) {
        long at = (long) i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET;
        return events.get(JAVA_INT, at) & 0xffffffffL | (long) events.get(JAVA_INT, at + 4) << 32;
    }

    /** The events ({@code EPOLLIN}, ...) of entry {@code i} of an {@link #epollWait} result. */
    public static int epollEventEvents(MemorySegment events, int i) {
        return events.get(JAVA_INT, (long) i * EPOLL_EVENT_SIZE);
    }

    // ------------------------------------------------------------------ addresses

    /** Writes {@code address} as a {@code sockaddr} at the start of {@code out}; returns its length. */
    static int encode(SocketAddress address, MemorySegment out) {
        switch (address) {
            case UnixDomainSocketAddress unix -> {
                byte[] path = unix.getPath().toString().getBytes(StandardCharsets.UTF_8);
                if (path.length == 0 || path.length > MAX_UNIX_PATH) {
                    throw new IllegalArgumentException("a Unix-domain socket path must have 1 to " + MAX_UNIX_PATH
                            + " bytes; '" + unix.getPath() + "' has " + path.length);
                }
                out.asSlice(0, 110).fill((byte) 0);
                out.set(JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(path, 0, out, JAVA_BYTE, 2, path.length);
                return 2 + path.length + 1;
            }
            case InetSocketAddress inet -> {
                if (inet.isUnresolved()) {
                    throw new IllegalArgumentException("unresolved host: " + inet.getHostString());
                }
                byte[] ip = inet.getAddress().getAddress();
                short port = (short) inet.getPort();
                if (ip.length == 4) {
                    out.asSlice(0, 16).fill((byte) 0);
                    out.set(JAVA_SHORT, 0, (short) AF_INET);
                    out.set(NETWORK_SHORT, 2, port);
                    MemorySegment.copy(ip, 0, out, JAVA_BYTE, 4, 4);
                    return 16;
                }
                out.asSlice(0, 28).fill((byte) 0);
                out.set(JAVA_SHORT, 0, (short) AF_INET6);
                out.set(NETWORK_SHORT, 2, port);
                MemorySegment.copy(ip, 0, out, JAVA_BYTE, 8, 16);
                if (inet.getAddress() instanceof Inet6Address v6) {
                    out.set(JAVA_INT, 24, v6.getScopeId());
                }
                return 28;
            }
            default -> throw new IllegalArgumentException("unsupported address type: " + address.getClass().getName());
        }
    }

    /**
     * Reads a {@code sockaddr} of {@code length} bytes; null for an unnamed or abstract Unix address,
     * and for a Unix path that is not UTF-8 or that this JVM's path encoding cannot hold.
     */
    static SocketAddress decode(MemorySegment in, int length) {
        if (length < 2) {
            return null;
        }
        int family = in.get(JAVA_SHORT, 0);
        int port = Short.toUnsignedInt(in.get(NETWORK_SHORT, 2));
        try {
            return switch (family) {
                case AF_UNIX -> {
                    if (length <= 2 || in.get(JAVA_BYTE, 2) == 0) {
                        yield null; // unnamed, or abstract (autobound)
                    }
                    int end = 2;
                    while (end < length && end < 110 && in.get(JAVA_BYTE, end) != 0) {
                        end++;
                    }
                    byte[] path = in.asSlice(2, end - 2).toArray(JAVA_BYTE);
                    try {
                        yield UnixDomainSocketAddress.of(StandardCharsets.UTF_8.newDecoder() // reports, not replaces
                                .decode(java.nio.ByteBuffer.wrap(path)).toString());
                    } catch (java.nio.charset.CharacterCodingException | java.nio.file.InvalidPathException unnamable) {
                        // no String names it (not UTF-8: a replaced byte would name another path, and an
                        // answer sent there could reach another socket), or no Path of this JVM does (its
                        // path encoding, sun.jnu.encoding, is ASCII under LC_ALL=C: the exception escaped a
                        // receive that had taken the datagram), so none, as for an unnamed socket
                        yield null;
                    }
                }
                case AF_INET -> new InetSocketAddress(InetAddress.getByAddress(in.asSlice(4, 4).toArray(JAVA_BYTE)), port);
                case AF_INET6 -> {
                    byte[] ip = in.asSlice(8, 16).toArray(JAVA_BYTE);
                    int scope = in.get(JAVA_INT, 24);
                    yield new InetSocketAddress(scope == 0 ? InetAddress.getByAddress(ip)
                            : Inet6Address.getByAddress(null, ip, scope), port);
                }
                default -> null;
            };
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * {@code address} for messages: a Unix path or {@code host:port}; for null (a Unix-domain socket
     * without a path: unbound, or bound to an abstract name), {@code "an unnamed socket"}.
     */
    public static String describe(SocketAddress address) {
        return switch (address) {
            case null -> "an unnamed socket (unbound, or bound to an abstract name)";
            case UnixDomainSocketAddress unix -> unix.getPath().toString();
            case InetSocketAddress inet -> (inet.getAddress() instanceof Inet4Address || inet.isUnresolved()
                    ? inet.getHostString() : "[" + inet.getHostString() + "]") + ":" + inet.getPort();
            default -> address.toString();
        };
    }
}
