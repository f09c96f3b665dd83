package io.jipc.dsm;

import io.jipc.ClosedException;
import io.jipc.JipcException;
import io.jipc.net.StreamConnection;

import java.time.Duration;

/**
 * One replica's connection at the home: reads the replica's frames in the connection's own virtual
 * thread and passes them to its {@link HomeRegion}; other threads send to it through {@link #send}.
 * When the replica goes away — end of stream, a malformed frame, silence for the peer timeout, or a
 * send that could not start within it — the session leaves its region, which frees the write lock
 * if this replica held it and forgets its queued requests.
 */
final class HomeSession {
    private final RegionHome home;
    private final StreamConnection connection;
    private final DsmOptions options;
    private volatile long lastSent = System.nanoTime();
    private volatile boolean dropped;
    /** Write-lock requests of this replica in its region's queue; guarded by the region's monitor. */
    int queued;

    HomeSession(RegionHome home, StreamConnection connection, DsmOptions options) {
        this.home = home;
        this.connection = connection;
        this.options = options;
    }

    /** Serves the connection until the replica goes away or the home closes. */
    void serve() throws InterruptedException {
        byte[] first = connection.poll(options.peerTimeout());
        if (first == null) {
            return;
        }
        DsmWire.Open open;
        try {
            if (!(DsmWire.decode(first, -1) instanceof DsmWire.Open o)) {
                refuse(RegionRefusedException.Reason.PROTOCOL, "the first frame must be OPEN");
                return;
            }
            open = o;
        } catch (DsmProtocolException e) {
            refuse(RegionRefusedException.Reason.PROTOCOL, e.getMessage());
            return;
        }
        if (open.major() != DsmWire.MAJOR) {
            refuse(RegionRefusedException.Reason.VERSION, "this home speaks version " + DsmWire.MAJOR + "."
                    + DsmWire.MINOR + ", not " + open.major() + "." + open.minor());
            return;
        }
        HomeRegion region;
        try {
            region = home.region(open.name(), open.size());
        } catch (RegionRefusedException e) {
            refuse(e.reason(), e.getMessage());
            return;
        }
        if (!region.join(this)) {
            return;
        }
        try {
            loop(region);
        } finally {
            region.leave(this);
        }
    }

    private void loop(HomeRegion region) throws InterruptedException {
        long heartbeat = options.heartbeatInterval().toNanos();
        long lastHeard = System.nanoTime();
        while (!dropped) {
            byte[] frame;
            try {
                frame = connection.poll(options.heartbeatInterval());
            } catch (ClosedException e) {
                return;
            } catch (JipcException e) {
                return; // peer reset, frame timeout, oversized frame: the replica is gone either way
            }
            long now = System.nanoTime();
            if (frame != null) {
                lastHeard = now;
                DsmWire.Frame decoded;
                try {
                    decoded = DsmWire.decode(frame, region.size());
                } catch (DsmProtocolException e) {
                    refuse(RegionRefusedException.Reason.PROTOCOL, e.getMessage());
                    return;
                }
                switch (decoded) {
                    case DsmWire.Signal s when s.type() == DsmWire.ACQUIRE -> {
                        if (!region.acquire(this)) {
                            refuse(RegionRefusedException.Reason.PROTOCOL, "more than " + HomeRegion.MAX_QUEUED
                                    + " write-lock requests queued");
                            return;
                        }
                    }
                    case DsmWire.Signal s when s.type() == DsmWire.SYNC -> region.sync(this);
                    case DsmWire.Signal s when s.type() == DsmWire.HEARTBEAT -> { }
                    case DsmWire.Release r -> {
                        if (!region.release(this, r.diff(), frame)) {
                            refuse(RegionRefusedException.Reason.PROTOCOL, "RELEASE without holding the write lock");
                            return;
                        }
                    }
                    default -> {
                        refuse(RegionRefusedException.Reason.PROTOCOL, "a replica does not send frame type " + frame[0]);
                        return;
                    }
                }
            } else if (connection.isEndOfStream()) {
                return;
            } else if (now - lastHeard > options.peerTimeout().toNanos()) {
                return; // silent replica: dropped; the finally of serve frees what it held
            }
            if (System.nanoTime() - lastSent >= heartbeat && !send(DsmWire.signal(DsmWire.HEARTBEAT))) {
                return;
            }
        }
    }

    /**
     * Sends {@code frame}, waiting at most the peer timeout for the replica to make room; on failure
     * drops the replica (closes its connection) and returns false. Callers that must keep frames in
     * order hold the region's monitor.
     */
    boolean send(byte[] frame) {
        if (dropped) {
            return false;
        }
        try {
            if (connection.offer(frame, options.peerTimeout())) {
                lastSent = System.nanoTime();
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (JipcException e) {
            // the replica is gone
        }
        drop();
        return false;
    }

    /** Closes the connection; the session's thread then leaves the region. */
    void drop() {
        dropped = true;
        connection.close();
    }

    private void refuse(RegionRefusedException.Reason reason, String message) {
        send(DsmWire.refused(reason, message));
        drop();
    }

    @Override
    public String toString() {
        return "replica at " + connection.remote();
    }
}
