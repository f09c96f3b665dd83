package io.jipc.rpc;

/**
 * A peer sent bytes that are not a frame of this protocol's version, or a value outside the
 * interface's allow-list (see {@link Marshaller}). Nothing the bytes named was built.
 */
public class RpcProtocolException extends RpcException {
    public RpcProtocolException(String message) {
        super(message);
    }
}
