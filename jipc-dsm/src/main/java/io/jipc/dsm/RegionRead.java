package io.jipc.dsm;

import io.jipc.platform.scoped.ScopedView;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.Lock;

/**
 * A read of a {@link ReplicatedRegion}'s replica at one version: while it is open no update changes
 * the bytes. Close it, in the thread that opened it, as soon as the bytes are read (another thread's
 * {@link #close()} throws {@link IllegalStateException} and changes nothing: the read's lock is the
 * opener's).
 *
 * <p>While it is open its thread may not write, sync or await a version of this replica, nor write
 * another replica of the same region and home in this process ({@link IllegalStateException}: a
 * write section of this replica that another thread opens meanwhile may hold the region's lock
 * while this read holds off its start, and the write would queue behind it for ever).
 *
 * <p>The segment can be used by the opening thread while the read is open: once it is closed, every
 * access through it throws {@link IllegalStateException}, as for a segment of a closed arena (it
 * would see updates being applied), and another thread's access throws {@link WrongThreadException}.
 */
public final class RegionRead implements AutoCloseable {
    /** The read's lifetime: the segment handed out is usable while it is open. */
    private final Arena scope = Arena.ofConfined();
    private final MemorySegment segment;
    private final long version;
    private final Lock lock;
    /** The thread that opened the read and holds its lock: the only one that may close it. */
    private final Thread opener = Thread.currentThread();
    private boolean closed;

    RegionRead(MemorySegment segment, long version, Lock lock) {
        this.segment = ScopedView.of(segment, scope);
        this.version = version;
        this.lock = lock;
    }

    /** The replica's bytes, read-only, for this thread until the read is closed. */
    public MemorySegment segment() {
        if (closed) {
            throw new IllegalStateException("the read is closed");
        }
        return segment;
    }

    /** The version the bytes are at. */
    public long version() {
        return version;
    }

    /**
     * Lets updates in again. Idempotent.
     *
     * @throws IllegalStateException if called by a thread other than the one that opened the read
     *                               (the read stays open): the lock is the opener's, and another
     *                               thread's unlock would fail or free a read of its own
     */
    @Override
    public void close() {
        if (!closed) {
            Thread current = Thread.currentThread();
            if (current != opener) {
                throw new IllegalStateException("a read must be closed by the thread that opened it (opened by thread \""
                        + opener.getName() + "\" #" + opener.threadId() + ", closed by thread \"" + current.getName()
                        + "\" #" + current.threadId() + ")");
            }
            closed = true;
            scope.close();
            lock.unlock();
        }
    }
}
