package io.jipc.sync;

import io.jipc.JipcException;

/** A named synchronization object could not be created: the name is taken. */
public class SyncObjectExistsException extends JipcException {
    private static final long serialVersionUID = 1L;

    public SyncObjectExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
