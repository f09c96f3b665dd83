package io.jipc.dsm;

import io.jipc.Timeouts;
import io.jipc.ClosedException;
import io.jipc.JipcException;
import io.jipc.net.StreamConnection;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One replica's connection at the home: reads the replica's frames in the connection's own virtual
 * thread and passes them to its {@link HomeRegion}; frames to the replica go through an outbox that
 * a second virtual thread of the session drains, so that {@link #send} never waits for the network
 * and a slow replica holds up nobody else.
 *
 * <p>Until its OPEN is accepted a connection may send no frame longer than {@link DsmWire#MAX_OPEN}
 * (a longer header ends it at once, before any of the payload is read); the home's
 * {@code maxFrameSize} applies from then on.
 *
 * <p>When the replica goes away — end of stream, a malformed frame, silence for the peer timeout (the
 * bytes of a frame still arriving count as heard), a frame it did not start taking within the peer
 * timeout, or of which it took no byte for the peer timeout once started, a frame of its own of which no
 * byte came for the peer timeout, or an outbox beyond its limit (the replica fell too far behind) — the
 * session is dropped and leaves its region, which frees the write lock if
 * this replica held it and forgets its queued requests.
 */
final class HomeSession {
    /**
     * Test seam (ReplicaStallTest), null otherwise: runs on a session's reader when its wait for the replica's
     * next frame found none, before it decides whether the replica is silent, to stand for its stall there.
     */
    static volatile Runnable afterEmptyPoll;

    private final RegionHome home;
    private final StreamConnection connection;
    private final DsmOptions options;
    /** Frames ({@code byte[]}) and snapshots ({@link HomeRegion.Snapshot}, held until sent or discarded). */
    private final LinkedBlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
    private final AtomicLong outboxBytes = new AtomicLong();
    private long outboxLimit = Long.MAX_VALUE;
    private volatile long lastSent = System.nanoTime();
    private volatile boolean dropped;
    /** Set once REFUSED is queued: nothing is queued after it ({@link #refuse}); guarded by the outbox's monitor. */
    private boolean refused;
    /** The region joined, once the OPEN is accepted and the sender runs; the session thread's. */
    private HomeRegion joined;
    /** Write-lock requests of this replica in its region's queue; guarded by the region's monitor. */
    int queued;
    /** Whether this replica may keep the write lock between sections (it speaks 1.1; the home allows it). */
    boolean keepsLocks;

    HomeSession(RegionHome home, StreamConnection connection, DsmOptions options) {
        this.home = home;
        this.connection = connection;
        this.options = options;
    }

    /**
     * How many bytes may wait in a replica's outbox before the replica counts as fallen behind and is
     * dropped: four whole-region updates, and at least 16 MiB. A replica's receiver reads ahead as much
     * while reads hold an update off ({@link ReplicaInbox}).
     */
    static long outboxLimit(long regionSize) {
        return Math.max(16L << 20, 4 * (regionSize + DsmWire.MAX_OVERHEAD));
    }

    /** Serves the connection until the replica goes away or the home closes. */
    void serve() throws InterruptedException {
        // nothing longer than an OPEN before the OPEN is accepted: connections that never send one pin
        // no more than that each, not a frame of a whole region
        connection.setReceiveLimit(Math.min(DsmWire.MAX_OPEN, options.maxFrameSize()));
        byte[] first;
        try {
            first = connection.poll(options.connectTimeout()); // a replica's first frames may wait for its class loading
        } catch (JipcException e) {
            return; // an absurd length, a half frame, a reset: not a replica
        }
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
        connection.setReceiveLimit(options.maxFrameSize()); // the OPEN is accepted: RELEASE diffs may follow
        outboxLimit = outboxLimit(region.size());
        keepsLocks = options.keepLocks() && open.minor() >= 1;
        Thread sender = Thread.ofVirtual().name("jipc-dsm-home sender " + connection.remote()).start(this::drain);
        joined = region;
        home.sessions.add(this);
        try {
            try {
                region.join(this);
            } catch (RegionRefusedException e) {
                refuse(e.reason(), e.getMessage());
                return;
            }
            loop(region);
        } finally {
            home.sessions.remove(this);
            region.leave(this);
            drop();
            sender.interrupt();
        }
    }

    private void loop(HomeRegion region) throws InterruptedException {
        long heartbeat = Timeouts.nanos(options.heartbeatInterval());
        long lastHeard = System.nanoTime();
        while (!dropped) {
            byte[] frame;
            long now;
            try {
                frame = connection.poll(options.heartbeatInterval());
                if (frame == null) {
                    Runnable seam = afterEmptyPoll;
                    if (seam != null) {
                        seam.run();
                    }
                }
                now = System.nanoTime();
                if (frame == null && now - later(lastHeard, connection.lastReceived()) > Timeouts.nanos(options.peerTimeout())) {
                    // silent by the clock: one look more, without waiting, before the replica is dropped below,
                    // so that a stall of this thread after its wait (a GC pause, a loaded host) past the peer
                    // timeout does not drop a replica whose frame came meanwhile and waits unread (until
                    // 2026-12-07 it did)
                    frame = connection.poll();
                }
            } catch (ClosedException e) {
                return;
            } catch (JipcException e) {
                return; // peer reset, frame timeout, oversized frame: the replica is gone either way
            }
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
            } else if (now - later(lastHeard, connection.lastReceived()) > Timeouts.nanos(options.peerTimeout())) {
                // silent replica: dropped; the finally of serve frees what it held. Bytes of a frame still
                // under way count as heard (a long RELEASE over a slow link), and a stall of that frame
                // for the peer timeout ends the connection (the connection's frame timeout)
                return;
            }
            boolean idle = outbox.isEmpty() && System.nanoTime() - lastSent >= heartbeat;
            if (idle && !send(DsmWire.signal(DsmWire.HEARTBEAT))) {
                return;
            }
        }
    }

    /** The later of two {@link System#nanoTime()} values. */
    static long later(long a, long b) {
        return a - b > 0 ? a : b;
    }

    /**
     * Queues {@code frame} for the replica and returns at once; false if the replica was dropped,
     * which this call does if the outbox goes over its limit. Frames leave in the order queued:
     * callers that need an order among frames (every caller in {@link HomeRegion}) queue under the
     * region's monitor.
     */
    boolean send(byte[] frame) {
        return queue(frame, frame.length);
    }

    /**
     * Queues a snapshot, taking over the caller's hold on it: the hold is let go when the snapshot is
     * sent or discarded, or at once if this returns false (as {@link #send(byte[])}).
     */
    boolean send(HomeRegion.Snapshot snapshot) {
        if (queue(snapshot, snapshot.length())) {
            return true;
        }
        snapshot.release();
        return false;
    }

    private boolean queue(Object item, long length) {
        synchronized (outbox) { // against discard: nothing is queued after the sender discarded the outbox
            if (dropped || refused) {
                return false;
            }
            if (outboxBytes.addAndGet(length) <= outboxLimit) {
                outbox.add(item);
                return true;
            }
        }
        drop(); // fallen behind by more than the limit: a replica that cannot keep up is dropped
        return false;
    }

    /** The sender thread: sends what the outbox holds, each frame within the peer timeout, until dropped. */
    private void drain() {
        try {
            while (!dropped) {
                Object item = outbox.poll(Timeouts.nanos(options.heartbeatInterval()), TimeUnit.NANOSECONDS);
                if (item == null) {
                    continue;
                }
                int length = item instanceof HomeRegion.Snapshot s ? s.length() : ((byte[]) item).length;
                boolean sent = offer(item);
                if (outboxBytes.addAndGet(-length) == 0) { // counted until sent: see flush
                    synchronized (this) {
                        notifyAll();
                    }
                }
                if (!sent) {
                    break; // the replica stopped reading
                }
                lastSent = System.nanoTime();
            }
        } catch (InterruptedException e) {
            // the session ended
        } catch (JipcException e) {
            // the replica is gone
        } finally {
            drop();
            discard();
        }
    }

    /**
     * Sends one frame of the outbox; a snapshot's hold is let go here, when nothing of this thread
     * refers to its frame any more (its bytes no longer count against the home's memory).
     */
    private boolean offer(Object item) throws InterruptedException {
        if (item instanceof HomeRegion.Snapshot s) {
            try {
                return connection.offer(s.frame(), options.peerTimeout());
            } finally {
                s.release();
            }
        }
        return connection.offer((byte[]) item, options.peerTimeout());
    }

    /** Empties the outbox of a dropped session, letting go of the snapshots it held. */
    private void discard() {
        synchronized (outbox) {
            for (Object item; (item = outbox.poll()) != null; ) {
                if (item instanceof HomeRegion.Snapshot s) {
                    s.release();
                }
            }
        }
    }

    /**
     * Waits until every frame queued for the replica has been sent, the replica is dropped, or
     * {@code deadline} ({@link System#nanoTime()}) passes: a closing home lets acknowledgements and
     * updates it already made reach the replicas.
     */
    void flush(long deadline) throws InterruptedException {
        synchronized (this) {
            while (outboxBytes.get() > 0 && !dropped) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** Closes the connection; the session's thread then leaves the region. */
    void drop() {
        dropped = true;
        connection.close();
        synchronized (this) {
            notifyAll(); // a flush waits no more
        }
    }

    /**
     * Refuses the replica, then drops it; called by the session's own thread. Before the OPEN is
     * accepted (no sender, nothing queued) REFUSED is sent straight away. After, the replica first
     * leaves its region (the lock it held is passed on at once, and nothing more is queued for it), then
     * REFUSED goes at the end of the outbox, after the frames already queued (the answer to a RELEASE
     * applied just before, say), and nothing after it; the sender sends them in order, and the
     * connection closes once REFUSED has gone, or after the peer timeout if the replica does not take
     * them (as a replica that stops reading is dropped). Until 2026-12-07 REFUSED was written at once
     * and the queued frames thrown away or sent after it.
     */
    private void refuse(RegionRefusedException.Reason reason, String message) {
        byte[] frame = DsmWire.refused(reason, message);
        try {
            if (joined == null) {
                connection.offer(frame, options.peerTimeout());
            } else {
                joined.leave(this);
                synchronized (outbox) {
                    if (!dropped && !refused) {
                        refused = true;
                        outboxBytes.addAndGet(frame.length); // beyond the limit: the last frame
                        outbox.add(frame);
                    }
                }
                flush(Timeouts.deadline(options.peerTimeout()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (JipcException e) {
            // the replica is gone already
        }
        drop();
    }

    @Override
    public String toString() {
        return "replica at " + connection.remote();
    }
}
