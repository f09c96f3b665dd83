/**
 * Distributed shared memory as replicated shared regions: {@link io.jipc.dsm.ReplicatedRegion}
 * gives every process that opens a named region — on this host or another — a replica of its
 * bytes, and {@link io.jipc.dsm.RegionHome} keeps the region's master copy and its write lock.
 * A writer takes the lock, writes its replica in place and, on release, sends the bytes it changed;
 * the home applies them and sends them on to every other replica over TCP. See {@code docs/dsm.md}
 * for the consistency model and the wire format.
 */
module io.jipc.dsm {
    requires transitive io.jipc.net;
    requires transitive io.jipc.naming;

    exports io.jipc.dsm;
}
