package io.jipc.net;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of one framed stream connection (both sides choose their own).
 *
 * <table class="striped">
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code maxFrameSize}</td><td>1 MiB</td><td>largest message sent or accepted; a larger
 *     one is refused when sending ({@link MessageTooLargeException}) and ends the connection when
 *     received ({@link InvalidFrameException}, before any allocation)</td></tr>
 * <tr><td>{@code frameTimeout}</td><td>10 s</td><td>once the first byte of a frame has been
 *     received (or sent), the whole frame must be through within this time (with
 *     {@code frameTimeoutFromLastByte}: no byte of it may take longer than this after the last), else
 *     {@link FrameTimeoutException} and the connection is closed. A receive that comes after the
 *     deadline first reads what the kernel holds: a frame whose rest arrived is received. Idle time
 *     between frames is not limited</td></tr>
 * <tr><td>{@code frameTimeoutFromLastByte}</td><td>false</td><td>true: the frame timeout bounds a
 *     <em>stall</em> of a started frame, not the whole frame: it counts from the last byte of the frame
 *     that moved (received from the socket, or taken by the kernel for sending), not from its first.
 *     A frame of any length goes on as long as some of it moves within each frame timeout, so a large
 *     frame over a slow link is not cut; a peer that stops sending mid-frame, or stops reading one this
 *     side sends, still ends the connection ({@link FrameTimeoutException}) a frame timeout after the
 *     last byte moved. For a protocol whose frames may be far longer than its peers can carry in a frame
 *     timeout (jipc-dsm's whole-region frames), and which bounds its memory otherwise; a peer that
 *     trickles a byte per frame timeout holds such a frame as long as it likes</td></tr>
 * <tr><td>{@code connectTimeout}</td><td>10 s</td><td>how long {@link StreamConnection#connect}
 *     waits for the connection</td></tr>
 * <tr><td>{@code deadPeerTimeout}</td><td>zero: off</td><td>TCP only: how long the kernel may go
 *     without hearing from the peer's host before it ends the connection. Data sent and not
 *     acknowledged for this long ({@code TCP_USER_TIMEOUT}), and an idle connection whose keepalive
 *     probes go unanswered for about this long ({@code SO_KEEPALIVE} with this socket's own
 *     {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTVL}, {@code TCP_KEEPCNT}, whole seconds: see
 *     {@link DeadPeerDetection}), end it: the connection's waiting and later calls fail with
 *     {@link PeerClosedException} ({@code ETIMEDOUT}). For a host that vanished or a cut link, which
 *     close nothing: without it a connection that has data to send waits for the kernel's
 *     retransmissions (about 15 minutes with {@code tcp_retries2} = 15), an idle one for ever. A live
 *     peer's kernel acknowledges whether its process reads or not; but Linux also ends a connection
 *     whose peer kept its receive window closed (does not read) while data waited for this long: set
 *     it where a peer that stops reading for that long would be dropped anyway, not where a peer may
 *     rightly leave this side's data unread (flow control) for longer.
 *     Set on accepted and connected TCP sockets; Unix-domain sockets ignore it</td></tr>
 * </table>
 *
 * @param maxFrameSize    bytes, 0 to {@link FrameCodec#MAX_FRAME_SIZE}
 * @param frameTimeout    positive
 * @param connectTimeout  positive
 * @param deadPeerTimeout zero (off) or at least 1 ms; longer than the kernel takes (about 24.8 days,
 *                        {@code TCP_USER_TIMEOUT}'s int of milliseconds), centuries included, is set as
 *                        that longest value: no limit in practice, never an overflow
 * @param frameTimeoutFromLastByte whether {@code frameTimeout} counts from the last byte of a started
 *                        frame that moved (a bound on stalls) rather than from its first (a bound on the
 *                        whole frame, the default)
 */
public record ConnectionOptions(int maxFrameSize, Duration frameTimeout, Duration connectTimeout,
                                Duration deadPeerTimeout, boolean frameTimeoutFromLastByte) {
    private static final ConnectionOptions DEFAULTS = new ConnectionOptions(FrameCodec.DEFAULT_MAX_FRAME_SIZE,
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ZERO, false);

    public ConnectionOptions {
        FrameCodec.checkLimit(maxFrameSize);
        positive(frameTimeout, "frame timeout");
        positive(connectTimeout, "connect timeout");
        Objects.requireNonNull(deadPeerTimeout, "dead peer timeout");
        if (deadPeerTimeout.isNegative()
                || (!deadPeerTimeout.isZero() && deadPeerTimeout.compareTo(Duration.ofMillis(1)) < 0)) {
            throw new IllegalArgumentException("dead peer timeout must be zero (off) or at least 1 ms: "
                    + deadPeerTimeout);
        }
    }

    /** Options whose frame timeout bounds a whole frame (from its first byte). */
    public ConnectionOptions(int maxFrameSize, Duration frameTimeout, Duration connectTimeout,
                             Duration deadPeerTimeout) {
        this(maxFrameSize, frameTimeout, connectTimeout, deadPeerTimeout, false);
    }

    /** Options without a dead peer timeout (off): the kernel's behaviour. */
    public ConnectionOptions(int maxFrameSize, Duration frameTimeout, Duration connectTimeout) {
        this(maxFrameSize, frameTimeout, connectTimeout, Duration.ZERO, false);
    }

    static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    /** The defaults (see the class comment). */
    public static ConnectionOptions defaults() {
        return DEFAULTS;
    }

    public ConnectionOptions withMaxFrameSize(int bytes) {
        return new ConnectionOptions(bytes, frameTimeout, connectTimeout, deadPeerTimeout, frameTimeoutFromLastByte);
    }

    public ConnectionOptions withFrameTimeout(Duration timeout) {
        return new ConnectionOptions(maxFrameSize, timeout, connectTimeout, deadPeerTimeout, frameTimeoutFromLastByte);
    }

    public ConnectionOptions withConnectTimeout(Duration timeout) {
        return new ConnectionOptions(maxFrameSize, frameTimeout, timeout, deadPeerTimeout, frameTimeoutFromLastByte);
    }

    /** See the class comment; {@link Duration#ZERO} turns it off. */
    public ConnectionOptions withDeadPeerTimeout(Duration timeout) {
        return new ConnectionOptions(maxFrameSize, frameTimeout, connectTimeout, timeout, frameTimeoutFromLastByte);
    }

    /** See the class comment: true makes the frame timeout a bound on stalls of a started frame. */
    public ConnectionOptions withFrameTimeoutFromLastByte(boolean fromLastByte) {
        return new ConnectionOptions(maxFrameSize, frameTimeout, connectTimeout, deadPeerTimeout, fromLastByte);
    }
}
