package io.jipc.mq;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.MessageQueues;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The limits that bound POSIX message queues on this host, for this process: the kernel's tunables
 * under {@code /proc/sys/fs/mqueue} and the user's {@code RLIMIT_MSGQUEUE}.
 *
 * <ul>
 * <li>{@code msg_max}, {@code msgsize_max}: the most messages, and the longest message, an
 *     unprivileged process may give a new queue. A process with {@code CAP_SYS_RESOURCE} may go up
 *     to the kernel's hard ceilings, {@value #HARD_MAX_MESSAGES} messages and
 *     {@value #HARD_MAX_MESSAGE_SIZE} bytes.</li>
 * <li>{@code queues_max}: how many queues may exist in the IPC namespace (not enforced for
 *     {@code CAP_SYS_RESOURCE}).</li>
 * <li>The kernel checks {@code CAP_SYS_RESOURCE} with {@code capable()}, that is in the initial user
 *     namespace, whichever user namespace owns the IPC namespace: root of a user namespace
 *     ({@code unshare -U -r}, a rootless container) has every capability there, but is held to
 *     {@code msg_max}, {@code msgsize_max} and {@code queues_max}. So {@link #privileged} is true only
 *     for a process of the initial user namespace with the capability effective.</li>
 * <li>{@code RLIMIT_MSGQUEUE} ({@code ulimit -q}): the bytes that all queues of the real user may
 *     take together, each queue counted at creation for its full capacity
 *     ({@link #accountedBytes}). Enforced for every user, root included.</li>
 * </ul>
 * Read with {@link #current()}; a creation that exceeds one fails with an {@link MqLimitException}
 * that names the limit, the value asked and the limit's value.
 *
 * @param maxMessages        {@code fs.mqueue.msg_max}
 * @param maxMessageSize     {@code fs.mqueue.msgsize_max}
 * @param maxQueues          {@code fs.mqueue.queues_max}
 * @param defaultMessages    {@code fs.mqueue.msg_default} (a default queue gets at most {@code msg_max}: {@link #defaults()})
 * @param defaultMessageSize {@code fs.mqueue.msgsize_default} (at most {@code msgsize_max} in a default queue)
 * @param userBytes          the soft {@code RLIMIT_MSGQUEUE} of this process, {@link Long#MAX_VALUE} if unlimited
 * @param privileged         whether this process has {@code CAP_SYS_RESOURCE} in the initial user namespace,
 *                           as the kernel's mqueue checks require
 */
public record MqLimits(long maxMessages, long maxMessageSize, long maxQueues, long defaultMessages,
                       long defaultMessageSize, long userBytes, boolean privileged) {
    /** The most messages any queue may hold ({@code HARD_MSGMAX}). */
    public static final int HARD_MAX_MESSAGES = 65536;
    /** The longest message any queue may take ({@code HARD_MSGSIZEMAX}). */
    public static final int HARD_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

    private static final Path PROC = Path.of("/proc/sys/fs/mqueue");
    private static final int CAP_SYS_RESOURCE = 24;
    /**
     * The inode of the initial user namespace, as {@code /proc/self/ns/user} shows it
     * ({@code PROC_USER_INIT_INO}, fixed by the kernel since 3.8).
     */
    static final String INITIAL_USER_NAMESPACE = "user:[" + 0xEFFFFFFDL + "]";
    /** Kernel bookkeeping per message slot on 64-bit Linux: sizeof(struct msg_msg) and of a priority tree node. */
    private static final long MESSAGE_OVERHEAD = 48;
    private static final long PRIORITY_NODE = 48;

    /** Reads the limits now in force. */
    public static MqLimits current() {
        try {
            return new MqLimits(tunable("msg_max"), tunable("msgsize_max"), tunable("queues_max"),
                    tunable("msg_default"), tunable("msgsize_default"), userBytesLimit(), hasSysResource());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the POSIX message queue limits", e);
        }
    }

    /** The most messages this process may give a new queue. */
    public long maxMessagesAllowed() {
        return privileged ? HARD_MAX_MESSAGES : maxMessages;
    }

    /** The longest message this process may give a new queue. */
    public long maxMessageSizeAllowed() {
        return privileged ? HARD_MAX_MESSAGE_SIZE : maxMessageSize;
    }

    /**
     * The attributes the kernel gives a queue created without any ({@code mq_open} with a null
     * {@code attr}): {@code msg_default} messages of {@code msgsize_default} bytes, each capped at
     * {@code msg_max} and {@code msgsize_max} ({@code mqueue_get_inode()}), for a process with
     * {@code CAP_SYS_RESOURCE} too. The tunables are set independently (per IPC namespace:
     * {@code docker run --sysctl fs.mqueue.msg_max=5}), so a default may exceed its maximum; a queue
     * created with these attributes is what a default queue would be, and is never refused for
     * asking more than {@code msg_max} or {@code msgsize_max}. (Until 2026-12-06 the raw defaults
     * were returned: where a maximum was below its default, {@code jipc send mq:/x} or
     * {@code jipc mq create} failed with "10 messages asked, more than fs.mqueue.msg_max = 5".)
     */
    public MqAttributes defaults() {
        return MqAttributes.of((int) Math.min(defaultMessages, maxMessages),
                (int) Math.min(defaultMessageSize, maxMessageSize));
    }

    /**
     * How many bytes of the user's {@code RLIMIT_MSGQUEUE} a queue takes: its full capacity plus the
     * kernel's bookkeeping per message (as {@code mqueue_get_inode} counts it on 64-bit Linux).
     */
    public static long accountedBytes(long maxMessages, long maxMessageSize) {
        return maxMessages * (maxMessageSize + MESSAGE_OVERHEAD)
                + Math.min(maxMessages, MessageQueues.PRIORITY_LIMIT) * PRIORITY_NODE;
    }

    /**
     * Explains why creating {@code name} with {@code asked} failed with {@code cause}, when a limit
     * is the reason; otherwise returns null.
     */
    MqLimitException explain(String name, MqAttributes asked, ErrnoException cause) {
        String prefix = "cannot create POSIX message queue " + name + ": ";
        switch (cause.errno()) {
            case Errno.EINVAL -> {
                if (asked.maxMessages() > maxMessagesAllowed()) {
                    return new MqLimitException(prefix + asked.maxMessages() + " messages asked, more than "
                            + ceiling("msg_max", maxMessages, HARD_MAX_MESSAGES), limitName("msg_max"),
                            asked.maxMessages(), maxMessagesAllowed(), cause);
                }
                if (asked.maxMessageSize() > maxMessageSizeAllowed()) {
                    return new MqLimitException(prefix + "messages of " + asked.maxMessageSize()
                            + " bytes asked, more than " + ceiling("msgsize_max", maxMessageSize, HARD_MAX_MESSAGE_SIZE),
                            limitName("msgsize_max"), asked.maxMessageSize(), maxMessageSizeAllowed(), cause);
                }
                return null;
            }
            case Errno.EMFILE -> {
                if (userBytes == Long.MAX_VALUE) {
                    return null;
                }
                long bytes = accountedBytes(asked.maxMessages(), asked.maxMessageSize());
                String which = bytes > userBytes
                        ? "this queue alone needs " + bytes + " bytes, more than"
                        : "this queue needs " + bytes + " bytes, which with the user's other queues is more than";
                String descriptors = bytes > userBytes ? "" : " (or the process has too many open descriptors)";
                return new MqLimitException(prefix + which + " RLIMIT_MSGQUEUE = " + userBytes
                        + " bytes" + descriptors + ", the room all POSIX queues of the user share (ulimit -q; "
                        + asked.maxMessages() + " messages of " + asked.maxMessageSize() + " bytes)",
                        "RLIMIT_MSGQUEUE", bytes, userBytes, cause);
            }
            case Errno.ENOSPC -> {
                if (privileged) {
                    return null;
                }
                return new MqLimitException(prefix + "fs.mqueue.queues_max = " + maxQueues
                        + " queues exist already (" + PROC.resolve("queues_max") + ")",
                        "fs.mqueue.queues_max", maxQueues + 1, maxQueues, cause);
            }
            default -> {
                return null;
            }
        }
    }

    private String limitName(String tunable) {
        return privileged ? "HARD_" + tunable.toUpperCase(Locale.ROOT).replace("_", "") : "fs.mqueue." + tunable;
    }

    private String ceiling(String tunable, long value, long hard) {
        if (privileged) {
            return "the kernel's ceiling of " + hard + " (" + limitName(tunable) + ", even with CAP_SYS_RESOURCE)";
        }
        return "fs.mqueue." + tunable + " = " + value + " (" + PROC.resolve(tunable)
                + "; a process with CAP_SYS_RESOURCE in the initial user namespace may ask up to " + hard + ")";
    }

    /** A sysctl must be read in one read(2): the kernel answers a read at a non-zero offset with end of file. */
    private static long tunable(String name) throws IOException {
        try (InputStream in = Files.newInputStream(PROC.resolve(name))) {
            byte[] text = new byte[32];
            int n = in.read(text);
            return Long.parseLong(new String(text, 0, Math.max(n, 0), StandardCharsets.US_ASCII).strip());
        }
    }

    /** The soft limit of "Max msgqueue size" in /proc/self/limits. */
    private static long userBytesLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max msgqueue size")) {
                String soft = line.substring("Max msgqueue size".length()).strip().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        return Long.MAX_VALUE;
    }

    /**
     * Whether this process has {@code CAP_SYS_RESOURCE} as the kernel's mqueue checks see it
     * ({@code capable()}: in the initial user namespace). A process of another user namespace has no
     * capability there, whatever its {@code CapEff} (which counts in its own namespace) says.
     */
    private static boolean hasSysResource() throws IOException {
        if (!Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString().equals(INITIAL_USER_NAMESPACE)) {
            return false;
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                return (caps & (1L << CAP_SYS_RESOURCE)) != 0;
            }
        }
        return false;
    }
}
