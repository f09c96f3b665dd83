package io.jipc.platform;

import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ProcessIdentity} against real processes: plain {@code sleep}/{@code sh} children (not JVMs),
 * each killed after its test.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProcessIdentityTest {
    /** Bound on a wait for a child's state; beyond the class timeout, which ends a hang first. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(ChildCommands.dyingWithThisJvm(command)).redirectErrorStream(true).start();
        children.add(p);
        return p;
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    @Test
    void theCurrentProcessIsAliveAndIdentifiedByItsPidAndStartTime() {
        ProcessIdentity self = ProcessIdentity.current();
        assertEquals(ProcessHandle.current().pid(), self.pid());
        assertTrue(self.startTime() > 0);
        assertTrue(self.isAlive());
        assertEquals(Optional.of(self), ProcessIdentity.of(self.pid()));
        assertEquals(self.pid(), ProcessIdentity.pidOf(self.token()));
        assertTrue(ProcessIdentity.isAlive(self.token()));
        assertEquals("pid " + self.pid() + " (alive)", ProcessIdentity.describe(self.token()));
    }

    @Test
    void tokenZeroNamesNobodyAndIsNotAlive() {
        assertFalse(ProcessIdentity.isAlive(0));
        assertEquals("nobody", ProcessIdentity.describe(0));
    }

    @Test
    void pidsThatCannotExistAreNotAlive() {
        assertTrue(ProcessIdentity.of(0).isEmpty());
        assertTrue(ProcessIdentity.of(-1).isEmpty());
        assertTrue(ProcessIdentity.of(1L << 40).isEmpty());
        assertFalse(new ProcessIdentity(Integer.MAX_VALUE, 1).isAlive());
    }

    @Test
    void aChildKilledWithSigkillIsDeadOnceReaped() throws Exception {
        Process child = start("sleep", "30");
        ProcessIdentity identity = ProcessIdentity.of(child.pid()).orElseThrow();
        assertTrue(identity.isAlive());
        assertNotEquals(ProcessIdentity.current(), identity);
        child.destroyForcibly(); // SIGKILL
        child.waitFor();         // reaped
        assertFalse(identity.isAlive());
        assertFalse(ProcessIdentity.isAlive(identity.token()));
        assertEquals("pid " + child.pid() + " (dead)", ProcessIdentity.describe(identity.token()));
    }

    @Test
    void aLiveProcessWithAnotherStartTimeIsNotTheSameProcess() throws Exception {
        // what pid reuse looks like: the pid runs, but it is not the process that started at that time
        Process child = start("sleep", "30");
        ProcessIdentity identity = ProcessIdentity.of(child.pid()).orElseThrow();
        assertFalse(new ProcessIdentity(child.pid(), identity.startTime() + 1).isAlive());
        assertFalse(new ProcessIdentity(child.pid(), identity.startTime() - 1).isAlive());
        ProcessIdentity self = ProcessIdentity.current();
        assertFalse(new ProcessIdentity(self.pid(), self.startTime() + 1).isAlive());
        assertTrue(identity.isAlive());
    }

    @Test
    void aStoppedProcessIsAlive() throws Exception {
        Process child = start("sleep", "30");
        ProcessIdentity identity = ProcessIdentity.of(child.pid()).orElseThrow();
        signal("STOP", child.pid());
        ProcessStates.awaitStopped(child.pid(), WAIT);
        assertTrue(identity.isAlive(), "a stopped process may resume");
        assertEquals(Optional.of(identity), ProcessIdentity.of(child.pid()));
        assertEquals("pid " + child.pid() + " (alive, stopped)", ProcessIdentity.describe(identity.token()));
        signal("CONT", child.pid());
        ProcessStates.awaitState(child.pid(), 'S', WAIT); // sleeping again: continued
        assertEquals("pid " + child.pid() + " (alive)", ProcessIdentity.describe(identity.token()));
    }

    @Test
    void aZombieIsDead() throws Exception {
        // sh starts a short-lived child, then becomes a 'sleep' that never reaps it: the child stays a zombie
        Process parent = start("sh", "-c", "sleep 0.3 & echo $!; exec sleep 20");
        long zombiePid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                StandardCharsets.US_ASCII))) {
            zombiePid = Long.parseLong(out.readLine().trim());
            Optional<ProcessIdentity> whileRunning = ProcessIdentity.of(zombiePid);
            ProcessStates.awaitState(zombiePid, 'Z', WAIT);
            assertTrue(ProcessIdentity.of(zombiePid).isEmpty(), "no identity for a zombie");
            // the token taken while it ran (if we were quick enough to see it run) is dead now
            whileRunning.ifPresent(identity -> assertFalse(identity.isAlive()));
            ProcessIdentity zombie = new ProcessIdentity(zombiePid, startTimeOf(zombiePid));
            assertFalse(zombie.isAlive(), "same pid and start time, but a zombie");
        }
    }

    /** Field 22 of /proc/pid/stat, read independently of ProcessIdentity. */
    private static long startTimeOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[19]);
    }

    @Test
    void theStartTimeMatchesProcInClockTicks() throws IOException {
        ProcessIdentity self = ProcessIdentity.current();
        assertEquals(startTimeOf(self.pid()), self.startTime());
        // started after boot and not in the future: uptime (seconds) * ticks bounds it
        double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        assertTrue(self.startTime() <= (long) Math.ceil(uptime * Libc.clockTicksPerSecond()) + 1);
    }
}
