package io.jipc.shm;

import io.jipc.JipcException;

/** There is no region (or circular buffer) of the given name. */
public final class RegionNotFoundException extends JipcException {
    private static final long serialVersionUID = 1L;

    public RegionNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
