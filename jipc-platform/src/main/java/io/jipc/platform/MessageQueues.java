package io.jipc.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The downcalls of POSIX message queues ({@code mq_overview(7)}): the kernel's named queues of
 * prioritised messages, interoperable with any C program that uses {@code <mqueue.h>}.
 *
 * <p>glibc 2.34 and later have these functions in libc itself; older ones in {@code librt.so.1},
 * which is then loaded on first use. Each method either succeeds or throws an
 * {@link io.jipc.ErrnoException} naming the errno, the call and the queue, except that a full or
 * empty queue of a non-blocking descriptor is an ordinary result ({@link #WOULD_BLOCK}).
 * {@code EINTR} is retried. The calls never block when the descriptor was opened with
 * {@link Libc#O_NONBLOCK}; otherwise they block the calling OS thread (a virtual thread pins its
 * carrier). Safe from any thread.
 */
public final class MessageQueues {
    /** Exclusive upper bound of a message priority on Linux ({@code sysconf(_SC_MQ_PRIO_MAX)}). */
    public static final int PRIORITY_LIMIT = 32768;
    /** Result of {@link #send} and {@link #receive} on a non-blocking descriptor whose queue is full or empty. */
    public static final int WOULD_BLOCK = -1;

    /*
     * struct mq_attr on Linux (x86-64 and aarch64): four longs and four longs of padding.
     *   0 mq_flags, 8 mq_maxmsg, 16 mq_msgsize, 24 mq_curmsgs
     */
    private static final long ATTR_SIZE = 64;
    private static final long ATTR_FLAGS = 0;
    private static final long ATTR_MAXMSG = 8;
    private static final long ATTR_MSGSIZE = 16;
    private static final long ATTR_CURMSGS = 24;

    private static final class Handles {
        static final MethodHandle OPEN = link("mq_open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), 2);
        static final MethodHandle CLOSE = link("mq_close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
        static final MethodHandle SEND = link("mq_send",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
        static final MethodHandle RECEIVE = link("mq_receive",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS), -1);
        static final MethodHandle GETATTR = link("mq_getattr",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), -1);
        static final MethodHandle UNLINK = link("mq_unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS), -1);

        /** libc itself (glibc >= 2.34), else librt. */
        private static MethodHandle link(String name, FunctionDescriptor descriptor, int firstVariadic) {
            if (Libc.hasSymbol(name)) {
                return Libc.errno(name, descriptor, firstVariadic);
            }
            MemorySegment symbol = Librt.LOOKUP.find(name).orElseThrow(() -> new UnsupportedOperationException(
                    "neither the C library nor librt.so.1 has '" + name + "'"));
            Linker.Option capture = Linker.Option.captureCallState("errno");
            return firstVariadic < 0
                    ? Linker.nativeLinker().downcallHandle(symbol, descriptor, capture)
                    : Linker.nativeLinker().downcallHandle(symbol, descriptor, capture,
                            Linker.Option.firstVariadicArg(firstVariadic));
        }
    }

    private static final class Librt {
        static final SymbolLookup LOOKUP = SymbolLookup.libraryLookup("librt.so.1", Arena.global());
    }

    private MessageQueues() {
    }

    /** What {@code mq_getattr} reports: the queue's capacity, message size and depth, and the descriptor's flags. */
    public record Attributes(long flags, long maxMessages, long messageSize, long currentMessages) {
    }

    /**
     * {@code mq_open(3)}.
     *
     * @param name        the queue's name, {@code "/name"}
     * @param flags       {@link Libc#O_RDONLY}, {@link Libc#O_WRONLY} or {@link Libc#O_RDWR}, with
     *                    {@link Libc#O_CREAT}, {@link Libc#O_EXCL}, {@link Libc#O_NONBLOCK}, {@link Libc#O_CLOEXEC}
     * @param mode        permission bits of a created queue (the umask applies)
     * @param maxMessages capacity of a created queue, or 0 for the kernel's default (then
     *                    {@code messageSize} must be 0 too)
     * @param messageSize largest message of a created queue, or 0 for the kernel's default
     * @return the queue descriptor
     */
    public static int open(String name, int flags, int mode, long maxMessages, long messageSize) {
        Libc.ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            MemorySegment attr = MemorySegment.NULL;
            if (maxMessages > 0 || messageSize > 0) {
                attr = arena.allocate(ATTR_SIZE, 8);
                attr.set(JAVA_LONG, ATTR_MAXMSG, maxMessages);
                attr.set(JAVA_LONG, ATTR_MSGSIZE, messageSize);
            }
            MemorySegment state = Libc.captureState();
            while (true) {
                int mqd;
                try {
                    mqd = (int) Handles.OPEN.invokeExact(state, cName, flags, mode, attr);
                } catch (Throwable t) {
                    throw Libc.rethrow(t);
                }
                if (mqd >= 0) {
                    return mqd;
                }
                int errno = Libc.errno(state);
                if (errno != Errno.EINTR) {
                    throw Errno.exception(errno, "mq_open", name);
                }
            }
        }
    }

    /** {@code mq_close(3)}. */
    public static void close(int mqd, String name) {
        MemorySegment state = Libc.captureState();
        int rc;
        try {
            rc = (int) Handles.CLOSE.invokeExact(state, mqd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (rc != 0) {
            throw Errno.exception(Libc.errno(state), "mq_close", name);
        }
    }

    /**
     * {@code mq_send(3)} of {@code message} (native memory) with {@code priority}.
     *
     * @return 0, or {@link #WOULD_BLOCK} if the descriptor is non-blocking and the queue is full
     */
    public static int send(int mqd, MemorySegment message, int priority, String name) {
        MemorySegment state = Libc.captureState();
        while (true) {
            int rc;
            try {
                rc = (int) Handles.SEND.invokeExact(state, mqd, message, message.byteSize(), priority);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc == 0) {
                return 0;
            }
            int errno = Libc.errno(state);
            if (errno == Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, "mq_send", name);
            }
        }
    }

    /**
     * {@code mq_receive(3)}: takes the oldest message of the highest priority into {@code buffer},
     * which must be at least the queue's message size, and stores its priority as an unsigned int
     * at {@code priority}.
     *
     * @return the message's length, or {@link #WOULD_BLOCK} if the descriptor is non-blocking and
     *         the queue is empty
     */
    public static long receive(int mqd, MemorySegment buffer, MemorySegment priority, String name) {
        MemorySegment state = Libc.captureState();
        while (true) {
            long n;
            try {
                n = (long) Handles.RECEIVE.invokeExact(state, mqd, buffer, buffer.byteSize(), priority);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = Libc.errno(state);
            if (errno == Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            if (errno != Errno.EINTR) {
                throw Errno.exception(errno, "mq_receive", name);
            }
        }
    }

    /** {@code mq_getattr(3)}. */
    public static Attributes attributes(int mqd, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment state = Libc.captureState();
            int rc;
            try {
                rc = (int) Handles.GETATTR.invokeExact(state, mqd, attr);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc != 0) {
                throw Errno.exception(Libc.errno(state), "mq_getattr", name);
            }
            return new Attributes(attr.get(JAVA_LONG, ATTR_FLAGS), attr.get(JAVA_LONG, ATTR_MAXMSG),
                    attr.get(JAVA_LONG, ATTR_MSGSIZE), attr.get(JAVA_LONG, ATTR_CURMSGS));
        }
    }

    /**
     * {@code mq_unlink(3)}: removes the name; open descriptors keep working, and the queue is
     * destroyed when the last one is closed.
     *
     * @return false if there was no queue of that name
     */
    public static boolean unlink(String name) {
        Libc.ensureAvailability();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            MemorySegment state = Libc.captureState();
            int rc;
            try {
                rc = (int) Handles.UNLINK.invokeExact(state, cName);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            if (rc == 0) {
                return true;
            }
            int errno = Libc.errno(state);
            if (errno == Errno.ENOENT) {
                return false;
            }
            throw Errno.exception(errno, "mq_unlink", name);
        }
    }
}
