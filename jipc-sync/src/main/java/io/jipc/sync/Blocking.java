package io.jipc.sync;

import io.jipc.Timeouts;
import io.jipc.WaitStrategy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The waiting loop shared by every object of this package: try, spin or yield as the
 * {@link WaitStrategy} says, then sleep in {@code futex} through the object's {@link WaitWord}.
 */
final class Blocking {
    /** How long {@link WaitStrategy#SPIN_THEN_FUTEX} spins before it sleeps. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    /** How often a waiter checks whether the holders it waits for are still alive. */
    static final long LIVENESS_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** No deadline. */
    static final long FOREVER = Timeouts.NO_DEADLINE;

    /** One try at the operation a thread waits for. */
    @FunctionalInterface
    interface Attempt<T> {
        /**
         * Returns the result, or {@code null} to go on waiting.
         *
         * @param checkHolders whether to check (this time) if the holders waited for are alive
         */
        T attempt(boolean checkHolders);
    }

    private Blocking() {
    }

    /** The deadline ({@link System#nanoTime()} based) {@code timeout} from now: {@link Timeouts#deadline}. */
    static long deadline(Duration timeout) {
        return Timeouts.deadline(timeout);
    }

    /**
     * Tries until {@code attempt} gives a result or the deadline passes (then {@code null}).
     * Holders are checked every {@link #LIVENESS_CHECK_NANOS} when {@code checksHolders}; a
     * sleeper then sleeps at most that long at a time. A sleeper that leaves without a result
     * passes a wake-up it may have consumed on to the next sleeper.
     *
     * <p>Interrupts follow the library's rule (docs/architecture.md, "Interrupts and timeouts"): a
     * result found at once is returned whatever the interrupt status (which stays set); a call that
     * finds none, also with a deadline that has passed already (a zero timeout), throws
     * {@link InterruptedException} if the thread is interrupted, and clears the status.
     *
     * @throws InterruptedException if the thread is interrupted and there is no result at once, or
     *                              it is interrupted while it waits
     */
    static <T> T await(Attempt<T> attempt, WaitWord word, WaitStrategy strategy, long deadlineNanos,
                       boolean checksHolders) throws InterruptedException {
        T result = attempt.attempt(false);
        if (result != null) {
            return result;
        }
        long now = System.nanoTime();
        long nextCheck = checksHolders ? now + LIVENESS_CHECK_NANOS : FOREVER;
        if (strategy != WaitStrategy.FUTEX) {
            long spinEnd = strategy == WaitStrategy.SPIN_THEN_FUTEX ? now + SPIN_NANOS : FOREVER;
            while (true) {
                boolean check = now - nextCheck >= 0 && nextCheck != FOREVER;
                if (check) {
                    nextCheck = now + LIVENESS_CHECK_NANOS;
                }
                result = attempt.attempt(check);
                if (result != null) {
                    return result;
                }
                if (passed(deadlineNanos, now)) {
                    return lastTry(attempt, checksHolders);
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (strategy == WaitStrategy.YIELD) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
                now = System.nanoTime();
                if (spinEnd != FOREVER && now - spinEnd >= 0) {
                    break;
                }
            }
        }
        word.register();
        boolean done = false;
        try {
            while (true) {
                int sequence = word.sequence();
                boolean check = nextCheck != FOREVER && now - nextCheck >= 0;
                if (check) {
                    nextCheck = now + LIVENESS_CHECK_NANOS;
                }
                result = attempt.attempt(check);
                if (result != null) {
                    done = true;
                    return result;
                }
                if (passed(deadlineNanos, now)) {
                    result = lastTry(attempt, checksHolders);
                    done = result != null;
                    return result;
                }
                long sleepUntil = nextCheck == FOREVER ? deadlineNanos
                        : deadlineNanos == FOREVER || nextCheck - deadlineNanos < 0 ? nextCheck : deadlineNanos;
                word.sleep(sequence, sleepUntil);
                now = System.nanoTime();
            }
        } finally {
            word.deregister();
            if (!done) {
                word.wakeIfWaiting(1);
            }
        }
    }

    /**
     * The try at the deadline: with a check of the holders, so that a timeout shorter than
     * {@link #LIVENESS_CHECK_NANOS} still finds a holder that died (as the untimed try does).
     * Without a result, an interrupted thread throws rather than time out (also for a zero timeout,
     * as {@code java.util.concurrent} does).
     */
    private static <T> T lastTry(Attempt<T> attempt, boolean checksHolders) throws InterruptedException {
        T result = checksHolders ? attempt.attempt(true) : null;
        if (result == null && Thread.interrupted()) {
            throw new InterruptedException();
        }
        return result;
    }

    private static boolean passed(long deadlineNanos, long now) {
        return deadlineNanos != FOREVER && now - deadlineNanos >= 0;
    }
}
