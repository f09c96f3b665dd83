package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mutex within one process: verbs, ownership rules, consistency, placement checks, threads. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessMutexTest {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment slot = arena.allocate(ProcessMutex.SLOT_LENGTH, 64);

    ProcessMutexTest() {
        ProcessMutex.format(slot);
    }

    @AfterEach
    void free() {
        arena.close();
    }

    @Test
    void lockTryLockUnlock() throws InterruptedException {
        ProcessMutex mutex = ProcessMutex.in(slot);
        assertEquals(Acquisition.ACQUIRED, mutex.lock());
        assertTrue(mutex.isHeldByCurrentThread());
        assertEquals(ProcessHandle.current().pid(), mutex.ownerPid().orElseThrow());
        mutex.unlock();
        assertTrue(mutex.ownerPid().isEmpty());
        assertEquals(Acquisition.ACQUIRED, mutex.tryLock());
        mutex.unlock();
        assertEquals(Acquisition.ACQUIRED, mutex.tryLock(Duration.ofSeconds(1)));
        mutex.unlock();
    }

    @Test
    void notReentrantAndOnlyTheHolderUnlocks() throws Exception {
        ProcessMutex mutex = ProcessMutex.in(slot);
        assertThrows(IllegalMonitorStateException.class, mutex::unlock);
        mutex.lock();
        assertThrows(IllegalMonitorStateException.class, mutex::lock);
        AtomicReference<Throwable> other = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                mutex.unlock();
            } catch (Throwable t) {
                other.set(t);
            }
        });
        thread.join();
        assertTrue(other.get() instanceof IllegalMonitorStateException, String.valueOf(other.get()));
        mutex.unlock();
    }

    @Test
    void anotherHandleOfTheSameProcessWaitsForTheHolder() throws InterruptedException {
        ProcessMutex first = ProcessMutex.in(slot);
        ProcessMutex second = ProcessMutex.in(slot);
        first.lock();
        assertEquals(Acquisition.NOT_ACQUIRED, second.tryLock(), "a live owner, even this process, is waited for");
        assertEquals(Acquisition.NOT_ACQUIRED, second.tryLock(Duration.ofMillis(150)));
        for (Duration minusCenturies : List.of(Duration.ofSeconds(Long.MIN_VALUE), Duration.ofDays(-365L * 300))) {
            assertEquals(Acquisition.NOT_ACQUIRED, second.tryLock(minusCenturies), "a single try, as any negative timeout");
        }
        NullPointerException noTimeout = assertThrows(NullPointerException.class, () -> second.tryLock(null));
        assertEquals("timeout", noTimeout.getMessage());
        first.unlock();
        assertEquals(Acquisition.ACQUIRED, second.tryLock());
        second.unlock();
    }

    @Test
    void closingWhileHoldingReleasesAsIfTheOwnerDied() throws InterruptedException {
        ProcessMutex holder = ProcessMutex.in(slot);
        holder.lock();
        holder.close();
        assertThrows(ClosedException.class, holder::tryLock);
        ProcessMutex next = ProcessMutex.in(slot);
        assertEquals(Acquisition.OWNER_DIED, next.lock());
        assertFalse(next.isConsistent());
        next.markConsistent();
        assertTrue(next.isConsistent());
        next.unlock();
        assertEquals(Acquisition.ACQUIRED, next.lock());
        next.unlock();
    }

    @Test
    void markConsistentNeedsTheLock() {
        ProcessMutex mutex = ProcessMutex.in(slot);
        assertThrows(IllegalMonitorStateException.class, mutex::markConsistent);
    }

    @Test
    void interruptedWaiterLeavesWithoutTheLock() throws Exception {
        ProcessMutex holder = ProcessMutex.in(slot);
        holder.lock();
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            ProcessMutex mutex = ProcessMutex.in(slot);
            started.countDown();
            try {
                outcome.set(mutex.lock());
            } catch (InterruptedException e) {
                outcome.set(e);
            }
        });
        started.await();
        Thread.sleep(50);
        waiter.interrupt();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(waiter.isAlive());
        assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
        holder.unlock();
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void threadsKeepAPlainCounterExact(WaitStrategy strategy) throws Exception {
        int threads = 4;
        int increments = 20_000;
        long[] counter = {0};
        List<Thread> workers = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            Thread.Builder builder = t % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            workers.add(builder.start(() -> {
                try {
                    ProcessMutex mutex = ProcessMutex.in(slot).waitStrategy(strategy);
                    for (int i = 0; i < increments; i++) {
                        mutex.lock();
                        counter[0]++;
                        mutex.unlock();
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertEquals(null, failure.get());
        assertEquals((long) threads * increments, counter[0]);
    }

    @Test
    void placementAndFormatAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> ProcessMutex.in(MemorySegment.ofArray(new byte[64])));
        assertThrows(IllegalArgumentException.class, () -> ProcessMutex.in(slot.asSlice(4, 32)));
        assertThrows(IllegalArgumentException.class, () -> ProcessMutex.format(slot.asSlice(0, 32)));
        MemorySegment blank = arena.allocate(ProcessMutex.SLOT_LENGTH, 64);
        assertThrows(CorruptSegmentException.class, () -> ProcessMutex.in(blank));
        MemorySegment semaphore = arena.allocate(ProcessSemaphore.slotLength(0), 64);
        ProcessSemaphore.format(semaphore, 1, 0);
        CorruptSegmentException wrongKind = assertThrows(CorruptSegmentException.class,
                () -> ProcessMutex.in(semaphore));
        assertTrue(wrongKind.getMessage().contains("SEMA"), wrongKind.getMessage());
    }
}
