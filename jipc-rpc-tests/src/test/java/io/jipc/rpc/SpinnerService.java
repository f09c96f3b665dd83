package io.jipc.rpc;

import java.util.concurrent.atomic.AtomicInteger;

/** {@link Spinner}'s implementation, in the serving process. */
public final class SpinnerService implements Spinner {
    private final AtomicInteger spinning = new AtomicInteger();
    private final AtomicInteger napping = new AtomicInteger();
    private volatile boolean released;
    /** What the spins computed, so that the computation is not optimized away. */
    private volatile long sink;

    @Override
    public int spin(long maxMillis) {
        spinning.incrementAndGet();
        try {
            long end = System.nanoTime() + maxMillis * 1_000_000;
            long x = 1;
            while (!released && System.nanoTime() - end < 0) {
                for (int i = 0; i < 10_000; i++) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                }
            }
            sink = x;
            return released ? 1 : 0;
        } finally {
            spinning.decrementAndGet();
        }
    }

    @Override
    public int spinning() {
        return spinning.get();
    }

    @Override
    public void release() {
        released = true;
    }

    @Override
    public long nap(long millis) {
        napping.incrementAndGet();
        try {
            Thread.sleep(millis);
            return millis;
        } catch (InterruptedException e) {
            return -1;
        } finally {
            napping.decrementAndGet();
        }
    }

    /** Calls of {@link #nap} running now (seen by the process that serves this). */
    int nappingCalls() {
        return napping.get();
    }
}
