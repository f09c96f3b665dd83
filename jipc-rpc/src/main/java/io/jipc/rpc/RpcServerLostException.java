package io.jipc.rpc;

/**
 * The server process died (or closed the service) while a call was pending or being sent: a caller
 * learns it within {@link RpcClient.Options#livenessCheck()} of the death, not by its deadline.
 * Whether the call ran is unknown. {@link RpcClient#connect} throws it too when there is no server
 * to connect to: its mailbox's creator has exited, it did not answer the HELLO in time, or (over
 * TCP) nobody listens at the address (the cause is the refused connect's
 * {@link io.jipc.ErrnoException}, {@code ECONNREFUSED}).
 */
public class RpcServerLostException extends RpcException {
    public RpcServerLostException(String message) {
        super(message);
    }

    public RpcServerLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
