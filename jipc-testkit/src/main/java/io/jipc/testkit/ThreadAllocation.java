package io.jipc.testkit;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes allocated by the calling thread, for tests that a hot path allocates nothing (which
 * escape analysis cannot always ensure, e.g. when an object is passed to a call that is not inlined).
 */
public final class ThreadAllocation {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private ThreadAllocation() {
    }

    /**
     * Bytes the calling thread has allocated so far (a running total: subtract two readings).
     *
     * @throws UnsupportedOperationException if this JVM does not measure allocation per thread
     */
    public static long bytes() {
        long bytes = THREADS.getCurrentThreadAllocatedBytes();
        if (bytes < 0) {
            throw new UnsupportedOperationException("this JVM does not measure allocation per thread");
        }
        return bytes;
    }
}
