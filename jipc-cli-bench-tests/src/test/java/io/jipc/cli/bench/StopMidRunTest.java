package io.jipc.cli.bench;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc bench} and {@code jipc bench sockets} stopped in the middle of a mechanism
 * ({@link StopMidRunHarness}): the failure that the stop causes on the measuring thread (its
 * channel closed under it by the shutdown hook) is not reported, neither as the mechanism's failed
 * row nor as an exception; the run ends with the stop's exit status and removes what it made. The
 * timeouts are hang guards; no duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StopMidRunTest {
    @Test
    void allBenchReportsNoFailureForAStop(Path root) throws IOException {
        assertStopNotReported(root, "all");
    }

    @Test
    void socketBenchReportsNoFailureForAStop(Path root) throws IOException {
        assertStopNotReported(root, "sockets");
    }

    private static void assertStopNotReported(Path root, String bench) throws IOException {
        try (ChildJvm run = ChildJvm.builder(StopMidRunHarness.class).quickStart().hardTimeout(Duration.ofMinutes(2))
                .args(bench).start()) {
            int code = run.waitFor(Duration.ofSeconds(90));
            String output = run.output();
            assertTrue(output.contains("STOPPING"), output);
            assertEquals(143, code, output);
            assertFalse(output.contains("REPORTED"), output);
            assertEquals(List.of(), files(root), "left in the jipc root");
        }
    }

    private static List<Path> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> !Files.isDirectory(p)).toList();
        }
    }
}
