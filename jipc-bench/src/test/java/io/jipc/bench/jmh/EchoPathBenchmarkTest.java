package io.jipc.bench.jmh;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Each transport of {@link EchoPathBenchmark} brings every message back unchanged, across many laps
 * of its 64 KiB rings (so across the padding at their ends), and leaves nothing under /dev/shm.
 */
class EchoPathBenchmarkTest {
    private static final int ROUND_TRIPS = 50_000; // about 60 laps of a 64 KiB ring at 64-byte payloads

    @ParameterizedTest
    @ValueSource(strings = {"mailbox", "ring", "agrona"})
    void everyRoundTripBringsItsMessageBack(String transport) throws Exception {
        EchoPathBenchmark benchmark = new EchoPathBenchmark();
        EchoPathBenchmark.Path path = new EchoPathBenchmark.Path();
        path.transport = transport;
        path.payload = 64;
        path.setUp();
        try {
            for (int i = 1; i <= ROUND_TRIPS; i++) {
                assertEquals(i, benchmark.roundTrip(path), transport);
            }
        } finally {
            path.tearDown();
        }
        assertEquals(ROUND_TRIPS, path.sent);
        assertFalse(Files.exists(Path.of("/dev/shm", "jipc-jmh-" + ProcessHandle.current().pid())),
                "the benchmark's jipc root is gone");
    }
}
