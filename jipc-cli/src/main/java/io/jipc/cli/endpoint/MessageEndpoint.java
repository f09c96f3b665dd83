package io.jipc.cli.endpoint;

import java.util.Optional;

/**
 * An open object that carries messages (a mailbox, a POSIX queue, a FIFO, ...), behind the verbs
 * the {@code send} and {@code recv} commands need. Closing releases this process's handle; the
 * object itself stays.
 */
public interface MessageEndpoint extends AutoCloseable {

    /**
     * Sends {@code payload} with {@code priority}, waiting as {@code wait} allows.
     *
     * @return false if there was no room in that time (nothing was sent)
     * @throws IllegalArgumentException if the kind has no priorities and {@code priority} is not 0
     * @throws InterruptedException     if interrupted while waiting: the message was withdrawn
     * @throws MessageCutException      if a message that goes in pieces (a long FIFO line, a frame on a
     *                                  stream socket) was begun and then stopped or not finished in
     *                                  time: part of it went out
     */
    boolean send(byte[] payload, int priority, Wait wait) throws InterruptedException;

    /** Receives one message, waiting as {@code wait} allows; null if none came in that time. */
    Message receive(Wait wait) throws InterruptedException;

    /**
     * Lecture 004's truncating {@code receive(from, msg, sz)}: as {@link #receive(Wait)}, but of a
     * message longer than {@code maxBytes} only the first {@code maxBytes} come back (its
     * {@link Message#length()} tells the whole length); the rest is discarded.
     *
     * @throws IllegalArgumentException where the kind of object has no truncating receive (the default:
     *                                  only a mailbox and a datagram socket have one)
     */
    default Message receive(Wait wait, int maxBytes) throws InterruptedException {
        throw new IllegalArgumentException(NO_TRUNCATING_RECEIVE);
    }

    /** Why a kind without a truncating receive refuses one. */
    String NO_TRUNCATING_RECEIVE = "only a mailbox: and a datagram socket (unixgram:, udp:) have a truncating "
            + "receive (--max-bytes)";

    /**
     * The words before the URI when a send returned false: what was missing in the time allowed.
     * {@code "no room in"} unless the object says better (a rendezvous mailbox has no room at all:
     * a send waits for a receiver to take the message).
     */
    default String unsentBecause() {
        return "no room in";
    }

    /**
     * Why a receive from this object cannot tell the priority each message was sent at, or empty
     * when it can (also where the object has a single level, so that every priority is 0).
     *
     * @param truncating about the truncating receive ({@link #receive(Wait, int)}) rather than the whole one
     */
    default Optional<String> priorityUnknownBecause(boolean truncating) {
        return Optional.empty();
    }

    /**
     * Whether opening this endpoint created the object (it did not exist, and {@code --no-create} was
     * not given); false for an object that existed, and for kinds that create nothing in advance.
     */
    default boolean created() {
        return false;
    }

    /**
     * How messages name this object: {@code uri} as given, or what it turned out to be (a receiver
     * that bound port 0: the port the kernel gave it). Still answers after {@link #close()}.
     */
    default String describe(String uri) {
        return uri;
    }

    @Override
    void close();
}
