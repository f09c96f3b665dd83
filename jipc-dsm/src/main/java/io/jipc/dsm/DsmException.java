package io.jipc.dsm;

import io.jipc.JipcException;

/** A replicated region could not do what was asked (the base of jipc-dsm's failures). */
public class DsmException extends JipcException {
    private static final long serialVersionUID = 1L;

    public DsmException(String message) {
        super(message);
    }

    public DsmException(String message, Throwable cause) {
        super(message, cause);
    }
}
