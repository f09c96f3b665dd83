package io.jipc.pipe;

import io.jipc.JipcException;

/**
 * A {@link PipeChannel} began a frame and could not finish it within the channel's frame timeout
 * ({@link PipeChannel#frameTimeout()}): the receiver stopped reading half-way through it. The channel
 * is closed: its stream is no longer at a frame boundary (the receiver has part of the frame, and
 * gets {@link CorruptFrameException} at end of stream). As {@code io.jipc.net.FrameTimeoutException}
 * is for a socket's frames.
 */
public class FrameTimeoutException extends JipcException {
    private static final long serialVersionUID = 1L;

    public FrameTimeoutException(String message) {
        super(message);
    }
}
