package io.jipc.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A non-Java child started through {@link ChildCommands} dies with the JVM that started it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChildCommandsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** Starts {@code sleep 300} through {@link ChildCommands} from its main thread, prints its pid, waits. */
    public static final class Starter {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            Process sleep = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sleep", "300")).start();
            System.out.println("SLEEP " + sleep.pid());
            Thread.sleep(Duration.ofMinutes(5));
        }
    }

    @Test
    void aChildDiesWhenTheJvmThatStartedItIsKilled() throws Exception {
        assertNotNull(ChildCommands.findSetpriv(System.getenv().getOrDefault("PATH", "/usr/bin:/bin")),
                "setpriv (util-linux) is installed here, as .ci/run makes sure");
        long sleepPid;
        try (ChildJvm starter = ChildJvm.start(Starter.class)) {
            sleepPid = Long.parseLong(starter.awaitLine("SLEEP ", PATIENCE).substring("SLEEP ".length()));
            Optional<ProcessHandle> sleep = ProcessHandle.of(sleepPid);
            assertTrue(sleep.isPresent() && sleep.get().isAlive(), "sleep runs");
            // the starter's ProcessBuilder returns once setpriv runs; its exec of sleep follows (later on a loaded host)
            long execDeadline = System.nanoTime() + PATIENCE.toNanos();
            Optional<String> command = commandName(sleep.get());
            while (!command.equals(Optional.of("sleep")) && System.nanoTime() < execDeadline) {
                Thread.sleep(10);
                command = commandName(sleep.get());
            }
            assertEquals(Optional.of("sleep"), command, "setpriv became the command (same pid)");
            starter.kill(); // SIGKILL: no hook of the starter runs
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (ProcessHandle.of(sleepPid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(ProcessHandle.of(sleepPid).map(ProcessHandle::isAlive).orElse(false),
                "the kernel killed sleep with the JVM that started it");
    }

    /** The file name of {@code process}'s program, as /proc shows it now. */
    private static Optional<String> commandName(ProcessHandle process) {
        return process.info().command().map(c -> c.substring(c.lastIndexOf('/') + 1));
    }

    @Test
    void withoutSetprivTheCommandRunsBare() {
        assertNull(ChildCommands.findSetpriv("/nonexistent-a:/nonexistent-b"));
        assertEquals(List.of("sleep", "1"), ChildCommands.prefixed(null, "KILL", List.of("sleep", "1")));
        assertEquals(List.of("/usr/bin/setpriv", "--pdeathsig", "TERM", "--", "sleep", "1"),
                ChildCommands.prefixed("/usr/bin/setpriv", "TERM", List.of("sleep", "1")));
        assertThrows(IllegalArgumentException.class, () -> ChildCommands.dyingWithThisJvm(List.of()));
        assertThrows(IllegalArgumentException.class, () -> ChildCommands.signalledWhenThisJvmDies("-9", List.of("x")));
    }
}
