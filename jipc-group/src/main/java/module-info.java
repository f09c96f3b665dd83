/**
 * Process groups on one host: {@link io.jipc.group.ProcessGroup} gives each member process a rank,
 * sends to one member or broadcasts to the whole group, and runs collective operations in which
 * every member takes part (barrier, broadcast from a root, scatter, gather, all-gather, reduce,
 * all-reduce). Members talk through shared-memory mailboxes; no daemon is involved.
 */
module io.jipc.group {
    requires transitive io.jipc.core;
    requires io.jipc.segment;

    exports io.jipc.group;
}
