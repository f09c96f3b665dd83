package io.jipc.dsm;

import java.lang.foreign.MemorySegment;

/**
 * A write section of a {@link ReplicatedRegion}: this process holds the region-wide write lock, and
 * {@link #segment()} is its replica, to be changed in place. {@link #close()} sends the changed bytes
 * to the home and waits until the home has applied them; {@link #abort()} puts the bytes back and
 * sends nothing. Either frees the lock, unless the home leaves it with this replica for its next
 * sections (see "Kept locks" in {@link ReplicatedRegion}). Close it in the thread that opened it; the
 * segment must not be used after that.
 *
 * <p>While the section is open, reads of this process wait, and the writers of every replica queue
 * behind it. If this process dies, the home frees the lock and the section is lost.
 */
public final class RegionWrite implements AutoCloseable {
    private final ReplicatedRegion region;
    private final MemorySegment segment;
    private boolean ended;
    private long version = -1;

    RegionWrite(ReplicatedRegion region, MemorySegment segment) {
        this.region = region;
        this.segment = segment;
    }

    /** The replica, writable. */
    public MemorySegment segment() {
        if (ended) {
            throw new IllegalStateException("the write section has ended");
        }
        return segment;
    }

    /**
     * Puts the replica back as it was when the section began and frees the lock without sending any
     * change. Does nothing once the section has ended.
     */
    public void abort() {
        if (!ended) {
            ended = true;
            version = region.release(true);
        }
    }

    /**
     * Sends the changed bytes, waits until the home has applied them (at most the peer timeout if the
     * home stops answering), and frees the lock (or keeps it, if the home lets this replica keep it).
     * Sends nothing if nothing changed and the lock is kept. Does nothing once the section has ended.
     *
     * @throws RegionHomeLostException if the home was lost; the changes may or may not have been applied
     */
    @Override
    public void close() {
        if (!ended) {
            ended = true;
            version = region.release(false);
        }
    }

    /**
     * The region's version after the section: a new one if it changed anything, else the one it
     * began at; -1 while the section is open.
     */
    public long version() {
        return version;
    }
}
