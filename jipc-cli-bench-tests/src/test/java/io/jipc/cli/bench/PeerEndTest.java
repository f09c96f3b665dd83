package io.jipc.cli.bench;

import io.jipc.platform.Processes;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A benchmark peer that dies ({@code SIGKILL}) or stops ({@code SIGSTOP}) at the end of the run,
 * after every case was measured ({@link PeerEndHarness}, in a child JVM with a 3 s answer wait):
 * the figures are kept, and how the peer ended is one line, {@code during the end of the run};
 * a stopped peer is given up after the answer wait and killed. The timeouts are hang guards (a
 * stopped peer used to hold the bench for one or two minutes); no duration is asserted. A peer left
 * stopped is continued and killed in any case.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PeerEndTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(50);
    private static final int SIGCONT = 18;
    private static final int SIGKILL = 9;

    @Test
    void allBenchKeepsItsFiguresWhenThePeerIsKilledAtTheEnd() {
        String output = run("all-kill");
        assertTrue(output.contains("RESULTS 1\n"), output);
        assertTrue(output.contains("PEER END the peer process " + peerPid(output)
                + " died (killed by signal 9) during the end of the run\n"), output);
    }

    @Test
    void allBenchGivesUpAPeerStoppedAtTheEnd() {
        String output = run("all-stop");
        assertTrue(output.contains("RESULTS 1\n"), output);
        assertTrue(output.contains("PEER END the peer process " + peerPid(output)
                + " stopped answering during the end of the run: no progress for 3 s (it is stopped: SIGSTOP, "
                + "a debugger or a frozen cgroup), so it was killed\n"), output);
    }

    @Test
    void aPeerKilledAfterItsLastWordIsANote() {
        String output = run("done-kill");
        assertTrue(output.contains("PEER END the peer process " + peerPid(output)
                + " died (killed by signal 9) during the end of the run\n"), output);
    }

    @Test
    void aPeerStoppedAfterItsLastWordIsGivenUp() {
        String output = run("done-stop");
        assertTrue(output.contains("PEER END the peer process " + peerPid(output)
                + " stopped answering during the end of the run: no progress for 3 s"), output);
    }

    /** Runs the harness in {@code mode}; returns its output. */
    private static String run(String mode) {
        try (ChildJvm bench = ChildJvm.builder(PeerEndHarness.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .property(PeerProcess.ANSWER_WAIT_PROPERTY, "PT3S").args(mode).start()) {
            try {
                int code = bench.waitFor(HANG_GUARD);
                String output = bench.output();
                assertEquals(0, code, output);
                assertTrue(!output.contains("FAILED") && !output.contains("\tat "), output);
                return output;
            } finally {
                bench.kill();
                continueAndKill(bench.output());
            }
        }
    }

    private static long peerPid(String output) {
        return Long.parseLong(output.lines().filter(l -> l.startsWith("PEER PID ")).findFirst()
                .orElseThrow(() -> new AssertionError("no peer pid in:\n" + output)).substring("PEER PID ".length()));
    }

    /** A peer left stopped (the harness killed at its hard timeout) is continued and killed. */
    private static void continueAndKill(String output) {
        output.lines().filter(l -> l.startsWith("PEER PID ")).map(l -> Integer.parseInt(l.substring(9)))
                .filter(pid -> ProcessHandle.of(pid).isPresent()).forEach(pid -> {
                    Processes.kill(pid, SIGCONT);
                    Processes.kill(pid, SIGKILL);
                });
    }
}
