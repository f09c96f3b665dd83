package io.jipc.sync;

import io.jipc.ClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The condition, the barrier and the latch within one process. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConditionAndBarrierTest {
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void free() {
        arena.close();
    }

    private final MemorySegment mutexSlot = arena.allocate(ProcessMutex.SLOT_LENGTH, 64);
    private final MemorySegment conditionSlot = arena.allocate(ProcessCondition.SLOT_LENGTH, 64);

    ConditionAndBarrierTest() {
        ProcessMutex.format(mutexSlot);
        ProcessCondition.format(conditionSlot);
    }

    @Test
    void conditionHandsOverAQueueOfValues() throws Exception {
        long[] box = {0, 0}; // {value, full}
        int rounds = 2_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread consumer = Thread.ofPlatform().start(() -> {
            ProcessMutex mutex = ProcessMutex.in(mutexSlot);
            ProcessCondition condition = ProcessCondition.in(conditionSlot);
            try {
                for (int i = 1; i <= rounds; i++) {
                    mutex.lock();
                    while (box[1] == 0) {
                        condition.await(mutex);
                    }
                    if (box[0] != i) {
                        throw new AssertionError("got " + box[0] + ", expected " + i);
                    }
                    box[1] = 0;
                    condition.signalAll();
                    mutex.unlock();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        ProcessMutex mutex = ProcessMutex.in(mutexSlot);
        ProcessCondition condition = ProcessCondition.in(conditionSlot);
        for (int i = 1; i <= rounds; i++) {
            mutex.lock();
            while (box[1] != 0) {
                condition.await(mutex, Duration.ofSeconds(1));
            }
            box[0] = i;
            box[1] = 1;
            condition.signal();
            mutex.unlock();
        }
        consumer.join();
        assertNull(failure.get());
    }

    /**
     * A platform waiter notices an interrupt only when the watchdog wakes it; a signal in between
     * may pick it, and it passes the signal on to the other waiter instead of swallowing it.
     */
    @Test
    void aSignalThatPicksAnInterruptedWaiterIsPassedOn() throws Exception {
        for (int round = 0; round < 5; round++) {
            java.util.concurrent.CompletableFuture<Object> first = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Object> second = new java.util.concurrent.CompletableFuture<>();
            Thread a = awaiting(first);
            Thread.sleep(100); // asleep in the futex first
            awaiting(second);
            Thread.sleep(100);
            ProcessMutex mutex = ProcessMutex.in(mutexSlot);
            ProcessCondition condition = ProcessCondition.in(conditionSlot);
            mutex.lock();
            a.interrupt();
            condition.signal();
            mutex.unlock();
            Object firstOutcome = first.get(30, TimeUnit.SECONDS);
            Object secondOutcome;
            try {
                secondOutcome = second.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                condition.signalAll();
                throw new AssertionError("round " + round + ": the signal was swallowed by the interrupted waiter ("
                        + firstOutcome + ")");
            }
            assertTrue(firstOutcome instanceof InterruptedException || secondOutcome instanceof InterruptedException,
                    firstOutcome + " / " + secondOutcome);
        }
    }

    /** A platform thread that waits on the condition once; {@code outcome} gets the acquisition or the exception. */
    private Thread awaiting(java.util.concurrent.CompletableFuture<Object> outcome) {
        return Thread.ofPlatform().start(() -> {
            ProcessMutex mutex = ProcessMutex.in(mutexSlot);
            ProcessCondition condition = ProcessCondition.in(conditionSlot);
            try {
                mutex.lock();
                try {
                    outcome.complete(condition.await(mutex));
                } finally {
                    mutex.unlock();
                }
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
    }

    @Test
    void awaitNeedsTheMutexAndTimesOut() throws InterruptedException {
        ProcessMutex mutex = ProcessMutex.in(mutexSlot);
        ProcessCondition condition = ProcessCondition.in(conditionSlot);
        assertThrows(IllegalMonitorStateException.class, () -> condition.await(mutex));
        mutex.lock();
        assertEquals(Acquisition.ACQUIRED, condition.await(mutex, Duration.ofMillis(60)));
        assertTrue(mutex.isHeldByCurrentThread(), "held again after the timeout");
        mutex.unlock();
    }

    @Test
    void barrierReleasesAllPartiesTogetherRoundAfterRound() throws Exception {
        MemorySegment slot = arena.allocate(64, 64);
        int parties = 3;
        ProcessBarrier.format(slot, parties);
        int[] rounds = new int[parties];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            int party = p;
            threads.add(Thread.ofPlatform().start(() -> {
                ProcessBarrier barrier = ProcessBarrier.in(slot);
                try {
                    for (int r = 1; r <= 500; r++) {
                        rounds[party] = r;
                        barrier.await();
                        for (int q = 0; q < parties; q++) {
                            if (rounds[q] < r) {
                                throw new AssertionError("party " + q + " behind at round " + r);
                            }
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertNull(failure.get());
        assertEquals(0, ProcessBarrier.in(slot).arrived());
    }

    @Test
    void timedOutPartyWithdrawsSoTheBarrierStaysUsable() throws Exception {
        MemorySegment slot = arena.allocate(64, 64);
        ProcessBarrier.format(slot, 2);
        ProcessBarrier barrier = ProcessBarrier.in(slot);
        assertThrows(TimeoutException.class, () -> barrier.await(Duration.ofMillis(50)));
        assertEquals(0, barrier.arrived());
        for (Duration minusCenturies : List.of(Duration.ofSeconds(Long.MIN_VALUE), Duration.ofDays(-365L * 300))) {
            assertThrows(TimeoutException.class, () -> barrier.await(minusCenturies), "a single look");
            assertEquals(0, barrier.arrived());
        }
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                ProcessBarrier.in(slot).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int index = barrier.await(Duration.ofSeconds(30));
        other.join();
        assertTrue(index == 0 || index == 1);
        assertThrows(IllegalArgumentException.class, () -> ProcessBarrier.format(slot, 0));
    }

    /**
     * The documented arrival indexes: A arrives first (index 2) and is interrupted after B (index 1)
     * arrived, so it withdraws; C then arrives with 1 counted, as B did, and also gets 1; D
     * completes the round with 0, the one index unique to a round.
     */
    @Test
    void afterAWithdrawalIndexesMayRepeatAndZeroStaysTheLastOnes() throws Exception {
        MemorySegment slot = arena.allocate(64, 64);
        ProcessBarrier.format(slot, 3);
        ProcessBarrier barrier = ProcessBarrier.in(slot);
        AtomicReference<Throwable> aEnded = new AtomicReference<>();
        Thread a = Thread.ofPlatform().start(() -> {
            try {
                barrier.await();
            } catch (Throwable e) {
                aEnded.set(e);
            }
        });
        awaitArrived(barrier, 1);
        java.util.concurrent.CompletableFuture<Integer> b = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> awaitQuietly(barrier), r -> Thread.ofPlatform().start(r));
        awaitArrived(barrier, 2);
        a.interrupt();
        a.join();
        assertTrue(aEnded.get() instanceof InterruptedException, String.valueOf(aEnded.get()));
        assertEquals(1, barrier.arrived(), "A withdrew");
        java.util.concurrent.CompletableFuture<Integer> c = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> awaitQuietly(barrier), r -> Thread.ofPlatform().start(r));
        awaitArrived(barrier, 2);
        assertEquals(0, barrier.await(Duration.ofSeconds(30)), "D, the last");
        assertEquals(1, b.get(30, TimeUnit.SECONDS));
        assertEquals(1, c.get(30, TimeUnit.SECONDS), "as B: one was counted when C arrived");
    }

    private static void awaitArrived(ProcessBarrier barrier, int n) throws InterruptedException {
        while (barrier.arrived() != n) {
            Thread.sleep(1);
        }
    }

    private static int awaitQuietly(ProcessBarrier barrier) {
        try {
            return barrier.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void closingAHandleWithdrawsTheArrivalsOfItsWaitingThreads() throws Exception {
        MemorySegment slot = arena.allocate(64, 64);
        ProcessBarrier.format(slot, 2);
        ProcessBarrier closing = ProcessBarrier.in(slot);
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                closing.await();
            } catch (Throwable e) {
                ended.set(e);
            }
        });
        ProcessBarrier other = ProcessBarrier.in(slot);
        while (other.arrived() == 0) {
            Thread.onSpinWait();
        }
        closing.close();
        waiter.join();
        assertTrue(ended.get() instanceof ClosedException, String.valueOf(ended.get()));
        assertEquals(0, other.arrived(), "no ghost arrival: a lone party does not pass");
        assertThrows(TimeoutException.class, () -> other.await(Duration.ofMillis(50)));
    }

    @Test
    void latchReleasesWaitersWhenCountedDownToZero() throws Exception {
        MemorySegment slot = arena.allocate(ProcessCountDownLatch.SLOT_LENGTH, 64);
        ProcessCountDownLatch.format(slot, 3);
        ProcessCountDownLatch latch = ProcessCountDownLatch.in(slot);
        assertFalse(latch.await(Duration.ofMillis(30)));
        assertFalse(latch.await(Duration.ofSeconds(Long.MIN_VALUE)), "minus centuries: a single look");
        assertFalse(latch.await(Duration.ofDays(-365L * 300)));
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add((i % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual()).start(() -> {
                try {
                    ProcessCountDownLatch.in(slot).await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (int i = 0; i < 4; i++) {
            latch.countDown();
        }
        for (Thread waiter : waiters) {
            waiter.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(waiter.isAlive());
        }
        assertEquals(0, latch.count(), "never below zero");
        assertTrue(latch.await(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> ProcessCountDownLatch.format(slot, -1));
    }
}
