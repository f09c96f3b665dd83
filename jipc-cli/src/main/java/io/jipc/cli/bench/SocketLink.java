package io.jipc.cli.bench;

import io.jipc.net.Datagram;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.StreamConnection;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One side of a socket benchmark: whole messages to and from the other process, over a framed
 * stream connection or datagrams to a fixed peer. Both sides of {@link SocketBench} and
 * {@link SocketBenchPeer} run the same protocol over it (see {@link #sink}).
 */
abstract class SocketLink implements AutoCloseable {
    /** Bytes of a round's acknowledgement: round id, messages received. */
    static final int ACK_LENGTH = 16;

    abstract void send(byte[] message) throws InterruptedException;

    /** The next message, or null if none arrived within {@code timeout}. */
    abstract byte[] receive(Duration timeout) throws InterruptedException;

    @Override
    public abstract void close();

    static SocketLink of(StreamConnection connection) {
        return new SocketLink() {
            @Override
            void send(byte[] message) throws InterruptedException {
                connection.put(message);
            }

            @Override
            byte[] receive(Duration timeout) throws InterruptedException {
                return connection.poll(timeout);
            }

            @Override
            public void close() {
                connection.close();
            }
        };
    }

    static SocketLink of(DatagramEndpoint endpoint, SocketAddress peer) {
        return new SocketLink() {
            @Override
            void send(byte[] message) throws InterruptedException {
                endpoint.put(peer, message);
            }

            @Override
            byte[] receive(Duration timeout) throws InterruptedException {
                Datagram d = endpoint.poll(timeout);
                return d == null ? null : d.payload();
            }

            @Override
            public void close() {
                endpoint.close();
            }
        };
    }

    static long sequence(byte[] message) {
        return ByteBuffer.wrap(message).getLong(0);
    }

    /** Echoes every message until it has echoed the one numbered -1 (the end of a ping-pong). */
    void echo() throws InterruptedException {
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
     * (datagrams get lost): a repeated id gets the same answer.
     */
    void sink() throws InterruptedException {
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
