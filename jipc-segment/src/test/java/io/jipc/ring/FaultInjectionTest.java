package io.jipc.ring;

import io.jipc.platform.Processes;
import io.jipc.platform.Signals;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The actions of the test-only fault points ({@link FaultInjection}), in child JVMs
 * ({@link FaultChild}): {@code stop} stops the whole process at the point and, once continued
 * ({@code SIGCONT}), the thread goes on from there; {@code park}, the default, holds only the
 * thread; {@code call} runs the test's callback there and goes on; without the property the
 * points are off. The property's syntax ({@link FaultInjection#parse}): fields trimmed, and an
 * item naming no point, with a bad probability, an unknown action or too many fields refused,
 * naming it.
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
    void theCallActionRunsTheCallbackInTheThreadAtThePointEachTimeAndGoesOn() {
        try (ChildJvm child = child("stall-resolved:1:call", "2", "callback")) {
            child.assertSuccess(LINE);
            assertEquals("ENABLED true\nCALLED stall-resolved 1\nPASSED 1\nCALLED stall-resolved 2\nPASSED 2\n",
                    child.output(), "no FAULT line, the callback before each step");
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
    void aMisspeltPointIsRefusedWhenTheClassIsInitialised() {
        try (ChildJvm child = child("stall-resolve:1:stop")) {
            assertNotEquals(0, child.waitFor(LINE));
            assertTrue(child.output().contains("unknown point 'stall-resolve' in 'stall-resolve:1:stop'"),
                    child.output());
        }
    }

    @Test
    void theFieldsAreTrimmedAndTheProbabilityAndActionHaveDefaults() {
        double[] probability = new double[FaultInjection.points()];
        int[] action = new int[FaultInjection.points()];
        FaultInjection.parse(" after-file-created :1: stop , Before-Segment-Ready : 0.25 ,before-unusable-removed,"
                + " before-condemned:1:Call", probability, action);
        assertEquals(1.0, probability[FaultInjection.AFTER_FILE_CREATED]);
        assertEquals(FaultInjection.STOP, action[FaultInjection.AFTER_FILE_CREATED]);
        assertEquals(0.25, probability[FaultInjection.BEFORE_SEGMENT_READY]);
        assertEquals(FaultInjection.PARK, action[FaultInjection.BEFORE_SEGMENT_READY], "park by default");
        assertEquals(FaultInjection.CALL, action[FaultInjection.BEFORE_CONDEMNED]);
        assertEquals(1.0, probability[FaultInjection.BEFORE_UNUSABLE_REMOVED], "probability 1 by default");
        assertEquals(0.0, probability[FaultInjection.STALL_RESOLVED], "not named: off");
        FaultInjection.parse("stall-resolved:0:PARK", probability, action);
        assertEquals(0.0, probability[FaultInjection.STALL_RESOLVED]);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "after-file-create:1:stop | unknown point 'after-file-create' in 'after-file-create:1:stop'",
        "stall-resolved::stop | empty probability in 'stall-resolved::stop'",
        "stall-resolved: :stop | empty probability in 'stall-resolved: :stop'",
        "stall-resolved:often | invalid probability 'often' in 'stall-resolved:often'",
        "stall-resolved:1.5 | probability 1.5 is not between 0 and 1 in 'stall-resolved:1.5'",
        "stall-resolved:NaN | probability NaN is not between 0 and 1 in 'stall-resolved:NaN'",
        "stall-resolved:-0.5 | probability -0.5 is not between 0 and 1 in 'stall-resolved:-0.5'",
        "stall-resolved:1:stop:extra | too many fields (point[:probability[:action]]) in 'stall-resolved:1:stop:extra'",
        "stall-resolved:1:pause | unknown action 'pause' (park, stop or call) in 'stall-resolved:1:pause'",
        "stall-resolved:1:stop,,before-commit | no point named in ''",
        "stall-resolved:1:stop, | no point named in ''",
        ":1 | no point named in ':1'"})
    void anItemThatIsNotPointProbabilityActionIsRefusedNamingIt(String spec, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FaultInjection.parse(spec, new double[FaultInjection.points()],
                        new int[FaultInjection.points()]));
        assertTrue(e.getMessage().startsWith("jipc.faults: " + problem + " of '" + spec + "'"), e.getMessage());
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
