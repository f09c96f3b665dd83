package io.jipc;

/**
 * A system call failed. The message names the errno, the call and what it was applied to, for
 * example {@code EACCES (Permission denied) from open of /dev/shm/jipc-1000/mailbox/orders}.
 */
public class ErrnoException extends JipcException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String errnoName;
    private final String call;
    private final String subject;

    public ErrnoException(int errno, String errnoName, String description, String call, String subject) {
        super(errnoName + " (" + description + ") from " + call + (subject == null ? "" : " of " + subject));
        this.errno = errno;
        this.errnoName = errnoName;
        this.call = call;
        this.subject = subject;
    }

    /** The numeric errno value, as the kernel reported it. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, such as {@code "ENOSPC"}. */
    public String errnoName() {
        return errnoName;
    }

    /** The failing call, such as {@code "fallocate"}. */
    public String call() {
        return call;
    }

    /** What the call was applied to (usually a path), or {@code null}. */
    public String subject() {
        return subject;
    }
}
