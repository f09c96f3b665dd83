/**
 * Remote procedure calls between processes: {@link io.jipc.rpc.RpcServer} serves an implementation
 * of a Java interface (the IDL) on a mailbox of its host and, if asked, on a TCP port;
 * {@link io.jipc.rpc.RpcClient} gives a caller a stub of the same interface. Arguments and results are marshalled by
 * {@link io.jipc.rpc.Marshaller}: an explicit, versioned binary format that only ever builds the
 * types the interface names (never Java serialization).
 */
module io.jipc.rpc {
    requires transitive io.jipc.core;
    requires transitive io.jipc.net;
    requires transitive io.jipc.naming;
    requires io.jipc.remote;

    exports io.jipc.rpc;
}
