package io.jipc.net;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * A socket named the way the {@code jipc} command takes it:
 * {@code unix:/path} (Unix-domain stream), {@code unixgram:/path} (Unix-domain datagrams),
 * {@code tcp:host:port} and {@code udp:host:port} (an IPv6 host in brackets: {@code tcp:[::1]:7000};
 * brackets around any other host, {@code tcp:[127.0.0.1]:7000}, are refused).
 * A path may be relative ({@code unix:run/x.sock}); after {@code //} it must be absolute
 * ({@code unix:///run/x.sock}); a path ending in {@code /} names a directory and is refused
 * ({@code unix:///} is the root directory). A host may not be empty ({@code tcp:[]:80} is refused) and a port is
 * decimal digits only, 0 to 65535 (no sign).
 *
 * @param kind    the transport
 * @param address the address: a {@link UnixDomainSocketAddress} or a resolved {@link InetSocketAddress}
 */
public record SocketUri(Kind kind, SocketAddress address) {
    /** The four transports. */
    public enum Kind {
        UNIX("unix", true), UNIXGRAM("unixgram", false), TCP("tcp", true), UDP("udp", false);

        private final String scheme;
        private final boolean stream;

        Kind(String scheme, boolean stream) {
            this.scheme = scheme;
            this.stream = stream;
        }

        /** Whether this is a stream transport (framed messages over a connection). */
        public boolean isStream() {
            return stream;
        }

        public String scheme() {
            return scheme;
        }
    }

    /** Whether {@code text} starts with one of the socket schemes (and so is meant for {@link #parse}). */
    public static boolean isSocketUri(String text) {
        Objects.requireNonNull(text, "text");
        String lower = text.toLowerCase(Locale.ROOT);
        for (Kind kind : Kind.values()) {
            if (lower.startsWith(kind.scheme + ":")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses a socket URI.
     *
     * @throws IllegalArgumentException with what is wrong and the accepted forms
     */
    public static SocketUri parse(String text) {
        Objects.requireNonNull(text, "text");
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw invalid(text, "no scheme");
        }
        String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = text.substring(colon + 1);
        for (Kind kind : Kind.values()) {
            if (kind.scheme.equals(scheme)) {
                return new SocketUri(kind, switch (kind) {
                    case UNIX, UNIXGRAM -> unix(text, rest);
                    case TCP, UDP -> inet(text, rest);
                });
            }
        }
        throw invalid(text, "unknown scheme '" + scheme + "'");
    }

    private static SocketAddress unix(String text, String path) {
        if (path.startsWith("//")) {
            path = path.substring(2); // unix:///run/x.sock
            if (!path.isEmpty() && !path.startsWith("/")) { // unix://run/x.sock: no host part, and not a relative path
                throw invalid(text, "after // the path must be absolute (unix:///path); a relative path is written "
                        + "without //");
            }
        }
        if (path.isEmpty()) {
            throw invalid(text, "empty path");
        }
        if (path.endsWith("/")) { // unix:/// is the root directory: bind said EADDRINUSE, connect ECONNREFUSED
            throw invalid(text, "the path ends with / (a directory): a socket path names a file, e.g. unix:///run/x.sock");
        }
        return UnixDomainSocketAddress.of(path);
    }

    private static SocketAddress inet(String text, String hostPort) {
        if (hostPort.startsWith("//")) {
            hostPort = hostPort.substring(2);
        }
        try {
            return hostPort(hostPort);
        } catch (IllegalArgumentException e) {
            throw invalid(text, e.getMessage());
        }
    }

    /**
     * The address {@code text} names as {@code HOST:PORT}, the way a {@code tcp:} or {@code udp:} URI
     * names it after its scheme: an IPv6 host in one pair of brackets ({@code [::1]:7000}) and only an IPv6 host;
     * a host that is not empty and resolves; a port of decimal digits only, 0 to 65535 (no sign). The
     * {@code jipc} command's {@code HOST:PORT} options use it too.
     *
     * @throws IllegalArgumentException whose message says what is wrong (e.g. {@code empty host},
     *                                  {@code unknown host 'x'}), without the text
     */
    public static InetSocketAddress hostPort(String text) {
        Objects.requireNonNull(text, "text");
        if (text.endsWith("]")) { // [::1]: its last colon is inside the brackets
            throw new IllegalArgumentException("no port: expected host:port, e.g. [::1]:7000");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected host:port");
        }
        String host = text.substring(0, colon);
        String digits = text.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (host.contains("[") || host.contains("]")) { // [[::1]]:80 was taken as [::1]:80
                throw new IllegalArgumentException("brackets within brackets: an IPv6 host goes in one pair, e.g. [::1]:7000");
            }
            if (!host.isEmpty() && !host.contains(":")) { // [127.0.0.1]:80, [localhost]:80 were taken as without
                throw new IllegalArgumentException("brackets are for an IPv6 address only, e.g. [::1]:7000; write "
                        + host + ":" + digits);
            }
        } else if (host.contains("[") || host.contains("]")) { // [::1:80, ::1]:80
            throw new IllegalArgumentException("unbalanced brackets: an IPv6 host goes in one pair, e.g. [::1]:7000");
        } else if (host.contains(":")) { // ::1:80 was taken as [::1]:80, ::0 as host ':'
            throw new IllegalArgumentException("an IPv6 host goes in brackets, e.g. [::1]:7000");
        }
        if (host.isEmpty()) { // []:80 (the JDK would take it for localhost)
            throw new IllegalArgumentException("empty host");
        }
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) { // no sign (host:+80), no other digits
            throw new IllegalArgumentException("port is not a number");
        }
        int port;
        try {
            port = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port out of range 0..65535"); // digits only: too many of them
        }
        if (port > 65535) {
            throw new IllegalArgumentException("port out of range 0..65535");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unknown host '" + host + "'");
        }
        return address;
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid socket URI '" + text + "': " + why
                + " (expected unix:/path, unixgram:/path, tcp:host:port or udp:host:port)");
    }

    @Override
    public String toString() {
        return kind.scheme + ":" + io.jipc.platform.Sockets.describe(address);
    }
}
