package io.jipc.dsm;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.Lock;

/**
 * A read of a {@link ReplicatedRegion}'s replica at one version: while it is open no update changes
 * the bytes. Close it, in the thread that opened it, as soon as the bytes are read; the segment must
 * not be used after that.
 */
public final class RegionRead implements AutoCloseable {
    private final MemorySegment segment;
    private final long version;
    private final Lock lock;
    private boolean closed;

    RegionRead(MemorySegment segment, long version, Lock lock) {
        this.segment = segment;
        this.version = version;
        this.lock = lock;
    }

    /** The replica's bytes, read-only. */
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

    /** Lets updates in again. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            lock.unlock();
        }
    }
}
