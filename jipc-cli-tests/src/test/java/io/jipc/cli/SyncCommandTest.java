package io.jipc.cli;

import io.jipc.cli.ls.ObjectInventory;
import io.jipc.segment.JipcRoot;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
import io.jipc.sync.ProcessBarrier;
import io.jipc.sync.ProcessCountDownLatch;
import io.jipc.sync.ProcessMutex;
import io.jipc.sync.ProcessSemaphore;
import io.jipc.sync.SyncObjects;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.CliRun.jipc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc sync hold / acquire / release / await / count-down / signal} between real processes: a
 * child JVM runs the command ({@link Main}), this JVM runs the other side in process. Covers holding
 * across processes, a holder killed with {@code SIGKILL} (reported until marked consistent), a holder
 * or a barrier waiter stopped with {@code SIGTERM} (released, withdrawn), a barrier waiter killed
 * with {@code SIGKILL} (the barrier breaks for the other waiter), and the kinds each verb refuses.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SyncCommandTest {
    private static final Duration LINE = Duration.ofMinutes(2);

    @AfterEach
    void destroyAll() {
        SyncObjects.names().forEach(SyncObjects::destroy);
    }

    private static ChildJvm jipcChild(String... args) {
        return ChildJvm.builder(Main.class).args(args).start();
    }

    /**
     * Sends {@code SIGTERM}, as Ctrl-C's {@code SIGINT} would: the JVM's shutdown. Through the
     * process handle: {@code Process.destroy()} also closes our end of the child's output.
     */
    private static void stop(ChildJvm child) {
        child.process().toHandle().destroy();
    }

    private static void create(String... args) {
        List<String> command = new ArrayList<>(List.of("sync", "create"));
        command.addAll(List.of(args));
        CliRun run = jipc(command.toArray(String[]::new));
        assertEquals(0, run.exit(), run.err());
    }

    /** Creates {@code kind} {@code "x"} with one permit: a mutex, or a tracked binary semaphore. */
    private static void createExclusive(String kind) {
        create(kind, "x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mutex", "semaphore"})
    void holdIsExclusiveAcrossProcessesUntilTheHoldersInputEnds(String kind) throws Exception {
        createExclusive(kind);
        try (ChildJvm holder = jipcChild("sync", "hold", "x")) {
            assertEquals("acquired 'x'", holder.awaitLine("acquired", LINE));
            CliRun once = jipc("sync", "hold", "x", "--timeout", "0");
            assertEquals(1, once.exit(), once.err());
            assertTrue(once.err().startsWith("jipc sync hold: 'x' not acquired at once; it is " + kind), once.err());
            assertTrue(once.err().contains("pid " + holder.pid() + " (alive)"), once.err());
            CliRun timed = jipc("sync", "hold", "x", "--timeout", "50ms");
            assertEquals(1, timed.exit(), timed.err());
            assertTrue(timed.err().contains("not acquired within 50ms"), timed.err());

            holder.process().getOutputStream().close();
            assertEquals(0, holder.waitFor(LINE), holder.output());
            assertTrue(holder.output().contains("released 'x'"), holder.output());
        }
        CliRun after = jipc("sync", "hold", "x", "--timeout", "0", "--for", "0");
        assertEquals(0, after.exit(), after.err());
        assertEquals(List.of("acquired 'x'", "released 'x'"), after.out().lines().toList());
    }

    /** A holder stopped by SIGSTOP is named as stopped: a wait behind it is told from one behind a busy holder. */
    @ParameterizedTest
    @ValueSource(strings = {"mutex", "semaphore"})
    void aStoppedHolderIsShownStopped(String kind) throws Exception {
        createExclusive(kind);
        try (ChildJvm holder = jipcChild("sync", "hold", "x")) {
            holder.awaitLine("acquired", LINE);
            ProcessSignals.send(holder.pid(), Signal.SIGSTOP);
            try {
                ProcessStates.awaitStopped(holder.pid(), LINE);
                CliRun once = jipc("sync", "hold", "x", "--timeout", "0");
                assertEquals(1, once.exit(), once.err());
                assertTrue(once.err().contains("pid " + holder.pid() + " (alive, stopped)"), once.err());
                if (kind.equals("mutex")) {
                    String held = LsCommandTest.find(ObjectInventory.list(), "sync:x").heldState();
                    assertEquals("locked by pid " + holder.pid() + " (stopped)", held);
                }
            } finally {
                ProcessSignals.send(holder.pid(), Signal.SIGCONT);
            }
            holder.process().getOutputStream().close();
            assertEquals(0, holder.waitFor(LINE), holder.output());
        }
    }

    /**
     * A file truncated by another process under a holder: its release faults, and hold says so in
     * one line (exit code 1). Until 2026-12-06 a semaphore's hold printed the InternalError's stack
     * trace and a mutex's aborted the JVM (exit code 134).
     */
    @ParameterizedTest
    @ValueSource(strings = {"mutex", "semaphore"})
    void aFileTruncatedUnderAHolderIsOneLineNotAStackTrace(String kind) throws Exception {
        createExclusive(kind);
        try (ChildJvm holder = jipcChild("sync", "hold", "x")) {
            holder.awaitLine("acquired", LINE);
            truncate("x");
            holder.process().getOutputStream().close();
            assertEquals(1, holder.waitFor(LINE), holder.output());
            List<String> errors = holder.output().lines().filter(line -> !line.startsWith("acquired")).toList();
            assertEquals(1, errors.size(), holder.output());
            assertTrue(errors.getFirst().startsWith("jipc sync hold: " + kind + " 'x': its memory faulted")
                    && errors.getFirst().contains("truncated by another process"), holder.output());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mutex", "semaphore"})
    void aHolderKilledWithSigkillIsReportedUntilMarkedConsistent(String kind) {
        createExclusive(kind);
        try (ChildJvm holder = jipcChild("sync", "hold", "x")) {
            holder.awaitLine("acquired", LINE);
            holder.kill();
        }
        String died = "acquired 'x', but a holder died holding it: what it guards may be half-updated";
        for (int i = 0; i < 2; i++) {
            CliRun run = jipc("sync", "hold", "x", "--timeout", "1m", "--for", "0");
            assertEquals(0, run.exit(), run.err());
            assertEquals(List.of(died, "released 'x'"), run.out().lines().toList());
        }
        CliRun repaired = jipc("sync", "hold", "x", "--timeout", "1m", "--for", "0", "--mark-consistent");
        assertEquals(List.of(died, "marked 'x' consistent", "released 'x'"), repaired.out().lines().toList());
        CliRun after = jipc("sync", "hold", "x", "--timeout", "0", "--for", "0");
        assertEquals(List.of("acquired 'x'", "released 'x'"), after.out().lines().toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mutex", "semaphore"})
    void aHolderStoppedWithSigtermReleasesCleanly(String kind) {
        createExclusive(kind);
        try (ChildJvm holder = jipcChild("sync", "hold", "x")) {
            holder.awaitLine("acquired", LINE);
            stop(holder);
            holder.waitFor(LINE);
            assertTrue(holder.output().contains("released 'x' (stopped)"), holder.output());
        }
        CliRun after = jipc("sync", "hold", "x", "--timeout", "0", "--for", "0");
        assertEquals(List.of("acquired 'x'", "released 'x'"), after.out().lines().toList(), "no holder died");
    }

    @Test
    void aBarrierTripsForTwoProcessesAndATimedOutOrStoppedArrivalIsWithdrawn() throws Exception {
        create("barrier", "b", "--parties", "2");
        try (ChildJvm party = jipcChild("sync", "await", "b", "--timeout", "2m")) {
            CliRun run = jipc("sync", "await", "b", "--timeout", "2m");
            assertEquals(0, run.exit(), run.err());
            assertTrue(run.out().startsWith("passed barrier 'b' (arrival "), run.out());
            assertEquals(0, party.waitFor(LINE), party.output());
            assertTrue(party.output().contains("passed barrier 'b' (arrival "), party.output());
        }
        CliRun late = jipc("sync", "await", "b", "--timeout", "10ms");
        assertEquals(1, late.exit(), late.err());
        assertTrue(late.err().startsWith("jipc sync await: barrier 'b' did not trip within 10ms"), late.err());
        try (ProcessBarrier barrier = ProcessBarrier.open("b")) {
            assertEquals(0, barrier.arrived(), "the timed-out arrival is withdrawn");
            try (ChildJvm party = jipcChild("sync", "await", "b")) {
                while (barrier.arrived() == 0) {
                    assertTrue(party.isAlive(), party.output());
                    Thread.sleep(10);
                }
                stop(party);
                party.waitFor(LINE);
                assertTrue(party.output().contains("stopped while waiting on 'b'"), party.output());
            }
            assertEquals(0, barrier.arrived(), "a stopped waiter's arrival is withdrawn");
        }
    }

    /** A named barrier is tracked: a waiter killed with SIGKILL breaks it for the other waiter, and ls says so. */
    @Test
    void aBarrierWaiterKilledWithSigkillBreaksTheBarrierForTheOthers() throws Exception {
        create("barrier", "b", "--parties", "3");
        try (ProcessBarrier barrier = ProcessBarrier.open("b"); ChildJvm party = jipcChild("sync", "await", "b")) {
            while (barrier.arrived() == 0) {
                assertTrue(party.process().isAlive(), party.output());
                Thread.sleep(10);
            }
            java.util.concurrent.CompletableFuture<CliRun> survivor = new java.util.concurrent.CompletableFuture<>();
            Thread.ofPlatform().start(() -> survivor.complete(jipc("sync", "await", "b", "--timeout", "2m")));
            while (barrier.arrived() < 2) {
                Thread.sleep(10);
            }
            party.kill();
            CliRun run = survivor.get();
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.err().startsWith("jipc sync await: barrier of 3 parties is broken: party process "
                    + party.pid() + " died"), run.err());
            assertTrue(run.err().endsWith("; destroy the barrier and create it again (jipc sync destroy b, "
                    + "jipc sync create barrier b --parties 3)\n") && !run.err().contains("reset()"), run.err());
            CliRun ls = jipc("ls", "--kind", "sync");
            assertTrue(ls.out().contains("BARR, broken (party pid " + party.pid() + " died)"), ls.out());
        }
    }

    @Test
    void aLatchOpensForAWaitingProcessWhenCountedDownToZero() {
        create("latch", "l", "--count", "2");
        try (ChildJvm waiter = jipcChild("sync", "await", "l", "--timeout", "2m")) {
            assertEquals(List.of("latch 'l' at 1"), jipc("sync", "count-down", "l").out().lines().toList());
            assertEquals(List.of("latch 'l' is open"), jipc("sync", "count-down", "l").out().lines().toList());
            assertEquals(0, waiter.waitFor(LINE), waiter.output());
            assertTrue(waiter.output().contains("latch 'l' is open"), waiter.output());
        }
        create("latch", "closed");
        CliRun late = jipc("sync", "await", "closed", "--timeout", "10ms");
        assertEquals(1, late.exit(), late.err());
        assertTrue(late.err().startsWith("jipc sync await: latch 'closed' still at 1 after 10ms"), late.err());
    }

    @Test
    void aConditionSignalledUnderItsMutexWakesTheWaitingProcess() {
        create("mutex", "m");
        create("condition", "c");
        try (ChildJvm waiter = jipcChild("sync", "await", "c", "--mutex", "m", "--timeout", "2m")) {
            waiter.awaitLine("waiting on condition 'c'", LINE);
            // the waiter printed that line holding m, and lets it go only inside await: not missed
            CliRun signal = jipc("sync", "signal", "c", "--mutex", "m");
            assertEquals(0, signal.exit(), signal.err());
            assertEquals(0, waiter.waitFor(LINE), waiter.output());
            assertTrue(waiter.output().contains("condition 'c' signalled"), waiter.output());
        }
        CliRun late = jipc("sync", "await", "c", "--mutex", "m", "--timeout", "10ms");
        assertEquals(1, late.exit(), late.err());
        assertTrue(late.err().startsWith("jipc sync await: condition 'c' not signalled within 10ms"), late.err());
    }

    /**
     * The condition's or the mutex's file truncated by another process while {@code sync await}
     * sleeps: one line naming the object (exit code 1). Until 2026-12-07 the command's unlock of a
     * mutex that await had not retaken threw IllegalMonitorStateException, printed as a stack trace
     * that hid the fault.
     */
    @ParameterizedTest
    @ValueSource(strings = {"condition c", "mutex m"})
    void aFileTruncatedUnderAConditionWaiterIsOneLineNotAStackTrace(String truncated) throws Exception {
        create("mutex", "m");
        create("condition", "c");
        String file = truncated.substring(truncated.indexOf(' ') + 1);
        try (ChildJvm waiter = jipcChild("sync", "await", "c", "--mutex", "m", "--timeout", "2m")) {
            waiter.awaitLine("waiting on condition 'c'", LINE);
            try (ProcessMutex mutex = ProcessMutex.open("m")) { // free once the waiter sleeps in await
                while (mutex.tryLock() == io.jipc.sync.Acquisition.NOT_ACQUIRED) {
                    TimeUnit.MILLISECONDS.sleep(10);
                }
                mutex.unlock();
            }
            truncate(file);
            if (file.equals("m")) { // the fault comes when await takes the mutex again
                try (io.jipc.sync.ProcessCondition condition = io.jipc.sync.ProcessCondition.open("c")) {
                    condition.signalAll();
                }
            }
            assertEquals(1, waiter.waitFor(LINE), waiter.output());
            List<String> errors = waiter.output().lines().filter(line -> !line.startsWith("waiting on")).toList();
            assertEquals(1, errors.size(), waiter.output());
            assertTrue(errors.getFirst().startsWith("jipc sync await: " + truncated.replace(" ", " '") + "': its memory faulted")
                    && errors.getFirst().contains("truncated by another process"), waiter.output());
        }
    }

    @Test
    void acquireAndReleaseArePAndVOfAnUntrackedSemaphoreAcrossProcesses() {
        create("semaphore", "z", "--holders", "0", "--permits", "0");
        CliRun none = jipc("sync", "acquire", "z", "--timeout", "0");
        assertEquals(1, none.exit(), none.err());
        assertEquals("jipc sync acquire: no permit of 'z' available", none.err().strip());
        try (ChildJvm waiter = jipcChild("sync", "acquire", "z", "--timeout", "2m")) {
            CliRun posted = jipc("sync", "release", "z");
            assertEquals(0, posted.exit(), posted.err());
            assertEquals(0, waiter.waitFor(LINE), waiter.output());
            assertTrue(waiter.output().contains("acquired a permit of 'z'"), waiter.output());
        }
        try (ProcessSemaphore semaphore = ProcessSemaphore.open("z")) {
            assertEquals(0, semaphore.availablePermits(), "the child kept the permit it took");
            assertEquals(0, jipc("sync", "release", "z", "--permits", "3").exit());
            assertEquals(3, semaphore.availablePermits());
        }
        CliRun overflow = jipc("sync", "release", "z", "--permits", Integer.toString(Integer.MAX_VALUE));
        assertEquals(1, overflow.exit(), overflow.err());
        assertEquals(1, overflow.err().lines().count(), overflow.err());
        assertTrue(overflow.err().startsWith("jipc sync release: 'z': "), overflow.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mutex --permits 3", "condition --count 2", "latch --parties 2", "barrier --holders 0",
            "semaphore --count 2"})
    void createRefusesAnOptionThatDoesNotApplyToTheKind(String kindAndOption) {
        String[] words = kindAndOption.split(" ");
        CliRun run = jipc("sync", "create", words[0], "n", words[1], words[2]);
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith(words[1] + " is for a "), run.err());
        assertTrue(run.err().contains(", not a " + words[0]), run.err());
        assertEquals(List.of(), SyncObjects.names(), "nothing is created");
        assertEquals("", run.out());
    }

    @Test
    void infoDescribesEveryObjectItCanReadAndSaysWhichItCannot() throws Exception {
        create("mutex", "a");
        create("latch", "c");
        Path damaged = JipcRoot.path("sync").resolve("b");
        Files.write(damaged, new byte[4096]);
        Files.setPosixFilePermissions(damaged, PosixFilePermissions.fromString("rw-------"));
        CliRun all = jipc("sync", "info");
        assertEquals(1, all.exit(), all.err());
        assertEquals(List.of("a: mutex [free, consistent, 0 sleepers]", "c: latch [count 1 of 1, 0 sleepers]"),
                all.out().lines().toList());
        assertEquals(1, all.err().lines().count(), all.err());
        assertTrue(all.err().startsWith("jipc sync info: "), all.err());
        CliRun named = jipc("sync", "info", "never-was", "a");
        assertEquals(1, named.exit(), named.err());
        assertEquals(List.of("a: mutex [free, consistent, 0 sleepers]"), named.out().lines().toList());
        assertTrue(named.err().startsWith("jipc sync info: no synchronization object 'never-was'"), named.err());
        Files.delete(damaged);
    }

    /**
     * Objects a program created with wider permission bits than 0600 are this user's too: every verb
     * opens them (until 2026-12-06 each refused them, 'mode 0660, expected 0600'), and a symbolic link
     * is still refused.
     */
    @Test
    void verbsUseThisUsersObjectsWhateverTheirMode() throws Exception {
        try (ProcessMutex mutex = ProcessMutex.create("m660", 0660);
             ProcessSemaphore semaphore = ProcessSemaphore.create("s640", 1, 4, 0640);
             ProcessCountDownLatch latch = ProcessCountDownLatch.create("l644", 1, 0644)) {
            CliRun info = jipc("sync", "info");
            assertEquals(0, info.exit(), info.err());
            assertEquals(List.of("l644: latch [count 1 of 1, 0 sleepers]", "m660: mutex [free, consistent, 0 sleepers]",
                    "s640: semaphore [1 of 1 available, tracked (4 entries): no holders, consistent, 0 sleepers]"),
                    info.out().lines().toList());
            for (String name : List.of("m660", "s640")) {
                CliRun hold = jipc("sync", "hold", name, "--timeout", "0", "--for", "0");
                assertEquals(0, hold.exit(), hold.err());
                assertEquals(List.of("acquired '" + name + "'", "released '" + name + "'"),
                        hold.out().lines().toList());
            }
            CliRun countDown = jipc("sync", "count-down", "l644");
            assertEquals(0, countDown.exit(), countDown.err());
            assertEquals(0, latch.count());
            CliRun await = jipc("sync", "await", "l644", "--timeout", "0");
            assertEquals(0, await.exit(), await.err());
            assertTrue(mutex.isConsistent());
            assertEquals(1, semaphore.availablePermits());

            Files.createSymbolicLink(JipcRoot.path("sync").resolve("link"), Path.of("m660"));
            CliRun link = jipc("sync", "info", "link");
            assertEquals(1, link.exit(), link.err());
            assertTrue(link.err().contains("symbolic link"), link.err());
        }
    }

    @Test
    void eachVerbRefusesTheKindsItDoesNotTakeAsAUsageError() {
        create("mutex", "m");
        create("barrier", "b");
        create("condition", "c");
        create("semaphore", "tracked");
        List<List<String>> refused = List.of(
                List.of("'b' is not a mutex or a semaphore: it is barrier", "hold", "b"),
                List.of("'m' is not a barrier, a latch or a condition: it is mutex", "await", "m"),
                List.of("'c' is a condition: name its mutex with --mutex", "await", "c"),
                List.of("--mutex goes with a condition; 'b' is barrier", "await", "b", "--mutex", "m"),
                List.of("'b' is not a mutex: it is barrier", "await", "c", "--mutex", "b"),
                List.of("'tracked' is a tracked semaphore", "acquire", "tracked"),
                List.of("'tracked' is a tracked semaphore", "release", "tracked"),
                List.of("'m' is not a semaphore: it is mutex", "release", "m"),
                List.of("--permits 0 is not positive", "release", "tracked", "--permits", "0"),
                List.of("'m' is not a latch: it is mutex", "count-down", "m"),
                List.of("'m' is not a condition: it is mutex", "signal", "m"),
                List.of("--timeout -1s is negative", "hold", "m", "--timeout", "-1s"),
                List.of("a tracked semaphore with --permits 0 could never be acquired nor released (only a holder"
                        + " releases its permits); to signal with one that starts at 0, create it untracked:"
                        + " --holders 0 --permits 0", "create", "semaphore", "never", "--permits", "0"));
        for (List<String> expectation : refused) {
            List<String> command = new ArrayList<>(List.of("sync"));
            command.addAll(expectation.subList(1, expectation.size()));
            CliRun run = jipc(command.toArray(String[]::new));
            assertEquals(2, run.exit(), command + ": " + run.err());
            assertTrue(run.err().startsWith(expectation.getFirst()), command + ": " + run.err());
            assertTrue(run.err().contains("Usage: jipc sync " + expectation.get(1)), run.err());
            assertFalse(run.err().contains("\tat "), run.err());
        }
        CliRun missing = jipc("sync", "hold", "never-was");
        assertEquals(1, missing.exit(), missing.err());
        assertTrue(missing.err().startsWith("jipc sync hold: no synchronization object 'never-was'"), missing.err());
    }

    /** Opens semaphore {@code args[0]}, takes a permit and gives it back, says CYCLED, and waits to be killed. */
    public static final class CycleAndWait {
        public static void main(String[] args) throws Exception {
            io.jipc.testkit.ChildMain.dieWithParent();
            ProcessSemaphore semaphore = ProcessSemaphore.open(args[0]);
            semaphore.acquire();
            semaphore.release();
            System.out.println("CYCLED");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /**
     * Processes killed (SIGKILL) after giving back all they took leave their holder entries holding
     * nothing: the semaphore is as created, so {@code ls} lists no dead holder, a plain {@code gc}
     * removes it once its creator is gone, and a handle opened meanwhile ({@code sync info}) frees them.
     */
    @Test
    void holdersKilledAfterGivingEverythingBackLeaveTheSemaphoreAsCreated() throws Exception {
        try (ChildJvm creator = jipcChild("sync", "create", "semaphore", "cyc", "--permits", "2")) {
            assertEquals(0, creator.waitFor(LINE), creator.output());
        }
        for (int round = 0; round < 2; round++) {
            List<ChildJvm> cyclers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                cyclers.add(ChildJvm.builder(CycleAndWait.class).args("cyc").start());
            }
            for (ChildJvm cycler : cyclers) {
                cycler.awaitLine("CYCLED", LINE);
            }
            for (ChildJvm cycler : cyclers) {
                cycler.kill();
                cycler.close();
            }
            if (round == 0) {
                CliRun info = jipc("sync", "info", "cyc");
                assertEquals(0, info.exit(), info.err());
                assertEquals("cyc: semaphore [2 of 2 available, tracked (64 entries): no holders, consistent, 0 sleepers]",
                        info.out().strip(), "the handle info opened freed the dead processes' entries");
            }
        }
        var row = ObjectInventory.list().stream().filter(r -> r.uri().equals("sync:cyc")).findFirst().orElseThrow();
        assertEquals("", row.holds(), row.toString());
        assertFalse(row.details().contains("dead"), row.details());
        assertTrue(row.stale(), row.toString());
        CliRun gc = jipc("gc");
        assertEquals(0, gc.exit(), gc.err());
        assertTrue(gc.out().contains("removed sync:cyc"), gc.out());
        assertEquals(List.of(), SyncObjects.names());
    }

    /** Truncates the named sync object's file to nothing, as another process might. */
    private static void truncate(String name) throws java.io.IOException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(
                JipcRoot.path("sync").resolve(name), java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
    }
}
