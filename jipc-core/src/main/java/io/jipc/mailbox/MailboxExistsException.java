package io.jipc.mailbox;

/** {@link Mailbox#create} found a mailbox of that name already. */
public class MailboxExistsException extends MailboxException {
    private static final long serialVersionUID = 1L;

    public MailboxExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
