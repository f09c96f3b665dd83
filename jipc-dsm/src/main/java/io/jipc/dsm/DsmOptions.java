package io.jipc.dsm;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits and timing of replicated regions, for replicas and homes alike.
 *
 * <table class="striped">
 * <caption>Options and defaults</caption>
 * <tr><th>option</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code connectTimeout}</td><td>5 s</td><td>how long {@link ReplicatedRegion#open} waits
 *     for the connection and for the home's snapshot to begin (once begun, it may take longer, as long
 *     as its bytes keep coming), and a home for a new connection's OPEN. Positive,
 *     as every connect timeout of jipc (jipc-net's, jipc-remote's, the RPC client's): zero is
 *     refused here, "connect timeout must be positive"</td></tr>
 * <tr><td>{@code heartbeatInterval}</td><td>500 ms</td><td>a side that sent nothing for this long
 *     sends a heartbeat. At least 1 ms, as the liveness intervals of the RPC client, groups and
 *     sockets (until 2026-12-07 1 ns was taken: a replica with it lost its home at every update, a
 *     home dropped every replica as it opened)</td></tr>
 * <tr><td>{@code peerTimeout}</td><td>3 s</td><td>a side that heard nothing for this long declares
 *     the other lost: a replica fails with {@link RegionHomeLostException}; a home drops the replica
 *     and frees the write lock if it held it. The bytes of a frame still under way count as heard.
 *     Also the longest a side waits for the other to start taking a frame, and the longest a started
 *     frame, either way, may go without a byte of it moving (not a bound on the whole frame: a
 *     whole-region frame over a slow link may take longer). At least twice the heartbeat interval</td></tr>
 * <tr><td>{@code maxRegionSize}</td><td>64 MiB</td><td>largest region, in bytes (a replica refuses
 *     to open a larger one; a home refuses to create one); at most 1 GiB</td></tr>
 * <tr><td>{@code maxRegions}</td><td>1024</td><td>how many regions a home keeps at most</td></tr>
 * <tr><td>{@code maxHomeMemory}</td><td>256 MiB</td><td>a home's bound on the bytes it commits: its
 *     regions' bytes (kept for the home's life) and the snapshots queued for replicas that open a
 *     region (each kept until sent, or until its replica is dropped; replicas that open a region at
 *     one version share one). A new region needs room for itself and its first snapshot (twice its
 *     size, plus 9 bytes); beyond the bound a home refuses an OPEN with
 *     {@link RegionRefusedException.Reason#NO_MEMORY}. Keep it below the home's heap</td></tr>
 * <tr><td>{@code keepLocks}</td><td>true</td><td>a home's choice: a replica that ends two write
 *     sections in a row while no other replica waits keeps the write lock, and its next sections
 *     begin without asking the home (one round trip each instead of two) until another replica asks
 *     for the lock (see {@link ReplicatedRegion})</td></tr>
 * </table>
 */
public record DsmOptions(Duration connectTimeout, Duration heartbeatInterval, Duration peerTimeout,
                         int maxRegionSize, int maxRegions, boolean keepLocks, long maxHomeMemory) {
    /** The largest {@link #maxRegionSize}: 1 GiB. */
    public static final int MAX_REGION_SIZE = 1 << 30;

    private static final DsmOptions DEFAULTS = new DsmOptions(Duration.ofSeconds(5), Duration.ofMillis(500),
            Duration.ofSeconds(3), 64 << 20, 1024, true, 256L << 20);

    public DsmOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(peerTimeout, "peerTimeout");
        positive(connectTimeout, "connect timeout");
        positive(heartbeatInterval, "heartbeat interval");
        positive(peerTimeout, "peer timeout");
        if (heartbeatInterval.compareTo(Duration.ofMillis(1)) < 0) { // no toMillis: overflow
            throw new IllegalArgumentException("heartbeat interval of at least 1 ms: " + heartbeatInterval);
        }
        if (peerTimeout.dividedBy(2).compareTo(heartbeatInterval) < 0) { // not heartbeat × 2: it may overflow
            throw new IllegalArgumentException("peer timeout " + peerTimeout
                    + " must be at least twice the heartbeat interval " + heartbeatInterval);
        }
        if (maxRegionSize < 1 || maxRegionSize > MAX_REGION_SIZE) {
            throw new IllegalArgumentException("max region size must be 1 to " + MAX_REGION_SIZE + ": " + maxRegionSize);
        }
        if (maxRegions < 1) {
            throw new IllegalArgumentException("max regions must be positive: " + maxRegions);
        }
        if (maxHomeMemory < 1) {
            throw new IllegalArgumentException("max home memory must be positive: " + maxHomeMemory);
        }
    }

    /** Options with the default {@link #maxHomeMemory} (the components before it came). */
    public DsmOptions(Duration connectTimeout, Duration heartbeatInterval, Duration peerTimeout, int maxRegionSize,
                      int maxRegions, boolean keepLocks) {
        this(connectTimeout, heartbeatInterval, peerTimeout, maxRegionSize, maxRegions, keepLocks,
                256L << 20);
    }

    private static void positive(Duration d, String what) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }

    /** The defaults (see the class comment). */
    public static DsmOptions defaults() {
        return DEFAULTS;
    }

    public DsmOptions withConnectTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return new DsmOptions(timeout, heartbeatInterval, peerTimeout, maxRegionSize, maxRegions, keepLocks,
                maxHomeMemory);
    }

    /**
     * Sends a heartbeat after {@code heartbeat} of silence and declares the peer lost after {@code peerLost}.
     *
     * @throws IllegalArgumentException if {@code heartbeat} is under 1 ms, or {@code peerLost} under twice it
     */
    public DsmOptions withLiveness(Duration heartbeat, Duration peerLost) {
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(peerLost, "peerLost");
        return new DsmOptions(connectTimeout, heartbeat, peerLost, maxRegionSize, maxRegions, keepLocks,
                maxHomeMemory);
    }

    public DsmOptions withMaxRegionSize(int bytes) {
        return new DsmOptions(connectTimeout, heartbeatInterval, peerTimeout, bytes, maxRegions, keepLocks,
                maxHomeMemory);
    }

    public DsmOptions withMaxRegions(int n) {
        return new DsmOptions(connectTimeout, heartbeatInterval, peerTimeout, maxRegionSize, n, keepLocks,
                maxHomeMemory);
    }

    /** Whether a home lets a replica that writes again and again keep the write lock (a home's option). */
    public DsmOptions withKeepLocks(boolean keep) {
        return new DsmOptions(connectTimeout, heartbeatInterval, peerTimeout, maxRegionSize, maxRegions, keep,
                maxHomeMemory);
    }

    /**
     * A home's bound on the bytes it commits to regions and to the snapshots queued for replicas that
     * open them (a home's option; see the class comment).
     */
    public DsmOptions withMaxHomeMemory(long bytes) {
        return new DsmOptions(connectTimeout, heartbeatInterval, peerTimeout, maxRegionSize, maxRegions, keepLocks,
                bytes);
    }

    /** The largest frame either side sends or accepts: a whole region plus the largest header. */
    int maxFrameSize() {
        return maxRegionSize + DsmWire.MAX_OVERHEAD;
    }
}
