package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.platform.Futex;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoppedChangerTest {
    private static final int HOLDERS = 4;
    private static final int CHANGER = 3;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final Duration LONG_WAIT = Duration.ofSeconds(30);
    /** Holder entries of the semaphores whose dead holders are given back behind a stopped changer. */
    private static final int RECOVERY_HOLDERS = 2048;
    private static final int DEAD_HOLDERS = 2000;
    private final Arena arena = Arena.ofShared();
    private Process child;
    private ChildJvm jvm;
    private SharedArea area;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor();
        }
        if (jvm != null) {
            jvm.close();
        }
        if (area != null) {
            area.destroy();
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

        child = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sleep", "600")).start();
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
            LONG.setVolatile(slot, (long) ProcessSemaphore.STATE_OFFSET, cleared);
            if ((int) INT.getAndSet(slot, (long) ProcessSemaphore.SETTLERS_OFFSET, 0) != 0) {
                INT.getAndAdd(slot, (long) ProcessSemaphore.SETTLE_WAKES_OFFSET, 1);
                Futex.wakeAll(slot.address() + ProcessSemaphore.SETTLE_WAKES_OFFSET);
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

    /**
     * A settler killed in its sleep leaves nothing that makes later changes slower: the next change
     * that clears a pending one clears the settlers flag (with one needless wake), where a count of
     * settlers stayed at 1 for the object's life and every change of every process then made a
     * {@code FUTEX_WAKE}. A child JVM's release sleeps behind a stopped changer (a real child,
     * {@code sleep}), the child JVM is killed ({@code SIGKILL}) in that sleep, then the changer too;
     * this process's next try completes the dead changer's change. Every permit comes back.
     */
    @Test
    void aSettlerKilledInItsSleepLeavesNoTrace() throws Exception {
        area = SharedArea.create("settler", 2);
        MemorySegment slot = area.memory.asSlice(SharedArea.SEMAPHORE, ProcessSemaphore.slotLength(SharedArea.HOLDERS));
        jvm = ChildJvm.builder(SyncChild.class).args("sem-hold-release", area.segment.path().getFileName().toString())
                .quickStart().sharedClassArchive().hardTimeout(Duration.ofSeconds(120)).start();
        jvm.awaitLine("HELD", LONG_WAIT); // 1 available
        int changer = SharedArea.HOLDERS - 1;
        stopChangerPendingAcquire(slot, changer); // 0 available, pending on the stopped changer's entry
        area.setVolatile(SharedArea.FLAG, 1); // the child releases: behind the changer, it sleeps
        while ((int) INT.getVolatile(slot, (long) ProcessSemaphore.SETTLERS_OFFSET) == 0) {
            assertTrue(jvm.isAlive(), jvm.output());
            Thread.sleep(5); // the hang guard is the class timeout
        }
        jvm.kill();
        child.destroyForcibly(); // the changer dies too, stopped in its window
        child.waitFor();
        try (ProcessSemaphore semaphore = ProcessSemaphore.in(slot)) {
            // completes the dead changer's change, gives back both dead holders' permits, takes one
            assertEquals(Acquisition.OWNER_DIED, semaphore.tryAcquire());
            assertEquals(0, (int) INT.getVolatile(slot, (long) ProcessSemaphore.SETTLERS_OFFSET),
                    "the change that cleared the pending one cleared the killed settler's mark");
            assertEquals(Acquisition.OWNER_DIED, semaphore.tryAcquire());
            assertEquals(Acquisition.NOT_ACQUIRED, semaphore.tryAcquire());
            assertEquals(2, semaphore.heldPermits(), "both permits are back: the killed releaser's and the changer's");
            semaphore.release(2);
            assertEquals(2, semaphore.availablePermits());
            assertEquals(0, (int) INT.getVolatile(slot, (long) ProcessSemaphore.SETTLERS_OFFSET));
        }
    }

    /**
     * A wait that gives back a dead holder's permits behind a stopped changer is part of the
     * handle's lifecycle: a {@code close()} from another thread ends it with {@link ClosedException}
     * while the changer is still stopped, and the dead holder's permit is not stranded in this live
     * process's entry (it used to stay there until the JVM exited, and tryAcquire() threw a raw
     * IllegalStateException from the unmapped file). See {@link #recoveryBehindAStoppedChanger} for
     * the set-up. (A {@code tryAcquire()} does not wait there:
     * {@link #aWaitToGiveBackADeadHoldersPermitsEndsAsItsVerbSays}.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"acquire", "timed"})
    void closeEndsAWaitToGiveBackADeadHoldersPermits(String verb, Path root) throws Exception {
        long self = ProcessIdentity.current().token();
        for (int round = 0; ; round++) {
            assertTrue(round < 10, "the pending change never came while the permits were being given back");
            String name = "recovering-" + verb + "-" + round;
            ProcessSemaphore semaphore = ProcessSemaphore.create(name, 1, RECOVERY_HOLDERS, 0600);
            try (Arena mapping = Arena.ofShared()) {
                MemorySegment slot = mapSlot(root, name, mapping);
                AtomicReference<Object> outcome = new AtomicReference<>();
                long deadToken = recoveryBehindAStoppedChanger(slot);
                Thread acquirer = acquirer(outcome, switch (verb) {
                    case "acquire" -> semaphore::acquire;
                    case "timed" -> () -> semaphore.tryAcquire(Duration.ofSeconds(60));
                    default -> throw new IllegalArgumentException(verb);
                });
                awaitRecoveryStarted(slot);
                pendRelease(slot, RECOVERY_HOLDERS - 1);
                if (!awaitTakenOverBehindTheChange(slot, self, deadToken)) {
                    // the recovery gave them all back before the change came: again, with a new object
                    acquirer.interrupt();
                    acquirer.join();
                    semaphore.close();
                    child.destroyForcibly();
                    child.waitFor();
                    continue;
                }
                semaphore.close();
                acquirer.join(); // the hang guard is the class timeout
                assertTrue(ProcessStates.isStopped(child.pid()), "the changer is still stopped");
                assertTrue(outcome.get() instanceof ClosedException, String.valueOf(outcome.get()));
                child.destroyForcibly(); // the changer dies in its window; its release is rolled forward
                child.waitFor();
                try (ProcessSemaphore fresh = ProcessSemaphore.open(name)) {
                    int taken = 0;
                    while (fresh.tryAcquire() != Acquisition.NOT_ACQUIRED) {
                        taken++;
                    }
                    assertEquals(DEAD_HOLDERS + 1, taken, "every permit comes back: " + fresh.holders());
                    fresh.release(taken);
                }
                return;
            } finally {
                semaphore.close();
                ProcessSemaphore.destroy(name);
            }
        }
    }

    /**
     * An acquirer giving back dead holders' permits behind a change pending of a stopped process
     * ends as its verb says while that process is still stopped (it used to wait until the changer
     * continued or died): {@code tryAcquire()} returns {@link Acquisition#NOT_ACQUIRED} at once,
     * {@code tryAcquire(1 s)} at its deadline, and {@code acquire()} and {@code tryAcquire(60 s)}
     * throw {@link InterruptedException} when interrupted. See
     * {@link #recoveryBehindAStoppedChanger} for the set-up. Nothing is taken and nothing stranded:
     * the dead holder's entries not yet given back keep their permits, the changer's change stays
     * pending, and once the changer continues and completes it, every permit is there.
     */
    @ParameterizedTest
    @ValueSource(strings = {"try", "timed", "acquire-interrupted", "timed-interrupted"})
    void aWaitToGiveBackADeadHoldersPermitsEndsAsItsVerbSays(String verb, Path root) throws Exception {
        boolean interrupted = verb.endsWith("-interrupted");
        long self = ProcessIdentity.current().token();
        int changer = RECOVERY_HOLDERS - 1;
        for (int round = 0; ; round++) {
            assertTrue(round < 10, "the pending change never came while the permits were being given back");
            String name = "recovering-" + verb + "-" + round;
            try (ProcessSemaphore semaphore = ProcessSemaphore.create(name, 1, RECOVERY_HOLDERS, 0600);
                 Arena mapping = Arena.ofShared()) {
                MemorySegment slot = mapSlot(root, name, mapping);
                AtomicReference<Object> outcome = new AtomicReference<>();
                long deadToken = recoveryBehindAStoppedChanger(slot);
                Thread acquirer = acquirer(outcome, switch (verb) {
                    case "try" -> semaphore::tryAcquire;
                    case "timed" -> () -> semaphore.tryAcquire(Duration.ofSeconds(1));
                    case "acquire-interrupted" -> semaphore::acquire;
                    default -> () -> semaphore.tryAcquire(Duration.ofSeconds(60));
                });
                awaitRecoveryStarted(slot);
                long pendingState = pendRelease(slot, changer);
                if (interrupted) { // once it waits with a dead entry taken over (or is done with them all)
                    awaitTakenOverBehindTheChange(slot, self, deadToken);
                    acquirer.interrupt();
                }
                acquirer.join(Duration.ofSeconds(20));
                assertFalse(acquirer.isAlive(), verb + " still waits behind the stopped changer");
                if (holding(slot, deadToken) == 0) { // it gave back all before the change came: again
                    acquirer.interrupt();
                    child.destroyForcibly();
                    child.waitFor();
                    continue;
                }
                assertTrue(ProcessStates.isStopped(child.pid()), "the changer is still stopped");
                if (interrupted) {
                    assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
                } else {
                    assertEquals(Acquisition.NOT_ACQUIRED, outcome.get());
                }
                assertEquals(pendingState, (long) LONG.getVolatile(slot, (long) ProcessSemaphore.STATE_OFFSET),
                        "the stopped changer's change is still pending, as it was");
                assertEquals(-1, takenOverHolding(slot, self), "no dead holder's permit stays in this process's entry");
                assertEquals(0, semaphore.heldPermits(), "nothing taken");

                // the changer continues and completes its release, as ProcessSemaphore's tryMove does
                signal("CONT", child.pid());
                complete(slot, changer, pendingState);
                int taken = 0;
                while (semaphore.tryAcquire() != Acquisition.NOT_ACQUIRED) {
                    taken++;
                }
                assertEquals(DEAD_HOLDERS + 1, taken, "every permit comes back: " + semaphore.holders());
                semaphore.release(taken);
                assertEquals(DEAD_HOLDERS + 1, semaphore.availablePermits());
                return;
            } finally {
                ProcessSemaphore.destroy(name);
            }
        }
    }

    /** Maps the slot of the named semaphore {@code name} (of {@link #RECOVERY_HOLDERS} entries) in {@code root}. */
    private static MemorySegment mapSlot(Path root, String name, Arena mapping) throws IOException {
        try (FileChannel file = FileChannel.open(root.resolve("sync/" + name), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return file.map(FileChannel.MapMode.READ_WRITE, 0, file.size(), mapping)
                    .asSlice(SyncFileDescriptor.SLOT_OFFSET, ProcessSemaphore.slotLength(RECOVERY_HOLDERS));
        }
    }

    /**
     * Makes the tracked semaphore in {@code slot} (created with a permit, as a tracked one must be;
     * this takes it away: none available) one whose acquirer must give
     * back dead holders' permits while a stopped process holds the last one: entries 0 to
     * {@link #DEAD_HOLDERS} - 1 get the token of a process that has died (a real one, {@code
     * sleep}, killed) and one permit each, as a killed process's handles leave them; the last entry
     * a stopped child's ({@link #child}, a real {@code sleep}) with one permit, whose release
     * {@link #pendRelease} later writes as pending, as it would leave it stopped inside its pending
     * window. So many dead entries that giving their permits back takes a while, during which the
     * test, told by {@link #awaitRecoveryStarted}, makes that change pending (a few dead entries
     * were given back before this thread looked again, under load, in 2 of 6 cases of a run). Returns
     * the dead process's token.
     */
    private long recoveryBehindAStoppedChanger(MemorySegment slot) throws Exception {
        LONG.setVolatile(slot, (long) ProcessSemaphore.STATE_OFFSET, pack(0, 0));
        Process dead = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sleep", "600")).start();
        long deadToken = ProcessIdentity.of(dead.pid()).orElseThrow().token();
        dead.destroyForcibly();
        dead.waitFor();
        for (int i = 0; i < DEAD_HOLDERS; i++) {
            long entry = entry(i);
            LONG.setVolatile(slot, entry + ProcessSemaphore.ENTRY_RECORD_OFFSET, pack(1, 1));
            LONG.setVolatile(slot, entry + ProcessSemaphore.ENTRY_TOKEN_OFFSET, deadToken);
        }
        int changer = RECOVERY_HOLDERS - 1;
        child = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sleep", "600")).start();
        signal("STOP", child.pid());
        ProcessStates.awaitStopped(child.pid(), Duration.ofSeconds(10));
        LONG.setVolatile(slot, entry(changer) + ProcessSemaphore.ENTRY_RECORD_OFFSET, pack(1, 1));
        LONG.setVolatile(slot, entry(changer) + ProcessSemaphore.ENTRY_TOKEN_OFFSET,
                ProcessIdentity.of(child.pid()).orElseThrow().token());
        return deadToken;
    }

    /** A call of the semaphore whose result or exception {@link #acquirer} keeps. */
    @FunctionalInterface
    private interface Verb {
        Object call() throws Exception;
    }

    /** Starts a platform thread that calls {@code verb} and stores its result or exception in {@code outcome}. */
    private static Thread acquirer(AtomicReference<Object> outcome, Verb verb) {
        return Thread.ofPlatform().start(() -> {
            try {
                outcome.set(verb.call());
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
    }

    /** Waits until an acquirer gives back a first dead entry's permit (it marks the semaphore inconsistent first). */
    private static void awaitRecoveryStarted(MemorySegment slot) {
        while ((int) INT.getVolatile(slot, (long) ProcessSemaphore.CONSISTENCY_OFFSET) == 0) {
            Thread.onSpinWait(); // the hang guard is the class timeout
        }
    }

    /**
     * Waits until this process ({@code self}) has taken over a dead entry whose permit it cannot
     * give back until the pending change clears (true), or no entry of the dead process
     * ({@code deadToken}) holds a permit any more (false: the recovery was done before the change
     * came, or gave up, giving the entry back).
     */
    private static boolean awaitTakenOverBehindTheChange(MemorySegment slot, long self, long deadToken) {
        while (true) {
            if (takenOverHolding(slot, self) >= 0) {
                return true;
            }
            if (holding(slot, deadToken) == 0) {
                return takenOverHolding(slot, self) >= 0;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * A semaphore handle's settle that gave up on a stopped changer's change does not take a
     * later change for it because that change leaves the same state: the same count, pending on the
     * same entry (the changer acquired, released and stopped in its next acquire). It used to (its
     * state alone was compared), and an acquirer then slept up to 100 ms behind a change of a few
     * instructions. The changer is a real stopped child; its changes are written into the slot.
     */
    @Test
    void aLaterChangeLeavingTheSameStateIsNotTakenForTheOneGivenUpOn() throws Exception {
        MemorySegment slot = arena.allocate(ProcessSemaphore.slotLength(HOLDERS), 64);
        ProcessSemaphore.format(slot, 2, HOLDERS);
        try (ProcessSemaphore semaphore = ProcessSemaphore.in(slot)) {
            long pendingState = stopChangerPendingAcquire(slot, CHANGER); // count 1, intent +1 (sequence 1)
            assertEquals(Acquisition.NOT_ACQUIRED, semaphore.tryAcquire(), "behind the stopped changer");
            assertTrue(semaphore.givenUpBefore(pendingState));

            signal("CONT", child.pid()); // it completes its acquire, releases, and stops in its next acquire
            complete(slot, CHANGER, pendingState);
            LONG.setVolatile(slot, entry(CHANGER) + ProcessSemaphore.ENTRY_INTENT_OFFSET, pack(-1, 2));
            long releasing = pack(2, CHANGER + 1);
            assertTrue(LONG.compareAndSet(slot, (long) ProcessSemaphore.STATE_OFFSET, pack(1, 0), releasing));
            complete(slot, CHANGER, releasing);
            signal("STOP", child.pid());
            ProcessStates.awaitStopped(child.pid(), Duration.ofSeconds(10));
            LONG.setVolatile(slot, entry(CHANGER) + ProcessSemaphore.ENTRY_INTENT_OFFSET, pack(1, 3));
            assertTrue(LONG.compareAndSet(slot, (long) ProcessSemaphore.STATE_OFFSET, pack(2, 0), pendingState),
                    "the same state again");

            assertFalse(semaphore.givenUpBefore(pendingState), "a later change, though it leaves the same state");
            assertEquals(Acquisition.NOT_ACQUIRED, semaphore.tryAcquire(), "behind the stopped changer");
            assertTrue(semaphore.givenUpBefore(pendingState), "this one it gave up on now");

            signal("CONT", child.pid());
            complete(slot, CHANGER, pendingState);
            assertEquals(Acquisition.ACQUIRED, semaphore.tryAcquire());
            assertEquals(0, semaphore.availablePermits());
            semaphore.release();
            assertEquals(1, semaphore.availablePermits(), "one permit free, the changer holds the other");
            assertEquals(pack(1, 3), slot.get(ValueLayout.JAVA_LONG,
                    entry(CHANGER) + ProcessSemaphore.ENTRY_RECORD_OFFSET));
        }
    }

    /** How many entries of {@code token} hold permits. */
    private static int holding(MemorySegment slot, long token) {
        int holding = 0;
        for (int i = 0; i < RECOVERY_HOLDERS; i++) {
            if ((long) LONG.getVolatile(slot, entry(i) + ProcessSemaphore.ENTRY_TOKEN_OFFSET) == token
                    && (int) (long) LONG.getVolatile(slot, entry(i) + ProcessSemaphore.ENTRY_RECORD_OFFSET) > 0) {
                holding++;
            }
        }
        return holding;
    }

    /** An entry of this process ({@code self}) that holds permits (a dead holder's, taken over), or -1. */
    private static int takenOverHolding(MemorySegment slot, long self) {
        for (int i = 0; i < RECOVERY_HOLDERS; i++) {
            if ((long) LONG.getVolatile(slot, entry(i) + ProcessSemaphore.ENTRY_TOKEN_OFFSET) == self
                    && (int) (long) LONG.getVolatile(slot, entry(i) + ProcessSemaphore.ENTRY_RECORD_OFFSET) > 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Writes what the holder of entry {@code changer} leaves when it stops inside the pending window
     * of a release of one permit: its intent (-1, next sequence number) and the count moved, pending
     * on its entry (from a state with none). Returns the pending state.
     */
    private static long pendRelease(MemorySegment slot, int changer) {
        long record = (long) LONG.getVolatile(slot, entry(changer) + ProcessSemaphore.ENTRY_RECORD_OFFSET);
        LONG.setVolatile(slot, entry(changer) + ProcessSemaphore.ENTRY_INTENT_OFFSET,
                pack(-1, (int) (record >>> 32) + 1));
        while (true) {
            long s = (long) LONG.getVolatile(slot, (long) ProcessSemaphore.STATE_OFFSET);
            long pendingState = pack((int) s + 1, changer + 1);
            if (s >>> 32 == 0 && LONG.compareAndSet(slot, (long) ProcessSemaphore.STATE_OFFSET, s, pendingState)) {
                return pendingState;
            }
        }
    }

    /**
     * Completes the change pending on entry {@code changer} (state {@code pendingState}) as its changer
     * does: the record from the intent, the pending field cleared, the settlers woken.
     */
    private static void complete(MemorySegment slot, int changer, long pendingState) {
        long intent = (long) LONG.getVolatile(slot, entry(changer) + ProcessSemaphore.ENTRY_INTENT_OFFSET);
        long record = (long) LONG.getVolatile(slot, entry(changer) + ProcessSemaphore.ENTRY_RECORD_OFFSET);
        LONG.setVolatile(slot, entry(changer) + ProcessSemaphore.ENTRY_RECORD_OFFSET,
                pack((int) record + (int) intent, (int) (intent >>> 32)));
        assertTrue(LONG.compareAndSet(slot, (long) ProcessSemaphore.STATE_OFFSET, pendingState,
                pack((int) pendingState, 0)), "the change is still pending");
        if ((int) INT.getAndSet(slot, (long) ProcessSemaphore.SETTLERS_OFFSET, 0) != 0) {
            INT.getAndAdd(slot, (long) ProcessSemaphore.SETTLE_WAKES_OFFSET, 1);
            Futex.wakeAll(slot.address() + ProcessSemaphore.SETTLE_WAKES_OFFSET);
        }
    }

    private static long entry(int i) {
        return ProcessSemaphore.ENTRIES_OFFSET + (long) ProcessSemaphore.ENTRY_LENGTH * i;
    }

    /**
     * Starts a real child ({@code sleep}), stops it, and writes into {@code slot} what it would leave
     * had it stopped inside an acquire's pending window on entry {@code changer}: its token, its
     * intent (+1, sequence 1), the count taken and the state pending on its entry (the record not
     * yet written). Returns the pending state.
     */
    private long stopChangerPendingAcquire(MemorySegment slot, int changer) throws Exception {
        child = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sleep", "600")).start();
        signal("STOP", child.pid());
        ProcessStates.awaitStopped(child.pid(), Duration.ofSeconds(10));
        long token = ProcessIdentity.of(child.pid()).orElseThrow().token();
        long entry = ProcessSemaphore.ENTRIES_OFFSET + (long) ProcessSemaphore.ENTRY_LENGTH * changer;
        assertTrue(LONG.compareAndSet(slot, entry + ProcessSemaphore.ENTRY_TOKEN_OFFSET, 0L, token));
        LONG.setVolatile(slot, entry + ProcessSemaphore.ENTRY_INTENT_OFFSET, pack(1, 1));
        while (true) {
            long s = (long) LONG.getVolatile(slot, (long) ProcessSemaphore.STATE_OFFSET);
            assertEquals(0, s >>> 32, "no change pending");
            assertTrue((int) s > 0, "a permit to take");
            long pendingState = pack((int) s - 1, changer + 1);
            if (LONG.compareAndSet(slot, (long) ProcessSemaphore.STATE_OFFSET, s, pendingState)) {
                return pendingState;
            }
        }
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
