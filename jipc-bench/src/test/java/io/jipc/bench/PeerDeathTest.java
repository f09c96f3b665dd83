package io.jipc.bench;

import io.jipc.bench.dsm.DsmBench;
import io.jipc.bench.group.GroupBench;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * {@code jipc-bench group} and {@code dsm} run by their {@code main} in a child JVM, whose peer JVM
 * is killed with {@code SIGKILL} mid-run: one line naming the dead process and the phase, exit code
 * 1, no stack trace, nothing left in the jipc root. Hang guards only, no duration asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PeerDeathTest {
    private static final Duration HANG_GUARD = Duration.ofMinutes(1);

    @Test
    void groupSaysItsPeerDied(Path root) throws Exception {
        assertOneLine(root, GroupBench.class, "jipc-bench group: ", "the group's operations", Duration.ZERO,
                "--rounds", "100000000", "--warmup", "10");
    }

    /**
     * The peer killed as the write-section row begins, or a second into it: by then the home has
     * left the region's lock with replica A, whose sections neither wait nor look at the interrupt
     * that tells of the death, so the row must (it went on for its 100,000,000 sections before).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1000})
    void dsmSaysItsPeerDied(int killAfterMillis, Path root) throws Exception {
        assertOneLine(root, DsmBench.class, "jipc-bench dsm: ", "the region's operations",
                Duration.ofMillis(killAfterMillis), "--sections", "100000000", "--warmup", "10");
    }

    private static void assertOneLine(Path root, Class<?> main, String prefix, String phase, Duration killAfter,
                                      String... args) throws Exception {
        try (ChildJvm bench = ChildJvm.builder(main).quickStart().hardTimeout(Duration.ofMinutes(3))
                .jvmArg("--enable-native-access=ALL-UNNAMED").args(args).start()) {
            bench.awaitLine("operation", HANG_GUARD); // the peer has joined: the operations run
            Thread.sleep(killAfter); // not a measurement: how far into the operations the peer dies
            ProcessHandle peer = ProcessHandle.of(bench.pid()).orElseThrow().children()
                    .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst()
                    .orElseThrow(() -> new AssertionError("no peer JVM; output:\n" + bench.output()));
            assertTrue(peer.destroyForcibly(), "SIGKILL sent");
            int code = bench.waitFor(HANG_GUARD);
            String output = bench.output();
            assertEquals(1, code, output);
            assertTrue(output.contains(prefix + "the peer process " + peer.pid() + " died (killed by signal 9) during "
                    + phase), output);
            assertFalse(output.contains("\tat "), "no stack trace:\n" + output);
            try (Stream<Path> all = Files.exists(root) ? Files.walk(root) : Stream.empty()) {
                assertEquals(List.of(), all.filter(p -> !Files.isDirectory(p)).toList(), "left in the jipc root");
            }
        }
    }
}
