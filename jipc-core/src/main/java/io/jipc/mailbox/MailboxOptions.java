package io.jipc.mailbox;

import io.jipc.WaitStrategy;

import java.time.Duration;
import java.util.Objects;

/**
 * How a mailbox is created: its capacity, largest message, senders, wait strategy and
 * permissions. Immutable; start from {@link #defaults()} or {@link #builder()}.
 *
 * <table class="striped">
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@link Builder#capacityBytes}</td><td>1 MiB</td><td>bytes of the ring (rounded up to a power
 *     of two); each message takes its length plus a 16-byte header, rounded up to 16</td></tr>
 * <tr><td>{@link Builder#capacityMessages}</td><td>-</td><td>sizes the ring for at least this many
 *     messages of the maximum size</td></tr>
 * <tr><td>{@link Builder#maxMessageSize}</td><td>64 KiB (at most half the ring)</td><td>larger
 *     messages are refused with {@link MessageTooLargeException}</td></tr>
 * <tr><td>{@link Builder#singleSender}</td><td>false</td><td>one sending process at a time (a lease);
 *     the fastest path. Otherwise many processes and threads send at once</td></tr>
 * <tr><td>{@link Builder#senderSlots}</td><td>16</td><td>sends in flight at the same moment, across
 *     all processes (many-sender mailboxes); any number of processes may send, a send beyond the
 *     slots waits briefly for one</td></tr>
 * <tr><td>{@link Builder#waitStrategy}</td><td>{@link WaitStrategy#SPIN_THEN_FUTEX}</td><td>how blocked
 *     senders and receivers wait</td></tr>
 * <tr><td>{@link Builder#deadSenderTimeout}</td><td>100 ms</td><td>how long the receiver waits on an
 *     unfinished send before it checks whether the sender died</td></tr>
 * <tr><td>{@link Builder#permissions}</td><td>0600</td><td>file mode, applied exactly (not masked by
 *     the umask)</td></tr>
 * </table>
 */
public final class MailboxOptions {
    private static final MailboxOptions DEFAULTS = builder().build();

    private final long capacityBytes;
    private final int maxMessageSize;
    private final boolean singleSender;
    private final int senderSlots;
    private final WaitStrategy waitStrategy;
    private final Duration deadSenderTimeout;
    private final int permissions;

    private MailboxOptions(Builder b) {
        this.maxMessageSize = b.maxMessageSize;
        long capacity = b.capacityMessages > 0
                ? (long) b.capacityMessages * (((16L + b.maxMessageSize) + 15) & -16L)
                : b.capacityBytes;
        // a message may use at most half of the ring
        capacity = Math.max(capacity, 2L * ((16L + b.maxMessageSize + 15) & -16L));
        capacity = Math.max(1024, capacity);
        if (capacity > (1L << 40)) {
            throw new IllegalArgumentException("capacity of " + capacity + " bytes exceeds 1 TiB");
        }
        this.capacityBytes = Long.bitCount(capacity) == 1 ? capacity : Long.highestOneBit(capacity) << 1;
        this.singleSender = b.singleSender;
        this.senderSlots = b.singleSender ? 1 : b.senderSlots;
        this.waitStrategy = b.waitStrategy;
        this.deadSenderTimeout = b.deadSenderTimeout;
        this.permissions = b.permissions;
    }

    /** The defaults (see the class comment). */
    public static MailboxOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Bytes of the ring, a power of two. */
    public long capacityBytes() {
        return capacityBytes;
    }

    public int maxMessageSize() {
        return maxMessageSize;
    }

    public boolean singleSender() {
        return singleSender;
    }

    public int senderSlots() {
        return senderSlots;
    }

    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    public Duration deadSenderTimeout() {
        return deadSenderTimeout;
    }

    public int permissions() {
        return permissions;
    }

    @Override
    public String toString() {
        return "MailboxOptions[capacityBytes=" + capacityBytes + ", maxMessageSize=" + maxMessageSize
                + ", singleSender=" + singleSender + ", senderSlots=" + senderSlots + ", waitStrategy="
                + waitStrategy + ", deadSenderTimeout=" + deadSenderTimeout + ", permissions=0"
                + Integer.toOctalString(permissions) + "]";
    }

    /** Builds {@link MailboxOptions}. */
    public static final class Builder {
        private long capacityBytes = 1 << 20;
        private int capacityMessages;
        private int maxMessageSize = 64 * 1024;
        private boolean singleSender;
        private int senderSlots = 16;
        private WaitStrategy waitStrategy = WaitStrategy.SPIN_THEN_FUTEX;
        private Duration deadSenderTimeout = Duration.ofMillis(100);
        private int permissions = 0600;

        private Builder() {
        }

        /** Ring size in bytes (rounded up to a power of two, at least 1 KiB). */
        public Builder capacityBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("capacity must be positive: " + bytes);
            }
            this.capacityBytes = bytes;
            this.capacityMessages = 0;
            return this;
        }

        /** Sizes the ring for at least {@code messages} messages of {@link #maxMessageSize} bytes. */
        public Builder capacityMessages(int messages) {
            if (messages <= 0) {
                throw new IllegalArgumentException("capacity must be positive: " + messages);
            }
            this.capacityMessages = messages;
            return this;
        }

        /** Largest message, in bytes. */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 0 || bytes > (1 << 30)) {
                throw new IllegalArgumentException("max message size must be 0..1 GiB: " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /** One sending process at a time (true) or many (false, the default). */
        public Builder singleSender(boolean single) {
            this.singleSender = single;
            return this;
        }

        /**
         * How many sends (including open claims) may be in flight at the same moment, across all
         * processes (1..64); a send beyond them waits until one finishes.
         */
        public Builder senderSlots(int slots) {
            if (slots < 1 || slots > 64) {
                throw new IllegalArgumentException("sender slots must be 1..64: " + slots);
            }
            this.senderSlots = slots;
            return this;
        }

        public Builder waitStrategy(WaitStrategy strategy) {
            this.waitStrategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** How long an unfinished send may block the receiver before the sender's liveness is checked. */
        public Builder deadSenderTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("dead sender timeout must be positive: " + timeout);
            }
            this.deadSenderTimeout = timeout;
            return this;
        }

        /** File permission bits, e.g. {@code 0600} (the default) or {@code 0660}. */
        public Builder permissions(int mode) {
            if ((mode & ~0777) != 0 || (mode & 0600) != 0600) {
                throw new IllegalArgumentException("permissions must be within 0777 and include 0600: 0"
                        + Integer.toOctalString(mode));
            }
            this.permissions = mode;
            return this;
        }

        public MailboxOptions build() {
            return new MailboxOptions(this);
        }
    }
}
