package io.jipc.net;

import io.jipc.platform.Sockets;

import java.time.Duration;

/**
 * Makes the kernel end a TCP connection whose peer's host has stopped answering within about
 * {@link ConnectionOptions#deadPeerTimeout()}: {@code TCP_USER_TIMEOUT} of that many milliseconds
 * (data unacknowledged that long), and keepalive whose idle time, interval and count add up to it
 * in whole seconds (an idle connection). For a timeout of {@code s} seconds (rounded up, at least
 * 1): probes every {@code max(1, s / 5)} s, 3 of them, after {@code max(1, s - 3 * interval)} s of
 * silence; 5 s gives 2 + 3 × 1, 10 s gives 4 + 3 × 2. With {@code TCP_USER_TIMEOUT} set, Linux ends
 * an idle connection at the first probe timer after the user timeout has passed since it last heard
 * from the peer (with a probe unanswered), not after the count: so 1 s ends it after about 2 s.
 *
 * <p>Called by {@link StreamConnection#connect} and {@link StreamServer} on each TCP socket before it
 * becomes a connection; the calls do not block.
 */
final class DeadPeerDetection {
    /** Longest timeout: {@code TCP_USER_TIMEOUT} is an int of milliseconds. */
    static final Duration MAX_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);
    /** Unanswered keepalive probes before the kernel ends an idle connection. */
    static final int PROBES = 3;
    /** The kernel's largest {@code TCP_KEEPIDLE} and {@code TCP_KEEPINTVL}. */
    private static final int MAX_KEEPALIVE_SECONDS = 32_767;

    private DeadPeerDetection() {
    }

    /**
     * Sets the options on the TCP socket {@code fd}; nothing if {@code timeout} is zero. A timeout
     * longer than {@link #MAX_TIMEOUT} (a frame timeout of centuries the RPC server copies, say) is
     * set as that.
     */
    static void apply(int fd, Duration timeout) {
        if (timeout.isZero()) {
            return;
        }
        Duration capped = capped(timeout);
        Sockets.setTcpUserTimeout(fd, (int) capped.toMillis());
        Sockets.setTcpKeepAlive(fd, keepAlive(capped));
    }

    /** {@code timeout}, at most {@link #MAX_TIMEOUT}. */
    static Duration capped(Duration timeout) {
        return timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT : timeout;
    }

    /** The keepalive settings for {@code timeout} (see the class comment). */
    static Sockets.KeepAlive keepAlive(Duration timeout) {
        long seconds = Math.max(1, (capped(timeout).toMillis() + 999) / 1000);
        int interval = (int) Math.min(MAX_KEEPALIVE_SECONDS, Math.max(1, seconds / 5));
        int idle = (int) Math.min(MAX_KEEPALIVE_SECONDS, Math.max(1, seconds - (long) PROBES * interval));
        return new Sockets.KeepAlive(idle, interval, PROBES);
    }
}
