package io.jipc.sync;

import io.jipc.WaitStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for every object
 * of this package, with the interrupt status set before the call: a timed or blocking call that
 * cannot complete at once throws {@link InterruptedException} and clears the status, also with a
 * zero or negative timeout; one that can completes and leaves the status set; an at-once call never
 * looks at it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InterruptRuleTest {
    private final Arena arena = Arena.ofShared();
    private final List<Runnable> cleanups = new ArrayList<>();

    @AfterEach
    void free() {
        Thread.interrupted();
        cleanups.forEach(Runnable::run);
        arena.close();
    }

    static Stream<Arguments> timeoutsAndStrategies() {
        List<Arguments> all = new ArrayList<>();
        for (Duration timeout : List.of(Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(30))) {
            for (WaitStrategy strategy : WaitStrategy.values()) {
                all.add(Arguments.of(timeout, strategy));
            }
        }
        return all.stream();
    }


    private MemorySegment slot(long length) {
        return arena.allocate(length, 64);
    }

    @ParameterizedTest
    @MethodSource("timeoutsAndStrategies")
    void semaphore(Duration timeout, WaitStrategy strategy) throws Exception {
        MemorySegment slot = slot(ProcessSemaphore.slotLength(0));
        ProcessSemaphore.format(slot, 0, 0);
        ProcessSemaphore semaphore = ProcessSemaphore.in(slot).waitStrategy(strategy);
        throwsInterrupted(() -> semaphore.tryAcquire(timeout));
        throwsInterrupted(semaphore::acquire);
        assertEquals(Acquisition.NOT_ACQUIRED, completesInterrupted(semaphore::tryAcquire));
        semaphore.release();
        assertEquals(Acquisition.ACQUIRED, completesInterrupted(() -> semaphore.tryAcquire(timeout)));
        semaphore.release();
        assertEquals(Acquisition.ACQUIRED, completesInterrupted(semaphore::acquire));
    }

    @ParameterizedTest
    @MethodSource("timeoutsAndStrategies")
    void mutex(Duration timeout, WaitStrategy strategy) throws Exception {
        MemorySegment slot = slot(ProcessMutex.SLOT_LENGTH);
        ProcessMutex.format(slot);
        ProcessMutex mutex = ProcessMutex.in(slot).waitStrategy(strategy);
        assertEquals(Acquisition.ACQUIRED, completesInterrupted(() -> mutex.tryLock(timeout)));
        mutex.unlock();
        assertEquals(Acquisition.ACQUIRED, completesInterrupted(mutex::lock));
        mutex.unlock();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            ProcessMutex other = ProcessMutex.in(slot);
            try {
                other.lock();
                held.countDown();
                release.await();
                other.unlock();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        cleanups.add(() -> {
            release.countDown();
            try {
                holder.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        held.await();
        throwsInterrupted(() -> mutex.tryLock(timeout));
        throwsInterrupted(mutex::lock);
        assertEquals(Acquisition.NOT_ACQUIRED, completesInterrupted(mutex::tryLock));
    }

    @ParameterizedTest
    @MethodSource("timeoutsAndStrategies")
    void latch(Duration timeout, WaitStrategy strategy) throws Exception {
        MemorySegment slot = slot(ProcessCountDownLatch.SLOT_LENGTH);
        ProcessCountDownLatch.format(slot, 1);
        ProcessCountDownLatch latch = ProcessCountDownLatch.in(slot).waitStrategy(strategy);
        throwsInterrupted(() -> latch.await(timeout));
        throwsInterrupted(() -> {
            latch.await();
            return null;
        });
        latch.countDown();
        assertTrue(completesInterrupted(() -> latch.await(timeout)));
        completesInterrupted(() -> {
            latch.await();
            return null;
        });
    }

    @ParameterizedTest
    @MethodSource("timeoutsAndStrategies")
    void barrier(Duration timeout, WaitStrategy strategy) throws Exception {
        MemorySegment two = slot(ProcessBarrier.SLOT_LENGTH);
        ProcessBarrier.format(two, 2);
        ProcessBarrier barrier = ProcessBarrier.in(two).waitStrategy(strategy);
        throwsInterrupted(() -> barrier.await(timeout));
        assertEquals(0, barrier.arrived(), "the interrupted arrival is withdrawn");
        throwsInterrupted(barrier::await);
        assertEquals(0, barrier.arrived(), "the interrupted arrival is withdrawn");
        MemorySegment one = slot(ProcessBarrier.SLOT_LENGTH);
        ProcessBarrier.format(one, 1);
        ProcessBarrier alone = ProcessBarrier.in(one).waitStrategy(strategy);
        assertEquals(0, (int) completesInterrupted(() -> alone.await(timeout)), "the last party completes it");
        assertEquals(0, (int) completesInterrupted(alone::await), "the last party completes it");
    }

    @ParameterizedTest
    @MethodSource("timeoutsAndStrategies")
    void conditionNeverCompletesAtOnce(Duration timeout, WaitStrategy strategy) throws Exception {
        MemorySegment mutexSlot = slot(ProcessMutex.SLOT_LENGTH);
        MemorySegment conditionSlot = slot(ProcessCondition.SLOT_LENGTH);
        ProcessMutex.format(mutexSlot);
        ProcessCondition.format(conditionSlot);
        ProcessMutex mutex = ProcessMutex.in(mutexSlot).waitStrategy(strategy);
        ProcessCondition condition = ProcessCondition.in(conditionSlot).waitStrategy(strategy);
        mutex.lock();
        throwsInterrupted(() -> condition.await(mutex, timeout));
        assertTrue(mutex.isHeldByCurrentThread(), "the mutex is still held");
        throwsInterrupted(() -> condition.await(mutex));
        assertTrue(mutex.isHeldByCurrentThread(), "the mutex is still held");
        mutex.unlock();
    }
}
