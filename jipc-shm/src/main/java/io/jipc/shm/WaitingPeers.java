package io.jipc.shm;

import io.jipc.platform.FdPassing;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The connections a {@link RegionHandOff} accepted while it was delivering to another process:
 * each peer (identified by pid and start time when it was accepted) waits here, connected, until
 * a later {@code deliverTo} names it or the hand-off closes. Several children can so connect in
 * any order while the parent serves them one after another.
 *
 * <p>At most {@link #LIMIT} connections wait: a process of the user that connects more often
 * than that (only this user's processes can connect at all) holds at most that many descriptors
 * of the parent; connections beyond it are closed at once, as from a stranger. Connections whose
 * peer gave up (closed its end) or died are dropped when the set is full (one {@code poll} each)
 * and when a {@code deliverTo} looks for them.
 *
 * <p>Who may call: the hand-off's one thread at a time; nothing here blocks.
 */
final class WaitingPeers {
    /** Most connections kept waiting; a process connecting more often is refused (its connections closed). */
    static final int LIMIT = 64;

    private record Peer(int connection, ProcessIdentity identity) {
    }

    private final List<Peer> peers = new ArrayList<>();
    private final String subject;

    WaitingPeers(String subject) {
        this.subject = subject;
    }

    /**
     * Keeps {@code connection}, from {@code identity}, for a later {@link #take}; closes it instead
     * when {@link #LIMIT} live connections are waiting already.
     */
    void keep(int connection, ProcessIdentity identity) {
        if (peers.size() >= LIMIT) {
            peers.removeIf(this::dropIfClosed);
        }
        if (peers.size() >= LIMIT) {
            Libc.close(connection);
            return;
        }
        peers.add(new Peer(connection, identity));
    }

    /**
     * Removes and returns the earliest waiting connection whose peer {@code wanted} accepts (by
     * pid) and which is still open by that very process (same start time, not closed by it); -1 if
     * none. Connections of the wanted peers that are gone are closed on the way. The caller owns
     * (and closes) the connection returned.
     */
    int take(LongPredicate wanted) {
        for (Iterator<Peer> it = peers.iterator(); it.hasNext(); ) {
            Peer peer = it.next();
            if (!wanted.test(peer.identity().pid())) {
                continue;
            }
            it.remove();
            if (!dropIfGone(peer)) {
                return peer.connection();
            }
        }
        return -1;
    }

    /** Whether no connection waits. */
    boolean isEmpty() {
        return peers.isEmpty();
    }

    /** Closes every waiting connection: their peers learn the hand-off is over. */
    void closeAll() {
        for (Peer peer : peers) {
            Libc.close(peer.connection());
        }
        peers.clear();
    }

    /**
     * Closes {@code peer}'s connection and says true if its peer closed it (gave up, or died: the
     * kernel closes a dead process's descriptors); one {@code poll}, no {@code /proc} read.
     */
    private boolean dropIfClosed(Peer peer) {
        boolean closed = FdPassing.hasInput(peer.connection(), subject);
        if (closed) {
            Libc.close(peer.connection());
        }
        return closed;
    }

    /**
     * As {@link #dropIfClosed}, and also true (closing the connection) when the process that
     * connected is gone, though its connection may live on in a process it forked.
     */
    private boolean dropIfGone(Peer peer) {
        if (!peer.identity().isAlive()) {
            Libc.close(peer.connection());
            return true;
        }
        return dropIfClosed(peer);
    }
}
