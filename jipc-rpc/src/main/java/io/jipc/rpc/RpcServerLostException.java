package io.jipc.rpc;

/**
 * The server process died (or closed the service) while a call was pending or being sent: a caller
 * learns it within {@link RpcClient.Options#livenessCheck()} of the death, not by its deadline.
 * Whether the call ran is unknown.
 */
public class RpcServerLostException extends RpcException {
    public RpcServerLostException(String message) {
        super(message);
    }
}
