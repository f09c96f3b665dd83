package io.jipc.dsm;

import io.jipc.platform.scoped.ScopedView;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A write section of a {@link ReplicatedRegion}: this process holds the region-wide write lock, and
 * {@link #segment()} is its replica, to be changed in place. {@link #close()} sends the changed bytes
 * to the home and waits until the home has applied them; {@link #abort()} puts the bytes back and
 * sends nothing. Either frees the lock, unless the home leaves it with this replica for its next
 * sections (see "Kept locks" in {@link ReplicatedRegion}). Close it in the thread that opened it
 * (another thread's {@link #close()} or {@link #abort()} throws {@link IllegalStateException} and
 * changes nothing, so the opener can still end it).
 *
 * <p>The segment can be used by the opening thread while the section is open: once it has ended,
 * every access through it throws {@link IllegalStateException}, as for a segment of a closed arena
 * (a write then would change only this replica, and nothing would ever send it), and another
 * thread's access throws {@link WrongThreadException}.
 *
 * <p>While the section is open, reads of this process wait, and the writers of every replica queue
 * behind it; its own thread may read, but another write section it opens of the same replica, or
 * of another replica of the same region and home in this process, is refused with {@link
 * IllegalStateException} (it would wait for this one). If this process dies, the home frees the
 * lock and the section is lost.
 */
public final class RegionWrite implements AutoCloseable {
    private final ReplicatedRegion region;
    /** The section's lifetime: the segment handed out is usable while it is open. */
    private final Arena scope = Arena.ofConfined();
    private final MemorySegment segment;
    /** The thread that opened the section and holds its locks: the only one that may end it. */
    private final Thread opener = Thread.currentThread();
    private boolean ended;
    private long version = -1;

    RegionWrite(ReplicatedRegion region, MemorySegment segment) {
        this.region = region;
        this.segment = ScopedView.of(segment, scope);
    }

    /** The replica, writable, by this thread until the section ends. */
    public MemorySegment segment() {
        if (ended) {
            throw new IllegalStateException("the write section has ended");
        }
        return segment;
    }

    /**
     * Puts the replica back as it was when the section began and frees the lock without sending any
     * change. Does nothing once the section has ended.
     *
     * @throws IllegalStateException if called by a thread other than the one that opened the section
     *                               (the section stays open)
     */
    public void abort() {
        if (!ended) {
            checkOpener();
            ended = true;
            scope.close();
            version = region.release(true);
        }
    }

    /**
     * Sends the changed bytes, waits until the home has applied them (at most the peer timeout if the
     * home stops answering), and frees the lock (or keeps it, if the home lets this replica keep it).
     * Sends nothing if nothing changed and the lock is kept. Does nothing once the section has ended.
     *
     * @throws RegionHomeLostException if the home was lost; the changes may or may not have been applied
     * @throws IllegalStateException   if called by a thread other than the one that opened the section
     *                                 (the section stays open)
     */
    @Override
    public void close() {
        if (!ended) {
            checkOpener();
            ended = true;
            scope.close();
            version = region.release(false);
        }
    }

    /**
     * Refuses another thread before anything changes: the section's locks belong to the opener, and
     * another thread could not free them (the replica's writers would wait for ever).
     */
    private void checkOpener() {
        Thread current = Thread.currentThread();
        if (current != opener) {
            throw new IllegalStateException("a write section must be ended by the thread that opened it (section of "
                    + region.name() + " opened by " + describe(opener) + ", ended by " + describe(current) + ")");
        }
    }

    private static String describe(Thread thread) {
        return "thread \"" + thread.getName() + "\" #" + thread.threadId();
    }

    /**
     * The region's version after the section: a new one if it changed anything, else the one it
     * began at; -1 while the section is open.
     */
    public long version() {
        return version;
    }
}
