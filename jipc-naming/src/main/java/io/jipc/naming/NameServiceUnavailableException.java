package io.jipc.naming;

/**
 * The name service cannot be reached or is not configured: an unknown URI scheme, a backend module
 * missing from the module or class path, a ZooKeeper ensemble that does not answer within the
 * connection timeout, or a session that is not connected when an operation needs it (within the
 * timeout, or when the calling thread is interrupted while it waits for one: the cause is then the
 * {@link InterruptedException}, and the thread's interrupt status is set).
 */
public class NameServiceUnavailableException extends NamingException {
    private static final long serialVersionUID = 1L;

    public NameServiceUnavailableException(String message) {
        super(message);
    }

    public NameServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
