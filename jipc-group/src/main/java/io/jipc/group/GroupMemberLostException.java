package io.jipc.group;

/**
 * No live member holds the rank a call needs: it never joined, it left, it died, or (for a
 * collective operation) another process has taken the rank since the group's view was formed.
 */
public class GroupMemberLostException extends GroupException {
    private static final long serialVersionUID = 1L;
    private final int rank;

    public GroupMemberLostException(int rank, String message) {
        super(message);
        this.rank = rank;
    }

    /** The rank whose member is missing. */
    public int rank() {
        return rank;
    }
}
