package io.jipc.net;

import java.net.SocketAddress;

/**
 * One datagram received by a {@link DatagramEndpoint}.
 *
 * @param payload   the bytes (all of them, unless {@code truncated})
 * @param length    the datagram's length as sent; more than {@code payload.length} only if truncated
 * @param sender    where it came from, to answer to; null if the sender's socket has no name (an
 *                  unbound or autobound Unix-domain socket cannot be answered by path), or a path
 *                  that is not UTF-8 (no {@code String} names it: until 2026-12-06 its bytes were
 *                  replaced by U+FFFD, and an answer went to another path, or to no socket) or that
 *                  this JVM's path encoding cannot hold (a non-ASCII path under {@code LC_ALL=C}:
 *                  until 2026-12-06 the receive threw {@code InvalidPathException}, the datagram lost)
 * @param truncated whether the datagram was longer than the receive buffer and the endpoint was
 *                  opened with {@link DatagramOptions#truncate()} (otherwise such a datagram is an
 *                  exception, never a silently shortened payload)
 */
public record Datagram(byte[] payload, int length, SocketAddress sender, boolean truncated) {
}
