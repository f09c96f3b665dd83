package io.jipc.rpc;

/** A remote call did not complete normally for a reason of the call itself (the base of jipc-rpc's failures). */
public class RpcException extends RuntimeException {
    public RpcException(String message) {
        super(message);
    }

    public RpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
