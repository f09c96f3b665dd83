package io.jipc.pipe;

import io.jipc.JipcException;

/**
 * Bytes read from a pipe are not a valid frame ({@link FrameCodec}): a length above the maximum, a
 * check word that does not match, or an end of stream inside a frame. Nothing was allocated from the
 * bad length; the stream cannot be resynchronised, so the receiver stays failed.
 */
public class CorruptFrameException extends JipcException {
    private static final long serialVersionUID = 1L;

    public CorruptFrameException(String message) {
        super(message);
    }
}
