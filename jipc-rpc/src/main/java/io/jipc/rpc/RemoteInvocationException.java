package io.jipc.rpc;

/**
 * The server's implementation threw: carries the exception's class name and message as the server
 * saw them. The exception itself is not rebuilt in the caller (no class is instantiated because a peer
 * named it), so a checked exception declared by the interface method also arrives as this one. A
 * message longer than the client takes in one reply (its reply mailbox's message size, 64 KiB by
 * default, or its or the server's TCP frame limit) arrives cut to fit: its beginning, then
 * {@code " … (N characters cut)"}; the class name arrives whole.
 */
public class RemoteInvocationException extends RpcException {
    private final String remoteClass;
    private final String remoteMessage;

    public RemoteInvocationException(String method, String remoteClass, String remoteMessage) {
        super(method + " threw " + remoteClass + (remoteMessage == null ? "" : ": " + remoteMessage));
        this.remoteClass = remoteClass;
        this.remoteMessage = remoteMessage;
    }

    /** The class name of what the implementation threw, e.g. {@code java.lang.IllegalStateException}. */
    public String remoteClass() {
        return remoteClass;
    }

    /** Its message (cut to fit the client's reply limit if it was longer: see the class comment), or null. */
    public String remoteMessage() {
        return remoteMessage;
    }
}
