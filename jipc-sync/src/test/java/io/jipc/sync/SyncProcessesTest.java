package io.jipc.sync;

import io.jipc.WaitStrategy;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The objects between real processes: exact counts under contention, the death of a holder
 * ({@code SIGKILL}) reported to the next acquirer, never a deadlock, and conditions and barriers
 * across processes.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SyncProcessesTest {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final int PROCESSES = 6;
    private static final int INCREMENTS = 100_000;
    /** Kills of the crash stress tests: a tenth of the project's kill budget, at least 10. */
    private static final int KILLS = Math.max(10, Integer.getInteger("jipc.test.kills", 200) / 10);
    /** Processes of the crash stress tests, running at once. */
    private static final int CONTENDERS = 4;
    /**
     * Fault points of the crash stress tests' processes: a release that found sleepers stops, now
     * and then, after its state change and before it moves their futex word, or after, before its
     * {@code FUTEX_WAKE} (the stopped thread parks until its process is killed).
     */
    private static final String TORN_FAULTS = "release-before-sequence:0.00003,release-before-wake:0.00003";
    /**
     * How many releasers of a test of a releaser killed at a fault point may pass the point (having
     * found no sleeper registered, {@link #stoppedAtFault}) before the test fails; till then it tries again.
     */
    private static final int MAX_FAULT_PASSES = 4;
    /** Rounds of {@link #barrierHoldsEveryPartyUntilAllArrive}. */
    private static final int BARRIER_ROUNDS = 200;
    private static int counter;

    private final List<ChildJvm> children = new ArrayList<>();
    /** What the crash stress tests' rounds in the test JVM report ({@code REPAIRED}, {@code VIOLATION ...}). */
    private final Queue<String> ownReports = new ConcurrentLinkedQueue<>();
    private SharedArea area;

    @AfterEach
    void cleanUp() {
        children.forEach(ChildJvm::close);
        if (area != null) {
            area.destroy();
        }
    }

    private SharedArea area(int permits) {
        return area(permits, SharedArea.BARRIER_PARTIES, SharedArea.TRACKED_PARTIES);
    }

    /**
     * An area whose untracked barrier has {@code barrierParties} parties, its tracked one
     * {@code trackedParties}; replaces (destroys) the test's earlier area, if any (a test that tries
     * again, {@link #untilStoppedAtFault}).
     */
    private SharedArea area(int permits, int barrierParties, int trackedParties) {
        if (area != null) {
            area.destroy();
            area = null;
        }
        area = SharedArea.create("area-" + ++counter, permits, barrierParties, trackedParties);
        return area;
    }

    private ChildJvm start(String... args) {
        return startWithFaults(null, args);
    }

    /** A child with {@code -Djipc.faults=<faults>} (none if null). */
    private ChildJvm startWithFaults(String faults, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = args[0];
        all[1] = area.segment.path().getFileName().toString();
        System.arraycopy(args, 1, all, 2, args.length - 1);
        ChildJvm.Builder builder = ChildJvm.builder(SyncChild.class).args(all).quickStart().sharedClassArchive()
                .hardTimeout(Duration.ofSeconds(240));
        if (faults != null) {
            builder.property("jipc.faults", faults);
        }
        ChildJvm child = builder.start();
        children.add(child);
        return child;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mutex-count", "sem-count"})
    void plainCounterIsExactUnderManyProcesses(String mode) {
        area(1);
        for (int i = 0; i < PROCESSES; i++) {
            start(mode, Integer.toString(INCREMENTS));
        }
        for (ChildJvm child : children) {
            child.awaitLine("READY", LONG);
        }
        area.setVolatile(SharedArea.START, 1);
        for (ChildJvm child : children) {
            child.assertSuccess(LONG);
            assertTrue(child.output().contains("DONE"), child.output());
        }
        assertEquals((long) PROCESSES * INCREMENTS, area.getVolatile(SharedArea.COUNTER_A));
        try (ProcessSemaphore semaphore = area.semaphore(); ProcessMutex mutex = area.mutex()) {
            assertEquals(1, semaphore.availablePermits(), "every permit is back");
            assertTrue(mutex.ownerPid().isEmpty(), "the mutex is free");
        }
    }

    @Test
    void mutexOfAKilledOwnerGoesToTheNextAcquirerWithOwnerDied() throws InterruptedException {
        area(1);
        ChildJvm holder = start("mutex-hold");
        assertEquals("HELD ACQUIRED", holder.awaitLine("HELD", LONG));
        try (ProcessMutex mutex = area.mutex()) {
            assertEquals(holder.pid(), mutex.ownerPid().orElseThrow());
            assertEquals(Acquisition.NOT_ACQUIRED, mutex.tryLock(Duration.ofMillis(50)), "held by a live process");
            holder.kill();

            assertEquals(Acquisition.OWNER_DIED, mutex.lock());
            assertFalse(mutex.isConsistent());
            mutex.unlock();
            assertEquals(Acquisition.OWNER_DIED, mutex.tryLock(), "still inconsistent: told again");
            mutex.markConsistent();
            mutex.unlock();
            assertEquals(Acquisition.ACQUIRED, mutex.tryLock());
            mutex.unlock();
        }
    }

    @Test
    void waiterBlockedOnAKilledOwnerTakesOver() throws InterruptedException {
        area(1);
        ChildJvm holder = start("mutex-hold");
        holder.awaitLine("HELD", LONG);
        area.setVolatile(SharedArea.START, 1);
        ChildJvm waiter = start("mutex-count", "1");
        long deadline = System.nanoTime() + LONG.toNanos();
        while (sleepersOnMutex() == 0) {
            assertTrue(System.nanoTime() - deadline < 0, "the waiter never went to sleep: " + waiter.output());
            Thread.sleep(10);
        }
        holder.kill();
        waiter.assertSuccess(LONG);
        assertEquals(1, area.getVolatile(SharedArea.COUNTER_A));
    }

    private int sleepersOnMutex() {
        return area.memory.get(java.lang.foreign.ValueLayout.JAVA_INT, SharedArea.MUTEX + ProcessMutex.WAITERS_OFFSET);
    }

    /**
     * An interrupted thread's blocking or timed call on a mutex whose owner, or a tracked semaphore
     * whose only permit's holder, was killed takes what the dead process left ({@code OWNER_DIED})
     * and leaves the interrupt status set, as {@code tryLock()} and a zero timeout do: the call can
     * complete at once (docs/architecture.md, "Interrupts and timeouts"), whatever its timeout.
     * Before, {@code lock()}, {@code tryLock(1 s)}, {@code acquire()} and {@code tryAcquire(1 s)}
     * threw {@link InterruptedException}, since the holders were checked only every 100 ms or at
     * the deadline. Both paths of the loop: spinning first, and sleeping at once.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"lock, SPIN_THEN_FUTEX", "lock, FUTEX", "tryLock 1s, SPIN_THEN_FUTEX", "tryLock 1s, FUTEX",
            "acquire, SPIN_THEN_FUTEX", "acquire, FUTEX", "tryAcquire 1s, SPIN_THEN_FUTEX", "tryAcquire 1s, FUTEX"})
    void anInterruptedCallTakesWhatAKilledHolderLeft(String verb, WaitStrategy strategy) throws Exception {
        area(1);
        boolean mutexVerb = verb.contains("ock");
        ChildJvm holder = mutexVerb ? start("mutex-hold") : start("sem-hold", "1");
        holder.awaitLine("HELD", LONG);
        holder.kill();
        try (ProcessMutex mutex = area.mutex().waitStrategy(strategy);
             ProcessSemaphore semaphore = area.semaphore().waitStrategy(strategy)) {
            Acquisition outcome = completesInterrupted(() -> switch (verb) {
                case "lock" -> mutex.lock();
                case "tryLock 1s" -> mutex.tryLock(Duration.ofSeconds(1));
                case "acquire" -> semaphore.acquire();
                case "tryAcquire 1s" -> semaphore.tryAcquire(Duration.ofSeconds(1));
                default -> throw new IllegalArgumentException(verb);
            });
            assertEquals(Acquisition.OWNER_DIED, outcome, verb);
            if (mutexVerb) {
                assertEquals(ProcessHandle.current().pid(), mutex.ownerPid().orElseThrow());
                mutex.markConsistent();
                mutex.unlock();
            } else {
                semaphore.markConsistent();
                semaphore.release();
                assertEquals(1, semaphore.availablePermits());
            }
        }
    }

    /**
     * An interrupted arrival at a tracked barrier whose arrived party was killed, that would not complete
     * the round: it throws {@link InterruptedException} and withdraws, as the javadoc says; it does not
     * check the parties, which would break the round for all (278990ed made every interrupted wait's
     * last try check, and so broke it: BarrierBrokenException, the status left set).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"await", "await 10s"})
    void anInterruptedArrivalWithAKilledPartyWithdrawsWithoutBreakingTheRound(String verb) throws Exception {
        area(1, SharedArea.BARRIER_PARTIES, 3);
        ChildJvm child = start("tracked-barrier-arrive");
        child.awaitLine("ARRIVING", LONG);
        try (ProcessBarrier barrier = area.trackedBarrier()) {
            awaitArrivals(barrier, 1);
            child.kill();
            Thread.currentThread().interrupt();
            try {
                assertThrows(InterruptedException.class, () -> {
                    if (verb.equals("await")) {
                        barrier.await();
                    } else {
                        barrier.await(Duration.ofSeconds(10));
                    }
                });
            } finally {
                Thread.interrupted();
            }
            assertFalse(barrier.isBroken(), "the interrupted arrival broke the round");
            assertEquals(1, barrier.arrived(), "the interrupted arrival withdrew (the killed party's stays)");
        }
    }

    @Test
    void permitsOfAKilledHolderComeBackWithOwnerDied() throws InterruptedException {
        area(3);
        ChildJvm holder = start("sem-hold", "2");
        assertEquals("HELD 2", holder.awaitLine("HELD", LONG));
        try (ProcessSemaphore semaphore = area.semaphore()) {
            assertEquals(1, semaphore.availablePermits());
            assertEquals(Acquisition.ACQUIRED, semaphore.acquire());
            assertEquals(Acquisition.NOT_ACQUIRED, semaphore.tryAcquire(Duration.ofMillis(50)),
                    "the holder lives: its permits stay taken");
            holder.kill();

            assertEquals(Acquisition.OWNER_DIED, semaphore.acquire(), "the dead holder's permits are given back");
            assertEquals(Acquisition.OWNER_DIED, semaphore.acquire());
            assertEquals(0, semaphore.availablePermits());
            assertEquals(3, semaphore.heldPermits());
            semaphore.markConsistent();
            semaphore.release(3);
            assertEquals(3, semaphore.availablePermits());
            assertEquals(Acquisition.ACQUIRED, semaphore.tryAcquire());
            semaphore.release();
        }
    }

    /**
     * Processes update two words that must stay equal under the mutex, and are killed at random
     * moments (often inside the critical section, sometimes inside the lock's own steps, and some
     * while stopped at the fault points {@code release-before-sequence} and {@code release-before-wake}
     * of an unlock); killed ones are replaced. Each process, and the test JVM beside them, loops on
     * the threads {@code threads} names, all through one handle: of several virtual threads one is
     * the handle's {@link Lookout} and the others sleep unwatched. No survivor ever sees the words
     * differ unless told {@code OWNER_DIED}, every thread of the test JVM gets the mutex again after
     * the kills (a hang guard), and the mutex is never lost: the test ends by taking it.
     */
    @ParameterizedTest(name = "{0} threads a process")
    @ValueSource(strings = {"platform:1", "virtual:8"})
    void mutexSurvivesRandomKills(String threads) throws Exception {
        area(1);
        try (ProcessMutex mine = area.mutex()) {
            tornStress("mutex-torn", threads, told -> SyncChild.mutexTornRound(area, mine, told, ownReports::add));
        }
        try (ProcessMutex mutex = area.mutex()) {
            Acquisition last = mutex.tryLock(LONG);
            assertTrue(last.acquired(), "the mutex can be taken after the kills");
            if (last == Acquisition.OWNER_DIED) {
                area.set(SharedArea.COUNTER_B, area.get(SharedArea.COUNTER_A));
                mutex.markConsistent();
            }
            assertEquals(area.get(SharedArea.COUNTER_A), area.get(SharedArea.COUNTER_B));
            mutex.unlock();
        }
    }

    /**
     * The same with a binary, tracked semaphore: after the kills, exactly one permit exists (none
     * lost, none duplicated, whatever step of the pending protocol a kill hit).
     */
    @ParameterizedTest(name = "{0} threads a process")
    @ValueSource(strings = {"platform:1", "virtual:8"})
    void semaphoreAccountingSurvivesRandomKills(String threads) throws Exception {
        area(1);
        try (ProcessSemaphore mine = area.semaphore()) {
            tornStress("sem-torn", threads, told -> SyncChild.semaphoreTornRound(area, mine, told, ownReports::add));
        }
        try (ProcessSemaphore semaphore = area.semaphore()) {
            Acquisition last = semaphore.tryAcquire(LONG);
            assertTrue(last.acquired(), "the permit can be taken after the kills");
            if (last == Acquisition.OWNER_DIED) {
                area.set(SharedArea.INSIDE, 0);
                semaphore.markConsistent();
            }
            assertEquals(0, semaphore.availablePermits(), "exactly one permit: this one");
            assertEquals(Acquisition.NOT_ACQUIRED, semaphore.tryAcquire());
            semaphore.release();
            assertEquals(1, semaphore.availablePermits());
        }
    }

    /**
     * {@value #CONTENDERS} processes run {@code mode} on {@code threads}, with the fault points of
     * releases armed ({@link #TORN_FAULTS}), and the test JVM runs {@code round} on threads of the
     * same kind. Until {@link #KILLS} processes died by {@code SIGKILL}: a replacement starts, a
     * process is killed (every other time one stopped at a fault point, if there is one, else one
     * at random), and the replacement must get the object ({@code RUNNING}; meanwhile processes
     * stopped at a fault point are killed and replaced too, see {@link #awaitRunning}). Then every
     * process is killed, and each of the test JVM's threads must get the object once more (a hang
     * guard). Prints how many kills hit a process stopped at a fault point.
     */
    private void tornStress(String mode, String threads, SyncChild.Round round) throws Exception {
        SplittableRandom random = new SplittableRandom(KILLS);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean told = new AtomicBoolean();
        List<CompletableFuture<Integer>> survivors = startWaiters(threads, () -> {
            int rounds = 0;
            boolean last;
            do { // the last round starts after every process was killed
                last = stop.get();
                round.run(told);
                rounds++;
            } while (!last);
            return rounds;
        });
        List<ChildJvm> running = new ArrayList<>();
        for (int i = 0; i < CONTENDERS; i++) {
            running.add(startWithFaults(TORN_FAULTS, mode, threads));
        }
        StringBuilder outputs = new StringBuilder();
        int kills = 0;
        int atFaults = 0;
        for (int i = 0; i < running.size(); i++) {
            kills += awaitRunning(running.get(i), running, mode, threads, outputs);
        }
        atFaults += kills;
        while (kills < KILLS) {
            // the replacement starts first: its JVM boots while the victim runs on to its random end
            ChildJvm fresh = startWithFaults(TORN_FAULTS, mode, threads);
            Thread.sleep(20 + random.nextInt(200));
            ChildJvm victim = running.remove(victim(running, kills % 2 == 0, random));
            atFaults += stopped(victim) ? 1 : 0;
            victim.kill();
            kills++;
            outputs.append(victim.output());
            int stoppedKills = awaitRunning(fresh, running, mode, threads, outputs);
            kills += stoppedKills;
            atFaults += stoppedKills;
            running.add(fresh);
        }
        for (ChildJvm child : running) {
            child.kill();
            outputs.append(child.output());
        }
        stop.set(true);
        int rounds = 0;
        for (CompletableFuture<Integer> survivor : survivors) {
            rounds += survivor.get(60, TimeUnit.SECONDS); // a hang guard: each gets it after the last kill
        }
        ownReports.forEach(line -> outputs.append(line).append('\n'));
        int repaired = 0;
        for (String line : outputs.toString().split("\n")) {
            assertFalse(line.startsWith("VIOLATION") || line.contains("Exception"), outputs::toString);
            if (line.equals("REPAIRED")) {
                repaired++;
            }
        }
        System.out.println(mode + " on " + threads + ": " + kills + " kills (" + atFaults + " stopped at a fault point), "
                + repaired + " repairs, " + rounds + " rounds in the test JVM");
    }

    /**
     * Waits until {@code fresh} prints {@code RUNNING}, meanwhile killing and replacing the processes
     * of {@code running} stopped at a fault point: a stopped thread keeps its handle's process-local
     * lock (a real kill takes the whole process), so such a process, alive, may keep the object
     * from the others. Returns how many it killed.
     */
    private int awaitRunning(ChildJvm fresh, List<ChildJvm> running, String mode, String threads,
                             StringBuilder outputs) throws InterruptedException {
        int killed = 0;
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!fresh.output().contains("RUNNING")) {
            assertTrue(fresh.isAlive() && System.nanoTime() - deadline < 0, () -> "not running: " + fresh.output());
            for (int i = 0; i < running.size(); i++) {
                ChildJvm child = running.get(i);
                if (child != fresh && stopped(child)) {
                    child.kill();
                    killed++;
                    outputs.append(child.output());
                    running.set(i, startWithFaults(TORN_FAULTS, mode, threads));
                }
            }
            Thread.sleep(10);
        }
        return killed;
    }

    /** Whether a thread of {@code child} stopped at a fault point. */
    private static boolean stopped(ChildJvm child) {
        return child.output().contains("FAULT ");
    }

    /** The index of the next victim: one stopped at a fault point if {@code preferFault} and there is one. */
    private static int victim(List<ChildJvm> running, boolean preferFault, SplittableRandom random) {
        if (preferFault) {
            for (int i = 0; i < running.size(); i++) {
                if (stopped(running.get(i))) {
                    return i;
                }
            }
        }
        return random.nextInt(running.size());
    }

    @Test
    void conditionWakesAWaiterInAnotherProcess() {
        area(1);
        ChildJvm waiter = start("cond-wait");
        waiter.awaitLine("WAITING", LONG);
        ChildJvm signaller = start("cond-signal");
        signaller.assertSuccess(LONG);
        waiter.assertSuccess(LONG);
        assertTrue(waiter.output().contains("WOKEN"), waiter.output());
    }

    /**
     * {@value #BARRIER_ROUNDS} rounds of a barrier whose parties are the threads {@code threads}
     * names in each of {@link SharedArea#BARRIER_PARTIES} processes (untracked) or
     * {@link SharedArea#TRACKED_PARTIES} (tracked): the children and the test JVM, each process's
     * threads through one handle (of several virtual threads one is its {@link Lookout}, whose role
     * passes from generation to generation). No party passes a round before every party arrived
     * in it, and every round completes for all (hang guards).
     */
    @ParameterizedTest(name = "tracked {0}, {1} threads a process")
    @CsvSource({"false, platform:1", "true, platform:1", "false, virtual:8", "true, virtual:8"})
    void barrierHoldsEveryPartyUntilAllArrive(boolean tracked, String threads) throws Exception {
        int processes = tracked ? SharedArea.TRACKED_PARTIES : SharedArea.BARRIER_PARTIES;
        int perProcess = count(threads);
        int parties = processes * perProcess;
        area(1, tracked ? SharedArea.BARRIER_PARTIES : parties, tracked ? parties : SharedArea.TRACKED_PARTIES);
        for (int process = 1; process < processes; process++) {
            start("barrier", Integer.toString(BARRIER_ROUNDS), Integer.toString(process * perProcess),
                    tracked ? "tracked" : "untracked", threads);
        }
        try (ProcessBarrier barrier = tracked ? area.trackedBarrier() : area.barrier()) {
            assertEquals(parties, barrier.parties());
            AtomicInteger party = new AtomicInteger();
            List<CompletableFuture<Boolean>> own = startWaiters(threads, () -> {
                SyncChild.barrierRounds(area, barrier, BARRIER_ROUNDS, party.getAndIncrement(), ownReports::add);
                return true;
            });
            for (CompletableFuture<Boolean> thread : own) {
                assertTrue(thread.get(120, TimeUnit.SECONDS)); // a hang guard
            }
        }
        assertTrue(ownReports.isEmpty(), ownReports::toString);
        for (ChildJvm child : children) {
            child.assertSuccess(LONG);
            assertFalse(child.output().contains("VIOLATION"), child.output());
            assertTrue(child.output().contains("DONE"), child.output());
        }
    }

    /**
     * A tracked barrier of {@code waiters} + 2 parties: the child arrives and waits, the test JVM's
     * {@code waiters} arrive (one party never comes); once all are counted and asleep the child is
     * killed, and every untimed wait of the test JVM ends with BarrierBrokenException naming the
     * child: a platform thread's own check finds the dead party; of many virtual threads the
     * handle's {@link Lookout} checks, breaks the generation and wakes them all (without the
     * dead-party check they wait for ever: the hang guard fails them).
     */
    @ParameterizedTest(name = "{0} waiters")
    @ValueSource(strings = {"platform:1", "virtual:8"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aPartyKilledWhileWaitingBreaksTheTrackedBarrier(String waiters) throws Exception {
        int n = count(waiters);
        area(1, SharedArea.BARRIER_PARTIES, n + 2);
        ChildJvm child = start("tracked-barrier-arrive");
        child.awaitLine("ARRIVING", LONG);
        try (ProcessBarrier barrier = area.trackedBarrier()) {
            List<CompletableFuture<Integer>> ended = startWaiters(waiters, barrier::await);
            awaitArrivals(barrier, n + 1);
            awaitSleepers(barrier, n + 1);
            child.kill();
            for (CompletableFuture<Integer> waiter : ended) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> waiter.get(60, TimeUnit.SECONDS),
                        "the untimed await ended");
                BarrierBrokenException broken = assertInstanceOf(
                        BarrierBrokenException.class, e.getCause(), String.valueOf(e.getCause()));
                assertEquals(child.pid(), broken.deadPid().orElseThrow(), broken.getMessage());
            }
            assertTrue(barrier.isBroken());
            assertFalse(child.output().contains("PASSED"), child.output());
            barrier.reset();
            assertFalse(barrier.isBroken());
            assertEquals(0, barrier.arrived());
        }
    }

    /**
     * 2 parties of a named barrier: the child arrives alone and waits; it is killed with SIGKILL, so
     * no live waiter is left to check. Once it has been dead for longer than the check window, the
     * parent's arrival, which would complete the round, ends with BarrierBrokenException naming
     * the child instead of passing with the dead party counted (without the completing arrival's
     * check it returns index 0 at once).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anArrivalAfterTheOnlyWaiterWasKilledBreaksTheTrackedBarrier() throws Exception {
        area(1);
        String name = "leftover-" + counter;
        try (ProcessBarrier barrier = ProcessBarrier.create(name, 2)) {
            ChildJvm child = start("barrier-arrive", name);
            child.awaitLine("ARRIVING", LONG);
            long deadline = System.nanoTime() + LONG.toNanos();
            while (barrier.arrived() < 1) {
                assertTrue(System.nanoTime() - deadline < 0, "the child never arrived: " + child.output());
                Thread.sleep(10);
            }
            child.kill();
            // its last check stamp is older than the kill; let it age past the documented window
            TimeUnit.NANOSECONDS.sleep(2 * ProcessBarrier.CHECK_WINDOW_NANOS);
            BarrierBrokenException broken = assertThrows(BarrierBrokenException.class,
                    () -> barrier.await(LONG), "the dead party's arrival was counted");
            assertEquals(child.pid(), broken.deadPid().orElseThrow(), broken.getMessage());
            assertTrue(barrier.isBroken());
            assertFalse(child.output().contains("PASSED"), child.output());
            barrier.reset();
            CompletableFuture<Integer> other = awaitAsync(barrier);
            assertEquals(1, barrier.await(LONG) + other.get(60, TimeUnit.SECONDS), "two live parties trip it");
        } finally {
            ProcessBarrier.destroy(name);
        }
    }

    /**
     * 3 parties of a named barrier: the child joins and never arrives; the parent (a member) and a
     * plain party arrive and wait without a timeout; the child is killed with SIGKILL, and both
     * waits end with BarrierBrokenException naming it (without the member check they wait for
     * ever: the hang guard fails them). A reset alone is broken again while the dead member's
     * entry is there; a replacement join takes its place rather than a free one, and after a reset
     * the three trip.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aMemberKilledBeforeItArrivesBreaksTheBarrier() throws Exception {
        area(1);
        String name = "joined-" + counter;
        try (ProcessBarrier created = ProcessBarrier.create(name, 3);
             ProcessBarrier plain = ProcessBarrier.open(name)) {
            ChildJvm child = start("barrier-join", name);
            child.awaitLine("JOINED", LONG);
            try (ProcessBarrier joined = ProcessBarrier.join(name)) {
                assertEquals(2, created.joinedMembers(), "the child and the parent joined");
                CompletableFuture<Integer> first = awaitAsync(joined);
                CompletableFuture<Integer> second = awaitAsync(plain);
                long deadline = System.nanoTime() + LONG.toNanos();
                while (plain.arrived() < 2) {
                    assertTrue(System.nanoTime() - deadline < 0, "the parent's parties never both arrived");
                    Thread.sleep(10);
                }
                child.kill();
                for (CompletableFuture<Integer> waiter : List.of(first, second)) {
                    ExecutionException e = assertThrows(
                            ExecutionException.class, () -> waiter.get(60, TimeUnit.SECONDS),
                            "the untimed await ended");
                    BarrierBrokenException broken = assertInstanceOf(
                            BarrierBrokenException.class, e.getCause(), String.valueOf(e.getCause()));
                    assertEquals(child.pid(), broken.deadPid().orElseThrow(), broken.getMessage());
                }
                plain.reset();
                BarrierBrokenException again = assertThrows(BarrierBrokenException.class,
                        () -> plain.await(Duration.ofSeconds(30)), "the dead member is still joined");
                assertEquals(child.pid(), again.deadPid().orElseThrow());

                try (ProcessBarrier replacement = ProcessBarrier.join(name)) {
                    assertEquals(2, plain.joinedMembers(), "the replacement took the dead member's place");
                    plain.reset();
                    CompletableFuture<Integer> a = awaitAsync(joined);
                    CompletableFuture<Integer> b = awaitAsync(plain);
                    int c = replacement.await();
                    assertEquals(3, a.get(60, TimeUnit.SECONDS) + b.get(60, TimeUnit.SECONDS) + c, "indexes 0, 1, 2");
                    assertFalse(plain.isBroken());
                }
            }
            assertFalse(child.output().contains("PASSED"), child.output());
        } finally {
            ProcessBarrier.destroy(name);
        }
    }

    /**
     * A member process that closes its joined handle and ends leaves: a waiter's timed await ends by
     * its timeout, not broken, and two new members then trip the barrier.
     */
    @Test
    void aMemberThatClosedItsHandleLeavesWithoutBreakingTheBarrier() throws Exception {
        area(1);
        String name = "left-" + counter;
        try (ProcessBarrier barrier = ProcessBarrier.create(name, 2)) {
            ChildJvm child = start("barrier-join-leave", name);
            child.assertSuccess(LONG);
            assertTrue(child.output().contains("LEFT"), child.output());
            assertEquals(0, barrier.joinedMembers());
            assertThrows(TimeoutException.class,
                    () -> barrier.await(Duration.ofMillis(300)), "ended by the timeout, after a member check");
            assertFalse(barrier.isBroken());
            try (ProcessBarrier one = ProcessBarrier.join(name); ProcessBarrier two = ProcessBarrier.join(name)) {
                CompletableFuture<Integer> first = awaitAsync(one);
                assertEquals(1, two.await() + first.get(60, TimeUnit.SECONDS));
            }
        } finally {
            ProcessBarrier.destroy(name);
        }
    }

    private static CompletableFuture<Integer> awaitAsync(ProcessBarrier barrier) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                result.complete(barrier.await());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    @Test
    void latchOpensWhenEveryProcessCountedDown() throws InterruptedException {
        area(1);
        try (ProcessCountDownLatch latch = area.latch()) {
            for (int i = 0; i < SharedArea.BARRIER_PARTIES; i++) {
                start("count-down");
            }
            assertTrue(latch.await(LONG), "counted down by " + SharedArea.BARRIER_PARTIES + " processes");
            assertEquals(0, latch.count());
        }
        for (ChildJvm child : children) {
            child.assertSuccess(LONG);
        }
    }

    /**
     * The last count-down's process killed after its compare-and-set, before its {@code FUTEX_WAKE}:
     * before it moved the sleepers' sequence word ({@code release-before-sequence}) or after
     * ({@code release-before-wake}). The count is zero, and every waiter asleep in an untimed
     * {@code await()} returns: a platform thread looks again after at most 100 ms; of many virtual
     * threads, the handle's {@link Lookout} does, returns, and nudges the others as it leaves.
     * Before the bound the waiter slept on for good: nobody counts a latch down past zero. On a new
     * latch until the count-down stops at its fault point ({@link #untilStoppedAtFault}).
     */
    @ParameterizedTest(name = "{0} waiters, {1}")
    @CsvSource({"platform:1, release-before-sequence", "platform:1, release-before-wake",
        "virtual:20, release-before-sequence", "virtual:20, release-before-wake"})
    void latchWaitersReturnWhenTheLastCountDownIsKilledBeforeItsWake(String waiters, String fault) throws Exception {
        untilStoppedAtFault("the last count-down", () -> {
            area(1);
            try (ProcessCountDownLatch latch = area.latch()) {
                for (int i = 1; i < SharedArea.BARRIER_PARTIES; i++) {
                    latch.countDown();
                }
                List<CompletableFuture<Boolean>> done = startWaiters(waiters, () -> {
                    latch.await(); // no deadline
                    return true;
                });
                awaitSleepers(latch, done.size());
                ChildJvm last = startWithFaults(fault + ":1", "count-down");
                boolean stopped = stoppedAtFault(last, fault, "COUNTED");
                last.kill();
                assertEquals(0, latch.count());
                for (CompletableFuture<Boolean> waiter : done) {
                    assertTrue(waiter.get(60, TimeUnit.SECONDS)); // a hang guard
                }
                return stopped;
            }
        });
    }

    /**
     * The holder of a mutex or of a semaphore's last permit killed after its release's
     * compare-and-set, before it moved the sleepers' sequence word ({@code release-before-sequence}):
     * the lock is free, or a permit available, but nothing wakes the sleepers. Every waiter, in an
     * untimed {@code lock()} or {@code acquire()}, gets it in turn: a platform thread by looking
     * again within 100 ms; of many virtual threads, the handle's {@link Lookout} takes it, and its
     * unlock or release wakes the next. On a new object until the release stops at its fault point
     * ({@link #untilStoppedAtFault}).
     */
    @ParameterizedTest(name = "{0} waiters, {1}")
    @CsvSource({"platform:1, mutex", "virtual:20, mutex", "platform:1, semaphore", "virtual:20, semaphore"})
    void waitersGoOnWhenAReleaserIsKilledBeforeItMovesTheSequence(String waiters, String kind) throws Exception {
        boolean mutex = kind.equals("mutex");
        untilStoppedAtFault("the " + kind + "'s release", () -> {
            area(1);
            try (ProcessMutex lock = area.mutex(); ProcessSemaphore semaphore = area.semaphore()) {
                ChildJvm holder = startWithFaults("release-before-sequence:1",
                        mutex ? "mutex-hold-release" : "sem-hold-release");
                holder.awaitLine("HELD ACQUIRED", LONG);
                List<CompletableFuture<Acquisition>> done = startWaiters(waiters, () -> {
                    Acquisition got;
                    if (mutex) {
                        got = lock.lock(); // no deadline
                        lock.unlock();
                    } else {
                        got = semaphore.acquire(); // no deadline
                        semaphore.release();
                    }
                    return got;
                });
                awaitSleepers(mutex ? lock : semaphore, done.size());
                area.set(SharedArea.FLAG, 1);
                boolean stopped = stoppedAtFault(holder, "release-before-sequence", "RELEASED");
                holder.kill();
                for (CompletableFuture<Acquisition> waiter : done) {
                    assertEquals(Acquisition.ACQUIRED, waiter.get(60, TimeUnit.SECONDS)); // a hang guard
                }
                return stopped;
            }
        });
    }

    /**
     * A signaller killed after moving the condition's sequence, before its {@code FUTEX_WAKE}: every
     * waiter, asleep in an untimed {@code await(mutex)}, sees the move (a platform thread after at
     * most 100 ms; of many virtual threads the lookout, whose leaving nudges the others, and any
     * sleep on the moved word returns at once), and takes the mutex the dead signaller held
     * ({@code OWNER_DIED}, until somebody marks it consistent). Before the bound it slept on.
     */
    @ParameterizedTest(name = "{0} waiters")
    @ValueSource(strings = {"platform:1", "virtual:20"})
    void conditionWaitersReturnWhenTheSignallerIsKilledBeforeItsWake(String waiters) throws Exception {
        area(1);
        try (ProcessMutex mutex = area.mutex(); ProcessCondition condition = area.condition()) {
            List<CompletableFuture<Acquisition>> done = startWaiters(waiters, () -> {
                mutex.lock();
                Acquisition relocked = null;
                while (area.get(SharedArea.FLAG) == 0) {
                    relocked = condition.await(mutex); // no deadline
                }
                mutex.unlock();
                return relocked;
            });
            awaitSleepers(condition, done.size());
            ChildJvm signaller = startWithFaults("release-before-wake:1", "cond-signal");
            signaller.awaitLine("FAULT release-before-wake", LONG);
            signaller.kill();
            for (CompletableFuture<Acquisition> waiter : done) {
                assertEquals(Acquisition.OWNER_DIED, waiter.get(60, TimeUnit.SECONDS)); // a hang guard
            }
        }
    }

    /**
     * The arrival that trips an untracked barrier of the test JVM's {@code waiters} and one child
     * killed after its compare-and-set, before its {@code FUTEX_WAKE}: before it moved the sleepers'
     * sequence word ({@code release-before-sequence}) or after ({@code release-before-wake}). The
     * round has tripped, and every waiter of it, in an untimed {@code await()}, returns with its
     * arrival index (a platform thread looks again after at most 100 ms; of many virtual threads
     * the handle's {@link Lookout}, which nudges the others as it leaves). Twice: as soon as the
     * first tripper stopped, the waiters of the next generation arrive through the same handle
     * (mostly before the first generation's waiters noticed the trip, the lookout among them: the
     * next generation's sleepers then wait unwatched or take the role on), and a second child trips
     * that generation the same way. A tripper that passes its fault point ({@link #stoppedAtFault})
     * has tripped its generation all the same: its waiters return, and the next child tries again
     * on the next generation.
     */
    @ParameterizedTest(name = "{0} waiters, {1}")
    @CsvSource({"platform:1, release-before-sequence", "platform:1, release-before-wake",
        "virtual:8, release-before-sequence", "virtual:8, release-before-wake"})
    void barrierWaitersReturnWhenTheTrippingArrivalIsKilledBeforeItsWake(String waiters, String fault)
            throws Exception {
        int n = count(waiters);
        area(1, n + 1, SharedArea.TRACKED_PARTIES);
        try (ProcessBarrier barrier = area.barrier()) {
            List<CompletableFuture<Integer>> waiting = startWaiters(waiters, barrier::await);
            int stops = 0;
            int passes = 0;
            while (stops < 2) {
                awaitArrivals(barrier, n);
                awaitSleepers(barrier, n);
                ChildJvm tripper = startWithFaults(fault + ":1", "untracked-barrier-arrive");
                if (stoppedAtFault(tripper, fault, "PASSED")) {
                    stops++;
                } else {
                    passes++;
                    assertTrue(passes <= MAX_FAULT_PASSES, passedTooOften("the tripping arrival", passes));
                }
                List<CompletableFuture<Integer>> next = stops < 2 ? startWaiters(waiters, barrier::await) : List.of();
                tripper.kill();
                assertArrivalIndexes(waiting, n);
                waiting = next;
            }
        }
    }

    /**
     * Waits until {@code releaser} stops at its fault point {@code fault} (true), or prints
     * {@code passed}, what it prints once its release returned (false). A release reaches its fault
     * points only if it finds sleepers registered ({@link WaitWord#wakeIfWaiting}), and the waiters
     * the test saw registered before it started the releaser look again on their own (a platform
     * thread every 100 ms, of virtual threads the lookout): one that looks between the release's
     * compare-and-set and its read of the count of sleepers sees the release, returns and
     * deregisters, and the releaser finds none. That window is about a millisecond in a child
     * JVM's first release (the code on that path runs for the first time), tens of milliseconds
     * when a loaded machine preempts the child there, and unbounded in principle. The waiters went
     * on without a wake then too, but the release the test means to kill was not stopped: the test
     * tries again ({@link #untilStoppedAtFault}). Fails if the child exits first or prints no line
     * for {@link #LONG}.
     */
    private static boolean stoppedAtFault(ChildJvm releaser, String fault, String passed) {
        while (true) {
            String line = releaser.awaitLine("", LONG);
            if (line.equals("FAULT " + fault)) {
                return true;
            }
            if (line.equals(passed)) {
                return false;
            }
        }
    }

    /** One try of a test of a releaser killed at a fault point: whether the releaser stopped there. */
    @FunctionalInterface
    private interface FaultTry {
        boolean run() throws Exception;
    }

    /**
     * Runs {@code attempt} until its releaser stops at its fault point ({@link #stoppedAtFault}); fails
     * once more than {@link #MAX_FAULT_PASSES} releasers passed it. An attempt makes its own area
     * ({@link #area(int)} destroys the earlier one). {@code releaser} names the release for the
     * failure message.
     */
    private void untilStoppedAtFault(String releaser, FaultTry attempt) throws Exception {
        for (int passes = 1; !attempt.run(); passes++) {
            assertTrue(passes <= MAX_FAULT_PASSES, passedTooOften(releaser, passes));
        }
    }

    private static String passedTooOften(String releaser, int passes) {
        return releaser + " passed its fault point " + passes + " times: it found no sleeper registered although"
                + " the test saw them registered before it started the releaser (they had seen the release at"
                + " their own look and left)";
    }

    /** The threads of a spec ({@code platform:N} or {@code virtual:N}): N. */
    private static int count(String spec) {
        return Integer.parseInt(spec.split(":")[1]);
    }

    /** Waits until {@code n} parties arrived in the barrier's current generation. */
    private static void awaitArrivals(ProcessBarrier barrier, int n) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (barrier.arrived() != n) {
            assertTrue(System.nanoTime() - deadline < 0, "never " + n + " arrived: " + barrier);
            Thread.sleep(5);
        }
    }

    /**
     * Each of {@code waiters} returns (a hang guard), and their arrival indexes are 1..n: the
     * round tripped with all of them counted, and the tripping child's index 0.
     */
    private static void assertArrivalIndexes(List<CompletableFuture<Integer>> waiters, int n) throws Exception {
        List<Integer> indexes = new ArrayList<>();
        for (CompletableFuture<Integer> waiter : waiters) {
            indexes.add(waiter.get(60, TimeUnit.SECONDS));
        }
        indexes.sort(null);
        assertEquals(IntStream.rangeClosed(1, n).boxed().toList(), indexes);
    }

    /**
     * Starts the waiters {@code spec} names ({@code platform:N} or {@code virtual:N}), each running
     * {@code body} once; their futures complete with its result or its exception.
     */
    private static <T> List<CompletableFuture<T>> startWaiters(String spec, Callable<T> body) {
        String[] parts = spec.split(":");
        Thread.Builder builder = parts[0].equals("virtual") ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
        List<CompletableFuture<T>> futures = new ArrayList<>();
        for (int i = Integer.parseInt(parts[1]); i > 0; i--) {
            CompletableFuture<T> future = new CompletableFuture<>();
            builder.name("waiter-" + i).start(() -> {
                try {
                    future.complete(body.call());
                } catch (Throwable t) {
                    future.completeExceptionally(t);
                }
            });
            futures.add(future);
        }
        return futures;
    }

    /** Waits until {@code handle} shows {@code n} registered sleepers (about to sleep or asleep). */
    private static void awaitSleepers(SyncHandle<?> handle, int n) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!handle.toString().contains(" " + n + (n == 1 ? " sleeper]" : " sleepers]"))) {
            assertTrue(System.nanoTime() - deadline < 0, "no sleeper: " + handle);
            Thread.sleep(10);
        }
    }

    @Test
    void closeAfterAnotherProcessTruncatedTheFileReleasesTheMappingAndSaysWhy(java.nio.file.Path root) throws Exception {
        java.nio.file.Path file = root.resolve(SyncFileDescriptor.DIRECTORY).resolve("truncated");
        ProcessMutex mutex = ProcessMutex.create("truncated");
        try {
            mutex.lock();
            ChildJvm truncator = ChildJvm.builder(SyncChild.class).args("truncate", file.toString()).quickStart()
                    .hardTimeout(Duration.ofSeconds(240)).start();
            children.add(truncator);
            truncator.awaitLine("TRUNCATED", LONG);
            truncator.assertSuccess(LONG);
            io.jipc.CorruptSegmentException e = assertThrows(io.jipc.CorruptSegmentException.class, mutex::close);
            assertTrue(e.getMessage().contains("'truncated'") && e.getMessage().contains("truncated by another process"),
                    e.getMessage());
            assertInstanceOf(InternalError.class, e.getCause());
            assertFalse(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream()
                    .anyMatch(line -> line.endsWith(file.toString()) || line.endsWith(file + " (deleted)")),
                    "the mapping is released");
            mutex.close(); // idempotent: nothing more to report
        } finally {
            ProcessMutex.destroy("truncated");
        }
    }

    /**
     * An unlock whose mutex file another process truncated while this process held it, as the
     * first touch of the memory since: it throws {@link InternalError} and close then reports the
     * truncation, as every other verb does. Until 2026-12-06 the unlock's compare-and-set, run by the
     * interpreter, faulted inside the VM and aborted the whole JVM (exit 134).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unlock", "await"})
    void anUnlockAfterAnotherProcessTruncatedTheFileThrowsRatherThanAbortingTheJvm(String how, java.nio.file.Path root)
            throws Exception {
        String name = "truncated-" + how;
        java.nio.file.Path file = root.resolve(SyncFileDescriptor.DIRECTORY).resolve(name);
        ProcessMutex.create(name).close();
        ProcessCondition.create(name + "-condition").close();
        try {
            ChildJvm holder = ChildJvm.builder(SyncChild.class).args("truncated-unlock", name, file.toString(), how)
                    .hardTimeout(Duration.ofSeconds(240)).start();
            children.add(holder);
            holder.awaitLine("HELD", LONG);
            truncate(file);
            String release = holder.awaitLine("RELEASE", LONG);
            assertTrue(release.contains("java.lang.InternalError"), release + "\n" + holder.output());
            assertEquals("CLOSE io.jipc.CorruptSegmentException", holder.awaitLine("CLOSE", LONG), holder.output());
            holder.assertSuccess(LONG);
        } finally {
            ProcessMutex.destroy(name);
            ProcessCondition.destroy(name + "-condition");
        }
    }

    /**
     * A condition's file truncated by another process while a child sleeps in a timed await: the
     * await throws the fault ({@link InternalError}) with the mutex held again, so the child's
     * unlock works, its close reports the truncation, and it ends normally. Until 2026-12-07 the
     * fault skipped retaking the mutex: the caller's {@code finally { mutex.unlock(); }} threw
     * IllegalMonitorStateException, which hid the fault.
     */
    @Test
    void anAwaitWhoseConditionFileIsTruncatedThrowsTheFaultHoldingTheMutexAgain(java.nio.file.Path root)
            throws Exception {
        java.nio.file.Path file = root.resolve(SyncFileDescriptor.DIRECTORY).resolve("truncated-wait");
        ProcessCondition.create("truncated-wait").close();
        try (ProcessMutex mutex = ProcessMutex.create("truncated-wait-mutex")) {
            ChildJvm waiter = ChildJvm.builder(SyncChild.class)
                    .args("truncated-await", "truncated-wait-mutex", "truncated-wait")
                    .hardTimeout(Duration.ofSeconds(240)).start();
            children.add(waiter);
            waiter.awaitLine("HELD", LONG);
            long deadline = System.nanoTime() + LONG.toNanos();
            while (mutex.tryLock() == Acquisition.NOT_ACQUIRED) { // free once the child sleeps in await
                assertTrue(System.nanoTime() - deadline < 0, "the waiter never released the mutex");
                Thread.sleep(10);
            }
            mutex.unlock();
            truncate(file);
            String await = waiter.awaitLine("AWAIT", LONG);
            assertTrue(await.startsWith("AWAIT java.lang.InternalError") && await.contains("held=true"),
                    await + "\n" + waiter.output());
            assertEquals("UNLOCK returned", waiter.awaitLine("UNLOCK", LONG), waiter.output());
            assertEquals("CLOSE io.jipc.CorruptSegmentException", waiter.awaitLine("CLOSE", LONG), waiter.output());
            waiter.assertSuccess(LONG);
            assertEquals(Acquisition.ACQUIRED, mutex.tryLock(), "the child released the mutex");
            mutex.unlock();
        } finally {
            ProcessMutex.destroy("truncated-wait-mutex");
            ProcessCondition.destroy("truncated-wait");
        }
    }

    /**
     * Closing a joined barrier handle with no waiter, after another process truncated the file: the
     * membership is given up with a read first, so close reports the truncation rather than aborting
     * the JVM in a compare-and-set.
     */
    @Test
    void leavingABarrierAfterAnotherProcessTruncatedTheFileReportsItRatherThanAbortingTheJvm(java.nio.file.Path root) {
        String name = "truncated-barrier";
        java.nio.file.Path file = root.resolve(SyncFileDescriptor.DIRECTORY).resolve(name);
        ProcessBarrier.create(name, 2).close();
        try {
            ChildJvm member = ChildJvm.builder(SyncChild.class).args("truncated-leave", name, file.toString())
                    .hardTimeout(Duration.ofSeconds(240)).start();
            children.add(member);
            member.awaitLine("JOINED", LONG);
            truncate(file);
            assertEquals("CLOSE io.jipc.CorruptSegmentException", member.awaitLine("CLOSE", LONG), member.output());
            member.assertSuccess(LONG);
        } finally {
            ProcessBarrier.destroy(name);
        }
    }

    /** Truncates {@code file} to 0 bytes, as a misbehaving C program would. */
    private static void truncate(java.nio.file.Path file) {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theEntriesOfHoldersKilledHoldingNothingAreFreedByTheNextHandle() {
        area(2);
        try (ProcessSemaphore before = area.semaphore()) {
            List<ChildJvm> cyclers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                cyclers.add(start("sem-cycle"));
            }
            for (ChildJvm cycler : cyclers) {
                cycler.awaitLine("CYCLED", LONG);
            }
            List<String> held = before.holders();
            assertEquals(3, held.size(), held.toString());
            for (ChildJvm cycler : cyclers) {
                cycler.kill(); // SIGKILL, reaped
            }
            assertTrue(before.holders().stream().allMatch(h -> h.contains("(dead) holds 0")), before.holders().toString());
            try (ProcessSemaphore after = area.semaphore()) {
                assertEquals(List.of(), after.holders(), "a new handle freed the dead processes' empty entries");
                assertEquals(List.of(), before.holders());
                assertEquals(2, after.availablePermits());
                assertTrue(after.isConsistent(), "nobody died holding a permit");
            }
        }
    }
}
