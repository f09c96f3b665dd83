package io.jipc.remote;

import java.time.Duration;

/**
 * A mailbox as a program uses it, wherever it lives: {@link LocalMailboxChannel} (a mailbox of this
 * host, through shared memory) and {@link RemoteMailbox} (a mailbox of another host, through its
 * {@link MailboxGateway}) implement it, and {@link Mailboxes#open} picks one. The verbs are those of
 * {@link java.util.concurrent.BlockingQueue}: offer/poll at once, put/take block, timed variants.
 *
 * <p>Semantics common to both: each message is delivered whole, in the order its sender sent it
 * (within a priority level; higher levels first); a full mailbox makes {@code offer} return false and
 * {@code put} wait (back-pressure); a message larger than {@link #maxMessageSize()} is refused.
 * A send that returned normally has put the message in the mailbox. Blocking calls are
 * interruptible. Remote calls add one failure, {@link RemotePeerLostException}, within the
 * configured peer timeout of the gateway's death or of a cut connection.
 *
 * <p>Memory consistency effects: actions of a thread before it sends a message happen-before the
 * actions after the receiving thread got it, as far as they concern the message's bytes (between
 * hosts only bytes travel).
 */
public interface MessageChannel extends AutoCloseable {
    /** The mailbox's name. */
    String name();

    /** Whether the mailbox is reached over the network. */
    boolean isRemote();

    /** Largest message the mailbox takes, in bytes. */
    int maxMessageSize();

    /** Priority levels (0..priorities()-1); 1 for a mailbox without priorities. */
    int priorities();

    /** Sends {@code message} if there is room now; false if the mailbox is full. */
    default boolean offer(byte[] message) {
        return offer(message, 0);
    }

    /** Sends {@code message} at {@code priority} if there is room in its level now; false if full. */
    boolean offer(byte[] message, int priority);

    /** Sends {@code message}, waiting at most {@code timeout} for room; false if it timed out. */
    default boolean offer(byte[] message, Duration timeout) throws InterruptedException {
        return offer(message, 0, timeout);
    }

    /** Sends {@code message} at {@code priority}, waiting at most {@code timeout} for room; false if it timed out. */
    boolean offer(byte[] message, int priority, Duration timeout) throws InterruptedException;

    /** Sends {@code message}, waiting for room as long as needed. */
    default void put(byte[] message) throws InterruptedException {
        put(message, 0);
    }

    /** Sends {@code message} at {@code priority}, waiting for room as long as needed. */
    void put(byte[] message, int priority) throws InterruptedException;

    /** Receives the next message if there is one now; null if the mailbox is empty. */
    byte[] poll();

    /** Receives the next message, waiting at most {@code timeout}; null if none came. */
    byte[] poll(Duration timeout) throws InterruptedException;

    /** Receives the next message, waiting as long as needed. */
    byte[] take() throws InterruptedException;

    /** Receives the next message with its priority if there is one now; null if the mailbox is empty. */
    ReceivedMessage pollMessage();

    /** Receives the next message with its priority, waiting at most {@code timeout}; null if none came. */
    ReceivedMessage pollMessage(Duration timeout) throws InterruptedException;

    /** Receives the next message with its priority, waiting as long as needed. */
    ReceivedMessage takeMessage() throws InterruptedException;

    /** Releases this handle (the mapping or the connection); the mailbox itself stays. Idempotent. */
    @Override
    void close();
}
