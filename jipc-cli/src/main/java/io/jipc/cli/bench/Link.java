package io.jipc.cli.bench;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One side of a two-process benchmark channel: whole messages to and from the other process, over
 * whatever the {@link Mechanism} is. Both processes run the same protocol over it: the measuring
 * side drives it with {@link LinkDriver}, the peer answers with {@link #echo()} and {@link #sink()}.
 *
 * <p>Messages carry a sequence number in their first 8 bytes (big-endian, as {@link ByteBuffer}
 * writes it); the negative numbers of {@link OneWayRegimen} are control messages. A link is used by
 * one thread at a time; it is not safe for concurrent use.
 */
public interface Link extends AutoCloseable {
    /** Bytes of a round's acknowledgement: round id, messages received. Also the smallest message. */
    int ACK_LENGTH = 16;

    /** Sends {@code message} whole, waiting while the channel is full. */
    void send(byte[] message) throws Exception;

    /**
     * The next message, or null if none arrived within {@code timeout}. The array may be reused by
     * the next call.
     */
    byte[] receive(Duration timeout) throws Exception;

    /** Whether messages may be lost (UDP): the driver then resends control messages until answered. */
    default boolean lossy() {
        return false;
    }

    @Override
    void close();

    /** The sequence number of {@code message}. */
    static long sequence(byte[] message) {
        return ByteBuffer.wrap(message).getLong(0);
    }

    /** Echoes every message until it has echoed the one numbered -1 (the end of a ping-pong). */
    default void echo() throws Exception {
        while (true) {
            byte[] m = receive(Duration.ofMinutes(2));
            if (m == null) {
                throw new IllegalStateException("echo: no message for 2 minutes");
            }
            send(m);
            if (sequence(m) == -1) {
                return;
            }
        }
    }

    /**
     * Receives one-way rounds until {@link OneWayRegimen#END_OF_PHASE}, answering the ends of rounds
     * and of the phase as {@link SinkTally} says.
     */
    default void sink() throws Exception {
        SinkTally tally = new SinkTally();
        while (!tally.ended()) {
            byte[] m = receive(Duration.ofMinutes(2));
            if (m == null) {
                throw new IllegalStateException("sink: no message for 2 minutes");
            }
            byte[] answer = tally.answer(m);
            if (answer != null) {
                send(answer);
            }
        }
    }
}
