package io.jipc.net;

/**
 * Limits of a {@link DatagramEndpoint}.
 *
 * <table class="striped">
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code maxDatagramSize}</td><td>65,507 (the largest UDP payload over IPv4)</td><td>largest
 *     datagram sent (a larger one is refused with {@link MessageTooLargeException}, nothing sent)
 *     and size of the receive buffer</td></tr>
 * <tr><td>{@code truncate}</td><td>false</td><td>what happens to a received datagram larger than
 *     the receive buffer: false → {@link MessageTooLargeException} (the datagram is consumed);
 *     true → delivered cut to the buffer, marked {@link Datagram#truncated()}</td></tr>
 * <tr><td>{@code receiveBuffer}</td><td>0: the kernel's default</td><td>{@code SO_RCVBUF} bytes: how
 *     much the kernel queues for this endpoint before UDP drops datagrams (Unix-domain senders
 *     block instead)</td></tr>
 * </table>
 *
 * @param maxDatagramSize 1 to 16 MiB
 * @param truncate        whether over-size received datagrams are delivered truncated
 * @param receiveBuffer   {@code SO_RCVBUF}, or 0
 */
public record DatagramOptions(int maxDatagramSize, boolean truncate, int receiveBuffer) {
    /** The largest UDP payload over IPv4 (65,535 minus the IP and UDP headers). */
    public static final int MAX_UDP_PAYLOAD = 65_507;
    private static final DatagramOptions DEFAULTS = new DatagramOptions(MAX_UDP_PAYLOAD, false, 0);

    public DatagramOptions {
        if (maxDatagramSize < 1 || maxDatagramSize > (16 << 20)) {
            throw new IllegalArgumentException("maximum datagram size must be 1 to 16 MiB: " + maxDatagramSize);
        }
        if (receiveBuffer < 0) {
            throw new IllegalArgumentException("receive buffer must not be negative: " + receiveBuffer);
        }
    }

    public static DatagramOptions defaults() {
        return DEFAULTS;
    }

    public DatagramOptions withMaxDatagramSize(int bytes) {
        return new DatagramOptions(bytes, truncate, receiveBuffer);
    }

    public DatagramOptions withTruncate(boolean truncateOverSize) {
        return new DatagramOptions(maxDatagramSize, truncateOverSize, receiveBuffer);
    }

    public DatagramOptions withReceiveBuffer(int bytes) {
        return new DatagramOptions(maxDatagramSize, truncate, bytes);
    }
}
