package io.jipc.dsm;

import io.jipc.naming.NameService;
import io.jipc.naming.Registration;
import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamServer;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The home of replicated regions: a TCP (or Unix-domain) server that keeps each region's master
 * copy, version and write lock, and serves every replica of it ({@link ReplicatedRegion}).
 *
 * <p>A region is made, zero-filled, when the first replica opens it, and lives as long as the home:
 * replicas may come and go, and a replica opened later gets the current bytes. A home is one process
 * (run one with {@code jipc dsm home}, or embed it); if it dies, every replica of its regions fails
 * with {@link RegionHomeLostException} and the regions' bytes live on only in the replicas' last
 * snapshots ({@link ReplicatedRegion#lastSnapshot()}).
 *
 * <p><b>Finding a home by name.</b> {@link #register} makes the home known in a name service as
 * {@code dsm/NAME} (kind {@value #KIND}, address {@code tcp://HOST:PORT} or {@code unix:PATH}), for as
 * long as it runs; replicas then open regions with {@link ReplicatedRegion#open(NameService, String,
 * String, long, DsmOptions)}. With the ZooKeeper backend the name is known across hosts.
 *
 * <p><b>Threads.</b> One virtual thread per connected replica, started by the server; none of them
 * runs code of the caller. {@link #regions()} may be called from any thread.
 */
public final class RegionHome implements AutoCloseable {
    /** Where a registered home's name lives: a home registered as NAME holds {@code dsm/NAME}. */
    public static final String NAME_PREFIX = HomeNames.PREFIX;
    /** The kind of a registered home's name record. */
    public static final String KIND = HomeNames.KIND;
    /** How long {@link #close()} waits, at most, for frames already queued to reach the replicas. */
    public static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

    private final StreamServer server;
    private final DsmOptions options;
    private final Map<String, HomeRegion> regions = new HashMap<>();
    /** Set by {@link #close()}; guarded by {@link #regions}. */
    private boolean closing;
    private final HomeMemory memory;
    private final List<Registration> registrations = new ArrayList<>();
    /** The replicas connected now (their sessions add and remove themselves). */
    final Set<HomeSession> sessions = ConcurrentHashMap.newKeySet();

    private RegionHome(StreamServer server, DsmOptions options) {
        this.server = server;
        this.options = options;
        this.memory = new HomeMemory(options.maxHomeMemory());
    }

    /** Starts a home at {@code address} with the default options. */
    public static RegionHome start(SocketAddress address) {
        Objects.requireNonNull(address, "address");
        return start(address, DsmOptions.defaults());
    }

    /**
     * Binds {@code address} (an {@link java.net.InetSocketAddress}, port 0 for any free one, or a
     * {@link java.net.UnixDomainSocketAddress}) and serves replicas in the background until closed.
     *
     * @throws io.jipc.ErrnoException if the address cannot be bound ({@code EADDRINUSE}, ...)
     */
    public static RegionHome start(SocketAddress address, DsmOptions options) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        // a started frame is bounded by the peer timeout without a byte of it moving, not whole: a region's
        // snapshot or update may take far longer than that over a slow link (until 2026-12-07 it did not)
        ConnectionOptions connection = ConnectionOptions.defaults().withMaxFrameSize(options.maxFrameSize())
                .withFrameTimeout(options.peerTimeout()).withFrameTimeoutFromLastByte(true);
        StreamServer server = StreamServer.bind(address, ServerOptions.defaults().withMaxConnections(4096)
                .withConnection(connection));
        RegionHome home = new RegionHome(server, options);
        server.start(c -> new HomeSession(home, c, options).serve());
        return home;
    }

    /** The address replicas connect to (with the port the kernel chose, if 0 was asked). */
    public SocketAddress address() {
        return server.localAddress();
    }

    public DsmOptions options() {
        return options;
    }

    /**
     * Registers this home in {@code names} as {@code name} ({@code dsm/NAME}), held until the home
     * closes or its process dies. Replicas reach it at the address it is bound to.
     *
     * @throws IllegalStateException if the home listens on a wildcard address (say the host with
     *                               {@link #register(NameService, String, String)})
     * @throws io.jipc.naming.NameTakenException if a live owner holds the name
     */
    public void register(NameService names, String name) {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(name, "name");
        register(names, name, null);
    }

    /**
     * Registers this home in {@code names} as {@code name} ({@code dsm/NAME}), reached at {@code host}
     * (what other hosts connect to, e.g. when listening on {@code 0.0.0.0}; null for the bound
     * address), held until the home closes or its process dies. A home may hold several names.
     *
     * @throws io.jipc.naming.NameTakenException if a live owner holds the name
     */
    public void register(NameService names, String name, String host) {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(name, "name");
        Registration registration = names.register(NAME_PREFIX + name, HomeNames.record(name, server.localAddress(),
                host));
        synchronized (registrations) {
            registrations.add(registration);
        }
    }

    /** Every region of this home, by name. */
    public List<RegionStatus> regions() {
        List<HomeRegion> all;
        synchronized (regions) {
            all = new ArrayList<>(regions.values());
        }
        return all.stream().map(HomeRegion::status).sorted(Comparator.comparing(RegionStatus::name)).toList();
    }

    /** The bytes this home commits now to its regions and to the snapshots not yet sent (for tests). */
    long committedMemory() {
        return memory.used();
    }

    /** The region {@code name}, made with {@code size} bytes if new. */
    HomeRegion region(String name, long size) {
        if (size < 1 || size > options.maxRegionSize()) {
            throw new RegionRefusedException(RegionRefusedException.Reason.TOO_LARGE, "region " + name + " of " + size
                    + " bytes: this home keeps regions of 1 to " + options.maxRegionSize() + " bytes");
        }
        synchronized (regions) {
            HomeRegion region = regions.get(name);
            if (region == null) {
                if (regions.size() >= options.maxRegions()) {
                    throw new RegionRefusedException(RegionRefusedException.Reason.TOO_MANY_REGIONS, "this home keeps "
                            + options.maxRegions() + " regions already");
                }
                long bytes = size + HomeRegion.snapshotBytes(size); // the region and its first snapshot
                if (!memory.reserve(bytes)) {
                    throw new RegionRefusedException(RegionRefusedException.Reason.NO_MEMORY, "no room for region "
                            + name + " of " + size + " bytes (" + bytes + " with its first snapshot): this home commits "
                            + memory.used() + " of its " + memory.limit() + " bytes (maxHomeMemory) to regions and "
                            + "snapshots not yet sent");
                }
                region = new HomeRegion(name, (int) size, memory);
                if (closing) {
                    region.close();
                }
                regions.put(name, region);
            } else if (region.size() != size) {
                throw new RegionRefusedException(RegionRefusedException.Reason.SIZE_MISMATCH, "region " + name + " has "
                        + region.size() + " bytes, not " + size);
            }
            return region;
        }
    }

    /**
     * Stops serving: grants the write lock no more (a write queued here fails with the home, it gets
     * no section), lets what the home already sent on its way reach each replica (the updates and the
     * answers to releases it applied, for at most {@link #CLOSE_GRACE} in all), then closes every
     * replica's connection (they fail with {@link RegionHomeLostException}). A section whose release
     * was applied is thus acknowledged to its writer, unless the writer does not read. Idempotent.
     */
    @Override
    public void close() {
        synchronized (registrations) {
            for (Registration r : registrations) {
                try {
                    r.close();
                } catch (RuntimeException e) {
                    // the name service is gone: the names go with this process
                }
            }
            registrations.clear();
        }
        synchronized (regions) {
            closing = true;
            regions.values().forEach(HomeRegion::close);
        }
        long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
        try {
            for (HomeSession session : sessions) {
                session.flush(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close at once
        }
        server.close();
    }

    @Override
    public String toString() {
        return "region home at " + io.jipc.platform.Sockets.describe(server.localAddress());
    }
}
