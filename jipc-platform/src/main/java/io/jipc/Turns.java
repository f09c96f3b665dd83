package io.jipc;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Taking a turn (a lock that the threads of one handle take to use one direction or role of it)
 * within the deadline of the call that wants it. The thread holding the turn may be blocked in its
 * own call for as long as that call allows, so a call that must return at once, or by a deadline,
 * or on an interrupt, cannot simply wait for the lock: a timed call gives up at its own deadline and
 * a blocking one ends on an interrupt, as every other wait of it does. Any thread may call it.
 */
public final class Turns {
    private Turns() {
    }

    /**
     * Takes {@code turn} by {@code deadline} (a {@link System#nanoTime()} value; {@link
     * Timeouts#NO_DEADLINE}: none, wait until it is free or the thread is interrupted). A free turn
     * is taken whatever the interrupt status, which stays set (the library's rule: a call that can
     * complete at once completes; {@link ReentrantLock#tryLock(long, TimeUnit)} alone would throw).
     * A deadline now or past takes it only if it is free, and is not interrupted: a call that does
     * not wait is not interrupted here.
     *
     * @return whether the turn was taken (the caller then unlocks it)
     * @throws InterruptedException if interrupted while waiting for a turn another thread holds (not taken)
     */
    public static boolean take(ReentrantLock turn, long deadline) throws InterruptedException {
        if (turn.tryLock()) {
            return true;
        }
        if (deadline == Timeouts.NO_DEADLINE) {
            turn.lockInterruptibly();
            return true;
        }
        long remaining = deadline - System.nanoTime();
        return remaining <= 0 ? turn.tryLock() : turn.tryLock(remaining, TimeUnit.NANOSECONDS);
    }
}
