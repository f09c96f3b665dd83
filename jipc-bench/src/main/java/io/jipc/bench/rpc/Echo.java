package io.jipc.bench.rpc;

/** The interface the RPC benchmark calls: a payload in, the same payload out. */
public interface Echo {
    byte[] echo(byte[] payload);
}
