package io.jipc;

/**
 * Base class of every exception jipc throws for a failed IPC operation. Unchecked, like the
 * exceptions of {@code java.util.concurrent}: an IPC failure is rarely recoverable at the call site,
 * and the subclasses say precisely what went wrong where it can be handled.
 */
public class JipcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JipcException(String message) {
        super(message);
    }

    public JipcException(String message, Throwable cause) {
        super(message, cause);
    }
}
