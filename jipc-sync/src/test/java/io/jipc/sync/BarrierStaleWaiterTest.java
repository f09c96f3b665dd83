package io.jipc.sync;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A waiter of a named (tracked) barrier that looks late — its process stopped with {@code SIGSTOP}
 * while it waits, standing in for one descheduled or in a long pause — learns how its own
 * generation ended however many generations broke after it: {@code BarrierBrokenException} if its
 * generation broke (by a reset or a death), untimed or after its timeout passed, and its index if
 * its generation tripped. The barrier's broken record holds only the last broken generation; before
 * each party entry carried its generation's outcome, such a waiter returned its index as if the
 * barrier had tripped.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BarrierStaleWaiterTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static int counter;

    private final List<ChildJvm> children = new ArrayList<>();
    private final SharedArea area = SharedArea.create("stale-" + ProcessHandle.current().pid() + "-" + ++counter, 1,
            3, SharedArea.TRACKED_PARTIES);
    private final String name = "stale-waiter-" + ProcessHandle.current().pid() + "-" + counter;

    @AfterEach
    void cleanUp() {
        children.forEach(ChildJvm::close); // SIGKILL ends a stopped child too
        ProcessBarrier.destroy(name);
        area.destroy();
    }

    /**
     * 3 parties: W waits in generation 0 and is stopped; a reset breaks generation 0; an arrival of
     * the parent in generation 1 and a second reset break generation 1. W, continued, gets the
     * break of generation 0 (by the reset), untimed, or with a timeout that passed while it was
     * stopped (its withdrawal finds the generation over).
     */
    @ParameterizedTest(name = "timeout {0} ms")
    @ValueSource(longs = {0, 1500})
    void aWaiterAsleepThroughTwoBreaksGetsTheBreakOfItsGeneration(long timeoutMillis) throws Exception {
        try (ProcessBarrier barrier = ProcessBarrier.create(name, 3)) {
            ChildJvm waiter = stoppedWaiter(barrier, timeoutMillis);
            long stoppedAt = System.nanoTime(); // after W's arrival, so after its wait began
            barrier.reset(); // breaks generation 0, where W waits
            breakNextGenerationWithAReset(barrier, 1);
            if (timeoutMillis > 0) { // let W's timeout pass while it is stopped
                TimeUnit.NANOSECONDS.sleep(Math.max(0, stoppedAt + TimeUnit.MILLISECONDS.toNanos(2 * timeoutMillis)
                        - System.nanoTime()));
            }
            assertContinuedWaiterBroken(waiter, "0", "reset() ended generation 0");
        }
    }

    /**
     * 3 parties: W waits in generation 0 and is stopped; a reset breaks generation 0, and 40 more
     * generations break (an arrival of the parent, a reset), more than the broken history holds.
     * W, continued, gets the break of generation 0 from its party entry.
     */
    @Test
    void aWaiterAsleepThroughMoreBreaksThanTheHistoryHoldsGetsTheBreakOfItsGeneration() throws Exception {
        try (ProcessBarrier barrier = ProcessBarrier.create(name, 3)) {
            ChildJvm waiter = stoppedWaiter(barrier, 0);
            barrier.reset();
            for (int generation = 1; generation <= ProcessBarrier.HISTORY_GENERATIONS + 8; generation++) {
                breakNextGenerationWithAReset(barrier, generation);
            }
            assertContinuedWaiterBroken(waiter, "0", "reset() ended generation 0");
        }
    }

    /**
     * The same with the untracked barrier of an area (3 parties; no party entries): W learns it
     * from the broken history.
     */
    @Test
    void aWaiterOfAnUntrackedBarrierAsleepThroughTwoBreaksGetsTheBreakOfItsGeneration() throws Exception {
        try (ProcessBarrier barrier = area.barrier()) {
            assertEquals(3, barrier.parties());
            ChildJvm waiter = stoppedWaiter(barrier, "untracked", 0, 1);
            barrier.reset();
            breakNextGenerationWithAReset(barrier, 1);
            breakNextGenerationWithAReset(barrier, 2);
            assertContinuedWaiterBroken(waiter, "0", "reset() ended generation 0");
        }
    }

    /**
     * 3 parties: W and K wait in generation 0, W is stopped and K killed; the parent's arrival,
     * which would complete the round, breaks it (K dead); a reset, then the parent's arrival in
     * generation 1 and a second reset break generation 1. W, continued, gets the break of
     * generation 0, naming K.
     */
    @Test
    void aWaiterAsleepThroughADeathAndAResetGetsTheDeadPartysPid() throws Exception {
        try (ProcessBarrier barrier = ProcessBarrier.create(name, 3)) {
            ChildJvm killed = start("barrier-await", name, "0");
            killed.awaitLine("ARRIVING", LONG);
            awaitArrivals(barrier, 1);
            ChildJvm waiter = stoppedWaiter(barrier, name, 0, 2);
            killed.kill();
            TimeUnit.NANOSECONDS.sleep(2 * ProcessBarrier.CHECK_WINDOW_NANOS); // the last check stamp is old
            BarrierBrokenException death = assertThrows(BarrierBrokenException.class, () -> barrier.await(LONG));
            assertEquals(killed.pid(), death.deadPid().orElseThrow(), death.getMessage());
            barrier.reset(); // ends broken generation 0
            breakNextGenerationWithAReset(barrier, 1);
            assertContinuedWaiterBroken(waiter, Long.toString(killed.pid()), "died in generation 0");
        }
    }

    /**
     * 2 parties: W waits in generation 0 and is stopped; the parent's arrival trips generation 0;
     * generations 1 and 2 break by resets. W, continued, returns its index 1: its generation
     * tripped.
     */
    @Test
    void aWaiterOfATrippedGenerationPassesThoughLaterOnesBroke() throws Exception {
        try (ProcessBarrier barrier = ProcessBarrier.create(name, 2)) {
            ChildJvm waiter = stoppedWaiter(barrier, 0);
            assertEquals(0, barrier.await(LONG), "the parent completes generation 0");
            breakNextGenerationWithAReset(barrier, 1);
            breakNextGenerationWithAReset(barrier, 2);
            signal("CONT", waiter.pid());
            assertEquals("ENDED PASSED 1", waiter.awaitLine("ENDED", LONG));
        }
    }

    /** Starts W at the barrier, waits until it is the only arrival and asleep, and stops it. */
    private ChildJvm stoppedWaiter(ProcessBarrier barrier, long timeoutMillis) throws Exception {
        return stoppedWaiter(barrier, name, timeoutMillis, 1);
    }

    /**
     * Starts W at the barrier {@code barrierName} ({@code untracked}: the area's), waits until
     * {@code arrivals} have arrived and sleep, and stops W.
     */
    private ChildJvm stoppedWaiter(ProcessBarrier barrier, String barrierName, long timeoutMillis, int arrivals)
            throws Exception {
        ChildJvm waiter = start("barrier-await", barrierName, Long.toString(timeoutMillis));
        waiter.awaitLine("ARRIVING", LONG);
        awaitArrivals(barrier, arrivals);
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!barrier.toString().contains(" " + arrivals + (arrivals == 1 ? " sleeper]" : " sleepers]"))) {
            assertTrue(System.nanoTime() - deadline < 0, "no sleeper: " + barrier);
            Thread.sleep(10);
        }
        signal("STOP", waiter.pid());
        ProcessStates.awaitStopped(waiter.pid(), LONG);
        return waiter;
    }

    /**
     * The parent arrives in {@code generation} (the current one) from another thread, and a reset
     * breaks it: that arrival gets {@code BarrierBrokenException}, and the barrier moves on.
     */
    private static void breakNextGenerationWithAReset(ProcessBarrier barrier, int generation) throws Exception {
        assertTrue(barrier.toString().contains("generation " + generation), barrier.toString());
        CompletableFuture<Integer> arrival = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                arrival.complete(barrier.await(LONG));
            } catch (Throwable t) {
                arrival.completeExceptionally(t);
            }
        });
        awaitArrivals(barrier, 1);
        barrier.reset();
        ExecutionException e = assertThrows(ExecutionException.class, () -> arrival.get(60, TimeUnit.SECONDS));
        assertInstanceOf(BarrierBrokenException.class, e.getCause(), String.valueOf(e.getCause()));
        assertTrue(barrier.toString().contains("generation " + (generation + 1)), barrier.toString());
    }

    private static void awaitArrivals(ProcessBarrier barrier, int n) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (barrier.arrived() != n) {
            assertTrue(System.nanoTime() - deadline < 0, "never " + n + " arrived: " + barrier);
            Thread.sleep(5);
        }
    }

    private ChildJvm start(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = args[0];
        all[1] = area.segment.path().getFileName().toString();
        System.arraycopy(args, 1, all, 2, args.length - 1);
        ChildJvm child = ChildJvm.builder(SyncChild.class).args(all).quickStart().sharedClassArchive()
                .hardTimeout(Duration.ofSeconds(240)).start();
        children.add(child);
        return child;
    }

    /**
     * Continues the stopped {@code waiter} of generation 0 and asserts that its await ended broken,
     * naming {@code pid} (0 for a reset) and saying {@code why}.
     */
    private static void assertContinuedWaiterBroken(ChildJvm waiter, String pid, String why)
            throws IOException, InterruptedException {
        signal("CONT", waiter.pid());
        String ended = waiter.awaitLine("ENDED", LONG);
        assertTrue(ended.startsWith("ENDED BROKEN " + pid + " ") && ended.contains(why),
                "the waiter of generation 0 passed a barrier that broke: " + ended);
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor());
    }
}
