package io.jipc.rpc;

/**
 * No RPC service of the name a client asked for is served where it looked: over TCP, the listener
 * at {@code tcp://HOST:PORT/NAME} serves another service than {@code NAME} (its server answered
 * the HELLO with REFUSED, "no such service"). Nothing was called. Through mailboxes the same
 * mistake is {@link io.jipc.mailbox.MailboxNotFoundException} (no mailbox of that name).
 */
public class RpcServiceNotFoundException extends RpcException {
    public RpcServiceNotFoundException(String message) {
        super(message);
    }
}
