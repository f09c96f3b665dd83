package io.jipc.net;

/**
 * The process at the other end of a Unix-domain connection, as the kernel recorded it when the
 * connection was made ({@code SO_PEERCRED}): not something the peer can claim or forge. The pid is
 * that of the process that called {@code connect}; it may have exited (or handed the socket on)
 * since.
 *
 * @param pid process id
 * @param uid effective user id
 * @param gid effective group id
 */
public record PeerCredentials(long pid, int uid, int gid) {
}
