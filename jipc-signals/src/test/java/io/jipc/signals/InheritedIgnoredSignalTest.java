package io.jipc.signals;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A JVM that inherited {@code SIGHUP}, {@code SIGINT} or {@code SIGTERM} ignored leaves it ignored
 * (its shutdown signals), so a doorbell on it is refused, with the likely reason for that signal:
 * {@code nohup} ignores only {@code SIGHUP}; a shell without job control starts {@code cmd &} with
 * {@code SIGINT} (and {@code SIGQUIT}) ignored.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class InheritedIgnoredSignalTest {
    private static final Duration WAIT = Duration.ofMinutes(1);

    @Test
    void aDoorbellOnAnInheritedIgnoredShutdownSignalIsRefusedWithTheLikelyReason() {
        try (ChildJvm child = ChildJvm.builder(DoorbellProbe.class).quickStart()
                .wrapper("/bin/sh", "-c", "trap '' HUP INT TERM && exec \"$@\"", "sh")
                .args("SIGHUP", "SIGINT", "SIGTERM", "SIGUSR1").start()) {
            assertEquals("SIGHUP REFUSED SIGHUP is ignored by this process (started under nohup?), "
                    + "so the JVM will not catch it", child.awaitLine("SIGHUP ", WAIT));
            assertEquals("SIGINT REFUSED SIGINT is ignored by this process (started in the background (cmd &) "
                    + "by a shell without job control?), so the JVM will not catch it", child.awaitLine("SIGINT ", WAIT));
            assertEquals("SIGTERM REFUSED SIGTERM is ignored by this process (inherited as ignored from the parent "
                    + "process), so the JVM will not catch it", child.awaitLine("SIGTERM ", WAIT));
            assertEquals("SIGUSR1 OPENED SIGUSR1", child.awaitLine("SIGUSR1 ", WAIT));
            child.awaitLine("DONE", WAIT);
            child.assertSuccess(WAIT);
        }
    }
}
