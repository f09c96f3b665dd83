package io.jipc.remote;

import io.jipc.net.ConnectionOptions;

import java.time.Duration;
import java.util.Objects;

/**
 * The timing of a remote mailbox connection, on both sides.
 *
 * @param connectTimeout    how long a client waits for the TCP connection to be made and the gateway
 *                          to answer its {@code Open} (a gateway that accepts and then says nothing,
 *                          stopped or overloaded, or sends only heartbeats, fails the connect within it;
 *                          one silent for the peer timeout fails it sooner; until 2026-12-06 only the TCP
 *                          connection was bounded, and the {@code Open} waited the peer timeout, and until
 *                          2026-12-07 each heartbeat renewed the {@code Open}'s limit); a gateway may take
 *                          up to 2 s to answer an {@code Open} of a mailbox still being created; at a gateway,
 *                          how long a new connection may take to send its {@code Open} before the
 *                          gateway ends it (so that connections that never speak do not hold its
 *                          connection slots). Positive, as jipc-net's {@link ConnectionOptions#connectTimeout()}
 *                          (until 2026-12-06 zero was taken here, and refused by {@link RemoteMailbox#connect}
 *                          and {@link MailboxGateway.Builder#start()} with that {@link IllegalArgumentException})
 * @param heartbeatInterval how often a side that waits for the other sends a sign of life
 *                          (the gateway while a request blocks, the client while it awaits a reply).
 *                          At least 1 ms, as the liveness intervals of the RPC client, groups, sockets
 *                          and DSM (until 2026-12-07 1 ns was taken: a client with it and a peer
 *                          timeout of 2 ns failed every connect, "nothing heard from the gateway for 2ns")
 * @param peerTimeout       how long a side waits without hearing anything from the other before it
 *                          declares it lost ({@link RemotePeerLostException}); at least twice the
 *                          heartbeat interval
 * @param maxFrameSize      the largest frame this side accepts: bounds the message size (a message
 *                          may be {@link Wire#OVERHEAD} bytes shorter); a client cannot receive a
 *                          longer message (see {@link RemoteMailbox}), so give a receiving client
 *                          at least the mailbox's message size + {@link Wire#OVERHEAD}. A gateway's
 *                          bounds what clients send it; its deliveries are as long as the mailbox's
 *                          messages, whatever its own limit
 */
public record RemoteOptions(Duration connectTimeout, Duration heartbeatInterval, Duration peerTimeout,
                            int maxFrameSize) {
    public RemoteOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(peerTimeout, "peerTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) { // as jipc-net's, the RPC client's and DSM's options
            throw new IllegalArgumentException("connect timeout must be positive: " + connectTimeout);
        }
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive: " + heartbeatInterval);
        }
        if (heartbeatInterval.compareTo(Duration.ofMillis(1)) < 0) { // no toMillis: overflow
            throw new IllegalArgumentException("heartbeat interval of at least 1 ms: " + heartbeatInterval);
        }
        if (peerTimeout.dividedBy(2).compareTo(heartbeatInterval) < 0) { // not heartbeat × 2: it may overflow
            throw new IllegalArgumentException("peer timeout " + peerTimeout
                    + " must be at least twice the heartbeat interval " + heartbeatInterval);
        }
        if (maxFrameSize < Wire.OVERHEAD + 1) {
            throw new IllegalArgumentException("max frame size too small: " + maxFrameSize);
        }
    }

    /** Connect within 5 s, heartbeat every 500 ms, peer lost after 3 s of silence, frames up to 16 MiB + 16. */
    public static RemoteOptions defaults() {
        return new RemoteOptions(Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(3),
                (16 << 20) + Wire.OVERHEAD);
    }

    public RemoteOptions withConnectTimeout(Duration timeout) {
        return new RemoteOptions(timeout, heartbeatInterval, peerTimeout, maxFrameSize);
    }

    /**
     * Sends a sign of life after {@code heartbeat} while waiting for the other side and declares it
     * lost after {@code peerLost} of silence.
     *
     * @throws IllegalArgumentException if {@code heartbeat} is under 1 ms, or {@code peerLost} under twice it
     */
    public RemoteOptions withLiveness(Duration heartbeat, Duration peerLost) {
        return new RemoteOptions(connectTimeout, heartbeat, peerLost, maxFrameSize);
    }

    public RemoteOptions withMaxFrameSize(int bytes) {
        return new RemoteOptions(connectTimeout, heartbeatInterval, peerTimeout, bytes);
    }

    /** The options of the underlying framed connection. */
    ConnectionOptions connection() {
        return ConnectionOptions.defaults().withMaxFrameSize(maxFrameSize).withConnectTimeout(connectTimeout)
                .withFrameTimeout(peerTimeout);
    }
}
