package io.jipc.cli.bench;

import io.jipc.shm.CircularBuffer;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Measures the shared-memory {@link CircularBuffer} between two processes: this one and a
 * {@link BenchPeer} child JVM. A ping-pong over two buffers (round-trip time of each exchange), then
 * one-way throughput: this process puts items as fast as it can, the peer takes them and checks
 * their sequence ({@link OneWayRegimen}, the same treatment as the mailbox).
 */
public final class RingBench {

    /**
     * What to run.
     *
     * @param size     bytes per item (at least 8)
     * @param warmup   minimum warm-up of each measurement
     * @param maxWarmup longest warm-up of each measurement
     * @param measure  how long the ping-pong is measured
     * @param messages items of the measured one-way run
     * @param capacity items the one-way buffer holds (a power of two)
     */
    public record Settings(int size, Duration warmup, Duration maxWarmup, Duration measure, long messages,
                           int capacity) {
        public Settings {
            if (size < 8) {
                throw new IllegalArgumentException("item size must be at least 8 bytes: " + size);
            }
            CircularBuffer.requiredBytes(size, capacity); // checks the capacity
        }
    }

    /**
     * The results of a run.
     *
     * @param peerEnd how the peer ended after the one-way run if not cleanly (it died, or stopped
     *                answering and was given up: {@link PeerProcess#finish}), else null
     */
    public record Report(Settings settings, List<BenchResult> results, String machine, String peerEnd) {
        /** A report of a run whose peer ended cleanly. */
        public Report(Settings settings, List<BenchResult> results, String machine) {
            this(settings, results, machine, null);
        }
    }

    private final Settings settings;
    private final PrintStream progress;
    private final String prefix = "bench-" + ProcessHandle.current().pid() + "-ring";
    /** Names to remove at the end; the shutdown hook reads it. */
    private final List<String> created = new CopyOnWriteArrayList<>();
    /** Set by the shutdown hook, under this object's monitor: nothing is created any more. */
    private boolean stopping;

    public RingBench(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Runs the benchmark; the buffers it creates are removed afterwards, whatever happens. */
    public Report run() throws Exception {
        Thread cleanup = new Thread(this::stop, "jipc-bench-ring-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try (CircularBuffer ping = create("ping", settings.size(), 64);
             CircularBuffer pong = create("pong", settings.size(), 64);
             CircularBuffer in = create("in", settings.size(), settings.capacity());
             CircularBuffer done = create("done", 8, 4);
             PeerProcess peer = new PeerProcess(BenchPeer.class, List.of(), List.of(
                     "ringecho:" + prefix + "-ping:" + prefix + "-pong",
                     "ringsink:" + prefix + "-in:" + prefix + "-done"))) {
            try {
                return measure(peer, ping, pong, in, done);
            } catch (Exception e) {
                throw peer.deathOr(e); // if the peer died (its watcher interrupted the waits), that is the cause
            }
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private Report measure(PeerProcess peer, CircularBuffer ping, CircularBuffer pong, CircularBuffer in,
                           CircularBuffer done) throws Exception {
        String label = "circular buffer";
        peer.await("ringecho");
        peer.phase(label + " ping-pong");
        progress.printf("  %-24s ping-pong ...%n", label);
        BenchResult pingPong = pingPong(label, peer, ping, pong);
        peer.await("ringsink");
        peer.phase(label + " one-way throughput");
        progress.printf("  %-24s one-way throughput ...%n", label);
        double[] oneWay = oneWay(peer, in, done);
        String peerEnd = peer.finish(null); // it ends after its last phase: how it ended, if not cleanly
        return new Report(settings, List.of(pingPong.withThroughput(oneWay[0], oneWay[1])), Machine.describe(),
                peerEnd);
    }

    /**
     * Creates buffer {@code suffix}, its name registered for removal first, all under this object's
     * monitor: creating a large buffer (allocating and formatting every item) takes a while, and a
     * Ctrl-C meanwhile must remove it too, so the hook ({@link #stop}) waits for the creation to end.
     * After a stop this thread waits for the halt.
     */
    private synchronized CircularBuffer create(String suffix, int itemSize, int capacity) {
        if (stopping) {
            AllBench.awaitTheHalt();
        }
        String name = prefix + "-" + suffix;
        CircularBuffer.destroy(name);
        created.add(name);
        return CircularBuffer.create(name, itemSize, capacity);
    }

    /** The shutdown hook: nothing is created after it, and what was created (or is being created) is removed. */
    private synchronized void stop() {
        stopping = true;
        cleanUp();
    }

    private BenchResult pingPong(String label, PeerProcess peer, CircularBuffer ping, CircularBuffer pong)
            throws Exception {
        MemorySegment item = Arena.ofAuto().allocate(settings.size(), 8);
        MemorySegment echo = Arena.ofAuto().allocate(settings.size(), 8);
        // the regimen's last exchange carries sequence -1, which ends the peer's echo
        return PingPongRegimen.measure(label, settings.warmup(), settings.maxWarmup(), settings.measure(), sequence -> {
            if ((sequence & 63) == 0) {
                peer.progress(); // a stall of PeerProcess.ANSWER_WAIT ends the run (see PeerProcess)
            }
            item.set(ValueLayout.JAVA_LONG, 0, sequence);
            ping.put(item);
            pong.take(echo);
            return echo.get(ValueLayout.JAVA_LONG, 0);
        });
    }

    private double[] oneWay(PeerProcess peer, CircularBuffer in, CircularBuffer done) throws Exception {
        MemorySegment item = Arena.ofAuto().allocate(settings.size(), 8);
        MemorySegment reply = Arena.ofAuto().allocate(8, 8);
        double[] result = OneWayRegimen.measure(count -> {
            for (long i = 0; i < count; i++) {
                if ((i & 1023) == 0) {
                    peer.progress();
                }
                item.set(ValueLayout.JAVA_LONG, 0, i);
                in.put(item);
            }
            item.set(ValueLayout.JAVA_LONG, 0, OneWayRegimen.END_OF_ROUND);
            peer.progress();
            in.put(item);
            if (!done.poll(reply, Duration.ofMinutes(5)) || reply.get(ValueLayout.JAVA_LONG, 0) != count) {
                throw new IllegalStateException("one-way round of " + count + " items did not complete");
            }
        }, MailboxBench.warmMessages(settings.messages(), settings.size()), settings.messages(), settings.warmup(), settings.maxWarmup(),
                settings.size());
        item.set(ValueLayout.JAVA_LONG, 0, OneWayRegimen.END_OF_PHASE);
        in.put(item);
        return result;
    }

    private synchronized void cleanUp() {
        for (String name : List.copyOf(created)) {
            try {
                CircularBuffer.destroy(name);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        created.clear();
    }

    /** The human-readable table. */
    public static String table(Report report) {
        Settings s = report.settings();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "jipc bench ring: %d-byte items between two processes through a"
                + " shared-memory circular buffer%n", s.size()));
        out.append("machine: ").append(report.machine()).append('\n');
        out.append(String.format(Locale.ROOT, "ping-pong: %s s measured; one-way: %,d items through a buffer of %,d"
                + " items%n%n", BenchReport.seconds(s.measure()), s.messages(), s.capacity()));
        BenchReport.appendRows(out, report.results());
        return out.toString();
    }

    /** The same figures as JSON. */
    public static String json(Report report) {
        Settings s = report.settings();
        StringBuilder out = new StringBuilder("{\n");
        out.append("  \"benchmark\": \"ring\",\n");
        out.append("  \"machine\": ").append(BenchReport.quote(report.machine())).append(",\n");
        out.append("  \"itemSize\": ").append(s.size()).append(",\n");
        out.append("  \"warmupSeconds\": ").append(BenchReport.number(s.warmup().toMillis() / 1000.0)).append(",\n");
        out.append("  \"maxWarmupSeconds\": ").append(BenchReport.number(s.maxWarmup().toMillis() / 1000.0))
                .append(",\n");
        out.append("  \"measureSeconds\": ").append(BenchReport.number(s.measure().toMillis() / 1000.0)).append(",\n");
        out.append("  \"capacity\": ").append(s.capacity()).append(",\n");
        out.append("  \"messages\": ").append(s.messages()).append(",\n");
        BenchReport.appendJsonResults(out, report.results());
        return out.append("}\n").toString();
    }
}
