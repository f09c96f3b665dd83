package io.jipc.mailbox;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The wait of a handle's {@code close()} for the sends of its other threads that are inside the
 * mapping (between their room claim and their commit): a send never waits in there, so the wait is
 * short; it spins, yields, then parks in 10 µs steps, and gives up after 10 s (a thread stopped in
 * a debugger, say), after which the close unmaps anyway.
 */
final class SendsInside {
    /** The longest wait of a close for calls of other threads inside the mapping. */
    static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(10);

    private SendsInside() {
    }

    /** Waits until {@code inside} reads 0, at most 10 s. */
    static void awaitNone(IntSupplier inside) {
        awaitUntil(() -> inside.getAsInt() == 0);
    }

    /** Waits until {@code done} returns true, at most 10 s; returns its last answer. */
    static boolean awaitUntil(BooleanSupplier done) {
        long start = System.nanoTime();
        boolean finished;
        for (int i = 0; !(finished = done.getAsBoolean()) && System.nanoTime() - start < CLOSE_WAIT_NANOS; i++) {
            if (i < 100) {
                Thread.onSpinWait();
            } else if (i < 200) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
        }
        return finished;
    }
}
