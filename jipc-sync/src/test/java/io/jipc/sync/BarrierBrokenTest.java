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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracked barrier's format, a dead party (an entry written into the slot, as a killed process
 * leaves it) breaking a generation, and {@code reset()}, within one process. The kill itself is in
 * {@link SyncProcessesTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BarrierBrokenTest {
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void free() {
        arena.close();
    }

    /** A token with the pid of a live process (init) but another start time: a dead process. */
    static long deadToken() {
        ProcessIdentity init = ProcessIdentity.of(1).orElseThrow();
        long token = new ProcessIdentity(1, init.startTime() + 1).token();
        assertFalse(ProcessIdentity.isAlive(token));
        return token;
    }

    private MemorySegment trackedSlot(int parties) {
        return trackedSlot(arena, parties);
    }

    /** A tracked barrier of {@code parties} formatted in memory of {@code arena}. */
    static MemorySegment trackedSlot(Arena arena, int parties) {
        MemorySegment slot = arena.allocate(ProcessBarrier.slotLength(parties), 64);
        ProcessBarrier.formatTracked(slot, parties);
        return slot;
    }

    /** Writes what a party killed while waiting in {@code generation} leaves: its entry, and its arrival counted. */
    private static void deadArrival(MemorySegment slot, int entry, int generation) {
        long at = ProcessBarrier.ENTRIES_OFFSET + (long) ProcessBarrier.ENTRY_LENGTH * entry;
        slot.set(ValueLayout.JAVA_LONG, at + ProcessBarrier.ENTRY_TOKEN_OFFSET, deadToken());
        slot.set(ValueLayout.JAVA_INT, at + ProcessBarrier.ENTRY_GENERATION_OFFSET, generation);
        long state = slot.get(ValueLayout.JAVA_LONG, ProcessBarrier.STATE_OFFSET);
        slot.set(ValueLayout.JAVA_LONG, ProcessBarrier.STATE_OFFSET, state + 1);
    }

    @Test
    void trackedFormatHasTwoEntriesPerPartyAfterTheHeader() {
        assertEquals(64 + 16 * 2 * 3 + 8 * 3, ProcessBarrier.slotLength(3), "party entries, then the joined table");
        assertEquals(64 + (16L * 2 + 8) * ProcessBarrier.MAX_TRACKED_PARTIES,
                ProcessBarrier.slotLength(ProcessBarrier.MAX_TRACKED_PARTIES));
        assertThrows(IllegalArgumentException.class, () -> ProcessBarrier.slotLength(0));
        assertThrows(IllegalArgumentException.class, () -> ProcessBarrier.slotLength(ProcessBarrier.MAX_TRACKED_PARTIES + 1));
        MemorySegment slot = trackedSlot(3);
        assertEquals(6, slot.get(ValueLayout.JAVA_INT, ProcessBarrier.ENTRY_COUNT_OFFSET));
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            assertTrue(barrier.tracked());
            assertEquals(3, barrier.parties());
            assertTrue(barrier.toString().contains("tracked"), barrier.toString());
        }
        assertThrows(IllegalArgumentException.class,
                () -> ProcessBarrier.formatTracked(arena.allocate(ProcessBarrier.slotLength(3) - 8, 64), 3));
    }

    @Test
    void untrackedFormatIsTheOldLayout() {
        MemorySegment slot = arena.allocate(ProcessBarrier.SLOT_LENGTH, 64);
        ProcessBarrier.format(slot, 2);
        for (long offset = ProcessBarrier.BROKEN_RECORD_OFFSET; offset < ProcessBarrier.SLOT_LENGTH; offset++) {
            assertEquals(0, slot.get(ValueLayout.JAVA_BYTE, offset), "byte " + offset + " stays zero as in 1.1");
        }
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            assertFalse(barrier.tracked());
        }
    }

    /**
     * The broken history (word 56) tells a broken generation from a tripped one for the last 32
     * generations back from the latest break, across the wrap of the 32-bit generation, and says it
     * cannot tell further back.
     */
    @Test
    void theBrokenHistoryTellsTheLast32Generations() {
        assertEquals(0, ProcessBarrier.brokenInHistory(0, 5), "nothing broke yet");
        long history = ProcessBarrier.withBroken(0, 5);
        assertEquals(1, ProcessBarrier.brokenInHistory(history, 5));
        assertEquals(0, ProcessBarrier.brokenInHistory(history, 4));
        assertEquals(0, ProcessBarrier.brokenInHistory(history, 6), "ended after the latest break: tripped");
        history = ProcessBarrier.withBroken(history, 7);
        assertEquals(1, ProcessBarrier.brokenInHistory(history, 7));
        assertEquals(0, ProcessBarrier.brokenInHistory(history, 6));
        assertEquals(1, ProcessBarrier.brokenInHistory(history, 5), "two breaks later, 5 still broke");
        history = ProcessBarrier.withBroken(history, 6); // a breaker's late record of an earlier generation
        assertEquals(1, ProcessBarrier.brokenInHistory(history, 6));
        assertEquals(1, ProcessBarrier.brokenInHistory(history, 7), "the latest stays");
        assertEquals(0, ProcessBarrier.brokenInHistory(history, 8));
        long later = ProcessBarrier.withBroken(history, 7 + 31);
        assertEquals(1, ProcessBarrier.brokenInHistory(later, 7), "31 generations back: in the window");
        assertEquals(-1, ProcessBarrier.brokenInHistory(later, 6), "32 back: cannot tell");
        assertEquals(0, ProcessBarrier.brokenInHistory(later, 8));
        assertEquals(later, ProcessBarrier.withBroken(later, 5), "a record older than the window changes nothing");
        long far = ProcessBarrier.withBroken(history, 7 + 100);
        assertEquals(1, ProcessBarrier.brokenInHistory(far, 7 + 100));
        assertEquals(0, ProcessBarrier.brokenInHistory(far, 7 + 99));
        assertEquals(-1, ProcessBarrier.brokenInHistory(far, 7));
        long wrapped = ProcessBarrier.withBroken(ProcessBarrier.withBroken(0, -1), 1);
        assertEquals(1, ProcessBarrier.brokenInHistory(wrapped, -1), "generation 0xffffffff, before the wrap");
        assertEquals(0, ProcessBarrier.brokenInHistory(wrapped, 0));
        assertEquals(1, ProcessBarrier.brokenInHistory(wrapped, 1));
    }

    @Test
    void aSlotClaimingMoreEntriesThanItHoldsIsCorrupt() {
        MemorySegment slot = trackedSlot(3);
        slot.set(ValueLayout.JAVA_INT, ProcessBarrier.ENTRY_COUNT_OFFSET, 7);
        assertThrows(io.jipc.CorruptSegmentException.class, () -> ProcessBarrier.in(slot));
        slot.set(ValueLayout.JAVA_INT, ProcessBarrier.ENTRY_COUNT_OFFSET, 6);
        assertThrows(io.jipc.CorruptSegmentException.class, () -> ProcessBarrier.in(slot.asSlice(0, 64 + 16 * 5)));
    }

    @Test
    void aDeadWaitingPartyBreaksTheGenerationForWaitersAndLaterArrivals() throws Exception {
        MemorySegment slot = trackedSlot(3);
        deadArrival(slot, 5, 0);
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            CompletableFuture<Integer> waiter = async(barrier::await);
            ExecutionException e = assertThrows(ExecutionException.class, waiter::get);
            BarrierBrokenException broken = assertInstanceOf(BarrierBrokenException.class, e.getCause());
            assertEquals(1, broken.deadPid().orElseThrow(), broken.getMessage());
            assertTrue(broken.getMessage().contains("party process 1 died"), broken.getMessage());
            assertTrue(barrier.isBroken());
            assertTrue(barrier.toString().contains("broken (pid 1 died)"), barrier.toString());

            BarrierBrokenException later = assertThrows(BarrierBrokenException.class, () -> barrier.await(Duration.ZERO));
            assertEquals(1, later.deadPid().orElseThrow());
            assertEquals(0, liveEntries(slot, 5), "the failed waiter freed its entry");
        }
    }

    /**
     * A party killed while it waited alone, whose waits nobody checked since (no live waiter): the
     * arrival that would complete the round finds the arrivals-checked stamp never written or too
     * old, checks the generation itself and breaks it instead of counting the dead arrival.
     */
    @ParameterizedTest(name = "stamp {0} ms old")
    @ValueSource(longs = {-1, 10_000})
    void anArrivalCompletingARoundNobodyCheckedRecentlyBreaksItForADeadParty(long staleMillis) throws Exception {
        MemorySegment slot = trackedSlot(2);
        deadArrival(slot, 3, 0);
        slot.set(ValueLayout.JAVA_LONG, ProcessBarrier.ARRIVALS_CHECKED_OFFSET,
                staleMillis < 0 ? 0 : System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(staleMillis));
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            BarrierBrokenException broken = assertThrows(BarrierBrokenException.class,
                    () -> barrier.await(Duration.ofSeconds(60)), "the dead party's arrival is not counted");
            assertEquals(1, broken.deadPid().orElseThrow(), broken.getMessage());
            assertTrue(barrier.isBroken());
            assertEquals(0, liveEntries(slot, 4), "the failed arrival freed its entry");
            barrier.reset();
            roundOf(barrier, 2);
        }
    }

    /**
     * The documented window: a check ran just now (a stamp a live waiter would have left), so a
     * party that died since is counted and the round completes.
     */
    @Test
    void anArrivalCompletingARoundCheckedRecentlyCountsAPartyThatDiedSince() throws Exception {
        MemorySegment slot = trackedSlot(2);
        deadArrival(slot, 3, 0);
        slot.set(ValueLayout.JAVA_LONG, ProcessBarrier.ARRIVALS_CHECKED_OFFSET, System.nanoTime());
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            assertTrue(barrier.toString().contains(", 1 arrived (1 dead), "), barrier.toString());
            assertEquals(0, barrier.await(Duration.ofSeconds(60)), "the last party");
            assertFalse(barrier.isBroken());
            assertEquals(1, (int) (slot.get(ValueLayout.JAVA_LONG, ProcessBarrier.STATE_OFFSET) >>> 32), "tripped");
        }
    }

    /** The first arrival of a generation stamps "arrivals checked"; an untracked barrier writes no stamp. */
    @Test
    void theFirstArrivalOfATrackedBarrierStampsTheArrivalsChecked() throws Exception {
        MemorySegment slot = trackedSlot(2);
        MemorySegment untracked = arena.allocate(ProcessBarrier.SLOT_LENGTH, 64);
        ProcessBarrier.format(untracked, 2);
        try (ProcessBarrier barrier = ProcessBarrier.in(slot); ProcessBarrier plain = ProcessBarrier.in(untracked)) {
            long before = System.nanoTime();
            Thread waiter = Thread.ofPlatform().daemon().start(() -> {
                try {
                    barrier.await(Duration.ofSeconds(60));
                } catch (InterruptedException | TimeoutException expected) {
                    // withdrawn
                }
            });
            while (barrier.arrived() == 0) {
                Thread.onSpinWait();
            }
            long stamp = slot.get(ValueLayout.JAVA_LONG, ProcessBarrier.ARRIVALS_CHECKED_OFFSET);
            assertTrue(stamp != 0 && stamp - before >= 0, "stamped by the arrival (before any check): " + stamp);
            waiter.interrupt();
            waiter.join();
            assertEquals(0, barrier.arrived());
            assertThrows(TimeoutException.class, () -> plain.await(Duration.ofMillis(250)));
            assertEquals(0, untracked.get(ValueLayout.JAVA_LONG, ProcessBarrier.ARRIVALS_CHECKED_OFFSET));
        }
    }

    @Test
    void resetMakesABrokenBarrierUsableForTheNextGeneration() throws Exception {
        MemorySegment slot = trackedSlot(3);
        deadArrival(slot, 0, 0);
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            assertThrows(BarrierBrokenException.class, barrier::await, "the waiter checks the entries after a while");
            barrier.reset();
            assertFalse(barrier.isBroken());
            assertEquals(0, barrier.arrived());
            assertEquals(1, (int) (slot.get(ValueLayout.JAVA_LONG, ProcessBarrier.STATE_OFFSET) >>> 32), "generation + 1");
            roundOf(barrier, 3); // the dead party's stale entry (generation 0) no longer counts
            roundOf(barrier, 3);
            assertFalse(barrier.isBroken());
        }
    }

    @Test
    void resetBreaksTheWaitersOfTheCurrentGeneration() throws Exception {
        MemorySegment slot = arena.allocate(ProcessBarrier.SLOT_LENGTH, 64);
        ProcessBarrier.format(slot, 2);
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            CompletableFuture<Integer> waiter = async(() -> barrier.await(Duration.ofSeconds(60)));
            while (barrier.arrived() == 0) {
                Thread.onSpinWait();
            }
            barrier.reset();
            ExecutionException e = assertThrows(ExecutionException.class, waiter::get);
            BarrierBrokenException broken = assertInstanceOf(BarrierBrokenException.class, e.getCause(),
                    "a waiter of a reset generation does not pass as if it tripped");
            assertTrue(broken.deadPid().isEmpty());
            assertFalse(barrier.isBroken());
            roundOf(barrier, 2);
        }
    }

    @Test
    void aTimedOutWaiterOfATrackedBarrierWithdrawsAndFreesItsEntry() throws Exception {
        MemorySegment slot = trackedSlot(2);
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            assertThrows(TimeoutException.class, () -> barrier.await(Duration.ofMillis(20)));
            assertEquals(0, barrier.arrived());
            assertEquals(0, liveEntries(slot, 4));
            roundOf(barrier, 2);
            assertEquals(0, liveEntries(slot, 4), "every party freed its entry after the round");
        }
    }

    /** Live parties in many quick rounds: no false break, and every entry free at the end. */
    @Test
    void liveThreadsPassManyRoundsOfATrackedBarrier() throws Exception {
        int parties = 4;
        int rounds = 2_000;
        MemorySegment slot = trackedSlot(parties);
        try (ProcessBarrier barrier = ProcessBarrier.in(slot)) {
            List<CompletableFuture<Integer>> all = new ArrayList<>();
            for (int t = 0; t < parties; t++) {
                all.add(async(() -> {
                    for (int r = 0; r < rounds; r++) {
                        barrier.await();
                    }
                    return rounds;
                }));
            }
            for (CompletableFuture<Integer> f : all) {
                assertEquals(rounds, f.get());
            }
            assertFalse(barrier.isBroken());
            assertEquals(0, liveEntries(slot, 2 * parties));
        }
    }

    /** Runs {@code call} on a thread of its own (the common pool may have a single thread). */
    static <T> CompletableFuture<T> async(Callable<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Entries in use among the first {@code entries}. */
    private static int liveEntries(MemorySegment slot, int entries) {
        int used = 0;
        for (int i = 0; i < entries; i++) {
            long at = ProcessBarrier.ENTRIES_OFFSET + (long) ProcessBarrier.ENTRY_LENGTH * i;
            long token = slot.get(ValueLayout.JAVA_LONG, at + ProcessBarrier.ENTRY_TOKEN_OFFSET);
            if (token != 0 && ProcessIdentity.isAlive(token)) {
                used++;
            }
        }
        return used;
    }

    /** One full round of {@code parties} threads; each returns a distinct index. */
    static void roundOf(ProcessBarrier barrier, int parties) throws Exception {
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        for (int i = 0; i < parties; i++) {
            all.add(async(barrier::await));
        }
        List<Integer> indexes = new ArrayList<>();
        for (CompletableFuture<Integer> f : all) {
            indexes.add(f.get(60, TimeUnit.SECONDS));
        }
        indexes.sort(null);
        assertEquals(java.util.stream.IntStream.range(0, parties).boxed().toList(), indexes);
    }
}
