package io.jipc.cli.bench;

import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.net.SocketUri;
import io.jipc.net.StreamConnection;

import java.net.UnixDomainSocketAddress;

/**
 * The second process of {@code jipc bench sockets}: for each phase on its command line, in order,
 * connects to what {@link SocketBench} bound, echoes a ping-pong, then sinks the one-way rounds
 * ({@link Link#echo()}, {@link Link#sink()}). Prints {@code READY <phase>} as it starts
 * a phase and {@code PEER DONE} at the end.
 *
 * <ul>
 * <li>{@code stream:<scheme>:<address>}: connects to the stream server at {@code scheme:address}.</li>
 * <li>{@code dgram:<scheme>:<address>:<size>:<own path or ->}: binds its own endpoint (a Unix path,
 *     or an ephemeral UDP port for "-") and sends a hello datagram so that the other side learns
 *     where to answer.</li>
 * </ul>
 */
public final class SocketBenchPeer {
    private SocketBenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        ParentWatch.start(3); // the process that started it, even if it died while this JVM started
        for (String phase : args) {
            String kind = phase.substring(0, phase.indexOf(':'));
            String rest = phase.substring(kind.length() + 1);
            System.out.println("READY " + kind);
            System.out.flush();
            try (SocketLink link = kind.equals("stream") ? stream(rest) : datagrams(rest)) {
                link.echo();
                link.sink();
            }
        }
        System.out.println("PEER DONE");
        System.out.flush();
    }

    private static SocketLink stream(String uri) throws InterruptedException {
        return SocketLink.of(StreamConnection.connect(SocketUri.parse(uri).address()));
    }

    private static SocketLink datagrams(String spec) throws InterruptedException {
        int ownAt = spec.lastIndexOf(':');
        String own = spec.substring(ownAt + 1);
        int sizeAt = spec.lastIndexOf(':', ownAt - 1);
        int size = Integer.parseInt(spec.substring(sizeAt + 1, ownAt));
        SocketUri target = SocketUri.parse(spec.substring(0, sizeAt));
        DatagramOptions options = DatagramOptions.defaults().withMaxDatagramSize(size).withReceiveBuffer(4 << 20);
        DatagramEndpoint endpoint = own.equals("-")
                ? DatagramEndpoint.open(target.address(), options)
                : DatagramEndpoint.bind(UnixDomainSocketAddress.of(own), options);
        endpoint.put(target.address(), new byte[Link.ACK_LENGTH]);
        return SocketLink.of(endpoint, target.address());
    }
}
