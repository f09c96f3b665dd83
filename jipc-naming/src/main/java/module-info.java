/**
 * The jipc name service: processes register names for the objects they offer and find each other's
 * by name ({@link io.jipc.naming.NameService}).
 *
 * <p>The local backend (same host, no daemon) keeps names as files under the jipc root directory;
 * other backends (ZooKeeper for many hosts, module {@code io.jipc.naming.zk}) are found through
 * {@link io.jipc.naming.spi.NameServiceProvider} by the scheme of the naming URI. The local backend's
 * package is exported to {@code io.jipc.mq} only, whose unlink removes a queue and its name together
 * ({@link io.jipc.naming.local.LocalNameService#unbindAround}).
 */
@SuppressWarnings("module") // the modules a package is exported to are built after this one
module io.jipc.naming {
    requires transitive io.jipc.segment;

    exports io.jipc.naming;
    exports io.jipc.naming.spi;
    exports io.jipc.naming.local to io.jipc.mq;

    uses io.jipc.naming.spi.NameServiceProvider;
}
