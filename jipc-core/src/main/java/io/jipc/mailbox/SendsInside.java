package io.jipc.mailbox;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The wait of a handle's {@code close()} for the sends of its other threads that are inside the
 * mapping (between their room claim and their commit): a send never waits in there, so the wait is
 * short; it spins, yields, then parks in 10 µs steps, and gives up after 10 s (a thread stopped in
 * a debugger, say), after which the close unmaps anyway. A closing thread whose interrupt status
 * is set waits the same way, parked, and keeps its interrupt status: the wait clears it and sets
 * it again when it ends (a park returns at once for an interrupted thread, so until 2026-12-07
 * such a close spun on a CPU for as long as a send stayed inside, up to the 10 s).
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

    /**
     * Waits until {@code done} returns true, at most 10 s; returns its last answer. The caller's
     * interrupt status is kept (cleared for the parks, set again at the end).
     */
    static boolean awaitUntil(BooleanSupplier done) {
        long start = System.nanoTime();
        boolean finished;
        boolean interrupted = false;
        try {
            for (int i = 0; !(finished = done.getAsBoolean()) && System.nanoTime() - start < CLOSE_WAIT_NANOS; i++) {
                if (i < 100) {
                    Thread.onSpinWait();
                } else if (i < 200) {
                    Thread.yield();
                } else {
                    interrupted |= Thread.interrupted(); // else the park returns at once: a spin
                    LockSupport.parkNanos(PARK_NANOS);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return finished;
    }
}
