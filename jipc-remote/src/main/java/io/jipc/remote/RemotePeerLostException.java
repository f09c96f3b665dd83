package io.jipc.remote;

import io.jipc.JipcException;

/**
 * The other side of a remote mailbox connection is gone: its process died (the kernel closed the
 * connection), the connection was cut, or nothing (not even a heartbeat) arrived from it within
 * {@link RemoteOptions#peerTimeout()} (also while {@link RemoteMailbox#close()} of another thread waited
 * for the answer to a send of the handle).
 *
 * <p>What it means for the call that throws it: a send that fails with it may or may not have
 * reached the mailbox (it was not acknowledged; send it again if duplicates are acceptable); a
 * receive that fails with it took nothing (a message the gateway had handed out without the
 * client's acknowledgement is delivered again). The {@link RemoteMailbox} reconnects on its next call.
 */
public final class RemotePeerLostException extends JipcException {
    private static final long serialVersionUID = 1L;

    public RemotePeerLostException(String message) {
        super(message);
    }

    public RemotePeerLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
