package io.jipc.dsm;

/**
 * The bytes a home commits, against its {@link DsmOptions#maxHomeMemory()}: the bytes of its regions
 * (for the home's life) and of the snapshots queued for replicas that open a region (until sent, or
 * until the replica is dropped). Reserved before the array is allocated, so a refused OPEN allocates
 * nothing.
 */
final class HomeMemory {
    private final long limit;
    private long used;

    HomeMemory(long limit) {
        this.limit = limit;
    }

    /** Reserves {@code bytes}; false, reserving nothing, if that would go over the limit. */
    synchronized boolean reserve(long bytes) {
        if (bytes > limit - used) {
            return false;
        }
        used += bytes;
        return true;
    }

    synchronized void release(long bytes) {
        used -= bytes;
        assert used >= 0 : used;
    }

    synchronized long used() {
        return used;
    }

    long limit() {
        return limit;
    }
}
