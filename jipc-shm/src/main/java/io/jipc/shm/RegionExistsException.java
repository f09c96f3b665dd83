package io.jipc.shm;

import io.jipc.JipcException;

/** A region (or circular buffer) could not be created because its name is taken. */
public final class RegionExistsException extends JipcException {
    private static final long serialVersionUID = 1L;

    public RegionExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
