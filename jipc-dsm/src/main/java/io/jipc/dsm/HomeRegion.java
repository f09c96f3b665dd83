package io.jipc.dsm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A region's master copy at its home, with its version, its replicas and its write lock (held by at
 * most one replica, the others queued first come first served).
 *
 * <p>A replica that {@linkplain HomeSession#keepsLocks may keep the lock} and ends a section while
 * nobody waits keeps it (KEPT instead of RELEASED) if it also held the lock just before this grant:
 * a replica that writes again and again then asks once, while writers that take turns (where keeping
 * would only add a REVOKE to every hand-over) are not slowed down. When another replica asks, the
 * keeper gets one REVOKE and answers with a RELEASE.
 *
 * <p>Everything happens under this object's monitor, and every frame to a replica is queued under
 * it: so a replica receives the snapshot, the updates and the lock grants in the order the home made
 * them, and a replica granted the lock has been sent every update before the grant. Queueing never
 * waits for the network ({@link HomeSession#send}): a slow or stuck replica holds up nobody else, and
 * is dropped when it falls too far behind or stops reading for the peer timeout.
 *
 * <p>A replica that opens the region gets a {@link Snapshot}: one frame shared by every replica that
 * opens it at the same version, charged to the home's {@link HomeMemory} until every outbox that
 * holds it has sent it or dropped it. When the memory has no room for a new one, the replica is
 * refused ({@link RegionRefusedException.Reason#NO_MEMORY}).
 */
final class HomeRegion {
    /** Write-lock requests one replica may have queued at once. */
    static final int MAX_QUEUED = 16;

    private final String name;
    private final byte[] data;
    private final HomeMemory memory;
    /** The last snapshot made (it may be released already, or of an older version). */
    private Snapshot snapshot;
    /** The first snapshot's bytes were reserved with the region's. */
    private boolean credit;
    private final Set<HomeSession> replicas = new LinkedHashSet<>();
    private final ArrayDeque<HomeSession> waiting = new ArrayDeque<>();
    private HomeSession holder;
    /** The holder keeps the lock between sections (it was answered KEPT). */
    private boolean kept;
    /** A REVOKE was sent to the keeper since it was last answered KEPT. */
    private boolean revoked;
    /** The holder also held the lock just before this holding began. */
    private boolean holderAgain;
    /** Who held the lock last, while it is free. */
    private HomeSession previous;
    /** The home is closing: the lock is granted and kept no more ({@link #close()}). */
    private boolean closing;
    private long version;

    /** A region of {@code size} bytes; {@code memory} holds a reservation for them and for its first snapshot. */
    HomeRegion(String name, int size, HomeMemory memory) {
        this.name = name;
        this.data = new byte[size];
        this.memory = memory;
        this.credit = true;
    }

    /** The bytes a snapshot of a region of {@code size} bytes takes: its OPENED frame. */
    static long snapshotBytes(long size) {
        return DsmWire.SNAPSHOT_AT + size;
    }

    long size() {
        return data.length;
    }

    /**
     * Queues the snapshot for the replica and adds it to the replicas; the snapshot of this version
     * if one is still queued for another replica, else a new one.
     *
     * @throws RegionRefusedException {@link RegionRefusedException.Reason#NO_MEMORY} if the home's
     *                                memory has no room for a new snapshot
     */
    synchronized void join(HomeSession session) {
        Snapshot s = snapshot;
        if (s == null || s.version != version || !s.retain()) {
            long bytes = snapshotBytes(data.length);
            if (credit) {
                credit = false;
            } else if (!memory.reserve(bytes)) {
                throw new RegionRefusedException(RegionRefusedException.Reason.NO_MEMORY, "no room for a snapshot of region "
                        + name + " (" + bytes + " bytes): this home commits " + memory.used() + " of its "
                        + memory.limit() + " bytes (maxHomeMemory) to regions and snapshots not yet sent; try again later");
            }
            s = new Snapshot(version, DsmWire.opened(version, data), memory);
            snapshot = s;
        }
        if (session.send(s)) {
            replicas.add(session);
        }
    }

    /**
     * Queues the replica for the write lock; granted at once if the lock is free. False if the
     * replica already has {@link #MAX_QUEUED} requests queued (a protocol error: a replica that
     * follows the protocol has one).
     */
    synchronized boolean acquire(HomeSession session) {
        if (session.queued >= MAX_QUEUED) {
            return false;
        }
        session.queued++;
        waiting.add(session);
        grantNext();
        revokeIfWanted();
        return true;
    }

    /**
     * Applies the holder's changes, sends them to every other replica, acknowledges, and passes the
     * lock on, or lets the holder keep it (see the class comment). False if {@code session} does not
     * hold the lock (a protocol error).
     */
    synchronized boolean release(HomeSession session, Diff diff, byte[] releaseFrame) {
        if (holder != session) {
            return false;
        }
        boolean keep = session.keepsLocks && holderAgain && waiting.isEmpty() && !closing;
        if (!keep) {
            holder = null;
            previous = session;
            kept = false;
        }
        if (!diff.isEmpty()) {
            diff.applyTo(data);
            version++;
        }
        if (keep) {
            kept = true;
            revoked = false;
        }
        // the writer's answer is queued before the others' updates: whoever sees the update (and, say,
        // closes the home) finds the answer already on its way, and a closing home sends it
        boolean answered = session.send(DsmWire.versioned(keep ? DsmWire.KEPT : DsmWire.RELEASED, version));
        if (!diff.isEmpty()) {
            byte[] update = DsmWire.update(version, releaseFrame);
            List<HomeSession> dropped = null; // rare: no copy of the replica set per release
            for (HomeSession replica : replicas) {
                if (replica != session && !replica.send(update)) {
                    dropped = dropped == null ? new ArrayList<>() : dropped;
                    dropped.add(replica);
                }
            }
            if (dropped != null) {
                dropped.forEach(this::forget);
            }
        }
        if (!answered) {
            forget(session);
        }
        grantNext();
        return true;
    }

    /** Answers a SYNC with the current version, after every update already sent. */
    synchronized void sync(HomeSession session) {
        if (!session.send(DsmWire.versioned(DsmWire.SYNCED, version))) {
            forget(session);
            grantNext();
        }
    }

    /** The replica is gone: its queued requests are forgotten and the lock freed if it held it. */
    synchronized void leave(HomeSession session) {
        forget(session);
        grantNext();
    }

    /**
     * The home is closing: from now on the lock is neither granted nor kept, so a write queued here
     * fails with the home instead of getting a section that could never reach it (the holder's
     * connection may close before the others', which would free the lock for a queued replica).
     * Releases are still applied and answered.
     */
    synchronized void close() {
        closing = true;
    }

    synchronized RegionStatus status() {
        return new RegionStatus(name, data.length, version, replicas.size(), holder != null, holder != null && kept,
                waiting.size());
    }

    /** Removes the replica everywhere; never grants (a release must first send its update to all). */
    private void forget(HomeSession session) {
        replicas.remove(session);
        waiting.removeIf(w -> w == session);
        session.queued = 0;
        if (holder == session) {
            holder = null;
            kept = false;
        }
        if (previous == session) {
            previous = null;
        }
    }

    /** Asks a keeper to give the lock back, once, when another replica waits for it. */
    private void revokeIfWanted() {
        if (holder != null && kept && !revoked && !waiting.isEmpty()) {
            revoked = true;
            if (!holder.send(DsmWire.signal(DsmWire.REVOKE))) {
                forget(holder);
                grantNext();
            }
        }
    }

    private void grantNext() {
        while (!closing && holder == null && !waiting.isEmpty()) {
            HomeSession next = waiting.poll();
            next.queued--;
            if (next.send(DsmWire.versioned(DsmWire.GRANTED, version))) {
                holder = next;
                holderAgain = next == previous;
                kept = false;
                previous = null;
            } else {
                forget(next);
            }
        }
    }

    /**
     * An OPENED frame, shared by the replicas that open the region at one version. Charged to the
     * home's memory from when it is made until every holder (each outbox it was queued in) has let it
     * go; then the frame is forgotten, and the next replica to open gets a new one.
     */
    static final class Snapshot {
        final long version;
        private final HomeMemory memory;
        private final int length;
        private byte[] frame;
        private int holders = 1;

        /** A snapshot with one holder: whoever made it. */
        Snapshot(long version, byte[] frame, HomeMemory memory) {
            this.version = version;
            this.frame = frame;
            this.length = frame.length;
            this.memory = memory;
        }

        /** Takes one more hold; false if every holder let go already (the frame is gone). */
        synchronized boolean retain() {
            if (frame == null) {
                return false;
            }
            holders++;
            return true;
        }

        /** The frame; only for a holder. */
        synchronized byte[] frame() {
            return frame;
        }

        int length() {
            return length;
        }

        /** Lets go of one hold; the last one returns the bytes to the home's memory. */
        synchronized void release() {
            if (--holders == 0) {
                frame = null;
                memory.release(length);
            }
        }
    }
}
