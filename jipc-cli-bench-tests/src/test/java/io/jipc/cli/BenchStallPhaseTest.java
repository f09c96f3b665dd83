package io.jipc.cli;

import io.jipc.cli.bench.PeerProcess;
import io.jipc.cli.bench.StallPhaseHarness;
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
 * A benchmark's peer that stops answering is reported in the phase in which no progress came,
 * even when the measuring thread names another phase before it looks (as jipc-bench dsm's
 * ping-pong wait does with {@code checkAlive("replica A waited for replica B")}): before, the report
 * named whichever phase was set last, so which one it said depended on the two threads' timing
 * (PeerDeathTest's dsm case failed so on a loaded machine). The timeouts are hang guards.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BenchStallPhaseTest {
    @Test
    void aStalledPeerIsReportedInThePhaseItStalledIn() throws Exception {
        try (ChildJvm bench = ChildJvm.builder(StallPhaseHarness.class).quickStart()
                .hardTimeout(Duration.ofMinutes(2)).property(PeerProcess.ANSWER_WAIT_PROPERTY, "PT1S")
                .args("the phase that stalled", "a later wait").start()) {
            String line = bench.awaitLine("MESSAGE ", Duration.ofMinutes(1));
            assertTrue(line.contains("stopped answering during the phase that stalled: no progress for 1 s"
                    + " (it runs but does not answer), so it was killed"), line);
            assertEquals(0, bench.waitFor(Duration.ofMinutes(1)), bench.output());
        }
    }
}
