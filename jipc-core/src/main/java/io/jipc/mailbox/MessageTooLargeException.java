package io.jipc.mailbox;

/**
 * A message is larger than the mailbox's maximum message size (on sending), or than the buffer
 * given to receive it (on receiving: the message stays in the mailbox). Nothing is truncated, unless the receiver
 * asked for it with {@link Mailbox#pollTruncating(java.nio.ByteBuffer)}.
 */
public class MessageTooLargeException extends MailboxException {
    private static final long serialVersionUID = 1L;

    private final int length;
    private final int limit;

    public MessageTooLargeException(String message, int length, int limit) {
        super(message);
        this.length = length;
        this.limit = limit;
    }

    /** The length of the message. */
    public int length() {
        return length;
    }

    /** The limit it exceeded. */
    public int limit() {
        return limit;
    }
}
