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
 * A JVM started with {@code -Xrs} runs no Java signal handlers (HotSpot starts no signal
 * dispatcher thread), though it lets one be installed for {@code SIGUSR1}: a doorbell there would
 * never ring, so it is refused, with the reason.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReducedSignalUsageTest {
    private static final Duration WAIT = Duration.ofMinutes(1);

    private static ChildJvm probe(String... jvmArgs) {
        ChildJvm.Builder builder = ChildJvm.builder(DoorbellProbe.class).quickStart().args("SIGUSR1", "SIGTERM");
        for (String arg : jvmArgs) {
            builder.jvmArg(arg);
        }
        return builder.start();
    }

    @Test
    void aJvmStartedWithXrsRefusesEveryDoorbellAndSaysWhy() {
        try (ChildJvm child = probe("-Xrs")) {
            String unavailable = child.awaitLine("UNAVAILABLE", WAIT);
            assertTrue(unavailable.contains("-Xrs") && unavailable.contains("never ring"), unavailable);
            String usr1 = child.awaitLine("SIGUSR1 ", WAIT);
            assertTrue(usr1.startsWith("SIGUSR1 REFUSED SIGUSR1 cannot be received here: this JVM was started with -Xrs"),
                    usr1);
            String term = child.awaitLine("SIGTERM ", WAIT);
            assertTrue(term.startsWith("SIGTERM REFUSED "), term);
            child.awaitLine("DONE", WAIT);
            child.assertSuccess(WAIT);
        }
    }

    @Test
    void aJvmWithItsSignalDispatchOpensThem() {
        try (ChildJvm child = probe()) {
            assertEquals("AVAILABLE", child.awaitLine("AVAILABLE", WAIT));
            assertEquals("SIGUSR1 OPENED SIGUSR1", child.awaitLine("SIGUSR1 ", WAIT));
            assertEquals("SIGTERM OPENED SIGTERM", child.awaitLine("SIGTERM ", WAIT));
            child.awaitLine("DONE", WAIT);
            child.assertSuccess(WAIT);
        }
    }
}
