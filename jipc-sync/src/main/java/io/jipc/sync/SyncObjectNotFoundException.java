package io.jipc.sync;

import io.jipc.JipcException;

/** There is no named synchronization object of that name. */
public class SyncObjectNotFoundException extends JipcException {
    private static final long serialVersionUID = 1L;

    public SyncObjectNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
