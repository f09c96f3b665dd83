package io.jipc.mq;

/**
 * A queue could not be created because it asked for more than a limit of the kernel or of the
 * user allows ({@link MqLimits}). The message names the limit, where it is set, the value asked
 * and the limit, for example {@code cannot create POSIX message queue /orders: 100 messages asked,
 * more than fs.mqueue.msg_max = 10 (/proc/sys/fs/mqueue/msg_max) ...}.
 */
public class MqLimitException extends MqException {
    private static final long serialVersionUID = 1L;

    private final String limit;
    private final long asked;
    private final long allowed;

    public MqLimitException(String message, String limit, long asked, long allowed, Throwable cause) {
        super(message, cause);
        this.limit = limit;
        this.asked = asked;
        this.allowed = allowed;
    }

    /** The limit that was exceeded, e.g. {@code "fs.mqueue.msg_max"} or {@code "RLIMIT_MSGQUEUE"}. */
    public String limit() {
        return limit;
    }

    /** What was asked (messages, bytes or queues, as the limit counts). */
    public long asked() {
        return asked;
    }

    /** The limit's value. */
    public long allowed() {
        return allowed;
    }
}
