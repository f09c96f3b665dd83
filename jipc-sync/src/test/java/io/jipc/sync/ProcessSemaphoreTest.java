package io.jipc.sync;

import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The semaphore within one process: counting, both modes, the holder table, waiting. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessSemaphoreTest {
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void free() {
        arena.close();
    }

    private MemorySegment slot(int permits, int holders) {
        MemorySegment slot = arena.allocate(ProcessSemaphore.slotLength(holders), 64);
        ProcessSemaphore.format(slot, permits, holders);
        return slot;
    }

    @Test
    void countsPermits() throws InterruptedException {
        ProcessSemaphore semaphore = ProcessSemaphore.in(slot(2, 4));
        assertTrue(semaphore.tracked());
        assertEquals(2, semaphore.availablePermits());
        assertEquals(Acquisition.ACQUIRED, semaphore.acquire());
        assertEquals(Acquisition.ACQUIRED, semaphore.tryAcquire());
        assertEquals(Acquisition.NOT_ACQUIRED, semaphore.tryAcquire());
        assertEquals(Acquisition.NOT_ACQUIRED, semaphore.tryAcquire(Duration.ofMillis(120)));
        for (Duration minusCenturies : List.of(Duration.ofSeconds(Long.MIN_VALUE), Duration.ofDays(-365L * 300))) {
            assertEquals(Acquisition.NOT_ACQUIRED, semaphore.tryAcquire(minusCenturies), "a single try");
        }
        assertEquals(2, semaphore.heldPermits());
        semaphore.release(2);
        assertEquals(2, semaphore.availablePermits());
        assertEquals(0, semaphore.heldPermits());
    }

    @Test
    void trackedPermitsAreReleasedOnlyByTheirHolder() throws InterruptedException {
        MemorySegment slot = slot(1, 4);
        ProcessSemaphore holder = ProcessSemaphore.in(slot);
        ProcessSemaphore other = ProcessSemaphore.in(slot);
        holder.acquire();
        assertThrows(IllegalStateException.class, other::release);
        assertThrows(IllegalStateException.class, () -> holder.release(2));
        holder.release();
        assertThrows(IllegalStateException.class, holder::release);
        assertThrows(IllegalMonitorStateException.class, holder::markConsistent);
    }

    @Test
    void untrackedSemaphoreSignals() throws Exception {
        MemorySegment slot = slot(0, 0);
        ProcessSemaphore producer = ProcessSemaphore.in(slot);
        ProcessSemaphore consumer = ProcessSemaphore.in(slot);
        assertFalse(producer.tracked());
        AtomicReference<Acquisition> got = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                got.set(consumer.acquire());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(50);
        producer.release();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(Acquisition.ACQUIRED, got.get());
        producer.release(Integer.MAX_VALUE);
        assertThrows(IllegalStateException.class, producer::release);
    }

    @Test
    void holderTableBoundsTheHandlesThatHold() throws InterruptedException {
        MemorySegment slot = slot(5, 2);
        ProcessSemaphore a = ProcessSemaphore.in(slot);
        ProcessSemaphore b = ProcessSemaphore.in(slot);
        ProcessSemaphore c = ProcessSemaphore.in(slot);
        a.acquire();
        b.acquire();
        assertThrows(HolderTableFullException.class, c::tryAcquire);
        assertEquals(3, c.availablePermits(), "nothing was taken");
        b.release();
        b.close();
        assertEquals(Acquisition.ACQUIRED, c.tryAcquire(), "a handle closed holding nothing frees its entry");
        c.release();
        a.release();
    }

    @Test
    void closingWhileHoldingKeepsThePermitsTaken() throws InterruptedException {
        MemorySegment slot = slot(1, 2);
        ProcessSemaphore holder = ProcessSemaphore.in(slot);
        holder.acquire();
        holder.close();
        ProcessSemaphore next = ProcessSemaphore.in(slot);
        assertEquals(Acquisition.NOT_ACQUIRED, next.tryAcquire(Duration.ofMillis(150)),
                "the process lives: its permits stay taken until it ends");
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void threadsNeverExceedThePermits(WaitStrategy strategy) throws Exception {
        MemorySegment slot = slot(2, 8);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 5; t++) {
            Thread.Builder builder = t % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            workers.add(builder.start(() -> {
                try (ProcessSemaphore semaphore = ProcessSemaphore.in(slot).waitStrategy(strategy)) {
                    for (int i = 0; i < 5_000; i++) {
                        semaphore.acquire();
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        inside.decrementAndGet();
                        semaphore.release();
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertNull(failure.get());
        assertTrue(most.get() <= 2, "at most 2 inside, saw " + most.get());
        assertEquals(2, ProcessSemaphore.in(slot).availablePermits());
    }

    @Test
    void attachingChecksTheSlot() {
        MemorySegment slot = slot(1, 4);
        assertThrows(IllegalArgumentException.class, () -> ProcessSemaphore.slotLength(ProcessSemaphore.MAX_HOLDER_ENTRIES + 1));
        assertThrows(IllegalArgumentException.class, () -> ProcessSemaphore.format(slot, -1, 4));
        IllegalArgumentException unusable = assertThrows(IllegalArgumentException.class,
                () -> ProcessSemaphore.format(slot, 0, 4), "tracked without permits: nobody could acquire or release");
        assertTrue(unusable.getMessage().contains("untracked: holderEntries 0"), unusable.getMessage());
        ProcessSemaphore.format(slot, 0, 0); // untracked from 0: the signalling semaphore
        ProcessSemaphore.format(slot, 1, 4);
        slot.set(ValueLayout.JAVA_INT, ProcessSemaphore.HOLDER_ENTRIES_OFFSET, 5);
        assertThrows(CorruptSegmentException.class, () -> ProcessSemaphore.in(slot), "5 entries do not fit");
        slot.set(ValueLayout.JAVA_INT, ProcessSemaphore.HOLDER_ENTRIES_OFFSET, -1);
        assertThrows(CorruptSegmentException.class, () -> ProcessSemaphore.in(slot));
        slot.set(ValueLayout.JAVA_INT, ProcessSemaphore.HOLDER_ENTRIES_OFFSET, 4);
        slot.set(ValueLayout.JAVA_LONG, ProcessSemaphore.STATE_OFFSET, -1L);
        ProcessSemaphore semaphore = ProcessSemaphore.in(slot);
        assertThrows(CorruptSegmentException.class, semaphore::tryAcquire, "a negative count");
    }
}
