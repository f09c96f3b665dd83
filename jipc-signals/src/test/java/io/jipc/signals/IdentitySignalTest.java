package io.jipc.signals;

import io.jipc.ErrnoException;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.ChildJvm;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ProcessSignals#send(ProcessIdentity, Signal)}: a signal to a pid and start time reaches that
 * process, and a stale identity (the process ended, or the pid is another process's) sends nothing.
 * The targets are real {@code sleep} processes, killed after each test.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class IdentitySignalTest {
    /** Hang guard only. */
    private static final long WAIT_SECONDS = 60;

    private final List<Process> children = new ArrayList<>();
    private final List<Long> grandchildren = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        grandchildren.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private Process sleeper() throws IOException {
        Process p = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sleep", "600")).start();
        children.add(p);
        return p;
    }

    private static int exitOf(Process p) throws InterruptedException {
        assertTrue(p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "still running: " + p.pid());
        return p.exitValue();
    }

    @Test
    void aSignalToAnIdentityReachesThatProcess() throws Exception {
        Process byName = sleeper();
        Process byNumber = sleeper();
        ProcessSignals.send(ProcessIdentity.of(byName.pid()).orElseThrow(), Signal.SIGTERM);
        ProcessSignals.send(ProcessIdentity.of(byNumber.pid()).orElseThrow(), 40);   // a real-time signal
        assertEquals(128 + 15, exitOf(byName), "SIGTERM's default action ended it");
        assertEquals(128 + 40, exitOf(byNumber), "signal 40's default action ended it");
    }

    /**
     * The identity names the live pid with another start time, as when the pid was reused: refused
     * with ESRCH and both start times, and the process never gets the SIGTERM. A SIGKILL through its
     * real identity then ends it with 137: had the SIGTERM been sent, it would have ended it first,
     * with 143 (the kernel decides a fatal signal's exit status when it is sent).
     */
    @Test
    void anIdentityWhosePidIsAnotherProcessNowIsRefusedAndSendsNothing() throws Exception {
        Process sleeper = sleeper();
        ProcessIdentity now = ProcessIdentity.of(sleeper.pid()).orElseThrow();
        ProcessIdentity earlier = new ProcessIdentity(now.pid(), now.startTime() - 1);
        ErrnoException refused = assertThrows(ErrnoException.class,
                () -> ProcessSignals.send(earlier, Signal.SIGTERM));
        assertEquals("ESRCH", refused.errnoName());
        assertEquals("ESRCH (No such process) from pidfd_send_signal(signal 15) of pid " + now.pid() + " started at tick "
                + earlier.startTime() + ": that process has ended (pid " + now.pid() + " now belongs to another process, "
                + "started at tick " + now.startTime() + "); nothing was sent", refused.getMessage());
        assertThrows(ErrnoException.class, () -> ProcessSignals.send(earlier, 40));
        assertTrue(sleeper.isAlive());
        ProcessSignals.send(now, Signal.SIGKILL);
        assertEquals(128 + 9, exitOf(sleeper), "only the SIGKILL was sent");
    }

    @Test
    void anIdentityOfAProcessThatEndedIsRefused() throws Exception {
        Process sleeper = sleeper();
        ProcessIdentity gone = ProcessIdentity.of(sleeper.pid()).orElseThrow();
        sleeper.destroyForcibly();
        exitOf(sleeper);   // reaped by the JDK: the pid is free (or, rarely, another process's already)
        ErrnoException refused = assertThrows(ErrnoException.class, () -> ProcessSignals.send(gone, Signal.SIGTERM));
        assertEquals("ESRCH", refused.errnoName());
        // a free pid is refused by pidfd_open itself, and the message names that call (it named
        // pidfd_send_signal, which was never reached); a pid reused already fails the start time check
        String subject = " of pid " + gone.pid() + " started at tick " + gone.startTime() + ": that process has ended (";
        assertTrue(refused.getMessage().equals("ESRCH (No such process) from pidfd_open" + subject + "pid " + gone.pid()
                        + " is free); nothing was sent")
                || refused.getMessage().startsWith("ESRCH (No such process) from pidfd_send_signal(signal 15)" + subject
                        + "pid " + gone.pid() + " now belongs to another process"), refused.getMessage());
    }

    /**
     * An identity of a thread of another process (not its first thread): {@link ProcessIdentity#of}
     * takes the thread id ({@code /proc/<tid>/stat} exists), but a pidfd names a process, so the send
     * is refused with a message naming the process to send to, and nothing is sent (it was ENOENT
     * "No such file or directory" from pidfd_open, though the thread lived).
     */
    @Test
    void anIdentityOfAThreadIsRefusedNamingItsProcess() throws Exception {
        try (ChildJvm child = ChildJvm.builder(PlainChild.class).quickStart().start()) {
            child.awaitLine("READY", Duration.ofSeconds(WAIT_SECONDS));
            long pid = child.pid();
            long tid = -1;
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : tasks.toList()) { // the JVM's "VM Thread" lives as long as the JVM
                    if (Files.readString(task.resolve("comm")).strip().equals("VM Thread")) {
                        tid = Long.parseLong(task.getFileName().toString());
                    }
                }
            }
            assertTrue(tid > 0 && tid != pid, "no VM Thread in /proc/" + pid + "/task");
            ProcessIdentity thread = ProcessIdentity.of(tid).orElseThrow();
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> ProcessSignals.send(thread, Signal.SIGTERM));
            assertEquals("pid " + tid + " started at tick " + thread.startTime() + " is a thread of process " + pid
                    + ", not a process: nothing was sent (send to process " + pid + ")", refused.getMessage());
            assertTrue(child.isAlive(), "the process got the SIGTERM");
        }
    }

    /**
     * A zombie (ended, not yet reaped by its parent) still holds its pid, and {@code kill(2)} to it
     * succeeds without effect; the identity's send says it ended. The parent here is a {@code sleep}
     * that a shell became after starting the other {@code sleep} in the background: it never reaps.
     */
    @Test
    void anIdentityOfAZombieIsRefused() throws Exception {
        Process parent = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sh", "-c",
                "sleep 600 & echo $!; exec sleep 600")).start();
        children.add(parent);
        long pid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                StandardCharsets.US_ASCII))) {
            pid = Long.parseLong(out.readLine().strip());
        }
        grandchildren.add(pid);
        ProcessIdentity child = ProcessIdentity.of(pid).orElseThrow();
        ProcessSignals.send(child, Signal.SIGKILL);
        ProcessStates.awaitState(pid, 'Z', Duration.ofSeconds(WAIT_SECONDS));
        assertTrue(ProcessSignals.canSignal(pid), "kill(2) still finds the zombie");
        ErrnoException refused = assertThrows(ErrnoException.class, () -> ProcessSignals.send(child, Signal.SIGTERM));
        assertEquals("ESRCH (No such process) from pidfd_send_signal(signal 15) of pid " + pid + " started at tick "
                + child.startTime() + ": that process has ended (a zombie its parent has not reaped yet, or gone); "
                + "nothing was sent", refused.getMessage());
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingIsOpened() {
        ProcessIdentity self = ProcessIdentity.current();
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.send(self, 0));
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.send(self, 65));
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.send(new ProcessIdentity(0, 1), 10));
    }
}
