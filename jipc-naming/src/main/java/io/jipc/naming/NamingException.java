package io.jipc.naming;

import io.jipc.JipcException;

/** A name service operation failed; the subclasses say why where a caller can react. */
public class NamingException extends JipcException {
    private static final long serialVersionUID = 1L;

    public NamingException(String message) {
        super(message);
    }

    public NamingException(String message, Throwable cause) {
        super(message, cause);
    }
}
