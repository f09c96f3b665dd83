package io.jipc.dsm;

/**
 * A frame read from the other side of a replicated region's connection is malformed: unknown type,
 * a length that does not match, a changed range outside the region or out of order, a frame that
 * is not expected in the connection's state. The side that reads it closes the connection.
 */
public class DsmProtocolException extends DsmException {
    private static final long serialVersionUID = 1L;

    public DsmProtocolException(String message) {
        super(message);
    }
}
