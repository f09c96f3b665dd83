package io.jipc.group;

/**
 * A message in this member's inbox is not a well-formed group message, or members disagree on the
 * collective operation they are in (one calls {@code gather} where another calls {@code scatter}).
 * The offending message is discarded.
 */
public class GroupProtocolException extends GroupException {
    private static final long serialVersionUID = 1L;

    public GroupProtocolException(String message) {
        super(message);
    }
}
