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
     * Receives one-way rounds until {@link OneWayRegimen#END_OF_PHASE}. A message numbered
     * {@link OneWayRegimen#END_OF_ROUND} carries a round id in bytes 8..15; it is answered with that
     * id and the number of messages received in the round. The end of a round may be sent again
     * (datagrams get lost): a repeated id gets the same answer. The end of the phase is answered
     * with the id -1, so that a lossy link's driver knows it arrived.
     */
    default void sink() throws Exception {
        long received = 0;
        long lastRound = Long.MIN_VALUE;
        long lastCount = 0;
        while (true) {
            byte[] m = receive(Duration.ofMinutes(2));
            if (m == null) {
                throw new IllegalStateException("sink: no message for 2 minutes");
            }
            long seq = sequence(m);
            if (seq == OneWayRegimen.END_OF_PHASE) {
                send(ByteBuffer.allocate(ACK_LENGTH).putLong(-1).putLong(0).array());
                return;
            }
            if (seq == OneWayRegimen.END_OF_ROUND) {
                long round = ByteBuffer.wrap(m).getLong(8);
                if (round != lastRound) {
                    lastRound = round;
                    lastCount = received;
                    received = 0;
                }
                send(ByteBuffer.allocate(ACK_LENGTH).putLong(round).putLong(lastCount).array());
            } else {
                received++;
            }
        }
    }
}
