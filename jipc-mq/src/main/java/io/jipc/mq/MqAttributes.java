package io.jipc.mq;

/**
 * The attributes of a POSIX message queue ({@code struct mq_attr}): how many messages it holds at
 * most, how long a message may be, and (when read back with {@link PosixMessageQueue#attributes()})
 * how many messages it holds now.
 *
 * <p>The first two are chosen once, by the process that creates the queue, within the limits of
 * {@link MqLimits}; the queue keeps them until it is destroyed.
 *
 * @param maxMessages     capacity in messages ({@code mq_maxmsg}), at least 1
 * @param maxMessageSize  largest message in bytes ({@code mq_msgsize}), at least 1
 * @param currentMessages messages in the queue when read back ({@code mq_curmsgs}); 0 when creating
 */
public record MqAttributes(int maxMessages, int maxMessageSize, long currentMessages) {

    public MqAttributes {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("maxMessages must be at least 1: " + maxMessages);
        }
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1: " + maxMessageSize);
        }
        if (currentMessages < 0) {
            throw new IllegalArgumentException("currentMessages must not be negative: " + currentMessages);
        }
    }

    /** Attributes to create a queue with: {@code maxMessages} messages of at most {@code maxMessageSize} bytes. */
    public static MqAttributes of(int maxMessages, int maxMessageSize) {
        return new MqAttributes(maxMessages, maxMessageSize, 0);
    }

    /**
     * The attributes the kernel gives a queue created without any: {@code fs.mqueue.msg_default}
     * and {@code fs.mqueue.msgsize_default} (10 and 8192 unless changed), each capped at
     * {@code msg_max} and {@code msgsize_max} as the kernel caps them ({@link MqLimits#defaults()}).
     * Reads {@code /proc/sys/fs/mqueue} now.
     */
    public static MqAttributes kernelDefaults() {
        return MqLimits.current().defaults();
    }
}
