package io.jipc.net;

import io.jipc.JipcException;

/**
 * The peer closed the connection (or reset it) in the middle of a frame, or while a message was being
 * sent to it; or, over TCP with {@link ConnectionOptions#deadPeerTimeout()} set, the kernel ended the
 * connection because the peer's host stopped answering ({@code ETIMEDOUT}).
 */
public class PeerClosedException extends JipcException {
    private static final long serialVersionUID = 1L;

    public PeerClosedException(String message) {
        super(message);
    }
}
