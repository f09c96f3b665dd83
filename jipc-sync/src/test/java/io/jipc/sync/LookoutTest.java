package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.WaitStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link Lookout} of a handle's sleeping virtual threads: only it looks again on its own, its
 * leaving hands the role on, and a change only another sleeper can use reaches that sleeper.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LookoutTest {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final int SLEEPERS = 30;

    private final Arena arena = Arena.ofShared();
    /** Waiters count at 0, sequence at 4: the two words of a {@link WaitWord}. */
    private final MemorySegment words = arena.allocate(64, 64);
    private final WaitWord word = new WaitWord(words, 0, 4);

    @AfterEach
    void free() {
        arena.close();
    }

    /**
     * Of {@value #SLEEPERS} virtual threads asleep on one word that nobody wakes, only one tries
     * again while a second passes: the lookout, every 100 ms. Before the lookout each tried every
     * 100 ms. Its interrupt ends its wait, and another sleeper takes the role over.
     */
    @Test
    void ofManyVirtualSleepersOnlyTheLookoutLooksAgainAndItsLeavingHandsTheRoleOn() throws Exception {
        AtomicBoolean go = new AtomicBoolean();
        AtomicIntegerArray tries = new AtomicIntegerArray(SLEEPERS);
        List<Thread> threads = new ArrayList<>();
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < SLEEPERS; i++) {
            int k = i;
            CompletableFuture<Boolean> result = new CompletableFuture<>();
            results.add(result);
            threads.add(Thread.ofVirtual().name("sleeper-" + i).start(() -> {
                try {
                    result.complete(Blocking.await(check -> {
                        tries.incrementAndGet(k);
                        return go.get() ? Boolean.TRUE : null;
                    }, word, WaitStrategy.FUTEX, Blocking.FOREVER, false, () -> false));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            }));
        }
        awaitUntil(() -> word.waiters() == SLEEPERS && word.lookout().current() != null, "all asleep, one the lookout");
        Thread.sleep(200); // lets every sleeper get into its sleep
        int[] before = snapshot(tries);
        Thread.sleep(1000);
        int[] after = snapshot(tries);
        Thread lookout = word.lookout().current();
        List<String> triedAgain = new ArrayList<>();
        for (int i = 0; i < SLEEPERS; i++) {
            if (after[i] != before[i]) {
                triedAgain.add(threads.get(i).getName() + " (" + (after[i] - before[i]) + " tries)");
            }
        }
        assertTrue(triedAgain.size() <= 1, "only the lookout looks again, but these did: " + triedAgain);
        if (!triedAgain.isEmpty()) {
            assertTrue(triedAgain.getFirst().startsWith(lookout.getName() + " "), triedAgain + " is not " + lookout);
        }

        lookout.interrupt();
        ExecutionException interrupted = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> results.get(threads.indexOf(lookout)).get(30, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, interrupted.getCause());
        awaitUntil(() -> word.lookout().current() != null && word.waiters() == SLEEPERS - 1, "a new lookout");
        assertNotSame(lookout, word.lookout().current());

        go.set(true);
        word.wakeIfWaiting(Integer.MAX_VALUE);
        for (int i = 0; i < SLEEPERS; i++) {
            if (threads.get(i) != lookout) {
                assertTrue(results.get(i).get(30, TimeUnit.SECONDS)); // a hang guard
            }
        }
        assertEquals(0, word.waiters());
    }

    /**
     * A change that lets a sleeper other than the lookout go on, which nobody woke for (a releaser
     * killed before its wake): the lookout, finding nothing for itself after its sleep, asks
     * {@code othersMayProceed} and wakes every sleeper, and that one returns.
     */
    @Test
    void aChangeOnlyAnUnwatchedSleeperCanUseReachesItThroughOthersMayProceed() throws Exception {
        AtomicBoolean lookoutMayGo = new AtomicBoolean();
        AtomicBoolean otherMayGo = new AtomicBoolean();
        AtomicBoolean otherReturned = new AtomicBoolean();
        BooleanSupplier othersMayProceed = () -> otherMayGo.get() && !otherReturned.get();
        CompletableFuture<Boolean> first = sleeper(lookoutMayGo, othersMayProceed, null);
        awaitUntil(() -> word.lookout().current() != null, "the first sleeper is the lookout");
        CompletableFuture<Boolean> other = sleeper(otherMayGo, othersMayProceed, otherReturned);
        awaitUntil(() -> word.waiters() == 2, "the second sleeper asleep");

        otherMayGo.set(true); // no wake
        assertTrue(other.get(30, TimeUnit.SECONDS)); // a hang guard
        assertFalse(first.isDone());

        lookoutMayGo.set(true);
        word.wakeIfWaiting(Integer.MAX_VALUE);
        assertTrue(first.get(30, TimeUnit.SECONDS));
    }

    /**
     * A barrier's lookout may wait for a later generation than another thread of its handle; the
     * barrier says that thread may go on once its generation completed, or the barrier broke.
     */
    @Test
    void aBarrierSaysItsSleepersMayProceedOnceTheGenerationOfOneOfThemMovedOn() throws Exception {
        MemorySegment slot = arena.allocate(ProcessBarrier.SLOT_LENGTH, 64);
        ProcessBarrier.format(slot, 3);
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            assertFalse(barrier.sleepersMayProceed(), "nobody waits");
            CompletableFuture<Integer> arrival = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    arrival.complete(barrier.await());
                } catch (Throwable t) {
                    arrival.completeExceptionally(t);
                }
            });
            awaitUntil(() -> barrier.arrived() == 1, "one arrival");
            assertFalse(barrier.sleepersMayProceed(), "its generation is the current one");
            synchronized (barrier.lifecycle) { // the arrival cannot leave the handle's waiting threads meanwhile
                long state = (long) LONG.getVolatile(slot, (long) ProcessBarrier.STATE_OFFSET);
                LONG.setVolatile(slot, (long) ProcessBarrier.STATE_OFFSET, ((state >>> 32) + 1) << 32); // tripped, no wake
                assertTrue(barrier.sleepersMayProceed(), "its generation completed");
            }
            assertEquals(2, arrival.get(30, TimeUnit.SECONDS)); // the first of three arrivals; a hang guard
            assertFalse(barrier.sleepersMayProceed(), "nobody waits any more");
        }
    }

    /**
     * The lookout's wait ends by its timeout while others sleep untimed: its leaving nudges them and
     * one takes the role over, so a change nobody wakes for (a releaser killed before its wake)
     * still reaches them. Without the nudge on a timeout they would sleep on for good.
     */
    @Test
    void aLookoutThatTimesOutHandsTheRoleOnAndTheNextSeesAChangeNobodyWokeFor() throws Exception {
        AtomicBoolean go = new AtomicBoolean();
        CompletableFuture<Boolean> timed = new CompletableFuture<>();
        Thread first = Thread.ofVirtual().start(() -> {
            try {
                timed.complete(Blocking.await(check -> go.get() ? Boolean.TRUE : null, word, WaitStrategy.FUTEX,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500), false, () -> false));
            } catch (Throwable t) {
                timed.completeExceptionally(t);
            }
        });
        awaitUntil(() -> word.lookout().current() == first, "the timed sleeper is the lookout");
        List<CompletableFuture<Boolean>> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add(sleeper(go, () -> false, null));
        }
        assertEquals(null, timed.get(30, TimeUnit.SECONDS), "ended by its timeout");
        awaitUntil(() -> word.lookout().current() != null && word.waiters() == 5, "a new lookout");
        go.set(true); // no wake
        for (CompletableFuture<Boolean> other : others) {
            assertTrue(other.get(30, TimeUnit.SECONDS)); // a hang guard
        }
    }

    /**
     * A handle closed while its lookout and unwatched virtual sleepers wait in a latch's
     * {@code await()}: every wait ends with {@link ClosedException} (none sleeps on, none throws
     * anything else), and the shared sleeper count goes back to zero.
     */
    @Test
    void closingALatchEndsTheWaitsOfItsLookoutAndItsUnwatchedSleepers() throws Exception {
        MemorySegment slot = arena.allocate(ProcessCountDownLatch.SLOT_LENGTH, 64);
        ProcessCountDownLatch.format(slot, 1);
        ProcessCountDownLatch latch = ProcessCountDownLatch.in(slot);
        List<CompletableFuture<Object>> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waits.add(virtual(() -> {
                latch.await();
                return "returned";
            }));
        }
        awaitUntil(() -> latch.toString().contains(" 8 sleepers]") && latch.word.lookout().current() != null,
                "8 asleep, one the lookout");
        latch.close();
        for (CompletableFuture<Object> wait : waits) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> wait.get(30, TimeUnit.SECONDS));
            assertInstanceOf(ClosedException.class, e.getCause());
        }
        assertEquals(0, (int) INT.getVolatile(slot, (long) ProcessCountDownLatch.WAITERS_OFFSET));
    }

    /**
     * The same for a condition's waiters: each wait ends with {@link ClosedException}, holding the
     * mutex again (each gives it back), and the lookout's leaving does not leave anybody asleep.
     */
    @Test
    void closingAConditionEndsTheWaitsOfItsLookoutAndItsUnwatchedSleepers() throws Exception {
        MemorySegment mutexSlot = arena.allocate(ProcessMutex.SLOT_LENGTH, 64);
        MemorySegment conditionSlot = arena.allocate(ProcessCondition.SLOT_LENGTH, 64);
        ProcessMutex.format(mutexSlot);
        ProcessCondition.format(conditionSlot);
        try (ProcessMutex mutex = ProcessMutex.in(mutexSlot)) {
            ProcessCondition condition = ProcessCondition.in(conditionSlot);
            List<CompletableFuture<Object>> waits = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                waits.add(virtual(() -> {
                    mutex.lock();
                    try {
                        return condition.await(mutex);
                    } finally {
                        mutex.unlock();
                    }
                }));
            }
            awaitUntil(() -> condition.toString().contains(" 8 sleepers]") && condition.word.lookout().current() != null,
                    "8 asleep, one the lookout");
            condition.close();
            for (CompletableFuture<Object> wait : waits) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> wait.get(30, TimeUnit.SECONDS));
                assertInstanceOf(ClosedException.class, e.getCause());
            }
            assertEquals(0, (int) INT.getVolatile(conditionSlot, (long) ProcessCondition.WAITERS_OFFSET));
            assertTrue(mutex.ownerPid().isEmpty(), "every waiter gave the mutex back");
        }
    }

    /** Runs {@code body} on a new virtual thread; the future completes with its result or exception. */
    private static CompletableFuture<Object> virtual(java.util.concurrent.Callable<Object> body) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private CompletableFuture<Boolean> sleeper(AtomicBoolean mayGo, BooleanSupplier othersMayProceed,
                                               AtomicBoolean returned) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Boolean got = Blocking.await(check -> mayGo.get() ? Boolean.TRUE : null, word, WaitStrategy.FUTEX,
                        Blocking.FOREVER, false, othersMayProceed);
                if (returned != null) {
                    returned.set(true);
                }
                result.complete(got);
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private static int[] snapshot(AtomicIntegerArray counts) {
        int[] copy = new int[counts.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = counts.get(i);
        }
        return copy;
    }

    private static void awaitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "not reached: " + what);
            Thread.sleep(5);
        }
    }
}
