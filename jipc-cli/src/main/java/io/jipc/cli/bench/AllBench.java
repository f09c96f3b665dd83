package io.jipc.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jipc bench}: every {@link Mechanism} side by side, between this process and one
 * {@link AllBenchPeer} child JVM. For each mechanism, in turn: a ping-pong (round-trip percentiles)
 * at the main message size, then one-way throughput at each message size (unless the mechanism has
 * none: {@link Mechanism#noOneWay()}), with the regimens every
 * jipc benchmark uses, each case bounded in time ({@link Timing}) so that the whole run has a known
 * cost. A mechanism not available on this machine, or a size beyond a mechanism's limits, is reported as such,
 * never measured; a mechanism that fails is reported with its error and the run goes on.
 *
 * <p>One peer JVM serves the whole run (started again only after a failure): it saves a JVM start
 * per mechanism (a second or more on a loaded 2-core machine, most of the {@code --quick} budget),
 * and every mechanism is warmed up anyway, since each runs its own code. The objects of a mechanism
 * exist only while it is measured; everything is removed at the end, on failure and on Ctrl-C.
 */
public final class AllBench {
    /** The message size of the ping-pong and the first throughput case, unless set. */
    public static final int DEFAULT_SIZE = 64;
    /** The further sizes of the throughput cases, unless set. */
    public static final List<Integer> DEFAULT_EXTRA_SIZES = List.of(4096, 1 << 20);

    /**
     * How long each case runs.
     *
     * @param pingWarmup    least warm-up of a ping-pong
     * @param pingMaxWarmup most warm-up of a ping-pong (when the median does not settle)
     * @param pingMeasure   measured time of a ping-pong
     * @param oneWayWarmup  least warm-up of the first one-way case
     * @param oneWayMaxWarmup most warm-up of the first one-way case
     * @param oneWayMeasure measured time of the first one-way case
     * @param extraWarmup   most warm-up of each further size (at least a tenth of it)
     * @param extraMeasure  measured time of each further size
     */
    public record Timing(Duration pingWarmup, Duration pingMaxWarmup, Duration pingMeasure, Duration oneWayWarmup,
                         Duration oneWayMaxWarmup, Duration oneWayMeasure, Duration extraWarmup,
                         Duration extraMeasure) {
        /**
         * The default run: at most 6 s per mechanism ({@link #worstCasePerMechanism}, warm-ups that
         * never settle included), 108 s for the eighteen of {@link Mechanisms#all()}, so that the run
         * stays under two minutes on a 2-core machine; the channels' set-up and the child JVM's start
         * come on top (until 2026-12-07 it was 7 s, 126 s for eighteen).
         */
        public static final Timing DEFAULT = new Timing(ms(500), ms(1200), ms(1500), ms(300), ms(800), ms(1000),
                ms(350), ms(400));
        /**
         * {@code --quick}: at most 0.81 s per mechanism, 14.6 s for eighteen (set-up and JVM start on
         * top), so that it stays under 20 s (until 2026-12-07: 1.07 s, 19.3 s for eighteen).
         */
        public static final Timing QUICK = new Timing(ms(100), ms(150), ms(200), ms(50), ms(100), ms(120),
                ms(60), ms(60));

        private static Duration ms(long millis) {
            return Duration.ofMillis(millis);
        }

        /** The most one mechanism may take, warm-ups that never settle included. */
        public Duration worstCasePerMechanism(int extraSizes) {
            return pingMaxWarmup.plus(pingMeasure).plus(oneWayMaxWarmup).plus(oneWayMeasure)
                    .plus(extraWarmup.plus(extraMeasure).multipliedBy(extraSizes));
        }
    }

    /**
     * What to run.
     *
     * @param size       bytes of the ping-pong messages and of the first throughput case (16 or more)
     * @param extraSizes further message sizes of the throughput cases
     * @param timing     how long each case runs
     * @param mechanisms what to measure, in this order
     */
    public record Settings(int size, List<Integer> extraSizes, Timing timing, List<Mechanism> mechanisms) {
        public Settings {
            if (size < Link.ACK_LENGTH) {
                throw new IllegalArgumentException("message size must be at least " + Link.ACK_LENGTH + " bytes: " + size);
            }
            for (int s : extraSizes) {
                if (s < Link.ACK_LENGTH) {
                    throw new IllegalArgumentException("message size must be at least " + Link.ACK_LENGTH + " bytes: " + s);
                }
            }
            extraSizes = extraSizes.stream().filter(s -> s != size).distinct().toList();
            mechanisms = List.copyOf(mechanisms);
        }

        /** The sizes of the throughput cases: {@link #size} first. */
        public List<Integer> throughputSizes() {
            List<Integer> all = new ArrayList<>();
            all.add(size);
            all.addAll(extraSizes);
            return all;
        }
    }

    /**
     * The results of a run, in the order of the mechanisms.
     *
     * @param peerEnd how the peer ended after the last mechanism if not cleanly (it died, or stopped
     *                answering and was given up: {@link PeerProcess#finish}), else null; the figures
     *                were all measured before
     */
    public record Report(Settings settings, List<MechanismResult> results, String machine, double seconds,
                         String peerEnd) {
        /** A report of a run whose peer ended cleanly. */
        public Report(Settings settings, List<MechanismResult> results, String machine, double seconds) {
            this(settings, results, machine, seconds, null);
        }

        /** The mechanisms that failed (not those unavailable or beyond their limits), in order. */
        public List<MechanismResult> failed() {
            return results.stream().filter(r -> r.problem() != null && r.problem().startsWith(FAILED)).toList();
        }
    }

    /** How the problem of a mechanism that failed begins. */
    static final String FAILED = "failed: ";

    private final Settings settings;
    private final BenchProgress progress;
    private PeerProcess peer;
    private Mechanism.Endpoint endpoint;
    /** Set by the shutdown hook (Ctrl-C, SIGTERM) before it removes what the run made. */
    private volatile boolean stopping;

    public AllBench(Settings settings, BenchProgress progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Steps of {@link BenchProgress} that a run of {@code settings} takes. */
    public static int steps(Settings settings) {
        int steps = 0;
        for (Mechanism m : settings.mechanisms()) {
            if (m.unavailable() == null) {
                steps += 1 + (m.noOneWay() != null ? 0
                        : (int) settings.throughputSizes().stream().filter(s -> unsupported(m, s) == null).count());
            }
        }
        return steps;
    }

    /**
     * Runs the benchmark; what it creates is removed afterwards, whatever happens. When the JVM is
     * stopped (Ctrl-C, {@code SIGTERM}) its shutdown hook removes the objects and ends the peer; a
     * failure that this causes on the measuring thread (the peer killed under it, a mailbox destroyed)
     * is not reported: the thread waits for the JVM to halt, so the run ends with the signal's exit
     * status and no stack trace. A peer that dies or stops answering after the last mechanism (while
     * its input ends, or while its JVM exits) costs no figure: {@link Report#peerEnd()} says how it
     * ended, after at most {@link PeerProcess#ANSWER_WAIT} for a stopped one.
     */
    public Report run() throws InterruptedException {
        Thread cleanup = new Thread(() -> {
            stopping = true;
            closeAll();
        }, "jipc-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C: the objects go too
        long start = System.nanoTime();
        try {
            List<MechanismResult> results = new ArrayList<>();
            for (Mechanism m : settings.mechanisms()) {
                results.add(measure(m));
            }
            String peerEnd = peer == null ? null : peer.finish(""); // an empty line ends the peer's input
            return new Report(settings, results, Machine.describe(), (System.nanoTime() - start) / 1e9, peerEnd);
        } catch (RuntimeException | InterruptedException e) {
            if (stopping) {
                awaitTheHalt();
            }
            throw e;
        } finally {
            progress.finish();
            closeAll();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private MechanismResult measure(Mechanism m) throws InterruptedException {
        if (m.unavailable() != null) {
            return new MechanismResult(m, m.unavailable(), null, List.of(), List.of());
        }
        String label = m.label();
        int size = settings.size();
        boolean pingPong = unsupported(m, size) == null;
        List<Integer> sizes = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        if (m.noOneWay() != null) {
            skipped.add("one-way: " + m.noOneWay());
        } else {
            for (int s : settings.throughputSizes()) {
                if (unsupported(m, s) == null) {
                    sizes.add(s);
                } else {
                    skipped.add(sizeName(s) + ": " + unsupported(m, s));
                }
            }
        }
        if (sizes.isEmpty() && !pingPong) {
            progress.step(label + ": no size it supports");
            skipPingPong(skipped, m, size); // each reason once, in the notes of the skipped sizes
            return new MechanismResult(m, "no size measurable", null, List.of(), skipped);
        }
        int maxSize = Math.max(pingPong ? size : Link.ACK_LENGTH, sizes.stream().max(Integer::compare).orElse(0));
        List<Throughput> oneWay = new ArrayList<>();
        BenchResult rtt = null;
        boolean told = false;
        try {
            open(m, maxSize);
            told = true;
            peer.tell(m.id() + " " + endpoint.peerArgument());
            peer.await(m.id());
            try (Link link = endpoint.link()) {
                LinkDriver driver = new LinkDriver(label, link, peer::progress);
                progress.step(label + ": ping-pong");
                peer.phase(label + " ping-pong");
                Timing t = settings.timing();
                if (pingPong) {
                    rtt = driver.pingPong(size, t.pingWarmup(), t.pingMaxWarmup(), t.pingMeasure());
                } else {
                    driver.skipPingPong();
                }
                for (int s : sizes) {
                    progress.step(label + ": one-way " + sizeName(s));
                    peer.phase(label + " one-way " + sizeName(s));
                    oneWay.add(s == size
                            ? driver.oneWayFor(s, t.oneWayWarmup(), t.oneWayMaxWarmup(), t.oneWayMeasure())
                            : driver.oneWayFor(s, t.extraWarmup().dividedBy(10), t.extraWarmup(), t.extraMeasure()));
                }
                peer.phase(label + " end of the one-way phase");
                driver.endPhase(maxSize);
            }
            if (!pingPong) {
                skipPingPong(skipped, m, size);
            }
            return new MechanismResult(m, null, rtt, oneWay, skipped);
        } catch (Exception e) {
            if (stopping) {
                awaitTheHalt(); // the shutdown hook closed the channel under this thread: no failure of the mechanism
            }
            // the peer's death ends this mechanism's waits (its watcher interrupts them): the cause, if so
            PeerDiedException death = peer == null ? null : peer.death();
            String output = peer == null ? "" : peer.output();
            if (told || death != null) {
                closePeer(); // it may be stuck in this mechanism, or dead: a fresh peer for the next one
            }
            String why = death != null ? death.getMessage() : e.getMessage() == null ? e.toString() : e.getMessage();
            if (why.contains("\n")) {
                why = why.substring(0, why.indexOf('\n'));
            }
            if (death == null && output.contains("Exception")) {
                why += " (peer: " + output.lines().filter(l -> l.contains("Exception")).findFirst().orElse("") + ")";
            }
            return new MechanismResult(m, FAILED + why, rtt, oneWay, skipped);
        } finally {
            if (peer != null) {
                peer.idle(); // the next mechanism's set-up waits for nothing of the peer's yet
            }
            closeEndpoint();
        }
    }

    /**
     * Starts the peer if there is none, and opens {@code m}'s endpoint, all under this object's
     * monitor, which the shutdown hook's {@link #closeAll} takes too: a stop (Ctrl-C, {@code SIGTERM})
     * while the mechanism creates its objects waits until {@link #endpoint} names them, and removes
     * them. Opening waits for nothing of the peer's. After a stop this thread waits for the halt.
     */
    private synchronized void open(Mechanism m, int maxSize) throws Exception {
        if (stopping) {
            awaitTheHalt();
        }
        if (peer == null) {
            peer = new PeerProcess(AllBenchPeer.class, List.of(), List.of());
        }
        peer.phase(m.label() + " set-up");
        endpoint = m.open(maxSize, peer);
    }

    /**
     * The largest message of any mechanism: the child JVM ({@link PeerProcess}, 256 MiB of heap)
     * holds a received message and its copies (a frame, a reply) at once, and a larger one ended it
     * with an {@link OutOfMemoryError} (a mailbox takes up to 1 GiB).
     */
    public static final int PEER_MAX_MESSAGE = 32 << 20;

    /** Why {@code m} cannot be measured with {@code size}-byte messages (its limit, or the child's heap), or null. */
    public static String unsupported(Mechanism m, int size) {
        String why = m.unsupported(size);
        if (why == null && size > PEER_MAX_MESSAGE) {
            why = "messages of at most " + sizeName(PEER_MAX_MESSAGE) + " in this run (the benchmark's child JVM has "
                    + "a 256 MiB heap)";
        }
        return why;
    }

    /**
     * Notes that the ping-pong of {@code size}-byte messages is not measured, first, merged with the
     * note of the one-way case of that size if there is one: each reason is said once.
     */
    private static void skipPingPong(List<String> skipped, Mechanism m, int size) {
        String note = sizeName(size) + ": " + unsupported(m, size);
        skipped.addFirst((skipped.remove(note) ? "ping-pong and one-way " : "ping-pong ") + note);
    }

    /** {@code 64 B}, {@code 4 KiB}, {@code 1 MiB}. */
    public static String sizeName(int size) {
        if (size >= 1 << 20 && size % (1 << 20) == 0) {
            return (size >> 20) + " MiB";
        }
        if (size >= 1024 && size % 1024 == 0) {
            return (size >> 10) + " KiB";
        }
        return size + " B";
    }

    /** Parks the calling thread until the stopping JVM halts (after its shutdown hooks), ignoring interrupts. */
    static void awaitTheHalt() {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        while (true) {
            try {
                never.await();
            } catch (InterruptedException stillStopping) {
                // the halt ends this thread
            }
        }
    }

    private synchronized void closeEndpoint() {
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
    }

    private synchronized void closePeer() {
        if (peer != null) {
            peer.close();
            peer = null;
        }
    }

    /**
     * The peer first: once it is dead, closing the endpoint removes what it joined too (a process
     * group's file and the peer's inbox go with the last live member; the peer's Unix datagram socket
     * file), and a peer still running could create its objects after they were removed.
     */
    private void closeAll() {
        closePeer();
        closeEndpoint();
    }
}
