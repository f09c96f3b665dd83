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

    /** One measured window of an allocation test: runs the code under test once. */
    @FunctionalInterface
    public interface Window {
        void run(int index) throws Exception;
    }

    /**
     * The fewest heap bytes the calling thread allocated in one run of {@code window}, over up to
     * {@code windows} runs, stopping at the first below {@code enough}. Until the JIT has compiled
     * the code, the interpreter's and C1's code may allocate on their own (and a thread that waits
     * for a descheduled peer may take a slower path): a hot path that allocates per operation shows
     * in every window, while those effects do not.
     */
    public static long leastPerWindow(int windows, long enough, Window window) throws Exception {
        long least = Long.MAX_VALUE;
        for (int index = 0; index < windows && least >= enough; index++) {
            long before = bytes();
            window.run(index);
            least = Math.min(least, bytes() - before);
        }
        return least;
    }
}
