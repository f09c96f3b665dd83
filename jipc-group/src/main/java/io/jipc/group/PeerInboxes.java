package io.jipc.group;

import io.jipc.Timeouts;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.platform.ProcessIdentity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sending side of a member: the other members' inboxes (each member has two, one per
 * {@link Inbox.Lane}), opened on first use and kept while the rank's member stays the same. Before each message it checks (two loads from the group file) that
 * the rank still has the member whose inbox it has open, and opens the new member's inbox if the
 * rank changed hands; a message racing with its receiver's leave can still land in the inbox being
 * removed and is gone with it. A send that finds the inbox full checks every liveness interval that
 * the member still runs and still holds the rank (a send that waits stays bound to that member: a
 * newcomer that took the rank meanwhile does not get the message), and so does any send to a rank
 * (at most once per liveness interval): a message is not put into the inbox of a member known to
 * have died.
 *
 * <p>Thread-safe. A handle is counted in use while a call sends through it (outside the monitor:
 * a send may wait for room); a lookup that finds the rank's member replaced, or gone, drops the
 * cached handle, and it is closed (unmapped) at once if no call uses it, else by the last call
 * that does, so a thread still sending through it is never cut off by another thread's lookup,
 * and a long-lived member does not keep every departed peer's inboxes mapped (until 2026-12-07
 * replaced handles were kept until {@link #close()}: 2 mappings, and the tmpfs pages of two
 * removed inboxes, per member that came and went).
 */
final class PeerInboxes implements AutoCloseable {
    /**
     * Test seam (GroupStallTest), null otherwise: runs on a thread in {@link #deliver} right after a wait for
     * room that found none, before it decides on the clock, to stand for its stall there (a GC pause, a
     * loaded host).
     */
    static volatile Runnable afterFullOffer;

    /** An open inbox of a rank's member; {@code checkedAt}: when the member was last found alive (guarded by the monitor). */
    private static final class Peer {
        final long token;
        final int incarnation;
        final Mailbox messages;
        final Mailbox parts;
        long checkedAt;
        /** Calls sending through this handle now (guarded by the monitor). */
        int users;
        /** No longer cached: closed once {@link #users} is 0 (guarded by the monitor). */
        boolean dropped;

        Peer(long token, int incarnation, Mailbox messages, Mailbox parts, long checkedAt) {
            this.token = token;
            this.incarnation = incarnation;
            this.messages = messages;
            this.parts = parts;
            this.checkedAt = checkedAt;
        }

        Mailbox inbox(Inbox.Lane lane) {
            return lane == Inbox.Lane.PARTS ? parts : messages;
        }
    }

    private final String group;
    private final MemberTable table;
    private final Duration livenessCheck;
    private final Map<Integer, Peer> peers = new HashMap<>();
    /** Dropped handles still in use: closed by their last user, or by {@link #close()}. */
    private final List<Peer> draining = new ArrayList<>();
    private boolean closed;

    PeerInboxes(String group, MemberTable table, Duration livenessCheck) {
        this.group = group;
        this.table = table;
        this.livenessCheck = livenessCheck;
    }

    /**
     * Puts {@code message} into the {@code lane} inbox of {@code rank}'s member, waiting while it is full.
     *
     * @param incarnation the member's incarnation the message is for, or -1 for whoever holds the rank
     *                    when the call begins: the call is then bound to that member, so if it leaves
     *                    while the call waits for room and another process takes the rank, the
     *                    message does not go to the newcomer (which joined after it was sent)
     * @param deadline    {@link System#nanoTime()} based, {@link Inbox#FOREVER} for none
     * @param check       runs every liveness interval while the inbox is full, and may throw to end the wait
     * @return false if the deadline passed first (an offer made once it had passed found no room either)
     * @throws GroupMemberLostException if the rank has no (such) member or it dies or leaves meanwhile
     *                                  (also when another process has taken the rank by then)
     */
    boolean deliver(Inbox.Lane lane, int rank, int incarnation, byte[] message, long deadline, Runnable check)
            throws InterruptedException {
        while (true) {
            Peer peer = acquire(rank, incarnation);
            incarnation = peer.incarnation; // a wait for room is a wait for this member's room only
            Mailbox inbox = peer.inbox(lane);
            long wait = Timeouts.nanos(livenessCheck);
            if (deadline != Inbox.FOREVER) {
                // the clock is read before the offer: past the deadline one more offer is made without waiting,
                // and only then does the call give up, so that a stall of this thread after a wait that found no
                // room (a GC pause, a loaded host) does not time out a message for which room appeared
                // meanwhile (until 2026-12-07 it decided on a clock read after the wait: a collective
                // operation failed with GroupTimeoutException, which breaks collectives)
                wait = Math.min(wait, deadline - System.nanoTime());
            }
            boolean put;
            try {
                put = wait <= 0 ? inbox.offer(message) : inbox.offer(message, Duration.ofNanos(wait));
            } finally {
                release(peer);
            }
            if (put) {
                return true;
            }
            if (!ProcessIdentity.isAlive(peer.token)) {
                throw lost(rank, "the member of rank " + rank + " (pid " + ProcessIdentity.pidOf(peer.token)
                        + ") died");
            }
            Runnable seam = afterFullOffer;
            if (seam != null) {
                seam.run();
            }
            check.run();
            if (deadline != Inbox.FOREVER && wait <= 0) {
                return false;
            }
        }
    }

    /** Puts {@code message} into {@code rank}'s {@code lane} inbox if it has room now. */
    boolean offer(Inbox.Lane lane, int rank, byte[] message) {
        Peer peer = acquire(rank, -1);
        try {
            return peer.inbox(lane).offer(message);
        } finally {
            release(peer);
        }
    }

    /** {@link #peer}, counted in use until {@link #release}. */
    private synchronized Peer acquire(int rank, int incarnation) {
        Peer peer = peer(rank, incarnation);
        peer.users++;
        return peer;
    }

    /** The end of a use of {@code peer}: the last user of a dropped handle closes it. */
    private synchronized void release(Peer peer) {
        if (--peer.users == 0 && peer.dropped && draining.remove(peer)) {
            closeHandle(peer);
        }
    }

    /** Stops caching {@code rank}'s handle {@code peer} (its member was replaced or has gone): closed now if unused. */
    private void drop(int rank, Peer peer) {
        peers.remove(rank);
        peer.dropped = true;
        if (peer.users == 0) {
            closeHandle(peer);
        } else {
            draining.add(peer);
        }
    }

    private static void closeHandle(Peer peer) {
        peer.messages.close();
        peer.parts.close();
    }

    private synchronized Peer peer(int rank, int incarnation) {
        if (closed) {
            throw new io.jipc.ClosedException("process group handle of '" + group + "' is closed");
        }
        MemberTable.Snapshot now = table.member(rank);
        Peer cached = peers.get(rank);
        if (cached != null && (now == null || cached.token != now.token() || cached.incarnation != now.incarnation())) {
            drop(rank, cached); // that member has gone: its inboxes are removed (or about to be)
        }
        if (now == null) {
            throw lost(rank, "rank " + rank + " of group '" + group + "' has no member");
        }
        if (incarnation != -1 && now.incarnation() != incarnation) {
            throw lost(rank, "rank " + rank + " of group '" + group + "' has been taken by another process (pid "
                    + ProcessIdentity.pidOf(now.token()) + ")");
        }
        Peer peer = peers.get(rank);
        if (peer != null) {
            return checkedAlive(rank, peer);
        }
        Mailbox messages = null;
        Mailbox parts;
        try {
            messages = Mailbox.open(GroupDescriptor.inboxName(group, rank, now.incarnation()));
            parts = Mailbox.open(GroupDescriptor.partsInboxName(group, rank, now.incarnation()));
        } catch (MailboxNotFoundException e) {
            if (messages != null) {
                messages.close();
            }
            GroupMemberLostException lost = lost(rank, "rank " + rank + " of group '" + group + "' has left");
            lost.initCause(e);
            throw lost;
        }
        peer = new Peer(now.token(), now.incarnation(), messages, parts, System.nanoTime() - Timeouts.nanos(livenessCheck));
        peers.put(rank, peer);
        return checkedAlive(rank, peer);
    }

    /** {@code peer}, once its process was found alive within the last liveness interval. */
    private Peer checkedAlive(int rank, Peer peer) {
        long now = System.nanoTime();
        if (now - peer.checkedAt >= Timeouts.nanos(livenessCheck)) {
            if (!ProcessIdentity.isAlive(peer.token)) {
                throw lost(rank, "the member of rank " + rank + " (pid " + ProcessIdentity.pidOf(peer.token)
                        + ") died");
            }
            peer.checkedAt = now;
        }
        return peer;
    }

    private static GroupMemberLostException lost(int rank, String message) {
        return new GroupMemberLostException(rank, message);
    }

    @Override
    public synchronized void close() {
        closed = true;
        peers.values().forEach(PeerInboxes::closeHandle);
        draining.forEach(PeerInboxes::closeHandle); // their users end with ClosedException, as with the cached ones
        peers.clear();
        draining.clear();
    }
}
