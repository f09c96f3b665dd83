package io.jipc.cli.bench;

import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.net.SocketUri;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.platform.Sockets;
import io.jipc.segment.JipcRoot;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;

/**
 * A framed stream connection ({@link StreamConnection}): a Unix-domain socket in the jipc root, or
 * TCP over loopback. The measuring side listens; the peer connects.
 */
final class StreamMechanism extends DescribedMechanism {
    private final boolean unix;

    private StreamMechanism(String id, String label, boolean unix, Traits traits) {
        super(id, label, traits);
        this.unix = unix;
    }

    static StreamMechanism unix() {
        return new StreamMechanism("unix", "Unix stream", true,
                new Traits("every message", "2", "while connected"));
    }

    static StreamMechanism tcp() {
        return new StreamMechanism("tcp", "TCP loopback", false,
                new Traits("every message (TCP/IP)", "2", "while connected"));
    }

    private static ConnectionOptions options(int maxSize) {
        return ConnectionOptions.defaults().withMaxFrameSize(maxSize).withFrameTimeout(Duration.ofMinutes(1));
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        SocketAddress address = unix
                ? UnixDomainSocketAddress.of(JipcRoot.directory("bench").resolve("bench-" + ProcessHandle.current().pid()
                        + ".sock"))
                : new InetSocketAddress("127.0.0.1", 0);
        StreamServer server = StreamServer.bind(address, ServerOptions.defaults().withConnection(options(maxSize)));
        return new Endpoint() {
            private StreamConnection connection;

            @Override
            public String peerArgument() {
                return id() + ":" + Sockets.describe(server.localAddress()) + "," + maxSize;
            }

            @Override
            public Link link() throws InterruptedException {
                connection = server.accept(Duration.ofMinutes(2));
                if (connection == null) {
                    throw new IllegalStateException(label() + ": the benchmark peer did not connect:\n" + peer.output());
                }
                return SocketLink.of(connection);
            }

            @Override
            public void close() {
                if (connection != null) {
                    connection.close();
                }
                server.close();
            }
        };
    }

    @Override
    public Link connect(String argument) throws InterruptedException {
        int comma = argument.lastIndexOf(',');
        SocketAddress address = SocketUri.parse(argument.substring(0, comma)).address();
        return SocketLink.of(StreamConnection.connect(address, options(Integer.parseInt(argument.substring(comma + 1)))));
    }
}
