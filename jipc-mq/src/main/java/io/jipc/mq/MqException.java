package io.jipc.mq;

import io.jipc.JipcException;

/** A POSIX message queue operation failed; subclasses say how. */
public class MqException extends JipcException {
    private static final long serialVersionUID = 1L;

    public MqException(String message) {
        super(message);
    }

    public MqException(String message, Throwable cause) {
        super(message, cause);
    }
}
