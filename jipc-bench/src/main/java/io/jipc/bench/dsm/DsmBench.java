package io.jipc.bench.dsm;

import io.jipc.bench.IntOptions;
import io.jipc.bench.OneLineFailures;
import io.jipc.bench.PeerProgress;
import io.jipc.cli.bench.PeerProcess;
import io.jipc.dsm.DsmOptions;
import io.jipc.dsm.RegionHome;
import io.jipc.dsm.RegionRead;
import io.jipc.dsm.RegionWrite;
import io.jipc.dsm.ReplicatedRegion;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/jipc-bench dsm}: replicated regions ({@link ReplicatedRegion}, jipc-dsm) between two
 * processes of this host. The {@link RegionHome} runs in this process on 127.0.0.1 (an ephemeral
 * port), and so does replica A of every region; replica B runs in a child JVM ({@link DsmBenchPeer}),
 * which opens every region before the first step, so that each section's changes are pushed to it
 * (the home queues the update to B together with its answer to A's release). Every row is a warm-up pass
 * of {@code --warmup} operations whose figures are dropped, then a measured pass of
 * {@code --sections}:
 * <ul>
 * <li>{@code write section}: A opens a write section ({@code write()}: the lock) and changes 8 bytes
 *     in a region of {@code --size} bytes, then closes it (the changed bytes to the home, which
 *     applies them, pushes them to B and acknowledges: one round trip). Nobody else writes the
 *     region, so the home leaves the lock with A after its second section and {@code write()} costs
 *     nothing; with {@code --keep-locks 0} (a home that never leaves it) each {@code write()} is a
 *     second round trip. The latency of {@code write()} + {@code close()}.</li>
 * <li>{@code ping-pong}: in another region of {@code --size} bytes A writes the value n (a long at
 *     offset 0) in a section; B waits with {@code awaitVersion} until its replica shows n and writes
 *     n + 1 in a section; A waits until it sees n + 1. The time at A from the start of its section
 *     to seeing B's value: two sections and two propagations.</li>
 * <li>{@code throughput}: A writes sections back to back in a region of 4 KiB, each changing 8 bytes,
 *     then in a region of 1 MiB, each rewriting every byte; B waits until its replica has the last
 *     section's version and tells A so in a section of a small region. Sections per second and
 *     megabytes (10^6) per second of changed bytes arriving at B, from A's first section to B's word.
 *     The 1 MiB row runs a twentieth of the sections (at least 1) after a twentieth of the warm-up.</li>
 * </ul>
 * HdrHistogram percentiles of the latencies in µs and their rate (the reciprocal of the mean).
 *
 * <pre>bin/jipc-bench dsm [--sections N] [--warmup N] [--size BYTES] [--keep-locks 1|0]</pre>
 *
 * Defaults: 10,000 sections after 2,000 to warm up, regions of 4,096 bytes for the latency rows
 * (about 25 s on two vCPUs, most of it the ping-pong).
 * The regions have the default options ({@code DsmOptions.defaults()}, but for {@code --keep-locks}); every write section copies
 * its whole region to a twin and compares it at the end, so {@code --size} matters.
 */
public final class DsmBench {
    static final String USAGE = "usage: jipc-bench dsm [--sections N] [--warmup N] [--size BYTES] [--keep-locks 1|0]";
    static final int SMALL_REGION = 4096;
    static final int LARGE_REGION = 1 << 20;
    /** The 1 MiB row runs this fraction of the sections and of the warm-up. */
    static final int LARGE_DIVISOR = 20;
    /** The latency rows' largest region: 64 MiB, the default limit. */
    private static final int MOST_SIZE = 64 << 20;
    private static final long WAIT_SLICE_MILLIS = 200;
    static final Duration WAIT_SLICE = Duration.ofMillis(WAIT_SLICE_MILLIS);

    static final String WRITE = "bench-write";
    static final String PING_PONG = "bench-ping-pong";
    static final String SMALL = "bench-4k";
    static final String LARGE = "bench-1m";
    /** B's word that it has a pass's last section: the pass's number, a long at offset 0. */
    static final String DONE = "bench-done";

    private DsmBench() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(OneLineFailures.exitCode("dsm", () -> run(args, System.out))); // a dead peer, a stop: one line
    }

    /** What both processes run with (given to the peer on its command line after the home's address). */
    record Settings(int sections, int warmup, int size) {
        List<String> toArgs(String home) {
            return List.of(home, Integer.toString(sections), Integer.toString(warmup), Integer.toString(size));
        }

        static Settings fromArgs(String[] args) {
            return new Settings(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        }

        int largeSections() {
            return Math.max(1, sections / LARGE_DIVISOR);
        }

        int largeWarmup() {
            return warmup == 0 ? 0 : Math.max(1, warmup / LARGE_DIVISOR);
        }
    }

    /** The replicas of one process, opened in the same order in both. */
    record Replicas(ReplicatedRegion write, ReplicatedRegion pingPong, ReplicatedRegion small, ReplicatedRegion large,
                    ReplicatedRegion done) implements AutoCloseable {
        static Replicas open(SocketAddress home, Settings s) throws InterruptedException {
            ReplicatedRegion[] r = new ReplicatedRegion[5];
            try {
                r[0] = ReplicatedRegion.open(home, WRITE, s.size());
                r[1] = ReplicatedRegion.open(home, PING_PONG, s.size());
                r[2] = ReplicatedRegion.open(home, SMALL, SMALL_REGION);
                r[3] = ReplicatedRegion.open(home, LARGE, LARGE_REGION);
                r[4] = ReplicatedRegion.open(home, DONE, Long.BYTES);
                return new Replicas(r[0], r[1], r[2], r[3], r[4]);
            } catch (InterruptedException | RuntimeException | Error e) {
                for (ReplicatedRegion region : r) {
                    if (region != null) {
                        region.close();
                    }
                }
                throw e;
            }
        }

        @Override
        public void close() {
            for (ReplicatedRegion region : List.of(write, pingPong, small, large, done)) {
                region.close();
            }
        }
    }

    static int run(String[] args, PrintStream out) throws Exception {
        if (IntOptions.helpAsked(args)) {
            out.println(USAGE);
            return 0;
        }
        Map<String, Integer> options = IntOptions.parse(args,
                Map.of("--sections", 10_000, "--warmup", 2_000, "--size", 4096, "--keep-locks", 1), USAGE);
        if (options == null) {
            return 2;
        }
        int sections = options.get("--sections");
        int warmup = options.get("--warmup");
        int size = options.get("--size");
        int keepLocks = options.get("--keep-locks");
        String bad = IntOptions.outOfRange(options, IntOptions.Range.atLeast("--sections", 1),
                IntOptions.Range.atLeast("--warmup", 0), new IntOptions.Range("--size", Long.BYTES, MOST_SIZE),
                new IntOptions.Range("--keep-locks", 0, 1));
        if (bad != null) {
            System.err.println("jipc-bench dsm: " + bad);
            return 2;
        }
        Settings settings = new Settings(sections, warmup, size);
        out.printf(Locale.ROOT, "jipc-bench dsm: home and replica A in this process, replica B in a peer JVM;"
                + " %,d sections after %,d to warm up; latency rows in regions of %,d bytes; %s%n", sections, warmup, size,
                keepLocks == 1 ? "the home keeps locks" : "the home never keeps locks");
        try (RegionHome home = RegionHome.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                DsmOptions.defaults().withKeepLocks(keepLocks == 1));
             Replicas a = Replicas.open(home.address(), settings)) {
            InetSocketAddress address = (InetSocketAddress) home.address();
            String where = address.getAddress().getHostAddress() + ":" + address.getPort();
            try (PeerProcess peer = new PeerProcess(DsmBenchPeer.class, List.of("--enable-native-access=ALL-UNNAMED"),
                    settings.toArgs(where))) {
                try {
                    Runnable peerAlive = () -> peer.checkAlive("replica A waited for replica B");
                    PeerProgress progress = PeerProgress.of(peer); // a stopped B: one line after PeerProcess.ANSWER_WAIT
                    peer.await("opened");
                    peer.phase("the region's operations");
                    out.printf(Locale.ROOT, "%-36s %9s %9s %9s %12s%n", "operation", "p50 (µs)", "p90 (µs)", "p99 (µs)",
                            "ops/s");
                    progress.idle(); // the write sections wait for nothing of B's (see writeSections)
                    row(out, "write section, 8 B changed", writeSections(a.write(), settings));
                    row(out, "ping-pong A->B->A, 2 sections", pingPongA(a.pingPong(), settings, peerAlive, progress));
                    out.printf(Locale.ROOT, "%-36s %9s %12s %12s%n", "throughput", "sections", "sections/s", "MB/s at B");
                    int[] pass = {0};
                    throughputRow(out, "4 KiB region, 8 B per section", Long.BYTES,
                            n -> throughputA(a.small(), a.done(), n, ++pass[0], false, peerAlive, progress),
                            settings.warmup(), settings.sections());
                    throughputRow(out, "1 MiB region, all rewritten", LARGE_REGION,
                            n -> throughputA(a.large(), a.done(), n, ++pass[0], true, peerAlive, progress),
                            settings.largeWarmup(), settings.largeSections());
                    peer.await("PEER DONE");
                    peer.waitFor();
                } catch (Exception failure) { // a peer that died interrupts this thread (its watcher): say so
                    throw peer.deathOr(failure);
                }
            }
        }
        return 0;
    }

    private static void row(PrintStream out, String operation, Histogram h) {
        out.printf(Locale.ROOT, "%-36s %9.2f %9.2f %9.2f %,12.0f%n", operation, h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3, 1e9 / h.getMean());
    }

    @FunctionalInterface
    private interface Pass {
        /** Runs a pass of {@code n} sections; its nanoseconds. */
        long run(int n) throws InterruptedException;
    }

    private static void throughputRow(PrintStream out, String operation, long bytesPerSection, Pass pass,
                                      int warmup, int measured) throws InterruptedException {
        if (warmup > 0) {
            pass.run(warmup);
        }
        double seconds = pass.run(measured) / 1e9;
        double perSecond = measured / seconds;
        out.printf(Locale.ROOT, "%-36s %,9d %,12.0f %12.2f%n", operation, measured, perSecond,
                perSecond * bytesPerSection / 1e6);
    }

    // ------------------------------------------------------------------ the steps (DsmBenchPeer runs B's side)

    /** 8 bytes, each different from the same byte of {@code pattern(i - 1)}, never all zero. */
    static long pattern(long i) {
        return ((i % 255) + 1) * 0x0101010101010101L;
    }

    /**
     * A's uncontended write sections; B only receives them. The home acknowledges each section to A
     * and queues its push to B: a B that stops answering holds none of them up (the home drops it
     * after its peer timeout), so this row waits for nothing of B's and reports no progress; the
     * next row notices a stopped B.
     */
    static Histogram writeSections(ReplicatedRegion region, Settings s) throws InterruptedException {
        Histogram histogram = new Histogram(3);
        int total = s.warmup() + s.sections();
        for (int i = 0; i < total; i++) {
            checkInterrupt();
            long start = System.nanoTime();
            try (RegionWrite w = region.write()) {
                w.segment().set(ValueLayout.JAVA_LONG, 0, pattern(i));
            }
            long took = System.nanoTime() - start;
            if (i >= s.warmup()) {
                histogram.recordValue(took);
            }
        }
        return histogram;
    }

    /**
     * A's side of the ping-pong: writes the odd values, waits for the even ones; tells
     * {@code progress} of the exchanges.
     */
    static Histogram pingPongA(ReplicatedRegion region, Settings s, Runnable whileWaiting, PeerProgress progress)
            throws InterruptedException {
        Histogram histogram = new Histogram(3);
        int total = s.warmup() + s.sections();
        for (int i = 0; i < total; i++) {
            progress.exchange(i);
            long start = System.nanoTime();
            try (RegionWrite w = region.write()) {
                w.segment().set(ValueLayout.JAVA_LONG, 0, 2L * i + 1);
            }
            awaitValue(region, 2L * i + 2, whileWaiting);
            long took = System.nanoTime() - start;
            if (i >= s.warmup()) {
                histogram.recordValue(took);
            }
        }
        return histogram;
    }

    /** B's side of the ping-pong: waits for each odd value, answers with the next even one. */
    static void pingPongB(ReplicatedRegion region, Settings s) throws InterruptedException {
        int total = s.warmup() + s.sections();
        for (int i = 0; i < total; i++) {
            awaitValue(region, 2L * i + 1, () -> { });
            try (RegionWrite w = region.write()) {
                w.segment().set(ValueLayout.JAVA_LONG, 0, 2L * i + 2);
            }
        }
    }

    /**
     * A writes {@code n} sections back to back (8 bytes each, or the whole region if {@code whole}),
     * then waits for B's word that it has the last one; the nanoseconds from the first section to the word.
     * The sections wait for nothing of B's (as {@link #writeSections}): {@code progress} is idle
     * until the wait for B's word.
     */
    static long throughputA(ReplicatedRegion region, ReplicatedRegion done, int n, long pass, boolean whole,
                            Runnable whileWaiting, PeerProgress progress) throws InterruptedException {
        progress.idle();
        long base = region.version();
        long start = System.nanoTime();
        for (long i = base; i < base + n; i++) {
            checkInterrupt();
            try (RegionWrite w = region.write()) {
                MemorySegment s = w.segment();
                if (whole) {
                    s.fill((byte) pattern(i));
                } else {
                    s.set(ValueLayout.JAVA_LONG, 0, pattern(i));
                }
            }
        }
        progress.now();
        awaitValue(done, pass, whileWaiting);
        return System.nanoTime() - start;
    }

    /** B waits until its replica has version {@code target} (A's sections so far), then says so in {@code done}. */
    static void throughputB(ReplicatedRegion region, ReplicatedRegion done, long target, long pass)
            throws InterruptedException {
        for (long v = region.version(); v < target; ) {
            v = region.awaitVersion(v, WAIT_SLICE);
        }
        try (RegionWrite w = done.write()) {
            w.segment().set(ValueLayout.JAVA_LONG, 0, pass);
        }
    }

    /**
     * Throws {@link InterruptedException} if this thread is interrupted (and clears the status), as a
     * wait would. A write section whose lock the home left here neither waits nor looks at the
     * interrupt status (it begins whatever the status, and its release keeps the status), so the
     * loops of write sections that never wait for the peer call this before each section: the
     * interrupt with which {@link PeerProcess} tells of a dead peer then ends them at once, not after
     * {@code --sections} more sections (for ever, to a person waiting).
     */
    private static void checkInterrupt() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** Waits until the long at offset 0 is {@code value}; runs {@code whileWaiting} after every slice without it. */
    static void awaitValue(ReplicatedRegion region, long value, Runnable whileWaiting) throws InterruptedException {
        while (true) {
            long seen;
            try (RegionRead r = region.read()) {
                if (r.segment().get(ValueLayout.JAVA_LONG, 0) == value) {
                    return;
                }
                seen = r.version();
            }
            if (region.awaitVersion(seen, WAIT_SLICE) <= seen) {
                whileWaiting.run();
            }
        }
    }
}
