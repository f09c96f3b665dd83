package io.jipc.platform;

import io.jipc.ErrnoException;
import io.jipc.Timeouts;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Handing a file descriptor to another process over a Unix-domain stream socket
 * ({@code SCM_RIGHTS}), and learning who is at the other end of a socket ({@code SO_PEERCRED}).
 *
 * <p>The receiver gets its own descriptor of the same open file (like {@code dup} across
 * processes). Every descriptor this class creates is close-on-exec. Waits take a timeout and
 * retry {@code EINTR}.
 *
 * <p>Structures ({@code sockaddr_un}, {@code msghdr}, {@code cmsghdr}, {@code ucred}) are laid out
 * for the LP64 ABIs of x86-64 and aarch64, the only platforms {@link Libc} supports.
 */
public final class FdPassing {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOCK_NONBLOCK = 04000;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final short POLLIN = 0x1;
    private static final int SUN_PATH_LENGTH = 108;
    private static final int SOCKADDR_UN_LENGTH = 2 + SUN_PATH_LENGTH;
    /** {@code struct msghdr}: name, namelen, iov, iovlen, control, controllen, flags. */
    private static final int MSGHDR_LENGTH = 56;
    /** {@code CMSG_SPACE(sizeof(int))}: an 8-byte length, level, type, the descriptor, padding. */
    private static final int CONTROL_LENGTH = 24;

    private static final class Calls {
        static final MethodHandle SOCKET = Libc.errno("socket",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1);
        static final MethodHandle BIND = Libc.errno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle LISTEN = Libc.errno("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
        static final MethodHandle ACCEPT4 = Libc.errno("accept4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), -1);
        static final MethodHandle CONNECT = Libc.errno("connect",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle FCNTL = Libc.errno("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
        static final MethodHandle POLL = Libc.errno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
        static final MethodHandle GETSOCKOPT = Libc.errno("getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), -1);
        static final MethodHandle SENDMSG = Libc.errno("sendmsg",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle RECVMSG = Libc.errno("recvmsg",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
    }

    private FdPassing() {
    }

    /**
     * Connections the kernel queues for a {@link #listen}ing socket before they are accepted
     * ({@code listen(2)}'s backlog, capped by {@code net.core.somaxconn}; Linux queues one more): a
     * {@link #connect} beyond it blocks in the kernel until one is accepted, deaf to its caller's
     * timeout and interrupts; {@link #tryConnect} returns -1 instead. A connection counts until it is
     * accepted, also once its connecting end is closed. 16 until 2026-12-06: the 17th child started
     * before its parent's first {@code deliverTo} waited in {@code connect} past its own receive
     * timeout.
     */
    public static final int BACKLOG = 128;

    /**
     * Creates a Unix-domain stream socket bound to {@code path} (which must not exist) and listening
     * ({@link #BACKLOG}); returns its descriptor. The socket file gets the mode of the umask; put it in
     * a private directory to control who may connect.
     */
    public static int listen(String path) {
        int fd = addressed(path, Calls.BIND, "bind", 0);
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Calls.LISTEN.invokeExact(state, fd, BACKLOG);
        } catch (Throwable t) {
            Libc.close(fd);
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            int errno = Libc.errno(state);
            Libc.close(fd);
            throw Errno.exception(errno, "listen", path);
        }
        return fd;
    }

    /**
     * Accepts one connection on the listening socket {@code fd}, waiting at most
     * {@code timeoutMillis}; returns the connected socket, or -1 if none came in time.
     */
    public static int accept(int fd, long timeoutMillis, String subject) {
        if (!awaitReadable(fd, timeoutMillis, subject)) {
            return -1;
        }
        MemorySegment state = Libc.captureState();
        while (true) {
            int connection;
            try {
                connection = (int) Calls.ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL,
                        SOCK_CLOEXEC);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (connection >= 0) {
                return connection;
            }
            int errno = Libc.errno(state);
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, "accept4", subject);
            }
        }
    }

    /**
     * Connects a new Unix-domain stream socket to {@code path}; returns its descriptor. Blocks in the
     * kernel, deaf to interrupts, while the listener's queue is full ({@link #BACKLOG}); see
     * {@link #tryConnect}.
     */
    public static int connect(String path) {
        return addressed(path, Calls.CONNECT, "connect", 0);
    }

    /**
     * Connects a new Unix-domain stream socket to {@code path} without waiting: returns its
     * descriptor (in blocking mode, as {@link #connect}'s), or -1 if the listener's queue is full
     * ({@code EAGAIN} of a non-blocking {@code connect}: try again later), where {@link #connect}
     * would block in the kernel until the listener accepts one. Never blocks.
     *
     * @throws io.jipc.ErrnoException e.g. {@code ENOENT} (no such file), {@code ECONNREFUSED}
     *                                (nobody listens on it, or it is not a socket)
     */
    public static int tryConnect(String path) {
        int fd;
        try {
            fd = addressed(path, Calls.CONNECT, "connect", SOCK_NONBLOCK);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN) {
                return -1;
            }
            throw e;
        }
        try {
            setBlocking(fd, path);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        return fd;
    }

    /** Clears {@code O_NONBLOCK} on {@code fd}. */
    private static void setBlocking(int fd, String subject) {
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            int flags = (int) Calls.FCNTL.invokeExact(state, fd, F_GETFL, 0);
            rc = flags < 0 ? flags : (int) Calls.FCNTL.invokeExact(state, fd, F_SETFL, flags & ~SOCK_NONBLOCK);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc < 0) {
            throw Errno.exception(Libc.errno(state), "fcntl (clear O_NONBLOCK)", subject);
        }
    }

    /**
     * A new socket (with the extra socket {@code flags}) on which {@code bind} or {@code connect}
     * ({@code call}) to {@code path} succeeded.
     */
    private static int addressed(String path, MethodHandle call, String name, int flags) {
        int fd = socket(path, flags);
        boolean done = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.captureState();
            int rc;
            try {
                rc = (int) call.invokeExact(state, fd, address(arena, path), SOCKADDR_UN_LENGTH);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc != 0) {
                throw Errno.exception(Libc.errno(state), name, path);
            }
            done = true;
            return fd;
        } finally {
            if (!done) {
                Libc.close(fd);
            }
        }
    }

    /** The pid of the process that created the other end of the connected socket {@code fd} ({@code SO_PEERCRED}). */
    public static long peerPid(int fd, String subject) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.captureState();
            MemorySegment ucred = arena.allocate(12, 4);
            MemorySegment length = arena.allocateFrom(JAVA_INT, 12);
            int rc;
            try {
                rc = (int) Calls.GETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_PEERCRED, ucred, length);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc != 0) {
                throw Errno.exception(Libc.errno(state), "getsockopt(SO_PEERCRED)", subject);
            }
            return ucred.get(JAVA_INT, 0);
        }
    }

    /**
     * Whether the connected socket {@code fd} has input or end of stream right now ({@code poll}
     * with a zero timeout; never blocks). On a connection whose peer only waits to receive, true
     * means the peer closed it (gave up, or died).
     */
    public static boolean hasInput(int fd, String subject) {
        return awaitReadable(fd, 0, subject);
    }

    /** Sends the descriptor {@code passed} over the connected socket {@code fd}, with one byte {@code tag}. */
    public static void send(int fd, int passed, byte tag, String subject) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(JAVA_BYTE, tag);
            MemorySegment control = arena.allocate(CONTROL_LENGTH, 8);
            control.set(JAVA_LONG, 0, 16 + 4);          // cmsg_len = CMSG_LEN(sizeof(int))
            control.set(JAVA_INT, 8, SOL_SOCKET);        // cmsg_level
            control.set(JAVA_INT, 12, SCM_RIGHTS);       // cmsg_type
            control.set(JAVA_INT, 16, passed);           // CMSG_DATA
            MemorySegment header = message(arena, data, control);
            MemorySegment state = Libc.captureState();
            while (true) {
                long n;
                try {
                    n = (long) Calls.SENDMSG.invokeExact(state, fd, header, MSG_NOSIGNAL);
                } catch (Throwable t) {
                    throw Libc.rethrow(t);
                }
                if (n == 1) {
                    return;
                }
                int errno = n < 0 ? Libc.errno(state) : Errno.EIO;
                if (errno != Errno.EINTR) {
                    throw Errno.exception(errno, "sendmsg(SCM_RIGHTS)", subject);
                }
            }
        }
    }

    /** A descriptor received with {@link #receive}, and the byte sent with it. */
    public record Received(int fd, byte tag) {
    }

    /**
     * Receives one descriptor sent with {@link #send} on the connected socket {@code fd}, waiting
     * at most {@code timeoutMillis}.
     *
     * @return the descriptor (close-on-exec) and its tag, or {@code null} if nothing came in time
     * @throws io.jipc.ErrnoException with {@code EPROTO} if the peer closed the connection or sent
     *                                no descriptor, or more than one (every descriptor received
     *                                with a refused message is closed first)
     */
    public static Received receive(int fd, long timeoutMillis, String subject) {
        if (!awaitReadable(fd, timeoutMillis, subject)) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(1);
            MemorySegment control = arena.allocate(CONTROL_LENGTH, 8);
            MemorySegment header = message(arena, data, control);
            MemorySegment state = Libc.captureState();
            long n;
            while (true) {
                try {
                    n = (long) Calls.RECVMSG.invokeExact(state, fd, header, MSG_CMSG_CLOEXEC);
                } catch (Throwable t) {
                    throw Libc.rethrow(t);
                }
                if (n >= 0) {
                    break;
                }
                int errno = Libc.errno(state);
                if (errno != Errno.EINTR) {
                    throw Errno.exception(errno, "recvmsg(SCM_RIGHTS)", subject);
                }
            }
            long controlLength = header.get(JAVA_LONG, 40);
            int flags = header.get(JAVA_INT, 48);
            boolean hasDescriptor = n == 1 && controlLength >= 20 && (flags & MSG_CTRUNC) == 0
                    && control.get(JAVA_LONG, 0) == 20 && control.get(JAVA_INT, 8) == SOL_SOCKET
                    && control.get(JAVA_INT, 12) == SCM_RIGHTS;
            if (!hasDescriptor) {
                closeDescriptors(control, controlLength);
                throw Errno.exception(71 /* EPROTO */, n == 0 ? "recvmsg (peer closed the connection)"
                        : "recvmsg (no descriptor in the message)", subject);
            }
            return new Received(control.get(JAVA_INT, 16), data.get(JAVA_BYTE, 0));
        }
    }

    /**
     * Closes every descriptor the kernel installed in this process with a message {@link #receive}
     * refuses: a peer may send several in one {@code SCM_RIGHTS} record (two fit the control
     * buffer; of more, the kernel installs what fits and reports {@code MSG_CTRUNC}). Walks the
     * records within {@code controlLength} bytes of {@code control}. (Until 2026-12-06 they stayed
     * open for the life of the process.)
     */
    private static void closeDescriptors(MemorySegment control, long controlLength) {
        long end = Math.min(Math.max(0, controlLength), control.byteSize());
        long at = 0;
        while (at + 16 <= end) {
            long length = control.get(JAVA_LONG, at);
            if (length < 16 || length > end - at) {
                return;
            }
            if (control.get(JAVA_INT, at + 8) == SOL_SOCKET && control.get(JAVA_INT, at + 12) == SCM_RIGHTS) {
                for (long fd = at + 16; fd + 4 <= at + length; fd += 4) {
                    try {
                        Libc.close(control.get(JAVA_INT, fd));
                    } catch (ErrnoException notOurs) {
                        // not a descriptor after all: the refusal is what the caller hears
                    }
                }
            }
            at += (length + 7) & ~7L; // CMSG_ALIGN
        }
    }

    private static MemorySegment message(Arena arena, MemorySegment data, MemorySegment control) {
        MemorySegment iov = arena.allocate(16, 8);
        iov.set(ADDRESS, 0, data);
        iov.set(JAVA_LONG, 8, data.byteSize());
        MemorySegment header = arena.allocate(MSGHDR_LENGTH, 8);
        header.set(ADDRESS, 16, iov);
        header.set(JAVA_LONG, 24, 1L);
        header.set(ADDRESS, 32, control);
        header.set(JAVA_LONG, 40, control.byteSize());
        return header;
    }

    private static int socket(String subject, int flags) {
        Libc.ensureAvailability();
        MemorySegment state = Libc.captureState();
        int fd;
        try {
            fd = (int) Calls.SOCKET.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (fd < 0) {
            throw Errno.exception(Libc.errno(state), "socket(AF_UNIX)", subject);
        }
        return fd;
    }

    private static MemorySegment address(Arena arena, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= SUN_PATH_LENGTH) {
            throw Errno.exception(Errno.ENAMETOOLONG, "bind/connect (a socket path has at most "
                    + (SUN_PATH_LENGTH - 1) + " bytes)", path);
        }
        MemorySegment address = arena.allocate(SOCKADDR_UN_LENGTH, 2);
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, address, JAVA_BYTE, 2, bytes.length);
        return address;
    }

    /** {@code poll(2)} for input on {@code fd}; false on timeout. */
    private static boolean awaitReadable(int fd, long timeoutMillis, String subject) {
        long deadline = System.nanoTime()
                + Math.min(Math.max(0, timeoutMillis), Timeouts.MOST_NANOS / 1_000_000L) * 1_000_000L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollFd = arena.allocate(8, 4);
            MemorySegment state = Libc.captureState();
            while (true) {
                long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
                pollFd.set(JAVA_INT, 0, fd);
                pollFd.set(JAVA_SHORT, 4, POLLIN);
                pollFd.set(JAVA_SHORT, 6, (short) 0);
                int rc;
                try {
                    rc = (int) Calls.POLL.invokeExact(state, pollFd, 1L, (int) Math.min(left, Integer.MAX_VALUE));
                } catch (Throwable t) {
                    throw Libc.rethrow(t);
                }
                if (rc > 0) {
                    return true;
                }
                if (rc == 0) {
                    return false;
                }
                int errno = Libc.errno(state);
                if (errno != Errno.EINTR) {
                    throw Errno.exception(errno, "poll", subject);
                }
            }
        }
    }
}
