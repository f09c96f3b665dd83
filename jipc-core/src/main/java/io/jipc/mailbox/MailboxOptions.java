package io.jipc.mailbox;

import io.jipc.Timeouts;
import io.jipc.WaitStrategy;

import java.time.Duration;
import java.util.Objects;

/**
 * How a mailbox is created: its capacity, largest message, senders, wait strategy,
 * permissions, and the opt-in message-passing features (message headers, priorities, an exact
 * message limit or rendezvous). Immutable; start from {@link #defaults()} or {@link #builder()}.
 *
 * <table class="striped">
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@link Builder#capacityBytes}</td><td>1 MiB</td><td>bytes of the ring, rounded up to a power
 *     of two that holds at least 1 KiB and two messages of the maximum size; each message takes its
 *     length plus a 16-byte header, rounded up to 16</td></tr>
 * <tr><td>{@link Builder#capacityMessages}</td><td>-</td><td>sizes the ring for at least this many
 *     messages of the maximum size</td></tr>
 * <tr><td>{@link Builder#maxMessageSize}</td><td>64 KiB (at most half the ring)</td><td>larger
 *     messages are refused with {@link MessageTooLargeException}</td></tr>
 * <tr><td>{@link Builder#singleSender}</td><td>false</td><td>one sending process at a time (a lease);
 *     the fastest path. Otherwise many processes and threads send at once</td></tr>
 * <tr><td>{@link Builder#senderSlots}</td><td>16</td><td>sends in flight at the same moment, across
 *     all processes (many-sender mailboxes); any number of processes may send. With all slots
 *     held, an at-once send returns false after a few microseconds, a timed one waits for a slot
 *     until its deadline, a blocking one until a slot comes back or it is interrupted</td></tr>
 * <tr><td>{@link Builder#waitStrategy}</td><td>{@link WaitStrategy#SPIN_THEN_FUTEX}</td><td>how blocked
 *     senders and receivers wait</td></tr>
 * <tr><td>{@link Builder#deadSenderTimeout}</td><td>100 ms</td><td>how long the receiver waits on an
 *     unfinished send before it checks whether the sender died; also the longest a sender waiting
 *     for room (or, on a rendezvous mailbox, for the take) sleeps before it looks again, in case
 *     the receiver that was to wake it was killed</td></tr>
 * <tr><td>{@link Builder#permissions}</td><td>0600</td><td>file mode, applied exactly (not masked by
 *     the umask)</td></tr>
 * <tr><td>{@link Builder#headers}</td><td>false</td><td>every message carries a {@value
 *     EnvelopeDescriptor#LENGTH}-byte header (sender, sequence, send time, priority), read with
 *     {@link Mailbox#takeMessage()}; implied by the next three options</td></tr>
 * <tr><td>{@link Builder#priorities}</td><td>1</td><td>priority levels 0..n-1 (up to {@value
 *     #MAX_PRIORITIES}): highest first, FIFO within a level; one ring of {@code capacityBytes} per
 *     level</td></tr>
 * <tr><td>{@link Builder#receivePolicy}</td><td>{@link ReceivePolicy#EXCLUSIVE}</td><td>who gets the
 *     messages: one receiving process at a time, a link of two processes, or shared receivers</td></tr>
 * <tr><td>{@link Builder#messageLimit}</td><td>-</td><td>at most n messages pending (per priority
 *     level), exactly; every message then takes a slot of the maximum size. 0 = rendezvous: a
 *     send completes only when a receiver has taken the message</td></tr>
 * <tr><td>{@link Builder#protocol}</td><td>none</td><td>a label, up to {@value #MAX_PROTOCOL_LENGTH}
 *     ASCII characters, naming what the mailbox's receiver expects, recorded in the file for senders
 *     to check ({@link Mailbox#protocol()}); an RPC server's mailbox says {@code jipc-rpc}</td></tr>
 * </table>
 */
public final class MailboxOptions {
    /** Most priority levels of a mailbox. */
    public static final int MAX_PRIORITIES = 32;
    /** {@link #messageLimit()} of a mailbox without a message limit. */
    public static final int UNLIMITED = -1;
    /** Longest {@linkplain Builder#protocol protocol label}, in ASCII characters. */
    public static final int MAX_PROTOCOL_LENGTH = 16;

    private static final MailboxOptions DEFAULTS = builder().build();

    private final long capacityBytes;
    private final int maxMessageSize;
    private final boolean singleSender;
    private final int senderSlots;
    private final WaitStrategy waitStrategy;
    private final Duration deadSenderTimeout;
    private final int permissions;
    private final boolean headers;
    private final int priorities;
    private final int messageLimit;
    private final ReceivePolicy receivePolicy;
    private final String protocol;
    /** Ring bytes records may occupy: the capacity, or the slots of an exact message limit. */
    private final long ringLimit;

    private MailboxOptions(Builder b) {
        this.maxMessageSize = b.maxMessageSize;
        this.priorities = b.priorities;
        this.messageLimit = b.messageLimit;
        this.receivePolicy = b.receivePolicy;
        this.protocol = b.protocol;
        this.headers = b.headers || b.priorities > 1 || b.messageLimit != UNLIMITED;
        if (messageLimit > 0) {
            // one slot of a power-of-two length per message: never padded at the wrap, so the ring
            // holds exactly `messageLimit` of them
            long slot = EnvelopeDescriptor.slotLength(maxMessageSize);
            long needed = Math.max(2 * slot, Math.max(1024, messageLimit * slot));
            if (needed > (1L << 40)) {
                throw new IllegalArgumentException(messageLimit + " messages of " + maxMessageSize
                        + " bytes exceed 1 TiB");
            }
            this.capacityBytes = Long.bitCount(needed) == 1 ? needed : Long.highestOneBit(needed) << 1;
            this.ringLimit = messageLimit * slot;
            this.singleSender = b.singleSender;
            this.senderSlots = b.singleSender ? 1 : b.senderSlots;
            this.waitStrategy = b.waitStrategy;
            this.deadSenderTimeout = b.deadSenderTimeout;
            this.permissions = b.permissions;
            return;
        }
        int recordPayload = maxMessageSize + (headers ? EnvelopeDescriptor.LENGTH : 0);
        long capacity = b.capacityMessages > 0
                ? (long) b.capacityMessages * (((16L + recordPayload) + 15) & -16L)
                : b.capacityBytes;
        // a message may use at most half of the ring
        capacity = Math.max(capacity, 2L * ((16L + recordPayload + 15) & -16L));
        capacity = Math.max(1024, capacity);
        if (capacity > (1L << 40)) {
            throw new IllegalArgumentException("capacity of " + capacity + " bytes exceeds 1 TiB");
        }
        this.capacityBytes = Long.bitCount(capacity) == 1 ? capacity : Long.highestOneBit(capacity) << 1;
        this.ringLimit = capacityBytes;
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

    /** A builder holding these options, to derive others from them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.capacityBytes = capacityBytes;
        b.maxMessageSize = maxMessageSize;
        b.singleSender = singleSender;
        b.senderSlots = singleSender ? 16 : senderSlots;
        b.waitStrategy = waitStrategy;
        b.deadSenderTimeout = deadSenderTimeout;
        b.permissions = permissions;
        b.headers = headers;
        b.priorities = priorities;
        b.messageLimit = messageLimit;
        b.receivePolicy = receivePolicy;
        b.protocol = protocol;
        return b;
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

    /** Whether every message carries a header (see {@link Mailbox#takeMessage()}). */
    public boolean headers() {
        return headers;
    }

    /** Priority levels, 1 to {@value #MAX_PRIORITIES}. */
    public int priorities() {
        return priorities;
    }

    /** At most this many messages pending per priority level; 0 = rendezvous; {@link #UNLIMITED} by default. */
    public int messageLimit() {
        return messageLimit;
    }

    /** Who receives; see {@link ReceivePolicy}. */
    public ReceivePolicy receivePolicy() {
        return receivePolicy;
    }

    /** The {@linkplain Builder#protocol protocol label}; empty for none. */
    public String protocol() {
        return protocol;
    }

    /** Whether a send completes only once a receiver took the message (a message limit of 0). */
    public boolean rendezvous() {
        return messageLimit == 0;
    }

    long ringLimit() {
        return ringLimit;
    }

    @Override
    public String toString() {
        return "MailboxOptions[capacityBytes=" + capacityBytes + ", maxMessageSize=" + maxMessageSize
                + ", singleSender=" + singleSender + ", senderSlots=" + senderSlots + ", waitStrategy="
                + waitStrategy + ", deadSenderTimeout=" + deadSenderTimeout + ", permissions=0"
                + Integer.toOctalString(permissions) + ", headers=" + headers + ", priorities=" + priorities
                + ", messageLimit=" + (messageLimit == UNLIMITED ? "none" : messageLimit) + ", receivePolicy="
                + receivePolicy + (protocol.isEmpty() ? "" : ", protocol=" + protocol) + "]";
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
        private boolean headers;
        private int priorities = 1;
        private int messageLimit = UNLIMITED;
        private ReceivePolicy receivePolicy = ReceivePolicy.EXCLUSIVE;
        private String protocol = "";

        private Builder() {
        }

        /**
         * Labels the mailbox with the protocol its receiver speaks, so that a sender can check it
         * before it sends ({@link Mailbox#protocol()}): 1 to {@value #MAX_PROTOCOL_LENGTH} printable
         * ASCII characters, no space; the empty string (the default) for none. jipc's RPC server
         * labels its mailbox {@code jipc-rpc}, and an RPC client sends nothing into a mailbox without
         * that label. The label is informative: the mailbox itself carries any message.
         */
        public Builder protocol(String label) {
            Objects.requireNonNull(label, "label");
            if (label.length() > MAX_PROTOCOL_LENGTH || !label.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
                throw new IllegalArgumentException("protocol label '" + label + "': use at most "
                        + MAX_PROTOCOL_LENGTH + " printable ASCII characters, no space");
            }
            this.protocol = label;
            return this;
        }

        /**
         * Who gets the messages when several processes use the mailbox: one receiving process at a
         * time ({@link ReceivePolicy#EXCLUSIVE}, the default), a link of at most two processes
         * ({@link ReceivePolicy#LINK}), or several receivers, each message to one of them
         * ({@link ReceivePolicy#SHARED}).
         */
        public Builder receivePolicy(ReceivePolicy policy) {
            this.receivePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Whether every message carries a header: its sender's identity, a per-sender sequence
         * number, the send time and its priority (see {@link Message}); costs {@value
         * EnvelopeDescriptor#LENGTH} bytes per message. Always on with priorities or a message limit.
         */
        public Builder headers(boolean on) {
            this.headers = on;
            return this;
        }

        /**
         * Priority levels {@code 0..levels-1} (POSIX message queue semantics: a receive takes the
         * oldest message of the highest level that has one). Each level has a ring of
         * {@link #capacityBytes} bytes in the file, read in order: a message claimed but not yet
         * committed at level {@code k} (an open {@link MailboxClaim}, or a send stopped between its
         * claim and its commit) holds back the messages committed after it at level {@code k},
         * and receives meanwhile take the lower levels' messages, for as long as its claimer lives
         * and holds the claim. A dead claimer's message is skipped after the {@linkplain
         * #deadSenderTimeout dead-sender timeout}, once its death is confirmed, by a receive that
         * finds no message ready at any level (and waits).
         */
        public Builder priorities(int levels) {
            if (levels < 1 || levels > MAX_PRIORITIES) {
                throw new IllegalArgumentException("priority levels must be 1.." + MAX_PRIORITIES + ": " + levels);
            }
            this.priorities = levels;
            return this;
        }

        /**
         * Bounds the mailbox to exactly {@code messages} pending messages per priority level (a
         * sender waits, {@code offer} returns false, when they are there), whatever their sizes:
         * each message takes a slot sized for {@link #maxMessageSize} (replaces
         * {@link #capacityBytes}). {@code 0} makes a <em>rendezvous</em> mailbox: a send completes
         * only once a receiver has taken its message, and {@code offer} without a timeout succeeds
         * only if a receiver is blocked in a receive at that moment and takes the message within the
         * {@linkplain #deadSenderTimeout dead-sender timeout} (else the message is withdrawn and it
         * returns false: a stopped or slow receiver does not hold it up; see {@link
         * Mailbox#offer(byte[], int)}); a receiver waiting in a select ({@link MailboxSelector},
         * {@code io.jipc.select.Selector}) is not, and gets only timed and blocking sends (see
         * {@link MailboxSelector}).
         */
        public Builder messageLimit(int messages) {
            if (messages < 0) {
                throw new IllegalArgumentException("message limit must be 0 (rendezvous) or more: " + messages);
            }
            this.messageLimit = messages;
            return this;
        }

        /**
         * Ring size in bytes, rounded up to a power of two that holds at least 1 KiB and two messages
         * of {@link #maxMessageSize} ({@link MailboxOptions#capacityBytes()} says what it became).
         */
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
         * processes (1..64). A send holds a slot from its claim to its commit or abort. A slot held
         * by a live sender comes back within microseconds; one held by a sender killed mid-send
         * only once a receiver has skipped its message (after the {@linkplain #deadSenderTimeout
         * dead-sender timeout}), one held by a stopped sender when it runs again. When all are
         * held, a send (or claim) beyond them waits thus: an at-once {@link Mailbox#offer(byte[])}
         * or {@link Mailbox#tryClaim(int)} looks again for a few microseconds (spinning, then
         * yielding) and returns false or null; a timed {@link Mailbox#offer(byte[], Duration)} or
         * {@link Mailbox#claim(int, Duration)} waits for a slot until its deadline, then returns
         * false or null having sent nothing; {@link Mailbox#put(byte[])} and {@link
         * Mailbox#claim(int)} wait until a slot comes back, or throw {@link InterruptedException}
         * if interrupted. The waits nap on the ring's space signal, 10 µs growing to 1 ms at a
         * time. An {@link UnboundedMailbox}'s send waits thus for at most the dead-sender timeout,
         * then appends a newer segment and sends there (see {@link UnboundedMailbox#offer(byte[])}).
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

        /**
         * How long an unfinished send may block the receiver before the sender's liveness is
         * checked; also the longest a sender waiting for room (or for the take) sleeps at a time.
         */
        public Builder deadSenderTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("dead sender timeout must be positive: " + Timeouts.text(timeout));
            }
            this.deadSenderTimeout = timeout;
            return this;
        }

        /**
         * File permission bits, applied exactly: {@code 0600} (the default) or wider. A mailbox is
         * shared among the processes of one user: every open refuses a file another user owns, and
         * checks that the mode is the one it is told ({@link Mailbox#open(String, int)}, {@link
         * Mailbox#openDurable(java.nio.file.Path, int)}; {@code 0600} by default). A wider mode lets programs of
         * other users that map the file themselves read (or write) it, not jipc handles of theirs;
         * one who may write it can damage it (see {@code docs/message-passing.md}).
         */
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
