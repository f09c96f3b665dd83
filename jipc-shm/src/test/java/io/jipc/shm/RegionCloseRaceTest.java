package io.jipc.shm;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing a region while other threads copy in and out of it ({@link Region#getBytes},
 * {@link Region#setBytes}) ends the copies with {@link IllegalStateException}, never a crash. Until
 * 2026-12-06 the close unmapped the memory under a running copy and the JVM died of SIGSEGV in a copy
 * stub (a JDK 25 shared-arena close does not keep bulk copies of other threads out), so the race runs
 * in a child JVM: a crash is a failed test, not a dead test fork.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RegionCloseRaceTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(200);
    private static final int ROUNDS = 300;

    @ParameterizedTest
    @ValueSource(strings = {"anonymous", "named"})
    void closingARegionUnderCopiesOfOtherThreadsEndsThemWithAnExceptionNotACrash(String kind) {
        try (ChildJvm child = ChildJvm.builder(ShmChild.class).hardTimeout(Duration.ofSeconds(220)) // with C2, which crashed
                .jvmArg("-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/jipc-close-race-hs_err_%p.log")
                .jvmArg("-XX:-CreateCoredumpOnCrash")
                .args("close-race", kind, String.valueOf(ROUNDS)).start()) {
            int status = child.waitFor(HANG_GUARD);
            assertEquals(0, status, "the child must survive " + ROUNDS + " closes under copies; its output:\n"
                    + child.output());
            String[] raced = lastLine(child.output(), "RACED ").split(" ");
            assertEquals(String.valueOf(ROUNDS), raced[1]);
            assertEquals(3L * ROUNDS, Long.parseLong(raced[2]) + Long.parseLong(raced[3]),
                    "every copier of every round ends with IllegalStateException or ClosedException");
        }
    }

    private static String lastLine(String output, String prefix) {
        String found = null;
        for (String line : output.split("\n")) {
            if (line.startsWith(prefix)) {
                found = line;
            }
        }
        assertTrue(found != null, "no line " + prefix + "in\n" + output);
        return found;
    }
}
