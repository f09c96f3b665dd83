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
 *     received (or sent), the whole frame must be through within this time, else
 *     {@link FrameTimeoutException} and the connection is closed. Idle time between frames is not
 *     limited</td></tr>
 * <tr><td>{@code connectTimeout}</td><td>10 s</td><td>how long {@link StreamConnection#connect}
 *     waits for the connection</td></tr>
 * </table>
 *
 * @param maxFrameSize   bytes, 0 to {@link FrameCodec#MAX_FRAME_SIZE}
 * @param frameTimeout   positive
 * @param connectTimeout positive
 */
public record ConnectionOptions(int maxFrameSize, Duration frameTimeout, Duration connectTimeout) {
    private static final ConnectionOptions DEFAULTS = new ConnectionOptions(FrameCodec.DEFAULT_MAX_FRAME_SIZE,
            Duration.ofSeconds(10), Duration.ofSeconds(10));

    public ConnectionOptions {
        FrameCodec.checkLimit(maxFrameSize);
        positive(frameTimeout, "frame timeout");
        positive(connectTimeout, "connect timeout");
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
        return new ConnectionOptions(bytes, frameTimeout, connectTimeout);
    }

    public ConnectionOptions withFrameTimeout(Duration timeout) {
        return new ConnectionOptions(maxFrameSize, timeout, connectTimeout);
    }

    public ConnectionOptions withConnectTimeout(Duration timeout) {
        return new ConnectionOptions(maxFrameSize, frameTimeout, timeout);
    }
}
