package io.jipc.signals;

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
 * A {@code SIGCHLD} doorbell rings when a child process of its JVM exits, also when it was opened
 * before the JVM started its first process: the JDK's process support resets {@code SIGCHLD} to the
 * default action when it initializes, which used to drop the doorbell's handler for good (its
 * {@code take()} then waited for ever). Each case runs in a fresh child JVM, since this test JVM
 * may have started processes already.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ChildExitSignalTest {
    /** A hang guard: a doorbell that lost its handler never rings. */
    private static final Duration WAIT = Duration.ofMinutes(1);

    @Test
    void aDoorbellOpenedBeforeTheFirstChildProcessRingsWhenChildrenExit() {
        try (ChildJvm probe = ChildJvm.builder(ChildExitProbe.class).quickStart().start()) {
            probe.awaitLine("OPENED", WAIT);
            for (int round = 0; round < 2; round++) {
                assertEquals("EXITED 7", probe.awaitLine("EXITED", WAIT), "the JDK still reaps the child");
                String rang = probe.awaitLine("RANG", WAIT);
                assertTrue(rang.matches("RANG [1-9][0-9]*"), rang);
            }
            probe.awaitLine("DONE", WAIT);
            probe.assertSuccess(WAIT);
        }
    }

    /** A JVM whose process support cannot initialize still opens the doorbell; starting a process reports why. */
    @Test
    void aJvmThatCannotStartProcessesStillOpensTheDoorbell() {
        try (ChildJvm probe = ChildJvm.builder(ChildExitProbe.class).quickStart()
                .property("jdk.lang.Process.launchMechanism", "NO_SUCH_MECHANISM").args("unstartable").start()) {
            probe.awaitLine("OPENED", WAIT);
            String failed = probe.awaitLine("START FAILED", WAIT);
            assertTrue(failed.contains("NO_SUCH_MECHANISM is not a supported process launch mechanism"), failed);
            String rang = probe.awaitLine("RANG", WAIT);
            assertTrue(rang.matches("RANG [1-9][0-9]*"), rang);
            probe.awaitLine("DONE", WAIT);
            probe.assertSuccess(WAIT);
        }
    }
}
