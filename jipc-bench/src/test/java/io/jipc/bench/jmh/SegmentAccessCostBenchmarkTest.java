package io.jipc.bench.jmh;

import io.jipc.bench.GccLibrary;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each kind of {@link SegmentAccessCostBenchmark} reads every record it offered, once, across many
 * laps of its ring, and leaves nothing under /dev/shm. The {@code c} cases need gcc.
 */
class SegmentAccessCostBenchmarkTest {
    /** About 600 laps of the 64 KiB ring of 128-byte records. */
    private static final int BATCHES = 5_000;

    @ParameterizedTest
    @CsvSource({"segment, 8", "segment, 64", "agrona, 8", "agrona, 64", "c, 8", "c, 64"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyOfferedRecordIsReadOnce(String kind, int payload) throws Throwable {
        assumeTrue(!kind.equals("c") || GccLibrary.installed(), "gcc is not installed");
        SegmentAccessCostBenchmark benchmark = new SegmentAccessCostBenchmark();
        SegmentAccessCostBenchmark.Ring ring = new SegmentAccessCostBenchmark.Ring();
        ring.kind = kind;
        ring.payload = payload;
        ring.setUp();
        long sum = 0;
        try {
            for (int i = 0; i < BATCHES; i++) {
                sum = benchmark.offerRead(ring);
            }
        } finally {
            ring.tearDown(); // also checks that the C half left no record unread
        }
        long records = (long) BATCHES * SegmentAccessCostBenchmark.BATCH;
        assertEquals(records * (records - 1) / 2, sum, "the sum of the sequence numbers read");
        assertFalse(Files.exists(Path.of("/dev/shm", "jipc-jmh-" + ProcessHandle.current().pid())),
                "the benchmark's jipc root is gone");
    }
}
