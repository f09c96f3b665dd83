package io.jipc.shm;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a close from unmapping memory while threads of this process are inside it: the count of
 * threads inside (the low 31 bits; nested entries count each time) and {@link #UNMAP_PENDING} once
 * {@link #close()} has run. The memory is unmapped by whoever brings the count to zero after that:
 * the close itself if nobody is inside, else the last one out. Entering and leaving cost one
 * compare-and-set and one decrement of a shared counter; nobody ever waits.
 *
 * <p>The JDK's own handshake when a shared arena closes is not enough for bulk copies: on JDK 25 a
 * close can unmap a mapped segment while {@code MemorySegment.copy} into or out of it still runs on
 * another thread, and the copy faults (SIGSEGV, the whole JVM). Used by {@link CircularBuffer}
 * (between claiming a position and publishing it) and {@link Region} (its copies).
 */
final class UnmapGuard {
    private static final int UNMAP_PENDING = Integer.MIN_VALUE;

    private final AtomicInteger inside = new AtomicInteger();
    private final Runnable unmap;

    UnmapGuard(Runnable unmap) {
        this.unmap = unmap;
    }

    /** Counts the calling thread in; false (and not counted) once {@link #close()} has run. */
    boolean enter() {
        int n;
        do {
            n = inside.get();
            if (n < 0) {
                return false;
            }
        } while (!inside.compareAndSet(n, n + 1));
        return true;
    }

    /** Counts the calling thread out; the last one out after {@link #close()} unmaps. */
    void exit() {
        if (inside.decrementAndGet() == UNMAP_PENDING) {
            unmap.run();
        }
    }

    /** Unmaps now if nobody is inside, else leaves it to the last one out. Call once. */
    void close() {
        if (inside.getAndAdd(UNMAP_PENDING) == 0) {
            unmap.run();
        }
    }
}
