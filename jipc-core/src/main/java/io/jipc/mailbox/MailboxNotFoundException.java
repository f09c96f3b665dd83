package io.jipc.mailbox;

/** No mailbox has the given name (it was never created, or it was destroyed). */
public class MailboxNotFoundException extends MailboxException {
    private static final long serialVersionUID = 1L;

    public MailboxNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
