package io.jipc.cli;

import java.net.InetSocketAddress;

/** The {@code HOST:PORT} arguments of the commands (an IPv6 host in brackets). */
final class HostPort {
    private HostPort() {
    }

    /** The address {@code text} names; IllegalArgumentException naming the argument when malformed. */
    static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("an address is HOST:PORT, not " + text);
        }
        String host = text.substring(0, colon).replaceAll("^\\[|]$", "");
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("an address is HOST:PORT, not " + text);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " of " + text + " is outside 0..65535");
        }
        return new InetSocketAddress(host, port);
    }
}
