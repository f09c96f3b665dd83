package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.WaitStrategy;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A handle closed by one thread while another thread of it sleeps in a wait, racing with a release
 * by another handle, many times: the wait ends (with its result or {@link ClosedException}, never
 * another exception), the shared sleeper count goes back to zero, and nothing stays taken by the
 * closed handle that it did not hand to its caller.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CloseWhileWaitingTest {
    private static final int ROUNDS = 300;

    /** What the waiting thread returned or threw. */
    private record Outcome(Object result, Throwable thrown) {
        boolean closed() {
            return thrown instanceof ClosedException;
        }
    }

    /**
     * On a releasing thread runs {@code hold}; then starts {@code wait} on a thread, lets it sleep,
     * and runs {@code release} (on the releasing thread) and {@code close} at once.
     */
    private static Outcome race(SyncHandle<?> observer, Runnable hold, ThrowingSupplier wait, Runnable release,
                                Runnable close) throws Exception {
        AtomicReference<Outcome> outcome = new AtomicReference<>();
        AtomicReference<Throwable> releaseFailure = new AtomicReference<>();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        Thread releaser = Thread.ofPlatform().start(() -> {
            try {
                hold.run();
                held.countDown();
                go.await();
                release.run();
            } catch (Throwable e) {
                releaseFailure.set(e);
                held.countDown();
            }
        });
        held.await();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                outcome.set(new Outcome(wait.get(), null));
            } catch (Throwable e) {
                outcome.set(new Outcome(null, e));
            }
        });
        while (!observer.toString().contains(" 1 sleeper]")) {
            if (!waiter.isAlive()) {
                fail("the wait ended before it slept: " + outcome.get());
            }
            Thread.onSpinWait();
        }
        go.countDown();
        close.run();
        releaser.join();
        waiter.join();
        if (releaseFailure.get() != null) {
            throw new AssertionError("the release failed", releaseFailure.get());
        }
        Outcome result = outcome.get();
        if (result.thrown() != null && !result.closed()) {
            throw new AssertionError("the wait ended with " + result.thrown(), result.thrown());
        }
        assertTrue(observer.toString().contains(" 0 sleepers]"), observer.toString());
        return result;
    }

    @Test
    void aSemaphoreWaiterLeavesNoSleeperAndNoPermitBehind() throws Exception {
        rounds("sem", name -> {
            try (ProcessSemaphore observer = ProcessSemaphore.create(name, 0, 0, 0600)) { // untracked: anyone releases
                ProcessSemaphore closing = ProcessSemaphore.open(name).waitStrategy(WaitStrategy.FUTEX);
                Outcome outcome = race(observer, () -> { }, closing::acquire, observer::release, closing::close);
                // the permit went to the waiter (its caller holds it) or stayed available
                assertEquals(outcome.closed() ? 1 : 0, observer.availablePermits(), outcome.toString());
            }
        });
    }

    @Test
    void aMutexWaiterLeavesNoSleeperAndTheMutexFree() throws Exception {
        rounds("mutex", name -> {
            try (ProcessMutex observer = ProcessMutex.create(name)) {
                ProcessMutex closing = ProcessMutex.open(name).waitStrategy(WaitStrategy.FUTEX);
                race(observer, () -> lock(observer), closing::lock, observer::unlock, closing::close);
                // a lock the waiter took is given up by close, as if its process had died
                assertTrue(observer.ownerPid().isEmpty(), observer.toString());
            }
        });
    }

    @Test
    void aLatchWaiterLeavesNoSleeper() throws Exception {
        rounds("latch", name -> {
            try (ProcessCountDownLatch observer = ProcessCountDownLatch.create(name, 1)) {
                ProcessCountDownLatch closing = ProcessCountDownLatch.open(name).waitStrategy(WaitStrategy.FUTEX);
                race(observer, () -> { }, () -> {
                    closing.await();
                    return true;
                }, observer::countDown, closing::close);
                assertEquals(0, observer.count());
            }
        });
    }

    /**
     * A spinning acquire (SPIN: attempts that read the semaphore's memory, back to back) on the
     * process's only handle, which another thread closes: it ends with {@link ClosedException}, never
     * {@link InterruptedException}, and with no interrupt status. Closing a mapping under a platform
     * thread inside an access of it makes the JDK set that thread's interrupt status (nobody calls
     * {@code interrupt()}; docs/architecture.md, "Interrupts and timeouts"); a handle's close leaves
     * the unmapping to the last waiter out, so no attempt is ever cut off.
     */
    @Test
    void aSpinningAcquireOfAHandleClosedByAnotherThreadEndsWithClosedException() throws Exception {
        java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (int i = 0; i < 1000; i++) {
            String name = "spin-close-" + i;
            try {
                // the process's only handle: its close unmaps the memory under the spinning attempts
                ProcessSemaphore closing = ProcessSemaphore.create(name, 0, 0, 0600).waitStrategy(WaitStrategy.SPIN);
                AtomicReference<Throwable> ended = new AtomicReference<>();
                java.util.concurrent.atomic.AtomicBoolean statusAtEnd = new java.util.concurrent.atomic.AtomicBoolean();
                CountDownLatch started = new CountDownLatch(1);
                Thread waiter = Thread.ofPlatform().start(() -> {
                    started.countDown();
                    try {
                        closing.acquire();
                        ended.set(new AssertionError("acquired a permit nobody released"));
                    } catch (Throwable e) {
                        ended.set(e);
                    }
                    statusAtEnd.set(Thread.interrupted());
                });
                started.await();
                java.util.concurrent.locks.LockSupport.parkNanos(
                        java.util.concurrent.ThreadLocalRandom.current().nextLong(100_000));
                closing.close();
                waiter.join(TimeUnit.SECONDS.toMillis(20));
                if (waiter.isAlive()) {
                    fail("round " + i + ": the spinning acquire did not end after the close");
                }
                outcomes.merge(ended.get().getClass().getSimpleName(), 1, Integer::sum);
                if (!(ended.get() instanceof ClosedException)) {
                    throw new AssertionError("round " + i + ": " + outcomes, ended.get());
                }
                assertFalse(statusAtEnd.get(), "round " + i + ": the acquire ended with the interrupt status set");
            } finally {
                SyncObjects.destroy(name);
            }
        }
    }

    /**
     * A verb that does not wait (a try, a release, a count-down, a signal, a reset), looped on a thread
     * while another thread closes the handle (the process's only one, so the close unmaps the memory):
     * the loop ends with {@link ClosedException}, never another exception, and a mutex the try took is
     * given back, not left owned by this live process. Until 2026-12-07 these verbs were not counted
     * among the handle's users: the close unmapped the memory under them, and a {@code tryLock} whose
     * compare-and-set had just taken the mutex could not give it back (an {@code IllegalStateException}
     * "Already closed"), stranding it for every other process while this one lived (an explorer saw it
     * within 2 to 57 rounds).
     */
    @ParameterizedTest
    @ValueSource(strings = {"mutex tryLock", "semaphore release", "latch countDown", "condition signal",
            "barrier reset"})
    void aVerbRacingTheCloseOfItsHandleEndsWithClosedExceptionAndLeavesNothingTaken(String verb) throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            String name = verb.replace(' ', '-') + "-" + i;
            try {
                Runnable loop;
                AutoCloseable closing;
                switch (verb) {
                    case "mutex tryLock" -> {
                        ProcessMutex mutex = ProcessMutex.create(name);
                        closing = mutex;
                        loop = () -> {
                            while (true) {
                                if (mutex.tryLock() != Acquisition.NOT_ACQUIRED) {
                                    mutex.unlock();
                                }
                            }
                        };
                    }
                    case "semaphore release" -> {
                        ProcessSemaphore semaphore = ProcessSemaphore.create(name, 0, 0, 0600);
                        closing = semaphore;
                        loop = () -> {
                            while (true) {
                                semaphore.release();
                            }
                        };
                    }
                    case "latch countDown" -> {
                        ProcessCountDownLatch latch = ProcessCountDownLatch.create(name, Integer.MAX_VALUE);
                        closing = latch;
                        loop = () -> {
                            while (true) {
                                latch.countDown();
                            }
                        };
                    }
                    case "condition signal" -> {
                        ProcessCondition condition = ProcessCondition.create(name);
                        closing = condition;
                        loop = () -> {
                            while (true) {
                                condition.signalAll();
                            }
                        };
                    }
                    default -> {
                        ProcessBarrier barrier = ProcessBarrier.create(name, 2);
                        closing = barrier;
                        loop = () -> {
                            while (true) {
                                barrier.reset();
                            }
                        };
                    }
                }
                AtomicReference<Throwable> ended = new AtomicReference<>();
                CountDownLatch started = new CountDownLatch(1);
                Thread looping = Thread.ofPlatform().start(() -> {
                    started.countDown();
                    try {
                        loop.run();
                    } catch (Throwable e) {
                        ended.set(e);
                    }
                });
                started.await();
                java.util.concurrent.locks.LockSupport.parkNanos(
                        java.util.concurrent.ThreadLocalRandom.current().nextLong(300_000));
                closing.close();
                looping.join(TimeUnit.SECONDS.toMillis(20));
                assertFalse(looping.isAlive(), "round " + i + ": the loop did not end after the close");
                if (!(ended.get() instanceof ClosedException)) {
                    throw new AssertionError("round " + i + ": " + ended.get(), ended.get());
                }
                if (verb.startsWith("mutex")) {
                    try (ProcessMutex observer = ProcessMutex.open(name)) {
                        assertEquals(java.util.OptionalLong.empty(), observer.ownerPid(),
                                "round " + i + ": the mutex is left owned: " + observer);
                    }
                }
            } finally {
                SyncObjects.destroy(name);
            }
        }
    }

    /** Runs {@code round} {@link #ROUNDS} times, each on an object of its own, removed afterwards. */
    private static void rounds(String kind, Round round) throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            String name = kind + "-" + i;
            try {
                round.run(name);
            } catch (AssertionError e) {
                throw new AssertionError("round " + i + ": " + e.getMessage(), e);
            } finally {
                SyncObjects.destroy(name);
            }
        }
    }

    @FunctionalInterface
    private interface Round {
        void run(String name) throws Exception;
    }

    @FunctionalInterface
    private interface ThrowingSupplier {
        Object get() throws Exception;
    }

    private static void lock(ProcessMutex mutex) {
        try {
            mutex.lock();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
