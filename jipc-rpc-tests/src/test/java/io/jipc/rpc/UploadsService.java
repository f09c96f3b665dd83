package io.jipc.rpc;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link Uploads}' implementation, in the serving process. */
public final class UploadsService implements Uploads {
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger holding = new AtomicInteger();

    @Override
    public int hold() {
        holding.incrementAndGet();
        try {
            released.await();
            return 1;
        } catch (InterruptedException e) {
            return -1;
        } finally {
            holding.decrementAndGet();
        }
    }

    @Override
    public int holdThroughInterrupts() {
        holding.incrementAndGet();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    released.await();
                    return 1;
                } catch (InterruptedException e) {
                    interrupted = true; // held: the slot stays taken until the release
                }
            }
        } finally {
            holding.decrementAndGet();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public int length(byte[] data) {
        return data.length;
    }

    /** Calls of {@link #hold} running now. */
    int holdingCalls() {
        return holding.get();
    }

    /** Ends every {@link #hold}, running or later. */
    void release() {
        released.countDown();
    }
}
