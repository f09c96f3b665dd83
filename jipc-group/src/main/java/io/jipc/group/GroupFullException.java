package io.jipc.group;

/** Every rank of the group is held by a live member (or the rank asked for is). */
public class GroupFullException extends GroupException {
    private static final long serialVersionUID = 1L;

    public GroupFullException(String message) {
        super(message);
    }
}
