package io.jipc.rpc;

/**
 * A call's frame (its method and marshalled arguments) is larger than the way to the server takes:
 * the server's request mailbox's maximum message size, over TCP the frame limit of the server's
 * connections (said in its WELCOME) or of this client's own ({@link RpcClient.Options#maxTcpFrameSize()}).
 * Thrown by the caller before anything is sent; the client stays usable. The types are marshallable
 * (that would be a {@link NotMarshallableException}); the values are too large.
 */
public class RpcCallTooLargeException extends RpcException {
    private static final long serialVersionUID = 1L;

    private final int length;
    private final int limit;

    public RpcCallTooLargeException(String message, int length, int limit) {
        super(message);
        this.length = length;
        this.limit = limit;
    }

    /** The length of the call's frame in bytes. */
    public int length() {
        return length;
    }

    /** The limit it exceeded, in bytes. */
    public int limit() {
        return limit;
    }
}
