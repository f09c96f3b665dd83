package io.jipc;

/** The handle was closed (by this thread or another) before or during the operation. */
public class ClosedException extends JipcException {
    private static final long serialVersionUID = 1L;

    public ClosedException(String message) {
        super(message);
    }
}
