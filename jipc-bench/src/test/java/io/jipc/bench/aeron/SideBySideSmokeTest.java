package io.jipc.bench.aeron;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the side-by-side benchmark with tiny durations and checks that its JSON has both mechanisms
 * with positive figures, and that nothing is left behind. No timing is asserted.
 */
@ExtendWith(JipcTestExtension.class)
class SideBySideSmokeTest {
    private static final List<String> FIGURES = List.of("p50", "p90", "p99", "p99.9", "max",
            "roundTripsPerSecond", "messagesPerSecond", "megabytesPerSecond");

    /** Each way the Aeron side can idle, with the words that name it in the report. */
    @ParameterizedTest
    @CsvSource({"jipc, busy-spin polling as jipc's SPIN loop",
            "jipc_gap, busy-spin polling as jipc's bound take (a 16-step gap",
            "busy_spin, busy-spin polling as Aeron's BusySpinIdleStrategy"})
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void jsonHasBothMechanismsWithPositiveFigures(String aeronIdle, String description, Path jipcRoot)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = SideBySide.run(new String[] {"--warmup", "200ms", "--max-warmup", "200ms", "--time", "300ms",
                    "--messages", "50000",
                    "--aeron-term-length", "8388608", "--aeron-idle", aeronIdle, "--json"}, o, e);
        }
        String json = out.toString(StandardCharsets.UTF_8);
        String progress = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, () -> "exit status; stderr:\n" + progress + "\nstdout:\n" + json);

        assertTrue(json.contains("\"benchmark\": \"jipc-vs-aeron\""), json);
        assertTrue(json.contains("\"messageSize\": 64"), json);
        for (String id : List.of("jipc", "aeron")) {
            Matcher line = Pattern.compile("(?m)^\\s*\\{\"id\": \"" + id + "\".*$").matcher(json);
            assertTrue(line.find(), () -> "no result for " + id + ":\n" + json);
            for (String figure : FIGURES) {
                Matcher value = Pattern.compile("\"" + Pattern.quote(figure) + "\": ([0-9.]+)").matcher(line.group());
                assertTrue(value.find(), () -> id + ": no " + figure + " in " + line.group());
                assertTrue(Double.parseDouble(value.group(1)) > 0, () -> id + ": " + figure + " not positive: " + line.group());
            }
        }
        assertTrue(json.contains("\"ratiosJipcToAeron\""), json);
        assertTrue(json.contains(description), () -> "the Aeron idling " + aeronIdle + ": " + json);

        // nothing left behind: the Aeron directory, the peers, the mailboxes
        assertFalse(Files.exists(Path.of("/dev/shm", "aeron-jipcbench-" + ProcessHandle.current().pid())),
                "the Aeron directory is still there");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.current().children().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(), "child JVMs left");
        Path mailboxes = jipcRoot.resolve("mailbox");
        if (Files.isDirectory(mailboxes)) {
            try (var files = Files.list(mailboxes)) {
                assertEquals(List.of(), files.toList(), "mailboxes left behind");
            }
        }
    }
}
