package io.jipc.net;

import io.jipc.JipcException;

/** A connection was not established within the connect timeout. */
public class ConnectTimeoutException extends JipcException {
    private static final long serialVersionUID = 1L;

    public ConnectTimeoutException(String message) {
        super(message);
    }
}
