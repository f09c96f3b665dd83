package io.jipc.cli.endpoint;

import io.jipc.JipcException;

/** The object a URI names does not exist (and was not to be created). */
public class EndpointNotFoundException extends JipcException {
    private static final long serialVersionUID = 1L;

    public EndpointNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
