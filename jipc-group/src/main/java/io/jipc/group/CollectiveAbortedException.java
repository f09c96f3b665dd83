package io.jipc.group;

/**
 * Another member gave up the collective operation this member was in (its own part failed, e.g. a
 * root's scatter with the wrong number of parts, or a reduction that threw); every member leaves
 * that operation with an exception and the next collective operation works as usual.
 */
public class CollectiveAbortedException extends GroupException {
    private static final long serialVersionUID = 1L;
    private final int rank;

    public CollectiveAbortedException(int rank, String message) {
        super(message);
        this.rank = rank;
    }

    /** The rank that gave up. */
    public int rank() {
        return rank;
    }
}
