package io.jipc.cli.bench;

import io.jipc.net.Datagram;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.net.SocketUri;
import io.jipc.platform.Sockets;
import io.jipc.segment.JipcRoot;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Datagrams between two bound endpoints ({@link DatagramEndpoint}): Unix-domain sockets in the jipc
 * root (a sender waits while the receiver's queue is full), or UDP over loopback (datagrams that do
 * not fit the receive buffer are dropped: the one-way rate is of those delivered). The peer binds
 * its own endpoint and sends a hello datagram, so that this side learns where to answer.
 */
final class DatagramMechanism extends DescribedMechanism {
    /** The largest Unix datagram measured: larger ones exceed the default socket send buffer. */
    private static final int MAX_UNIX_DATAGRAM = 64 * 1024;
    private static final int RECEIVE_BUFFER = 4 << 20;

    private final boolean unix;

    private DatagramMechanism(String id, String label, boolean unix, Traits traits) {
        super(id, label, traits);
        this.unix = unix;
    }

    static DatagramMechanism unix() {
        return new DatagramMechanism("unixgram", "Unix datagram", true,
                new Traits("every message", "2", "while bound (file until removed)"));
    }

    static DatagramMechanism udp() {
        return new DatagramMechanism("udp", "UDP loopback", false,
                new Traits("every message (UDP/IP)", "2", "while bound; lossy"));
    }

    @Override
    public String unsupported(int size) {
        int most = unix ? MAX_UNIX_DATAGRAM : DatagramOptions.MAX_UDP_PAYLOAD;
        return size > most ? "datagrams of at most " + most + " bytes" : null;
    }

    private static DatagramOptions options(int maxSize) {
        return DatagramOptions.defaults().withMaxDatagramSize(maxSize).withReceiveBuffer(RECEIVE_BUFFER);
    }

    @Override
    public Endpoint open(int maxSize, PeerProcess peer) {
        Path dir = JipcRoot.directory("bench");
        String prefix = "bench-" + ProcessHandle.current().pid();
        SocketAddress address = unix ? UnixDomainSocketAddress.of(dir.resolve(prefix + ".dgram"))
                : new InetSocketAddress("127.0.0.1", 0);
        DatagramEndpoint endpoint = DatagramEndpoint.bind(address, options(maxSize));
        Path peerSocket = unix ? dir.resolve(prefix + ".peer") : null;
        String own = unix ? peerSocket.toString() : "-";
        return new Endpoint() {
            @Override
            public String peerArgument() {
                return id() + ":" + Sockets.describe(endpoint.localAddress()) + "," + maxSize + "," + own;
            }

            @Override
            public Link link() throws InterruptedException {
                Datagram hello = endpoint.poll(Duration.ofMinutes(2));
                if (hello == null || hello.sender() == null) {
                    throw new IllegalStateException(label() + ": no hello datagram from the benchmark peer:\n"
                            + peer.output());
                }
                return SocketLink.of(endpoint, hello.sender());
            }

            /** Also removes the socket file the peer bound, which a killed peer leaves. */
            @Override
            public void close() {
                endpoint.close();
                if (peerSocket != null) {
                    try {
                        Files.deleteIfExists(peerSocket);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot remove " + peerSocket, e);
                    }
                }
            }
        };
    }

    @Override
    public Link connect(String argument) throws InterruptedException {
        String[] f = argument.split(",");
        SocketAddress target = SocketUri.parse(f[0]).address();
        DatagramOptions options = options(Integer.parseInt(f[1]));
        DatagramEndpoint endpoint = f[2].equals("-")
                ? DatagramEndpoint.open(target, options)
                : DatagramEndpoint.bind(UnixDomainSocketAddress.of(f[2]), options);
        endpoint.put(target, new byte[Link.ACK_LENGTH]);
        return SocketLink.of(endpoint, target);
    }
}
