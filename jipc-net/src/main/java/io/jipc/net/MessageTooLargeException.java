package io.jipc.net;

import io.jipc.JipcException;

/**
 * A message is larger than the limit that applies: the connection's maximum frame size or the
 * endpoint's maximum datagram size (on sending: nothing was sent), or a received datagram was
 * larger than the receive buffer and truncation was not asked for (it is consumed and dropped, as
 * the kernel cannot give back its tail). Nothing is ever silently truncated.
 */
public class MessageTooLargeException extends JipcException {
    private static final long serialVersionUID = 1L;

    private final long length;
    private final int limit;

    public MessageTooLargeException(String message, long length, int limit) {
        super(message);
        this.length = length;
        this.limit = limit;
    }

    /** The length of the message. */
    public long length() {
        return length;
    }

    /** The limit it exceeded. */
    public int limit() {
        return limit;
    }
}
