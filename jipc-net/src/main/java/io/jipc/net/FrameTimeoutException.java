package io.jipc.net;

import io.jipc.JipcException;

/** A peer started a frame and did not finish it within the connection's frame timeout (it sent half a frame and stalled, or stopped reading half-way through ours). The connection is closed: its stream is no longer at a frame boundary. */
public class FrameTimeoutException extends JipcException {
    private static final long serialVersionUID = 1L;

    public FrameTimeoutException(String message) {
        super(message);
    }
}
