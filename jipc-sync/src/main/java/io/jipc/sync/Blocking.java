package io.jipc.sync;

import io.jipc.Timeouts;
import io.jipc.WaitStrategy;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.concurrent.TimeUnit;

/**
 * The waiting loop shared by every object of this package: try, spin or yield as the
 * {@link WaitStrategy} says, then sleep in {@code futex} through the object's {@link WaitWord}.
 */
final class Blocking {
    /** How long {@link WaitStrategy#SPIN_THEN_FUTEX} spins before it sleeps. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    /**
     * How often a waiter checks whether the holders it waits for are still alive, and the longest it
     * sleeps at once in any case ({@link #sleepUntil}).
     */
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
     * Holders are checked every {@link #LIVENESS_CHECK_NANOS} when {@code checksHolders}. A platform
     * thread sleeps at most that long at a time whether or not it checks holders ({@link #sleepUntil});
     * of the handle's sleeping virtual threads only its {@link Lookout} does (and checks the holders),
     * and after each of its sleeps it asks {@code othersMayProceed} (whether a sleeper other than
     * itself could go on now: see {@link SyncHandle#sleepersMayProceed()}) and, if so, wakes them
     * all; the others sleep until a wake, their deadline or the lookout's nudge. A sleeper that
     * leaves without a result passes a wake-up it may have consumed on to the next sleeper.
     *
     * <p>Interrupts follow the library's rule (docs/architecture.md, "Interrupts and timeouts"): a
     * result found at once is returned whatever the interrupt status (which stays set); a call that
     * finds none, also with a deadline that has passed already (a zero timeout), throws
     * {@link InterruptedException} if the thread is interrupted, and clears the status. Before it
     * throws for an interrupt found before a sleep (also one set on entry) it makes the deadline's
     * last try, with the holders checked: a lock or permits of a dead holder can be taken at once,
     * so they are ({@code OWNER_DIED}, the status left set), whatever the timeout; an interrupt
     * that ends a sleep throws at once.
     *
     * @throws InterruptedException if the thread is interrupted and there is no result at once, or
     *                              it is interrupted while it waits
     */
    static <T> T await(Attempt<T> attempt, WaitWord word, WaitStrategy strategy, long deadlineNanos,
                       boolean checksHolders, BooleanSupplier othersMayProceed) throws InterruptedException {
        return await(attempt, word, strategy, deadlineNanos, checksHolders, true, othersMayProceed);
    }

    /**
     * As {@link #await(Attempt, WaitWord, WaitStrategy, long, boolean, BooleanSupplier)}, but an
     * interrupted call checks the holders before it throws only if {@code interruptChecksHolders}: a
     * barrier's arrival, whose check of dead parties breaks the round for all, withdraws instead.
     */
    static <T> T await(Attempt<T> attempt, WaitWord word, WaitStrategy strategy, long deadlineNanos,
                       boolean checksHolders, boolean interruptChecksHolders, BooleanSupplier othersMayProceed)
            throws InterruptedException {
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
                if (Thread.currentThread().isInterrupted()) {
                    return lastTry(attempt, checksHolders && interruptChecksHolders); // throws without a result
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
        Lookout lookout = word.lookout();
        boolean virtual = Thread.currentThread().isVirtual();
        boolean done = false;
        boolean looked = false; // a lookout's bounded sleep just ended
        try {
            while (true) {
                int sequence = word.sequence();
                boolean looks = !virtual || lookout.isHeldByCurrentThread(); // looks again on its own
                boolean check = looks && nextCheck != FOREVER && now - nextCheck >= 0;
                if (check) {
                    nextCheck = now + LIVENESS_CHECK_NANOS;
                }
                result = attempt.attempt(check);
                if (result != null) {
                    done = true;
                    return result;
                }
                if (passed(deadlineNanos, now) || Thread.currentThread().isInterrupted()) {
                    // interrupted (and not past the deadline): throws without a result
                    result = lastTry(attempt, checksHolders && (interruptChecksHolders || passed(deadlineNanos, now)));
                    done = result != null;
                    return result;
                }
                if (looked) { // once per sleep: the sleepers it wakes take a while to leave
                    looked = false;
                    if (othersMayProceed.getAsBoolean()) {
                        word.wakeIfWaiting(Integer.MAX_VALUE); // what a releaser killed before its wake did not do
                        now = System.nanoTime();
                        continue;
                    }
                }
                if (virtual && !looks) {
                    if (lookout.sleepUnlessTaken(word, sequence, deadlineNanos)) {
                        now = System.nanoTime();
                        continue;
                    }
                    if (checksHolders) { // the new lookout: its first look comes a full interval on
                        nextCheck = System.nanoTime() + LIVENESS_CHECK_NANOS;
                    }
                }
                word.sleep(sequence, nextCheck == FOREVER ? sleepUntil(deadlineNanos, now)
                        : deadlineNanos == FOREVER || nextCheck - deadlineNanos < 0 ? nextCheck : deadlineNanos);
                looked = virtual;
                now = System.nanoTime();
            }
        } finally {
            try {
                word.deregister();
                if (!done) {
                    word.wakeIfWaiting(1);
                }
            } finally {
                lookout.leave(); // also if the memory was unmapped under a closed handle: the role is process-local
            }
        }
    }

    /**
     * The try at the deadline, or of an interrupted thread before it throws: with a check of the
     * holders, so that a timeout shorter than {@link #LIVENESS_CHECK_NANOS} still finds a holder
     * that died (as the untimed try does), and an interrupted call takes what a dead holder left
     * as {@code tryLock()} would. Without a result, an interrupted thread throws rather than time out
     * (also for a zero timeout, as {@code java.util.concurrent} does).
     */
    private static <T> T lastTry(Attempt<T> attempt, boolean checksHolders) throws InterruptedException {
        T result = checksHolders ? attempt.attempt(true) : null;
        if (result == null && Thread.interrupted()) {
            throw new InterruptedException();
        }
        return result;
    }

    /**
     * The end of one sleep of a waiter that sleeps from {@code now}: its deadline, but at most
     * {@link #LIVENESS_CHECK_NANOS} away. A releaser changes the state with a compare-and-set and
     * only then wakes the sleepers; killed between the two (a {@code SIGKILL} can land on any
     * instruction) it leaves them asleep while what they wait for holds, and for some objects nobody
     * ever releases again (a latch counted down to zero, a barrier tripped, a signal whose sequence
     * moved). The bound ends such a sleep: the waiter's next try reads the state, and sees the dead
     * releaser's change because every state change is a sequentially consistent compare-and-set made
     * before the releaser was killed. Costs a sleeper a wake-up per interval (platform threads'
     * timed sleeps are sliced at 50 ms anyway, {@link io.jipc.platform.Futex#SLICE_NANOS}), and
     * releasers nothing.
     */
    static long sleepUntil(long deadlineNanos, long now) {
        long bound = now + LIVENESS_CHECK_NANOS;
        return deadlineNanos == FOREVER || bound - deadlineNanos < 0 ? bound : deadlineNanos;
    }

    private static boolean passed(long deadlineNanos, long now) {
        return deadlineNanos != FOREVER && now - deadlineNanos >= 0;
    }
}
