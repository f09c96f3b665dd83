package io.jipc.mailbox;

/**
 * An {@link UnboundedMailbox} would have to grow past its ceiling to take a message: its segment
 * files already hold {@link #usedBytes()} and one more segment would exceed {@link #ceilingBytes()}.
 * The message was not sent. Nothing else changed: the mailbox shrinks again as its receiver drains it.
 */
public class MailboxCeilingException extends MailboxException {
    private static final long serialVersionUID = 1L;

    private final long ceilingBytes;
    private final long usedBytes;

    public MailboxCeilingException(String message, long ceilingBytes, long usedBytes) {
        super(message);
        this.ceilingBytes = ceilingBytes;
        this.usedBytes = usedBytes;
    }

    /** The configured ceiling of the mailbox's segment files, in bytes. */
    public long ceilingBytes() {
        return ceilingBytes;
    }

    /** Bytes the mailbox's segment files occupied when the send was refused. */
    public long usedBytes() {
        return usedBytes;
    }
}
