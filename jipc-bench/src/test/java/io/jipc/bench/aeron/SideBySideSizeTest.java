package io.jipc.bench.aeron;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jipc-bench aeron --size} beyond what a side can carry (Aeron IPC: an eighth of its term, at
 * most 16 MiB; the jipc mailbox: 1 GiB) is a usage error, exit code 2, in one line, before anything
 * runs (it was a stack trace, exit 1, after the jipc half had run). Short timings all the same, so
 * that a run that does start ends soon.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SideBySideSizeTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "8388609|0|8 to 8388608 bytes with Aeron's default term of 64 MiB",
            "8193|65536|8 to 8192 bytes with --aeron-term-length 65536",
            "16777217|1073741824|8 to 16777216 bytes with --aeron-term-length 1073741824",
            "1073741825|0|8 to 8388608 bytes with Aeron's default term of 64 MiB",
            "2147483647|0|8 to 8388608 bytes with Aeron's default term of 64 MiB"})
    void aSizeASideCannotCarryIsAUsageError(String size, String termLength, String expected) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = SideBySide.run(new String[] {"--size", size, "--aeron-term-length", termLength, "--time", "100ms",
                    "--warmup", "0s", "--max-warmup", "100ms", "--messages", "10"}, o, e);
        }
        String output = out.toString(StandardCharsets.UTF_8);
        String errors = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, () -> "stderr:\n" + errors + "\nstdout:\n" + output);
        assertEquals("jipc-bench aeron: --size must be " + expected + " (Aeron IPC carries messages of at most an "
                + "eighth of its term, and of 16 MiB): " + size + "\n", errors);
        assertFalse(output.contains("running"), output);
        assertTrue(output.isEmpty(), output);
    }
}
