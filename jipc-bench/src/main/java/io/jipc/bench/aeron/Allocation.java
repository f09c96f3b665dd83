package io.jipc.bench.aeron;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes a thread allocated, for {@link Interleaved}'s column of bytes per round trip: an
 * allocation on a hot path is a latency cost of its own (the commit store that follows the zeroing
 * of a fresh cache line waits for it), and escape analysis removes some allocations in one process
 * and not in another.
 */
final class Allocation {
    /** The start of the peer's report lines: {@code ALLOCATED <transport index> <bytes>}. */
    static final String PEER_LINE = "ALLOCATED";

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Allocation() {
    }

    /** Bytes the calling thread has allocated so far (-1 if the JVM cannot tell). */
    static long ofThisThread() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
