package io.jipc.cli;

import io.jipc.net.SocketUri;

import java.net.InetSocketAddress;

/**
 * The {@code HOST:PORT} arguments of the commands ({@code dsm home --bind}, {@code dsm show HOME},
 * {@code gateway --bind}), read as a {@code tcp:} URI reads them ({@link SocketUri#hostPort}): an
 * IPv6 host in brackets and only an IPv6 host, no empty host, a port of digits 0 to 65535.
 */
final class HostPort {
    private HostPort() {
    }

    /**
     * The address {@code text} names.
     *
     * @throws IllegalArgumentException naming the argument and what is wrong with it; until
     *                                  2026-12-06 {@code [127.0.0.1]:80}, {@code ::1:80}, {@code []:80}
     *                                  and {@code host:+80} were taken for other addresses, and an
     *                                  unknown host failed only at the bind or connect
     */
    static InetSocketAddress parse(String text) {
        try {
            return SocketUri.hostPort(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an address is HOST:PORT, not " + text + ": " + e.getMessage(), e);
        }
    }
}
