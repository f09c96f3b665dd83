package io.jipc.rpc;

import io.jipc.platform.Printable;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Where an {@link RpcClient} connects over a stream socket, and the service it asks for there: the
 * RPC URIs {@code tcp://HOST:PORT/NAME} (a TCP listener of any host) and {@code unix:PATH#NAME} (a
 * Unix-domain listener of this host: {@link RpcServer.Builder#listen}). Any caller; holds nothing.
 *
 * <p>The Unix form's socket part is {@code jipc-net}'s {@code unix:PATH} ({@link io.jipc.net.SocketUri},
 * what {@code jipc send} and {@code recv} take; {@code unix:///PATH} too). The service's name is the
 * URI's fragment because a socket's path is itself a path: {@code unix:/run/bank.sock/bank} could not
 * say where the socket's path ends. Both forms are standard URIs: their path and the name are
 * percent-decoded ({@code %20} for a space, {@code %23} for a {@code #} in the path).
 *
 * @param socket  the listener's address: an {@link InetSocketAddress} (not resolved yet) or a
 *                {@link UnixDomainSocketAddress}
 * @param service the service's name the HELLO asks for, at most {@value RpcFrame#MAX_SERVICE_NAME}
 *                bytes of UTF-8
 */
record ConnectionAddress(SocketAddress socket, String service) {
    /** The address forms {@link RpcClient#connect(URI, Class, RpcClient.Options)} takes, for messages. */
    static final String FORMS = "mailbox:NAME, tcp://HOST:PORT/NAME or unix:PATH#NAME";

    /**
     * The address of a {@code tcp://} or {@code unix:} URI.
     *
     * @throws IllegalArgumentException for another scheme, a URI without a name, a {@code unix:} URI
     *         with a host or a query, or a name longer than {@value RpcFrame#MAX_SERVICE_NAME} bytes of
     *         UTF-8 (no server has it: a service's name is its mailbox's name)
     */
    static ConnectionAddress parse(URI uri) {
        ConnectionAddress address = switch (String.valueOf(uri.getScheme())) {
            case "tcp" -> tcp(uri);
            case "unix" -> unix(uri);
            default -> throw notAnAddress(uri, "");
        };
        int nameBytes = address.service.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes > RpcFrame.MAX_SERVICE_NAME) {
            throw new IllegalArgumentException("service name " + Printable.quoted(address.service) + " of "
                    + nameBytes + " bytes in " + Printable.quoted(uri.toString())
                    + ": a service's name is a mailbox name, at most " + RpcFrame.MAX_SERVICE_NAME
                    + " bytes (nothing was sent)");
        }
        return address;
    }

    private static ConnectionAddress tcp(URI uri) {
        String path = uri.getPath();
        if (uri.getHost() == null || uri.getPort() < 0 || path == null || path.length() < 2) {
            throw notAnAddress(uri, "");
        }
        return new ConnectionAddress(InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort()),
                path.substring(1));
    }

    private static ConnectionAddress unix(URI uri) {
        if (uri.getAuthority() != null) { // unix://HOST/PATH: a Unix-domain socket is of this host only
            throw notAnAddress(uri, " (a unix: address has no host: unix:/PATH#NAME or unix:///PATH#NAME)");
        }
        if (uri.getQuery() != null || uri.isOpaque() && uri.getRawSchemeSpecificPart().contains("?")) {
            // unix:/abs?q has a query; unix:rel?q is opaque, its '?' in the path: refused alike
            throw notAnAddress(uri, " (a unix: address has no query: %3F for a '?' of the path)");
        }
        String path = uri.isOpaque() ? uri.getSchemeSpecificPart() : uri.getPath(); // unix:relative.sock#NAME
        String name = uri.getFragment();
        if (path == null || path.isEmpty() || name == null || name.isEmpty()) {
            throw notAnAddress(uri, " (unix:PATH#NAME: the socket's path, then the service's name after '#')");
        }
        return new ConnectionAddress(UnixDomainSocketAddress.of(path), name);
    }

    private static IllegalArgumentException notAnAddress(URI uri, String why) {
        return new IllegalArgumentException("not an RPC address (" + FORMS + "): " + uri + why);
    }

    /** The socket's address to connect to: a TCP host resolved now. */
    SocketAddress resolved() {
        return socket instanceof InetSocketAddress inet && inet.isUnresolved()
                ? new InetSocketAddress(inet.getHostString(), inet.getPort()) : socket;
    }
}
