package io.jipc.sync;

import io.jipc.platform.Futex;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tracked semaphore's {@code release()} behind a change pending of another process that is
 * stopped ({@code SIGSTOP}) inside the pending window: it waits asleep (its virtual thread parks
 * rather than spinning), keeps an interrupt for later, and returns once the changer completes its
 * change, or dies (the release then completes the change itself). The stopped changer is a real
 * child process ({@code sleep}); the state it would leave (intent written, count moved, pending set,
 * record not yet written) is written into the slot, as {@link DeadHolderRecoveryTest} does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoppedChangerTest {
    private static final int HOLDERS = 4;
    private static final int CHANGER = 3;
    private final Arena arena = Arena.ofShared();
    private Process child;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor();
        }
        arena.close();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void releaseWaitsAsleepForAStoppedChangerThenGoesOn(boolean changerDies) throws Exception {
        MemorySegment slot = arena.allocate(ProcessSemaphore.slotLength(HOLDERS), 64);
        ProcessSemaphore.format(slot, 2, HOLDERS);
        ProcessSemaphore semaphore = ProcessSemaphore.in(slot);
        assertEquals(Acquisition.ACQUIRED, semaphore.acquire()); // entry 0 holds 1; 1 available

        child = new ProcessBuilder("sleep", "600").start();
        signal("STOP", child.pid());
        ProcessStates.awaitStopped(child.pid(), Duration.ofSeconds(10));
        long token = ProcessIdentity.of(child.pid()).orElseThrow().token();
        // the child, acquiring one permit, stopped after its compare-and-set (count 1 -> 0, pending)
        long entry = ProcessSemaphore.ENTRIES_OFFSET + (long) ProcessSemaphore.ENTRY_LENGTH * CHANGER;
        slot.set(ValueLayout.JAVA_LONG, entry + ProcessSemaphore.ENTRY_TOKEN_OFFSET, token);
        slot.set(ValueLayout.JAVA_LONG, entry + ProcessSemaphore.ENTRY_INTENT_OFFSET, pack(1, 1));
        long pendingState = pack(0, CHANGER + 1);
        slot.set(ValueLayout.JAVA_LONG, ProcessSemaphore.STATE_OFFSET, pendingState);

        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread releaser = Thread.ofVirtual().start(() -> {
            try {
                semaphore.release();
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        awaitAsleep(releaser); // not spinning: parked in its futex wait
        releaser.interrupt();
        awaitAsleep(releaser); // an interrupt does not end the wait
        assertTrue(releaser.isAlive());
        assertEquals(pendingState, slot.get(ValueLayout.JAVA_LONG, ProcessSemaphore.STATE_OFFSET),
                "nothing moves while the changer is stopped");

        if (changerDies) {
            child.destroyForcibly(); // SIGKILL ends a stopped process too
            child.waitFor();
        } else { // the changer continues and finishes its change, as ProcessSemaphore's tryMove does
            signal("CONT", child.pid());
            slot.set(ValueLayout.JAVA_LONG, entry + ProcessSemaphore.ENTRY_RECORD_OFFSET, pack(1, 1));
            long cleared = pack(0, 0);
            slot.set(ValueLayout.JAVA_LONG, ProcessSemaphore.STATE_OFFSET, cleared);
            if (slot.get(ValueLayout.JAVA_INT, ProcessSemaphore.SETTLERS_OFFSET) != 0) {
                long pendingHalf = ProcessSemaphore.STATE_OFFSET
                        + (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 4 : 0);
                Futex.wakeAll(slot.address() + pendingHalf);
            }
        }
        releaser.join();
        assertNull(failure.get());
        assertTrue(interruptedAfter.get(), "the interrupt is kept for the caller");
        assertEquals(1, semaphore.availablePermits(), "the release went through, the changer's permit stays taken");
        assertEquals(0, semaphore.heldPermits());
        assertEquals(1, (int) slot.get(ValueLayout.JAVA_LONG, entry + ProcessSemaphore.ENTRY_RECORD_OFFSET),
                "the changer holds its permit (completed by the release if it died)");
        assertEquals(0, slot.get(ValueLayout.JAVA_INT, ProcessSemaphore.SETTLERS_OFFSET));
        semaphore.close();
    }

    /** Waits until the virtual thread is parked (it spins or yields RUNNABLE), hang-guarded by the class timeout. */
    private static void awaitAsleep(Thread thread) throws InterruptedException {
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(thread.isAlive(), "the releaser ended");
            Thread.sleep(5);
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor());
    }

    private static long pack(int low, int high) {
        return ((long) high << 32) | (low & 0xFFFF_FFFFL);
    }
}
