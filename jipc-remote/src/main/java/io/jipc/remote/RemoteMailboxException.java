package io.jipc.remote;

import io.jipc.JipcException;

/**
 * The gateway refused a request ({@link #code()}): no such mailbox is exported
 * ({@link Wire.ErrorCode#NO_SUCH_MAILBOX}), the gateway failed or cannot serve the request
 * ({@link Wire.ErrorCode#INTERNAL}, e.g. a remote receive from a mailbox with shared receivers), or a
 * role the request needs is held by another process of the gateway's host
 * ({@link Wire.ErrorCode#RECEIVER_BUSY}, for both roles, the message says which): the receiver role
 * of an exclusive mailbox for a receive, or the sender role of a single-sender mailbox for a send.
 * The gateway process takes such a role for its clients and keeps it while a client connection has
 * the mailbox open; a local holder keeps it until it closes its last handle or dies, and the same
 * request succeeds once it has (docs/remote.md, "Single-sender mailboxes"). After a busy role (or
 * {@link Wire.ErrorCode#MESSAGE_TOO_LARGE}) the connection stays usable; after the others the
 * gateway ends it and the next call connects again. An over-size message and a bad priority are
 * normally refused before sending, with {@link io.jipc.mailbox.MessageTooLargeException} and
 * {@link IllegalArgumentException}, as a local mailbox does; the gateway's own refusal of a priority
 * is an {@link IllegalArgumentException} too.
 */
public final class RemoteMailboxException extends JipcException {
    private static final long serialVersionUID = 1L;

    private final Wire.ErrorCode code;

    public RemoteMailboxException(Wire.ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /** Why the gateway refused. */
    public Wire.ErrorCode code() {
        return code;
    }
}
