package io.jipc.rpc;

/** A call's deadline passed before its result came; the server was told to cancel it. */
public class RpcTimeoutException extends RpcException {
    public RpcTimeoutException(String message) {
        super(message);
    }
}
