package io.jipc.dsm;

import io.jipc.JipcException;
import io.jipc.Timeouts;
import io.jipc.net.PeerClosedException;
import io.jipc.net.StreamConnection;
import io.jipc.platform.Sockets;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The home's frames as a {@link ReplicatedRegion}'s receiver takes them, in the order they travel: first
 * those it read ahead, then the connection's next ones.
 *
 * <p><b>Reading ahead.</b> While an update waits for the reads that hold it off, the receiver calls
 * {@link #readAhead()} now and then: it takes the whole frames that have arrived from the connection, without
 * waiting, into a queue in this process, so that the home's sends to the replica keep moving (the home drops
 * a replica that takes no byte of a frame for the peer timeout) however long the reads last. When the reads
 * end, the receiver applies the held update, and {@link #next} gives the queued frames, oldest first, before
 * any other. An end seen while reading ahead (end of stream, a REFUSED's close, the home silent for the peer
 * timeout, a failed or reset connection) overtakes none of them: {@link #next} throws it once they are all
 * taken, so the replica is lost only after applying what it had received.
 *
 * <p><b>Memory.</b> The queue holds at most {@link HomeSession#outboxLimit} bytes (the home's bound for its
 * outbox to this replica: four whole-region updates, at least 16 MiB) plus the last frame taken (at most
 * {@link DsmOptions#maxFrameSize()}). Once it holds that much, reading ahead stops: the frames behind wait in
 * the sockets and the home's outbox, and the home drops the replica once a send stalls for the peer timeout
 * or its outbox overflows, as it drops one that fell too far behind. With the update held off and the frame
 * the connection is decoding, a replica's process may so need up to about six times the region's size of
 * heap (an explorer measured 865 MiB for a 64 MiB region); a heap too small for that fails the replica
 * ({@link RegionHomeLostException} naming the {@code OutOfMemoryError}; until 2026-12-07 the receiver died
 * silently and the replica's calls waited for ever), the frames read ahead dropped.
 *
 * <p><b>Threads.</b> Only the replica's receiver thread calls it (nothing here is guarded). Only
 * {@link #next} blocks, for at most its timeout; {@link #readAhead()} returns at once.
 */
final class ReplicaInbox {
    /**
     * Test seam (ReplicatedRegionTest), null otherwise: runs on the receiver at each {@link #readAhead()},
     * so that a test can make it fail as a heap too small for the frames would.
     */
    static volatile Runnable beforeReadAhead;
    /**
     * Test seam (ReplicaStallTest), null otherwise: runs on the receiver when {@link #next}'s wait found no
     * frame, before it decides whether the home is lost, to stand for the receiver's stall there.
     */
    static volatile Runnable afterEmptyPoll;

    private final StreamConnection connection;
    private final String region;
    private final SocketAddress home;
    private final Duration peerTimeout;
    private final long limit;
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private long heldBytes;
    /** What ended reading ahead (thrown by {@link #next} once the held frames are taken), or null. */
    private RuntimeException end;
    /** When a whole frame of the home's was last taken ({@link System#nanoTime()}). */
    private long lastHeard = System.nanoTime();

    /**
     * @param region     the region's name, for messages
     * @param home       the home's address, for messages
     * @param regionSize the region's size: bounds the read-ahead ({@link HomeSession#outboxLimit})
     */
    ReplicaInbox(StreamConnection connection, String region, SocketAddress home, long regionSize, DsmOptions options) {
        this.connection = connection;
        this.region = region;
        this.home = home;
        this.peerTimeout = options.peerTimeout();
        this.limit = HomeSession.outboxLimit(regionSize);
    }

    /**
     * The home's next frame: the oldest one read ahead, else the connection's, waiting for it at most
     * {@code timeout}.
     *
     * @return the frame, or null if none came within {@code timeout}
     * @throws RegionHomeLostException if the home closed the connection (end of stream) or was silent for the
     *                                 peer timeout (the bytes of a frame still under way count as heard)
     * @throws JipcException           if the connection failed (it is closed); also, once the frames read
     *                                 ahead are all taken, the end that stopped reading ahead
     */
    byte[] next(Duration timeout) throws InterruptedException {
        byte[] frame = held.pollFirst();
        if (frame != null) {
            heldBytes -= frame.length;
            return frame;
        }
        if (end != null) {
            throw end;
        }
        frame = connection.poll(timeout);
        if (frame == null) {
            Runnable seam = afterEmptyPoll;
            if (seam != null) {
                seam.run();
            }
            frame = lastLook();
        }
        if (frame != null) {
            lastHeard = System.nanoTime();
        }
        return frame;
    }

    /**
     * No frame came: the clock is read, then the connection looked at once more without waiting, and only
     * if that finds nothing either may {@link #checkAlive} declare the home lost, at that clock reading. So
     * a stall of this thread after its wait (a GC pause, a loaded host) past the peer timeout does not lose
     * a home whose frame arrived meanwhile and waits unread (until 2026-12-07 it did).
     *
     * @return the frame the look found, or null
     */
    private byte[] lastLook() {
        long now = System.nanoTime();
        byte[] frame = connection.poll();
        if (frame == null) {
            checkAlive(now);
        }
        return frame;
    }

    /**
     * Takes the whole frames that have arrived into the queue, without waiting, until it holds the bound
     * (then it does nothing). An end seen meanwhile (see {@link #next}) stops reading ahead for good; it is
     * thrown by {@link #next} after the frames before it.
     *
     * @return if this call saw the home's end of the connection closed (the end of the stream, or a reset,
     *         which closed the connection), what says so; else null (also after another end: the home silent
     *         for the peer timeout, a failed connection)
     */
    PeerClosedException readAhead() {
        if (end != null) {
            return null;
        }
        Runnable seam = beforeReadAhead;
        if (seam != null) {
            seam.run();
        }
        try {
            while (heldBytes < limit) {
                byte[] frame = lastLook();
                if (frame == null) {
                    return null;
                }
                lastHeard = System.nanoTime();
                held.addLast(frame);
                heldBytes += frame.length;
            }
            return null;
        } catch (JipcException e) {
            end = e;
            if (connection.isEndOfStream()) {
                return new PeerClosedException(Sockets.describe(home) + " closed the connection (end of stream)");
            }
            return e instanceof PeerClosedException reset ? reset : null;
        }
    }

    /** Drops the frames read ahead (the receiver failed: they will never be applied). */
    void discard() {
        held.clear();
        heldBytes = 0;
    }

    /** Whether reading ahead has seen an end (see {@link #next}): nothing more is read from the connection. */
    boolean ended() {
        return end != null;
    }

    /**
     * No frame came at a look after {@code now} ({@link System#nanoTime()}): fails if the stream ended or the
     * home was silent for the peer timeout at {@code now}.
     */
    private void checkAlive(long now) {
        if (connection.isEndOfStream()) {
            throw new RegionHomeLostException("the home of region " + region + " at " + Sockets.describe(home)
                    + " closed the connection: it closed, or it dropped this replica (it drops one it"
                    + " heard nothing from for its peer timeout, as after a stop of this process, or"
                    + " whose outbox overflowed); open the region again to go on");
        }
        if (now - HomeSession.later(lastHeard, connection.lastReceived()) > Timeouts.nanos(peerTimeout)) {
            // the bytes of a frame still under way count as heard (a long UPDATE over a slow link); a stall
            // of it for the peer timeout ends the connection (its frame timeout)
            throw new RegionHomeLostException("nothing heard from the home of region " + region + " at "
                    + Sockets.describe(home) + " for " + Timeouts.text(peerTimeout));
        }
    }
}
