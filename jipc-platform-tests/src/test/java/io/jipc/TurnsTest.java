package io.jipc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Turns#take}: a turn another thread holds is given up at the taker's deadline (while the
 * holder still holds it) and, without a deadline, on an interrupt; a free one is taken even at a
 * past deadline. From platform and virtual threads.
 */
class TurnsTest {
    private static final long HANG_GUARD_SECONDS = 30;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aTimedTakeGivesUpAtItsDeadlineWhileAnotherThreadHoldsTheTurn(boolean virtual) throws Exception {
        ReentrantLock turn = new ReentrantLock();
        try (Holder holder = new Holder(turn)) {
            CompletableFuture<Boolean> taken = run(virtual, () -> Turns.take(turn, System.nanoTime() + 100_000_000L));
            assertFalse(taken.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS));
            assertTrue(holder.stillHolds());
            CompletableFuture<Boolean> now = run(virtual, () -> Turns.take(turn, System.nanoTime()));
            assertFalse(now.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aTakeWithoutDeadlineEndsOnAnInterruptWhileAnotherThreadHoldsTheTurn(boolean virtual) throws Exception {
        ReentrantLock turn = new ReentrantLock();
        try (Holder holder = new Holder(turn)) {
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread taker = thread(virtual, () -> {
                try {
                    outcome.complete(Turns.take(turn, Timeouts.NO_DEADLINE));
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            while (!turn.hasQueuedThread(taker)) {
                Thread.sleep(1);
            }
            taker.interrupt();
            assertInstanceOf(InterruptedException.class, outcome.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS));
            assertTrue(holder.stillHolds());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFreeTurnIsTakenAtAPastDeadlineEvenWhenInterrupted(boolean virtual) throws Exception {
        ReentrantLock turn = new ReentrantLock();
        CompletableFuture<Boolean> taken = run(virtual, () -> {
            Thread.currentThread().interrupt();
            boolean got = Turns.take(turn, System.nanoTime() - 1);
            boolean stillInterrupted = Thread.interrupted();
            if (got) {
                turn.unlock();
            }
            return got && stillInterrupted;
        });
        assertTrue(taken.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFreeTurnIsTakenByAnInterruptedThreadAlsoWithAFutureDeadlineOrNone(boolean virtual) throws Exception {
        ReentrantLock turn = new ReentrantLock();
        CompletableFuture<Boolean> taken = run(virtual, () -> {
            boolean all = true;
            for (long deadline : new long[] {System.nanoTime() + TimeUnit.SECONDS.toNanos(30), Timeouts.NO_DEADLINE}) {
                Thread.currentThread().interrupt();
                boolean got = Turns.take(turn, deadline); // the library's rule: it can complete at once
                all &= got && Thread.interrupted();
                if (got) {
                    turn.unlock();
                }
            }
            return all;
        });
        assertTrue(taken.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS));
    }

    private interface Call {
        boolean call() throws Exception;
    }

    private static CompletableFuture<Boolean> run(boolean virtual, Call call) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        thread(virtual, () -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private static Thread thread(boolean virtual, Runnable body) {
        return (virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon()).start(body);
    }

    /** A platform thread that holds the turn until closed. */
    private static final class Holder implements AutoCloseable {
        private final CountDownLatch release = new CountDownLatch(1);
        private final Thread thread;
        private final ReentrantLock turn;

        Holder(ReentrantLock turn) throws InterruptedException {
            this.turn = turn;
            CountDownLatch held = new CountDownLatch(1);
            thread = Thread.ofPlatform().daemon().start(() -> {
                turn.lock();
                try {
                    held.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    turn.unlock();
                }
            });
            held.await();
        }

        boolean stillHolds() {
            return turn.isLocked() && thread.isAlive();
        }

        @Override
        public void close() throws InterruptedException {
            release.countDown();
            thread.join();
        }
    }
}
