package io.jipc.group;

import io.jipc.JipcException;

/** A process group could not do what was asked (the base of jipc-group's failures). */
public class GroupException extends JipcException {
    private static final long serialVersionUID = 1L;

    public GroupException(String message) {
        super(message);
    }

    public GroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
