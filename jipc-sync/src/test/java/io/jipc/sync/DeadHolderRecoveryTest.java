package io.jipc.sync;

import io.jipc.platform.ProcessIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recovery from states a killed process leaves behind, written into the slot directly so that
 * every step of the protocols is hit deterministically: an owner or holder whose pid was reused
 * (same pid, other start time), and a semaphore change cut off at each step of the pending protocol.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeadHolderRecoveryTest {
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void free() {
        arena.close();
    }

    /** A token with the pid of a live process (init) but another start time: that pid was reused. */
    private static long reusedPidToken() {
        ProcessIdentity init = ProcessIdentity.of(1).orElseThrow();
        assertTrue(init.isAlive());
        long token = new ProcessIdentity(1, init.startTime() + 1).token();
        assertFalse(ProcessIdentity.isAlive(token));
        return token;
    }

    /** A mutex in a fresh slot, held by a process whose pid was reused. */
    private ProcessMutex mutexOfAReusedPid() {
        MemorySegment slot = arena.allocate(ProcessMutex.SLOT_LENGTH, 64);
        ProcessMutex.format(slot);
        slot.set(ValueLayout.JAVA_LONG, ProcessMutex.OWNER_OFFSET, reusedPidToken());
        return ProcessMutex.in(slot);
    }

    @Test
    void mutexOwnedByAReusedPidIsTakenOver() throws InterruptedException {
        ProcessMutex mutex = mutexOfAReusedPid();
        assertTrue(mutex.toString().contains("held by pid 1 (dead)"), mutex.toString());
        assertEquals(Acquisition.OWNER_DIED, mutex.lock(), "the waiter checks the owner after a while");
        assertEquals(ProcessHandle.current().pid(), mutex.ownerPid().orElseThrow());
        mutex.markConsistent();
        mutex.unlock();
    }

    /** A timed try shorter than the liveness period still finds a dead holder, as the untimed try does. */
    @Test
    void aTimedTryShorterThanTheLivenessPeriodTakesOverFromADeadHolder() throws InterruptedException {
        ProcessMutex mutex = mutexOfAReusedPid();
        assertEquals(Acquisition.OWNER_DIED, mutex.tryLock(java.time.Duration.ofMillis(1)));
        mutex.unlock();
        ProcessSemaphore semaphore = ProcessSemaphore.in(semaphore(0, 0, 2, 0));
        assertEquals(Acquisition.OWNER_DIED, semaphore.tryAcquire(java.time.Duration.ofMillis(1)));
        assertEquals(1, semaphore.availablePermits());
    }

    @Test
    void permitsOfAReusedPidComeBack() {
        MemorySegment slot = semaphore(0, 0, 2, 0);
        ProcessSemaphore semaphore = ProcessSemaphore.in(slot);
        assertEquals(List.of("pid 1 (dead) holds 2"), semaphore.holders());
        assertEquals(Acquisition.OWNER_DIED, semaphore.tryAcquire());
        assertEquals(1, semaphore.availablePermits());
        assertEquals(1, semaphore.holders().size(), "the dead entry is freed; this handle's remains");
    }

    /**
     * A holder of entry 0 was killed while acquiring its second permit (of 2), after the
     * compare-and-set that set pending; {@code recordWritten} says whether it also wrote its record.
     * Either way the change is rolled forward, then both its permits come back.
     */
    @ParameterizedTest(name = "record written: {0}")
    @ValueSource(booleans = {false, true})
    void acquireCutOffInsideThePendingWindowIsRolledForward(boolean recordWritten) {
        MemorySegment slot = semaphore(0, 1, recordWritten ? 2 : 1, recordWritten ? 8 : 7);
        slot.set(ValueLayout.JAVA_LONG, entry(0) + ProcessSemaphore.ENTRY_INTENT_OFFSET, pack(1, 8));
        ProcessSemaphore semaphore = ProcessSemaphore.in(slot);
        assertEquals(Acquisition.OWNER_DIED, semaphore.tryAcquire());
        assertEquals(1, semaphore.availablePermits(), "2 permits back, 1 taken");
        assertEquals(1, semaphore.heldPermits());
    }

    /**
     * The same for a release of 1 of 2 held permits: the count already has it, the record must lose
     * it; the permit still held comes back once an acquirer finds none available.
     */
    @ParameterizedTest(name = "record written: {0}")
    @ValueSource(booleans = {false, true})
    void releaseCutOffInsideThePendingWindowIsRolledForward(boolean recordWritten) {
        MemorySegment slot = semaphore(1, 1, recordWritten ? 1 : 2, recordWritten ? 8 : 7);
        slot.set(ValueLayout.JAVA_LONG, entry(0) + ProcessSemaphore.ENTRY_INTENT_OFFSET, pack(-1, 8));
        ProcessSemaphore semaphore = ProcessSemaphore.in(slot);
        assertEquals(Acquisition.ACQUIRED, semaphore.tryAcquire(), "the released permit: nothing to recover yet");
        assertEquals(List.of("pid 1 (dead) holds 1", "pid " + ProcessHandle.current().pid() + " (alive) holds 1"),
                semaphore.holders(), "the dead holder's record lost the released permit");
        assertEquals(Acquisition.OWNER_DIED, semaphore.tryAcquire(), "none available: the dead holder's comes back");
        assertEquals(0, semaphore.availablePermits());
        assertEquals(2, semaphore.heldPermits());
    }

    /**
     * A semaphore of 4 entries whose entry 0 belongs to a dead process (a reused pid) holding
     * {@code held} permits with record sequence {@code sequence}; {@code count} permits available;
     * {@code pending} 1 if a change of entry 0 is in flight.
     */
    private MemorySegment semaphore(int count, int pending, int held, int sequence) {
        MemorySegment slot = arena.allocate(ProcessSemaphore.slotLength(4), 64);
        ProcessSemaphore.format(slot, 1, 4); // a tracked one starts with permits; the count is set next
        slot.set(ValueLayout.JAVA_LONG, ProcessSemaphore.STATE_OFFSET, pack(count, pending));
        slot.set(ValueLayout.JAVA_LONG, entry(0) + ProcessSemaphore.ENTRY_TOKEN_OFFSET, reusedPidToken());
        slot.set(ValueLayout.JAVA_LONG, entry(0) + ProcessSemaphore.ENTRY_RECORD_OFFSET, pack(held, sequence));
        return slot;
    }

    private static long entry(int i) {
        return ProcessSemaphore.ENTRIES_OFFSET + (long) ProcessSemaphore.ENTRY_LENGTH * i;
    }

    private static long pack(int low, int high) {
        return ((long) high << 32) | (low & 0xFFFF_FFFFL);
    }
}
