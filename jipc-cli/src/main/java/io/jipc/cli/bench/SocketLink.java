package io.jipc.cli.bench;

import io.jipc.net.Datagram;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.StreamConnection;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * A {@link Link} over a socket: a framed stream connection, or datagrams to a fixed peer (lossy
 * over UDP).
 */
abstract class SocketLink implements Link {
    @Override
    public abstract void send(byte[] message) throws InterruptedException;

    @Override
    public abstract byte[] receive(Duration timeout) throws InterruptedException;

    @Override
    public abstract void close();

    static SocketLink of(StreamConnection connection) {
        return new SocketLink() {
            @Override
            public void send(byte[] message) throws InterruptedException {
                connection.put(message);
            }

            @Override
            public byte[] receive(Duration timeout) throws InterruptedException {
                return connection.poll(timeout);
            }

            @Override
            public void close() {
                connection.close();
            }
        };
    }

    static SocketLink of(DatagramEndpoint endpoint, SocketAddress peer) {
        boolean lossy = !(peer instanceof java.net.UnixDomainSocketAddress);
        return new SocketLink() {
            @Override
            public boolean lossy() {
                return lossy;
            }

            @Override
            public void send(byte[] message) throws InterruptedException {
                endpoint.put(peer, message);
            }

            @Override
            public byte[] receive(Duration timeout) throws InterruptedException {
                Datagram d = endpoint.poll(timeout);
                return d == null ? null : d.payload();
            }

            @Override
            public void close() {
                endpoint.close();
            }
        };
    }
}
