package io.jipc.net;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link StreamServer} listens and whom it serves.
 *
 * <table class="striped">
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code backlog}</td><td>128</td><td>connections the kernel completes and queues before
 *     they are accepted ({@code listen(2)}; capped by {@code /proc/sys/net/core/somaxconn})</td></tr>
 * <tr><td>{@code maxConnections}</td><td>256</td><td>connections open at once; one accepted beyond
 *     it is closed at once (the client reads end of stream), so idle clients cannot grow without
 *     bound; but that many connections that never speak hold every slot, so a server of a protocol
 *     closes a connection whose first request does not come in time (jipc's gateway, DSM home and
 *     RPC server do)</td></tr>
 * <tr><td>{@code allowedUids}</td><td>empty: anyone</td><td>Unix-domain only: the user ids
 *     ({@code SO_PEERCRED}) whose connections are served; others are closed at once</td></tr>
 * <tr><td>{@code socketPermissions}</td><td>0600</td><td>Unix-domain only: mode of the socket file
 *     (connecting needs write permission on it); 0666 lets every user try, {@code allowedUids} then
 *     decides; it must include 0600 (else {@link IllegalArgumentException}), as a mailbox's</td></tr>
 * <tr><td>{@code closeGrace}</td><td>5 s</td><td>how long {@link StreamServer#close()} lets
 *     handlers finish (and users of accepted connections close them) after it stopped accepting
 *     and ended their input</td></tr>
 * <tr><td>{@code connection}</td><td>{@link ConnectionOptions#defaults()}</td><td>limits of each
 *     connection: maximum frame size, frame timeout</td></tr>
 * </table>
 */
public record ServerOptions(int backlog, int maxConnections, Set<Integer> allowedUids, int socketPermissions,
                            Duration closeGrace, ConnectionOptions connection) {
    private static final ServerOptions DEFAULTS = new ServerOptions(128, 256, Set.of(), 0600, Duration.ofSeconds(5),
            ConnectionOptions.defaults());

    public ServerOptions {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be at least 1: " + backlog);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
        }
        allowedUids = Set.copyOf(Objects.requireNonNull(allowedUids, "allowedUids"));
        if ((socketPermissions & ~0777) != 0 || (socketPermissions & 0600) != 0600) { // the creator's user must connect
            throw new IllegalArgumentException("socket permissions must be within 0777 and include 0600: 0"
                    + Integer.toOctalString(socketPermissions));
        }
        Objects.requireNonNull(closeGrace, "closeGrace");
        if (closeGrace.isNegative()) {
            throw new IllegalArgumentException("close grace must not be negative: " + closeGrace);
        }
        Objects.requireNonNull(connection, "connection");
    }

    /** The defaults (see the class comment). */
    public static ServerOptions defaults() {
        return DEFAULTS;
    }

    public ServerOptions withBacklog(int n) {
        return new ServerOptions(n, maxConnections, allowedUids, socketPermissions, closeGrace, connection);
    }

    public ServerOptions withMaxConnections(int n) {
        return new ServerOptions(backlog, n, allowedUids, socketPermissions, closeGrace, connection);
    }

    public ServerOptions withAllowedUids(Set<Integer> uids) {
        Objects.requireNonNull(uids, "uids");
        return new ServerOptions(backlog, maxConnections, uids, socketPermissions, closeGrace, connection);
    }

    public ServerOptions withSocketPermissions(int mode) {
        return new ServerOptions(backlog, maxConnections, allowedUids, mode, closeGrace, connection);
    }

    public ServerOptions withCloseGrace(Duration grace) {
        return new ServerOptions(backlog, maxConnections, allowedUids, socketPermissions, grace, connection);
    }

    public ServerOptions withConnection(ConnectionOptions options) {
        return new ServerOptions(backlog, maxConnections, allowedUids, socketPermissions, closeGrace, options);
    }
}
