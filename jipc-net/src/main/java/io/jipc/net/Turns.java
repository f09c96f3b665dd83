package io.jipc.net;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Taking the turn (the lock) of one direction of a socket within the deadline of the call that
 * wants it: the thread holding the turn may be blocked for as long as its own call allows, so a call
 * that must return at once, or by a deadline, cannot simply wait for the lock.
 */
final class Turns {
    private Turns() {
    }

    /**
     * Takes {@code turn} by {@code deadline} (a {@link System#nanoTime()} value; {@link Long#MAX_VALUE}:
     * none). A deadline now or past takes it only if it is free, and is not interrupted: a call that
     * does not wait is not interrupted.
     *
     * @return whether the turn was taken (the caller then unlocks it)
     * @throws InterruptedException if interrupted while waiting for the turn
     */
    static boolean take(ReentrantLock turn, long deadline) throws InterruptedException {
        if (deadline == Long.MAX_VALUE) {
            turn.lockInterruptibly();
            return true;
        }
        long remaining = deadline - System.nanoTime();
        return remaining <= 0 ? turn.tryLock() : turn.tryLock(remaining, TimeUnit.NANOSECONDS);
    }
}
