package io.jipc.signals;

import io.jipc.platform.JavaCommand;
import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A signal to a process without a handler has its default action, as the parent sees it through
 * {@code waitpid(2)}: a small C program (compiled here with gcc) runs the target as its child and
 * prints each state change. Without gcc, the tests that need it are skipped; the exit values that
 * Java's {@link Process} reports (128 + signal, the same for "killed by signal n" and "exited with
 * 128 + n") are checked regardless.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SignalDefaultActionTest {
    private static final Duration WAIT = Duration.ofMinutes(1);

    @TempDir
    static Path tools;
    private static Path reporter;

    @BeforeAll
    static void compileReporter() throws IOException, InterruptedException {
        Path source = tools.resolve("waitstatus.c");
        try (InputStream in = SignalDefaultActionTest.class.getResourceAsStream("waitstatus.c")) {
            Files.copy(in, source);
        }
        Path binary = tools.resolve("waitstatus");
        try {
            Process gcc = new ProcessBuilder("gcc", "-O1", "-o", binary.toString(), source.toString())
                    .redirectErrorStream(true).start();
            String output = new String(gcc.getInputStream().readAllBytes());
            if (gcc.waitFor() == 0) {
                reporter = binary;
            } else {
                System.err.println("gcc failed:\n" + output);
            }
        } catch (IOException noGcc) {
            reporter = null;
        }
    }

    private static CommandProcess report(List<String> command) throws InterruptedException {
        assumeTrue(reporter != null, "gcc is needed to build the wait-status reporter; install gcc to run this test");
        List<String> line = new ArrayList<>();
        line.add(reporter.toString());
        line.addAll(command);
        CommandProcess process = new CommandProcess(line);
        String child = process.nextLine("child ", WAIT);
        process.owns(Long.parseLong(child.substring("child ".length())));
        return process;
    }

    private static long pidOf(CommandProcess reporter) {
        return reporter.grandchild();
    }

    @ParameterizedTest
    @EnumSource(value = Signal.class, names = {"SIGHUP", "SIGINT", "SIGUSR1", "SIGALRM", "SIGTERM", "SIGKILL"})
    void aTerminatingSignalKillsAProcessWithoutAHandler(Signal signal) throws Exception {
        assertEquals(DefaultAction.TERMINATE, signal.defaultAction());
        try (CommandProcess sleep = report(List.of("sleep", "600"))) {
            ProcessSignals.send(pidOf(sleep), signal);
            sleep.nextLine("signaled " + signal.number(), WAIT);
            assertEquals(0, sleep.waitFor(WAIT));
        }
    }

    @Test
    void aStoppedProcessStaysStoppedUntilSigcont() throws Exception {
        try (CommandProcess sleep = report(List.of("sleep", "600"))) {
            long pid = pidOf(sleep);
            ProcessSignals.send(pid, Signal.SIGSTOP);
            sleep.nextLine("stopped " + Signal.SIGSTOP.number(), WAIT);
            assertEquals('T', ProcessStates.state(pid), "stopped, as /proc shows it");
            ProcessSignals.send(pid, Signal.SIGCONT);
            sleep.nextLine("continued", WAIT);
            assertNotEquals('T', ProcessStates.state(pid));
            ProcessSignals.send(pid, Signal.SIGKILL);
            sleep.nextLine("signaled 9", WAIT);
        }
    }

    @Test
    void aJvmWithoutAHandlerDiesOfSigusr1ButExitsOnSigterm() throws Exception {
        List<String> jvm = JavaCommand.forMain(PlainChild.class).jvmArg("-XX:TieredStopAtLevel=1").toList();
        try (CommandProcess child = report(jvm)) {
            child.nextLine("READY", WAIT);
            ProcessSignals.send(pidOf(child), Signal.SIGUSR1);
            child.nextLine("signaled " + Signal.SIGUSR1.number(), WAIT);
        }
        try (CommandProcess child = report(jvm)) {
            child.nextLine("READY", WAIT);
            ProcessSignals.send(pidOf(child), Signal.SIGTERM);
            child.nextLine("exited " + (128 + Signal.SIGTERM.number()), WAIT);   // shutdown hooks, then exit(143)
        }
    }

    @ParameterizedTest
    @EnumSource(value = Signal.class, names = {"SIGTERM", "SIGKILL"})
    void javaReports128PlusTheSignalForAKilledChild(Signal signal) throws Exception {
        Process sleep = new ProcessBuilder(ChildCommands.dyingWithThisJvm("sleep", "600")).start();
        try {
            ProcessSignals.send(sleep.pid(), signal);
            assertTrue(sleep.waitFor(1, TimeUnit.MINUTES));
            assertEquals(128 + signal.number(), sleep.exitValue());
        } finally {
            sleep.destroyForcibly();
        }
    }
}
