package io.jipc.bench.aeron;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.jipc.bench.OneLineFailures;
import io.jipc.bench.PeerProgress;
import io.jipc.bench.ShmDirs;
import io.jipc.cli.bench.ClockTick;
import io.jipc.cli.bench.Machine;
import io.jipc.cli.bench.PeerProcess;
import io.jipc.cli.bench.TickPercentiles;
import io.jipc.segment.JipcRoot;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Round trips of several transports interleaved in one pair of processes: each block of the run
 * does {@code --block-size} ping-pong round trips over every transport in turn, in an order that
 * rotates by one each block; the first block warms up. On a small VM the hypervisor's placement of
 * the two vCPUs changes a round trip by up to 3x from one minute to the next, so separate runs
 * cannot resolve differences of 10 ns; blocks a few tens of milliseconds apart in the same processes
 * can. The report gives, per transport, the mean and median of the block medians, the percentiles
 * of all measured round trips, and against the first transport: the difference of the means and in
 * how many blocks it was faster. See {@link InterleavedTransport} for the transports.
 *
 * <p>With {@code --one-way N}, each transport's turn in a block goes on with N messages sent one
 * way over it ({@link InterleavedTransport#sendOneWay}); the report adds the block rates, and per
 * transport the median of its ratios to the first transport's rate in the same block.
 *
 * <p>Run it with {@code bin/jipc-bench interleaved [options] TRANSPORT...}. Everything it creates
 * lives under {@code /dev/shm/jipc-interleaved-<pid>} (a private jipc root per run in it, given to
 * the peer; per run, because jipc keeps a process's name service for a root it has seen) and
 * {@code /dev/shm/aeron-jipcbench-<pid>} (with the {@code c} and {@code cfutex} transports, also
 * the C sources and compiled libraries, in the first; with {@code pipe}, the FIFOs); both are
 * deleted at the end, on failure and on Ctrl-C, and leftovers of killed runs are deleted on the
 * next start.
 */
@Command(name = "jipc-bench interleaved", sortOptions = false,
        description = "Round trips (and with --one-way, one-way rates) of several transports interleaved in blocks "
                + "between the same two processes, to compare them within a few ns: aeron, mailbox (as jipc-bench "
                + "aeron measures it), mailbox:S (the same with wait strategy S, e.g. mailbox:futex), ring (the "
                + "mailbox's ring alone), c (a reference ring in C, same record layout; needs gcc), bare:H:A (a bare "
                + "ring with H header bytes and A-byte record alignment), pipe (two FIFOs, as the pipe reference of "
                + "jipc bench mailbox) and cfutex (a futex-only ping-pong in C; needs gcc).")
public final class Interleaved implements Callable<Integer> {
    private static final String ROOT_PREFIX = "jipc-interleaved-";
    private static final AtomicInteger RUNS = new AtomicInteger();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = "--blocks", description = "blocks, the first of which warms up (default: ${DEFAULT-VALUE})")
    int blocks = 31;

    @Option(names = "--block-size", description = "round trips of each transport in each block (default: ${DEFAULT-VALUE})")
    int blockSize = 200_000;

    @Option(names = "--size", description = "message size in bytes, 8 to 1024 (default: ${DEFAULT-VALUE})")
    int size = 64;

    @Option(names = "--per-block", description = "also print the median of every transport in every block")
    boolean perBlock;

    @Option(names = "--one-way", paramLabel = "N", description = "after each transport's round trips in a block, "
            + "also send N messages one way over it and measure the rate (0: round trips only; default: ${DEFAULT-VALUE})")
    long oneWay;

    @Parameters(arity = "1..*", paramLabel = "TRANSPORT",
            description = "aeron, mailbox, mailbox:S (S = spin, yield, spin_then_futex or futex), ring, c or bare:H:A "
                    + "(e.g. bare:16:16, bare:16:64), each optionally @KiB (the data bytes of each direction, e.g. "
                    + "ring@65536); ring and bare optionally /N (N busy-delay steps after each empty poll, e.g. "
                    + "bare:16:16/16); pipe; cfutex; the first is the reference")
    List<String> transports;

    private final PrintStream out;
    private final PrintStream err;

    Interleaved(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs with {@code args}; returns the exit status (0 on success). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (System.getProperty("agrona.disable.bounds.checks") == null) {
            System.setProperty("agrona.disable.bounds.checks", "true"); // as jipc-bench aeron
        }
        CommandLine command = new CommandLine(new Interleaved(out, err));
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        command.setExecutionExceptionHandler(OneLineFailures.handler("interleaved", err)); // a dead peer: one line
        return command.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (blocks < 2 || blockSize < 1 || size < 8 || size > 1024 || oneWay < 0) {
            err.println("jipc-bench interleaved: --blocks must be at least 2, --block-size at least 1, "
                    + "--size from 8 to 1024, --one-way at least 0");
            return 2;
        }
        List<InterleavedTransport.Spec> specs = new ArrayList<>();
        try {
            for (String transport : transports) {
                specs.add(InterleavedTransport.Spec.parse(transport));
            }
        } catch (IllegalArgumentException e) {
            err.println("jipc-bench interleaved: " + e.getMessage());
            return 2;
        }
        if (oneWay > 0) {
            for (InterleavedTransport.Spec spec : specs) {
                if (!InterleavedTransport.sendsOneWay(spec)) {
                    err.println("jipc-bench interleaved: --one-way: transport '" + spec
                            + "' sends no one-way blocks (a bare ring has no flow control; pipe and cfutex "
                            + "measure round trips only)");
                    return 2;
                }
            }
        }
        String started = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String load = String.join(" ", Arrays.asList(Files.readString(Path.of("/proc/loadavg")).trim().split(" ")).subList(0, 3));
        long pid = ProcessHandle.current().pid();
        Path runs = Path.of("/dev/shm", ROOT_PREFIX + pid);
        Path root = runs.resolve("run-" + RUNS.incrementAndGet());
        Path aeronDir = Path.of("/dev/shm", "aeron-jipcbench-" + pid);
        ShmDirs.deleteStale(ROOT_PREFIX);
        ShmDirs.deleteStale("aeron-jipcbench-");
        Thread cleanup = new Thread(() -> {
            ShmDirs.deleteTree(runs);
            ShmDirs.deleteTree(aeronDir);
        }, "jipc-bench-interleaved-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        String previousRoot = System.getProperty(JipcRoot.PROPERTY);
        System.setProperty(JipcRoot.PROPERTY, root.toString());
        try {
            Result[] results = measure(specs, aeronDir, root);
            out.print(report(specs, results, started, load));
            out.flush();
            return 0;
        } finally {
            restore(JipcRoot.PROPERTY, previousRoot);
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /**
     * The measured round trips of one transport, and the heap bytes allocated during them by this
     * thread ({@code allocated[0]}) and by the peer's ({@code allocated[1]}), filled in as the run goes;
     * with {@code --one-way}, the one-way rate of each measured block (messages per second).
     */
    private record Result(Histogram all, double[] blockMedians, long[] allocated, double[] blockRates) {
    }

    private Result[] measure(List<InterleavedTransport.Spec> specs, Path aeronDir, Path root) throws Exception {
        boolean withAeron = specs.stream().anyMatch(spec -> spec.kind().equals("aeron"));
        boolean withC = specs.stream().anyMatch(spec -> spec.kind().equals("c"));
        boolean withCFutex = specs.stream().anyMatch(spec -> spec.kind().equals("cfutex"));
        String previousLibrary = System.getProperty(CRing.LIBRARY_PROPERTY);
        String previousFutexLibrary = System.getProperty(CFutex.LIBRARY_PROPERTY);
        int n = specs.size();
        List<InterleavedTransport> transports = new ArrayList<>();
        MediaDriver driver = null;
        Aeron aeron = null;
        try {
            if (withC) {
                Path library = root.resolveSibling("cring.so"); // in this run's directory, deleted with it
                Files.createDirectories(library.getParent());
                CRing.compile(library);
                System.setProperty(CRing.LIBRARY_PROPERTY, library.toString());
            }
            if (withCFutex) {
                Path library = root.resolveSibling("cfutex.so");
                Files.createDirectories(library.getParent());
                CFutex.compile(library);
                System.setProperty(CFutex.LIBRARY_PROPERTY, library.toString());
            }
            if (withAeron) {
                driver = MediaDriver.launch(AeronIpc.driverContext(aeronDir));
                aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            }
            for (int i = 0; i < n; i++) {
                transports.add(InterleavedTransport.create(specs.get(i), i, size, aeron, "ilv"));
            }
            List<String> jvmArgs = new ArrayList<>(AeronIpc.JVM_ARGS);
            jvmArgs.add("-D" + JipcRoot.PROPERTY + "=" + root);
            if (withC) {
                jvmArgs.add("-D" + CRing.LIBRARY_PROPERTY + "=" + System.getProperty(CRing.LIBRARY_PROPERTY));
            }
            if (withCFutex) {
                jvmArgs.add("-D" + CFutex.LIBRARY_PROPERTY + "=" + System.getProperty(CFutex.LIBRARY_PROPERTY));
            }
            List<String> args = new ArrayList<>(List.of(withAeron ? aeronDir.toString() : "-", Integer.toString(size),
                    Boolean.toString(oneWay > 0)));
            specs.forEach(spec -> args.add(spec.toString()));
            try (PeerProcess peer = new PeerProcess(InterleavedPeer.class, jvmArgs, args)) {
                peer.await("echo");
                peer.phase("the measured blocks");
                // if the peer dies, its watcher interrupts this thread: the waits of the round trip in progress end
                Result[] results;
                try {
                    results = run(transports, peer);
                } catch (InterruptedException | RuntimeException e) {
                    throw peer.deathOr(e); // names the peer's death if that was the cause
                }
                peer.await("PEER DONE");
                peer.waitFor();
                peer.output().lines().filter(line -> line.startsWith(Allocation.PEER_LINE + " ")).forEach(line -> {
                    String[] f = line.split(" ");
                    results[Integer.parseInt(f[1])].allocated()[1] = Long.parseLong(f[2]);
                });
                return results;
            }
        } finally {
            for (InterleavedTransport transport : transports.reversed()) {
                transport.close();
            }
            if (aeron != null) {
                aeron.close();
            }
            if (driver != null) {
                driver.close();
            }
            restore(CRing.LIBRARY_PROPERTY, previousLibrary);
            restore(CFutex.LIBRARY_PROPERTY, previousFutexLibrary);
        }
    }

    private static void restore(String property, String previous) {
        if (previous == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, previous);
        }
    }

    private Result[] run(List<InterleavedTransport> transports, PeerProcess peer) throws InterruptedException {
        int n = transports.size();
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (InterleavedTransport transport : transports) {
            while (!transport.connected()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(transport.spec + ": not connected after 60 s");
                }
                peer.checkAlive("connecting");
                Thread.sleep(1);
            }
        }
        Result[] results = new Result[n];
        for (int i = 0; i < n; i++) {
            results[i] = new Result(new Histogram(3), new double[blocks - 1], new long[2], new double[blocks - 1]);
        }
        Histogram block = new Histogram(3);
        // a stopped peer is killed after PeerProcess.ANSWER_WAIT without progress; its death ends the waits
        PeerProgress progress = PeerProgress.of(peer);
        double tick = ClockTick.nanos();
        long value = 0;
        out.printf("running jipc-bench interleaved: %d blocks of %,d round trips per transport ...%n", blocks, blockSize);
        for (int b = 0; b < blocks; b++) {
            for (int j = 0; j < n; j++) {
                int i = (j + b) % n; // the peer rotates the same way
                InterleavedTransport transport = transports.get(i);
                block.reset();
                long allocatedBefore = Allocation.ofThisThread();
                for (int k = 0; k < blockSize; k++) {
                    progress.exchange(k);
                    long t0 = System.nanoTime();
                    long echoed = transport.exchange(++value);
                    long t1 = System.nanoTime();
                    if (echoed != value) {
                        throw new IllegalStateException(transport.spec + ": sent " + value + ", the echo was " + echoed);
                    }
                    if (b > 0) {
                        block.recordValue(t1 - t0); // auto-resizing: no clamp
                    }
                }
                boolean last = b == blocks - 1 && j == n - 1;
                long endOfTurn = last ? InterleavedTransport.MARK_RUN_END : InterleavedTransport.MARK_BLOCK_END;
                long marker = oneWay > 0 ? InterleavedTransport.MARK_BLOCK_END : endOfTurn; // one-way ends the turn
                if (transport.exchange(marker) != marker) {
                    throw new IllegalStateException(transport.spec + ": the end-of-block marker did not come back");
                }
                if (b > 0) {
                    results[i].allocated()[0] += Allocation.ofThisThread() - allocatedBefore;
                    results[i].all().add(block);
                    results[i].blockMedians()[b - 1] = TickPercentiles.valueAt(block, 50, tick);
                }
                if (oneWay > 0) {
                    long t0 = System.nanoTime();
                    transport.sendOneWay(oneWay, endOfTurn, progress); // tells of every 1024th message
                    long t1 = System.nanoTime();
                    progress.now();
                    if (b > 0) {
                        results[i].blockRates()[b - 1] = oneWay * 1e9 / (t1 - t0);
                    }
                }
            }
        }
        return results;
    }

    private String report(List<InterleavedTransport.Spec> specs, Result[] results, String started, String load) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%njipc-bench interleaved: %d-byte round trips between two processes%n", size));
        s.append("machine: ").append(Machine.describe()).append('\n');
        s.append("started: ").append(started).append(", load average ").append(load).append('\n');
        s.append(String.format(Locale.ROOT, "%d blocks of %,d round trips per transport, the first one warm-up; "
                + "the order rotates by one each block; allocated: heap bytes per round trip in (a) this process's "
                + "thread, (b) the peer's%n%n", blocks, blockSize));
        int width = Math.max(10, specs.stream().mapToInt(spec -> spec.toString().length()).max().orElse(0) + 2);
        s.append(String.format(Locale.ROOT, "%-" + width + "s %10s %10s %7s %7s %7s %12s %14s %12s%n", "transport",
                "mean of", "median of", "p50", "p90", "p99", "mean minus", "blocks faster", "allocated"));
        s.append(String.format(Locale.ROOT, "%-" + width + "s %10s %10s %7s %7s %7s %12s %14s %12s%n", "",
                "block p50", "block p50", "(ns)", "(ns)", "(ns)", specs.getFirst().toString(), "than " + specs.getFirst(),
                "B/rt, a+b"));
        double reference = mean(results[0].blockMedians());
        for (int i = 0; i < specs.size(); i++) {
            double[] medians = results[i].blockMedians();
            Histogram all = results[i].all();
            int faster = 0;
            for (int b = 0; b < medians.length; b++) {
                faster += medians[b] < results[0].blockMedians()[b] ? 1 : 0;
            }
            long roundTrips = (long) medians.length * blockSize;
            s.append(String.format(Locale.ROOT, "%-" + width + "s %10.1f %10.1f %7.1f %7.1f %7.1f %12s %14s %12s%n", specs.get(i).toString(),
                    mean(medians), median(medians), percentile(all, 50), percentile(all, 90),
                    percentile(all, 99), i == 0 ? "" : String.format(Locale.ROOT, "%+.1f", mean(medians) - reference),
                    i == 0 ? "" : faster + " of " + medians.length,
                    String.format(Locale.ROOT, "%.0f+%.0f", results[i].allocated()[0] / (double) roundTrips,
                            results[i].allocated()[1] / (double) roundTrips)));
        }
        if (oneWay > 0) {
            s.append(String.format(Locale.ROOT, "%none way, %,d messages per transport in each block, after its round trips "
                    + "(M msgs/s; the rate of a block runs from the first send until the peer has received the last)%n",
                    oneWay));
            s.append(String.format(Locale.ROOT, "%-" + width + "s %10s %10s %10s %10s %14s%n", "transport", "median",
                    "min", "max", "median of", "blocks faster"));
            s.append(String.format(Locale.ROOT, "%-" + width + "s %10s %10s %10s %10s %14s%n", "", "of blocks",
                    "block", "block", "ratios to " + specs.getFirst(), "than " + specs.getFirst()));
            for (int i = 0; i < specs.size(); i++) {
                double[] rates = results[i].blockRates();
                double[] ratios = new double[rates.length];
                int faster = 0;
                for (int b = 0; b < rates.length; b++) {
                    ratios[b] = rates[b] / results[0].blockRates()[b];
                    faster += rates[b] > results[0].blockRates()[b] ? 1 : 0;
                }
                s.append(String.format(Locale.ROOT, "%-" + width + "s %10s %10s %10s %10s %14s%n",
                        specs.get(i).toString(), millions(median(rates)), millions(Arrays.stream(rates).min().orElse(0)),
                        millions(Arrays.stream(rates).max().orElse(0)),
                        i == 0 ? "" : String.format(Locale.ROOT, "%.2f", median(ratios)),
                        i == 0 ? "" : faster + " of " + rates.length));
            }
        }
        if (perBlock) {
            s.append(oneWay > 0 ? "\nmedian round trip (ns) and one-way rate (M msgs/s) of each block:\n"
                    : "\nmedian of each block (ns):\n");
            for (int b = 0; b < blocks - 1; b++) {
                s.append(String.format(Locale.ROOT, "  block %3d:", b + 1));
                for (int i = 0; i < specs.size(); i++) {
                    s.append(' ').append(specs.get(i)).append('=')
                            .append(String.format(Locale.ROOT, "%.1f", results[i].blockMedians()[b]));
                    if (oneWay > 0) {
                        s.append('/').append(millions(results[i].blockRates()[b])).append('M');
                    }
                }
                s.append('\n');
            }
        }
        return s.toString();
    }

    /** A percentile of all measured round trips, estimated within the clock's tick. */
    private static double percentile(Histogram all, double percentile) {
        return TickPercentiles.valueAt(all, percentile, ClockTick.nanos());
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(0);
    }

    /**
     * The median of {@code values}: the middle one, or the mean of the two middle ones for an even
     * count (the default 30 measured blocks), as {@link SideBySideReport} takes it.
     */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * A rate in millions with one decimal, or three when it is below 0.05 M but not zero (a transport
     * starved by a loaded machine still shows that it moved messages).
     */
    static String millions(double perSecond) {
        double m = perSecond / 1e6;
        return String.format(Locale.ROOT, m > 0 && m < 0.05 ? "%.3f" : "%.1f", m);
    }
}
