package io.jipc.net;

import io.jipc.JipcException;

/** A frame header announced a length outside {@code [0, maxFrameSize]} (a hostile or confused peer: {@code -1}, {@code 2^31-1}, {@code 2^63}, ...). It is detected before anything is allocated; the stream cannot be resynchronised, so the connection is closed. */
public class InvalidFrameException extends JipcException {
    private static final long serialVersionUID = 1L;

    public InvalidFrameException(String message) {
        super(message);
    }
}
