package io.jipc.dsm;

import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connected replicas of this process, by home address and region name: what a thread's write
 * on one replica is checked against, since a write section of another replica of the same region
 * and home that the thread holds (or a read of one it is inside) would make it wait for ever
 * ({@link ReplicatedRegion#write()}). The same home is the same {@link SocketAddress} (as
 * {@code equals} compares it): replicas that reached one home through different addresses are not
 * known to share it.
 *
 * <p>A replica is added when it opens and removed when it is closed or lost: a lost or closed
 * replica's connection is gone, so the home has freed the lock for it, and it applies no updates any
 * more. Any thread; keeps only connected replicas, which their receiver threads keep reachable anyway.
 */
final class LocalReplicas {
    private record Key(SocketAddress home, String region) {
    }

    private static final ConcurrentHashMap<Key, Set<ReplicatedRegion>> CONNECTED = new ConcurrentHashMap<>();

    private LocalReplicas() {
    }

    static void add(ReplicatedRegion replica) {
        CONNECTED.compute(key(replica), (key, replicas) -> {
            Set<ReplicatedRegion> set = replicas != null ? replicas : ConcurrentHashMap.newKeySet();
            set.add(replica);
            return set;
        });
    }

    static void remove(ReplicatedRegion replica) {
        CONNECTED.computeIfPresent(key(replica), (key, replicas) -> {
            replicas.remove(replica);
            return replicas.isEmpty() ? null : replicas;
        });
    }

    /** The connected replicas of {@code region} at {@code home} in this process (a live view). */
    static Set<ReplicatedRegion> of(SocketAddress home, String region) {
        return CONNECTED.getOrDefault(new Key(home, region), Set.of());
    }

    private static Key key(ReplicatedRegion replica) {
        return new Key(replica.home(), replica.name());
    }
}
