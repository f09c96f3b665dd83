package io.jipc.cli.bench;

/**
 * The service the peer of {@code jipc bench}'s RPC row serves ({@link RpcMechanism}):
 * {@code exchange} takes a benchmark message and returns the peer's answer to it (the echo, a
 * round's acknowledgement), or an empty array when there is none. Public so that jipc-rpc's stubs
 * and marshaller may reach it.
 */
public interface BenchCalls {
    byte[] exchange(byte[] message);
}
