package io.jipc.group;

/** A collective operation did not complete within the group's collective timeout. */
public class GroupTimeoutException extends GroupException {
    private static final long serialVersionUID = 1L;

    public GroupTimeoutException(String message) {
        super(message);
    }
}
