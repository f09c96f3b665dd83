package io.jipc.mailbox;

/**
 * A role that only one process may hold at a time (the receiver of a mailbox, or the sender of a
 * single-producer mailbox) is held by another live process. The message names its pid.
 */
public class MailboxBusyException extends MailboxException {
    private static final long serialVersionUID = 1L;

    private final long holderPid;

    public MailboxBusyException(String message, long holderPid) {
        super(message);
        this.holderPid = holderPid;
    }

    /** The pid of the live process that holds the role. */
    public long holderPid() {
        return holderPid;
    }
}
