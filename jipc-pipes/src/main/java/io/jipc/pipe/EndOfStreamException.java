package io.jipc.pipe;

import io.jipc.JipcException;

/** Every sender closed its end of the pipe and every message was received: no message will come. */
public class EndOfStreamException extends JipcException {
    private static final long serialVersionUID = 1L;

    public EndOfStreamException(String message) {
        super(message);
    }
}
