package io.jipc.remote;

import io.jipc.JipcException;

/**
 * The gateway refused a request: no such mailbox is exported, the message is too large, the
 * priority is out of range, the mailbox's receiver role is held by another process, or the gateway
 * failed. The connection stays usable.
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
