package io.jipc.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Keeps the C probe {@code probes/wakeups.c} (see docs/benchmarks.md) building without warnings and
 * running in every mode: each ping-pong finishes and prints its percentiles, or says that this
 * kernel refuses the mode. No timing is asserted. The probe's child process dies with it
 * ({@code PR_SET_PDEATHSIG}), so a probe destroyed at a timeout leaves nothing behind.
 */
class WakeupsProbeTest {
    private static final Path SOURCE = Path.of("probes", "wakeups.c");

    @TempDir
    static Path directory;
    private static Path probe;

    @BeforeAll
    static void compile() throws IOException, InterruptedException {
        assumeTrue(GccLibrary.installed(), "gcc is not installed, so the probe cannot be built");
        probe = directory.resolve("wakeups");
        Result gcc = run(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", probe.toString(),
                SOURCE.toAbsolutePath().toString()));
        assertEquals(0, gcc.status(), gcc.output());
    }

    private record Result(int status, String output) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
            return new Result(process.exitValue(), output);
        } finally {
            process.destroyForcibly();
        }
    }

    private static Result probe(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(probe.toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pipe", "futex", "futex2", "uring"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyPingPongFinishes(String mode) throws Exception {
        for (String[] args : new String[][] {{mode, "300"}, {mode, "300", "0", "0"}}) {
            Result result = probe(args);
            if (result.status() == 3) { // futex2 and io_uring's futex operations need Linux 6.7, and io_uring may be disabled
                assertTrue(mode.equals("futex2") || mode.equals("uring"), result.output());
                assertTrue(result.output().startsWith(mode + " unavailable: "), result.output());
                assumeTrue(false, result.output());
            }
            assertEquals(0, result.status(), result.output());
            assertTrue(result.output().matches(mode + " p50 \\d+\\.\\d\\d us p90 \\d+\\.\\d\\d us \\(270 round trips"
                    + (args.length > 2 ? ", CPUs 0 and 0" : "") + "\\)\\n"), result.output());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void measuresSystemCallsAndRefusesBadUsage() throws Exception {
        Result calls = probe("syscall", "1000");
        assertEquals(0, calls.status(), calls.output());
        assertTrue(calls.output().matches("syscall getppid \\d+ ns, FUTEX_WAKE shared \\d+ ns, FUTEX_WAKE_PRIVATE \\d+ ns"
                + " \\(no sleeper; 1000 calls each\\)\\n"), calls.output());
        for (String[] bad : new String[][] {{}, {"sockets"}, {"pipe", "5"}, {"pipe", "300", "0"}}) {
            Result refused = probe(bad);
            assertEquals(2, refused.status(), String.join(" ", bad) + ": " + refused.output());
            assertTrue(refused.output().startsWith("usage: wakeups "), refused.output());
        }
    }
}
