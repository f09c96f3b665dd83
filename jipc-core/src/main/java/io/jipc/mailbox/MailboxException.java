package io.jipc.mailbox;

import io.jipc.JipcException;

/** Base class of the exceptions specific to mailboxes. */
public class MailboxException extends JipcException {
    private static final long serialVersionUID = 1L;

    public MailboxException(String message) {
        super(message);
    }

    public MailboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
