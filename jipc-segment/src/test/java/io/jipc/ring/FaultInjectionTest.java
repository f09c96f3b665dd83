package io.jipc.ring;

import io.jipc.platform.Processes;
import io.jipc.platform.Signals;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The actions of the test-only fault points ({@link FaultInjection}), in child JVMs
 * ({@link FaultChild}): {@code stop} stops the whole process at the point and, once continued
 * ({@code SIGCONT}), the thread goes on from there; {@code park}, the default, holds only the
 * thread; without the property the points are off.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FaultInjectionTest {
    private static final Duration LINE = Duration.ofSeconds(60);

    private static ChildJvm child(String faults, String... args) {
        ChildJvm.Builder builder = ChildJvm.builder(FaultChild.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                .args(args);
        if (faults != null) {
            builder.property("jipc.faults", faults);
        }
        return builder.start();
    }

    @Test
    void theStopActionStopsTheProcessAtThePointAndAContinuedThreadGoesOnFromThere() throws Exception {
        try (ChildJvm child = child("stall-resolved:1:stop", "2")) {
            try {
                assertEquals("ENABLED true", child.awaitLine("ENABLED", LINE));
                for (int i = 1; i <= 2; i++) { // stopped again each time the point is reached
                    child.awaitLine("FAULT stall-resolved", LINE);
                    ProcessStates.awaitStopped(child.pid(), LINE);
                    assertFalse(child.output().contains("PASSED " + i), "stopped before the next step");
                    Signals.kill(child.pid(), Signals.SIGCONT);
                    child.awaitLine("PASSED " + i, LINE);
                }
                child.assertSuccess(LINE);
            } finally {
                if (child.isAlive()) {
                    Processes.kill((int) child.pid(), Signals.SIGCONT); // never left stopped (close kills it)
                }
            }
        }
    }

    @Test
    void theDefaultActionParksTheThreadWithoutStoppingTheProcess() throws Exception {
        try (ChildJvm child = child("stall-resolved:1")) {
            child.awaitLine("FAULT stall-resolved", LINE);
            assertNotEquals('T', ProcessStates.state(child.pid()), "parked, not stopped");
            assertTrue(child.isAlive());
            assertFalse(child.output().contains("PASSED"));
        }
    }

    @Test
    void anUnknownActionIsRefused() {
        try (ChildJvm child = child("stall-resolved:1:pause")) {
            assertNotEquals(0, child.waitFor(LINE));
            assertTrue(child.output().contains("unknown action 'pause'"), child.output());
        }
    }

    @Test
    void withoutThePropertyThePointsAreOff() {
        try (ChildJvm child = child(null)) {
            assertEquals("ENABLED false", child.awaitLine("ENABLED", LINE));
            child.awaitLine("PASSED 1", LINE);
            child.assertSuccess(LINE);
        }
    }
}
