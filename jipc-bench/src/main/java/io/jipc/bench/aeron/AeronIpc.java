package io.jipc.bench.aeron;

import io.aeron.Publication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the Aeron side of the comparison shares between its two processes. */
final class AeronIpc {
    /** Parent to child, ping-pong requests. */
    static final int PING_STREAM = 1001;
    /** Child to parent, ping-pong replies. */
    static final int PONG_STREAM = 1002;
    /** Parent to child, the one-way run. */
    static final int DATA_STREAM = 1003;
    /** Child to parent, "received n messages" after each one-way run. */
    static final int DONE_STREAM = 1004;

    /**
     * JVM options for processes that run Aeron on JDK 25: Agrona 2 (inside aeron-all 1.51) reads
     * {@code jdk.internal.misc.Unsafe}, without this {@code UnsafeBuffer} fails with
     * IllegalAccessError; bounds checks of Agrona buffers are disabled as Aeron recommends for
     * performance (it affects Agrona buffers only, not jipc).
     */
    static final List<String> JVM_ARGS = List.of("--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Dagrona.disable.bounds.checks=true");

    /** The driver's idle strategy: Aeron's default driver agent backoff (10 spins, 20 yields, park 1 µs to 1 ms). */
    static final String DRIVER_IDLE = "backoff(10 spins, 20 yields, park 1us..1ms)";

    private AeronIpc() {
    }

    /** The IPC channel, with a term length if one is chosen (0: Aeron's default, 64 MiB for IPC). */
    static String channel(int termLength) {
        return termLength > 0 ? "aeron:ipc?term-length=" + termLength : "aeron:ipc";
    }

    /**
     * The embedded media driver: one thread for conductor, sender and receiver
     * ({@link ThreadingMode#SHARED}) with a backoff idle strategy, so that the driver takes little
     * CPU from the two busy-spinning benchmark threads on a small machine (with IPC the driver is not
     * on the message path; it only moves publisher limits and does housekeeping). The directory is
     * deleted on start and on shutdown.
     */
    static MediaDriver.Context driverContext(Path dir) {
        return new MediaDriver.Context()
                .aeronDirectoryName(dir.toString())
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1),
                        TimeUnit.MILLISECONDS.toNanos(1)))
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .warnIfDirectoryExists(false);
    }

    /** Fails on an offer result that will not get better by retrying. */
    static void checkOffer(long result, String what) {
        if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED
                || result == Publication.MAX_POSITION_EXCEEDED) {
            throw new IllegalStateException(what + ": offer failed with " + Publication.errorString(result));
        }
    }
}
