package io.jipc.remote;

import io.jipc.JipcException;

/**
 * A frame of the remote mailbox protocol that does not decode: an unknown type, a wrong length, a
 * field out of range. The side that receives it closes the connection (the peer is not speaking
 * the protocol, or speaks another version).
 */
public final class ProtocolException extends JipcException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
