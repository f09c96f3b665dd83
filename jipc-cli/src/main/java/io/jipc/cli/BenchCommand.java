package io.jipc.cli;

import io.jipc.WaitStrategy;
import io.jipc.cli.bench.AllBench;
import io.jipc.cli.bench.AllBenchReport;
import io.jipc.cli.bench.BenchProgress;
import io.jipc.cli.bench.BenchReport;
import io.jipc.cli.bench.HtmlReport;
import io.jipc.cli.bench.Link;
import io.jipc.cli.bench.Mechanisms;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.bench.MailboxBench;
import io.jipc.cli.bench.MechanismResult;
import io.jipc.cli.bench.RoundsReport;
import io.jipc.cli.bench.RingBench;
import io.jipc.cli.bench.SocketBench;
import io.jipc.segment.JipcRoot;
import io.jipc.shm.CircularBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jipc bench}: measurements between real processes. Without a subcommand, every mechanism
 * side by side ({@link AllBench}); {@code mailbox} and {@code sockets} look closer at one family.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure every IPC mechanism between two processes on this machine, side by side.",
                "Ping-pong round trips (p50, p90, p99, p99.9) and one-way throughput (64 B, 4 KiB, 1 MiB). "
                + "Under 2 minutes for the 18 mechanisms (cases at most 6 s a mechanism: the first line says "
                + "the total; --quick: at most 0.81 s a mechanism, under 20 s). The subcommands look "
                + "closer at one family."},
        subcommands = {BenchCommand.MailboxBenchCommand.class, BenchCommand.SocketsBenchCommand.class,
                BenchCommand.RingBenchCommand.class})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--size", description = "bytes of the ping-pong messages and of the first one-way case, 16 or more (default: ${DEFAULT-VALUE})")
    int size = AllBench.DEFAULT_SIZE;

    @Option(names = "--extra-sizes", split = ",", paramLabel = "BYTES",
            description = "further message sizes of the one-way cases (default: 4096,1048576; 0 for none)")
    List<Integer> extraSizes = AllBench.DEFAULT_EXTRA_SIZES;

    @Option(names = "--only", split = ",", paramLabel = "ID",
            description = "measure only these mechanisms, e.g. --only mq,pipe (ids: ${sys:jipc.bench.ids})")
    List<String> only = List.of();

    @Option(names = "--quick", description = "a short run: under a second per mechanism")
    boolean quick;

    @Option(names = "--json", description = "print the results as JSON (progress goes to standard error)")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE",
            description = "also write a self-contained HTML page with a latency and a throughput chart")
    Path html;

    @Spec
    CommandSpec spec;

    static {
        System.setProperty("jipc.bench.ids", Mechanisms.ids());
    }

    @Override
    public Integer call() throws Exception {
        if (size < Link.ACK_LENGTH) {
            throw new IllegalArgumentException("--size must be at least " + Link.ACK_LENGTH + " bytes: " + size);
        }
        List<Integer> extra = extraSizes.stream().filter(s -> s != 0).toList();
        for (int s : extra) {
            if (s < Link.ACK_LENGTH) {
                throw new IllegalArgumentException("--extra-sizes: each size must be 0 or at least " + Link.ACK_LENGTH
                        + " bytes: " + s);
            }
        }
        AllBench.Settings settings;
        try {
            settings = new AllBench.Settings(size, extra, quick ? AllBench.Timing.QUICK : AllBench.Timing.DEFAULT,
                    Mechanisms.select(only));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path htmlDir = html == null ? null : html.toAbsolutePath().getParent();
        if (htmlDir != null && !Files.isWritable(htmlDir)) {
            throw new ParameterException(spec.commandLine(), "--html: cannot write " + html + ": " + htmlDir
                    + " is not a writable directory");
        }
        if (html != null && Files.isDirectory(html)) { // checked now, not after the whole run
            throw new ParameterException(spec.commandLine(), "--html: cannot write " + html
                    + ": it is a directory (name a file)");
        }
        if (html != null && Files.exists(html) && !Files.isWritable(html)) {
            throw new ParameterException(spec.commandLine(), "--html: cannot write " + html + ": not writable");
        }
        PrintStream progressOut = json ? System.err : System.out;
        int mechanisms = settings.mechanisms().size();
        progressOut.println("running jipc bench (" + mechanisms + (mechanisms == 1 ? " mechanism" : " mechanisms")
                + ", at most ~" + estimate(settings) + " s) ...");
        BenchProgress progress = new BenchProgress(progressOut, BenchProgress.isTerminal(), AllBench.steps(settings));
        AllBench.Report report = new AllBench(settings, progress).run();
        // the report first: a page that cannot be written (a full disk, its directory removed meanwhile)
        // must not cost the results of the whole run
        System.out.print(json ? AllBenchReport.json(report) : "\n" + AllBenchReport.table(report));
        System.out.flush();
        for (MechanismResult failed : report.failed()) { // exit code 1: a mechanism failed (docs/benchmarks.md)
            System.err.println("jipc bench: " + failed.mechanism().label() + " " + failed.problem());
        }
        if (report.peerEnd() != null) { // exit code 1 too: the figures measured are all above
            System.err.println("jipc bench: " + report.peerEnd());
        }
        boolean written = html == null || writeHtml(report, progressOut);
        return report.failed().isEmpty() && report.peerEnd() == null && written ? 0 : 1;
    }

    /**
     * Writes the page of {@code report} to {@code --html} and says so on {@code progressOut}; false,
     * with one line on standard error naming the file and why ({@code jipc bench: cannot write
     * bench.html: ENOSPC (No space left on device)}), if it cannot be written.
     */
    private boolean writeHtml(AllBench.Report report, PrintStream progressOut) {
        try {
            Files.writeString(html, HtmlReport.page(report));
        } catch (IOException e) {
            System.err.println("jipc bench: cannot write " + html + ": " + StandardOutput.reason(e));
            return false;
        }
        progressOut.println("wrote " + html);
        return true;
    }

    /** Seconds the run takes at most, warm-ups that never settle included, plus JVM starts. */
    private static long estimate(AllBench.Settings settings) {
        long available = settings.mechanisms().stream().filter(m -> m.unavailable() == null).count();
        long perMechanism = settings.timing().worstCasePerMechanism(settings.extraSizes().size()).toMillis();
        return 2 + (available * perMechanism + 999) / 1000;
    }

    /** The options of every benchmark: how long to warm up and measure, a quick run, JSON output. */
    static final class RunOptions {
        /** The longest warm-up of each run with {@code --quick}: twice its warm-up. */
        static final Duration QUICK_MAX_WARMUP = Duration.ofMillis(600);

        @Option(names = "--warmup", description = "warm-up time of each run, e.g. 2s, 500ms; it goes on while the JIT still changes the timings, up to --max-warmup (default: 1s)")
        String warmup = "1s";

        @Option(names = "--max-warmup", description = "longest warm-up of each run: it ends there even if the timings still change (default: 10s; at least --warmup)")
        String maxWarmup = "10s";

        @Option(names = "--time", description = "measured time of each ping-pong, more than 0 (default: 3s)")
        String time = "3s";

        @Option(names = "--quick", description = "a short run: at most 300 ms of warm-up (600 ms while the "
                + "timings still change) and 1 s measured per ping-pong, fewer one-way messages")
        boolean quick;

        @Option(names = "--json", description = "print the results as JSON")
        boolean json;

        /**
         * Checks the durations before anything runs: {@link IllegalArgumentException} (a usage error,
         * exit code 2) naming the option that does not parse, a negative warm-up or a measured time
         * that is not positive.
         */
        void check() {
            warmupTime();
            maxWarmupTime();
            measureTime();
        }

        /** The warm-up time; at most 300 ms with {@code --quick}. */
        Duration warmupTime() {
            Duration d = duration("--warmup", warmup, false);
            return quick ? Durations.min(d, Duration.ofMillis(300)) : d;
        }

        /**
         * The longest warm-up, at least {@link #warmupTime()}; at most {@link #QUICK_MAX_WARMUP} with
         * {@code --quick} (with the default 10 s, warm-ups that do not settle on a loaded machine
         * made a quick run twice as long as it says).
         */
        Duration maxWarmupTime() {
            Duration d = duration("--max-warmup", maxWarmup, false);
            return Durations.max(quick ? Durations.min(d, QUICK_MAX_WARMUP) : d, warmupTime());
        }

        /** The measured time of a ping-pong; at most 1 s with {@code --quick}. */
        Duration measureTime() {
            Duration d = duration("--time", time, true);
            return quick ? Durations.min(d, Duration.ofSeconds(1)) : d;
        }

        /**
         * {@code text} of {@code option} parsed ({@link Durations#parse}), at most
         * {@link io.jipc.Timeouts#MOST_NANOS}; {@link IllegalArgumentException} naming the option if it
         * does not parse, is negative, or is zero where it must be {@code positive}.
         */
        static Duration duration(String option, String text, boolean positive) {
            Duration d;
            try {
                d = Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
            }
            if (d.isNegative() || positive && d.isZero()) {
                throw new IllegalArgumentException(option + " must be " + (positive ? "more than 0" : "0 or more")
                        + ": " + text);
            }
            return Durations.cappedToMostNanos(d);
        }

        /** {@code messages} if at least 1, else {@link IllegalArgumentException} naming {@code --messages}. */
        static long messages(long messages) {
            if (messages < 1) {
                throw new IllegalArgumentException("--messages must be at least 1: " + messages);
            }
            return messages;
        }

        /**
         * Refuses (a usage error naming {@code option}) storage of {@code bytes} beyond half the free
         * space of the file system of the jipc root's directory {@code kind}: it is allocated before
         * the run, and filling the disk or {@code /dev/shm} would starve the machine (or fail late).
         */
        static void fitsFreeSpace(String option, String value, long bytes, String kind) throws IOException {
            Path dir = JipcRoot.directory(kind);
            long free = Files.getFileStore(dir).getUsableSpace();
            if (bytes > free / 2) {
                throw new IllegalArgumentException(option + " " + value + " needs " + bytes + " bytes, more than half"
                        + " of the " + free + " bytes free in " + dir);
            }
        }

        /** Where progress goes (standard error when the results are JSON), with the first line printed. */
        PrintStream progress(String benchmark) {
            PrintStream progress = json ? System.err : System.out;
            progress.println("running jipc bench " + benchmark + " ...");
            return progress;
        }
    }

    @Command(name = "mailbox", mixinStandardHelpOptions = true,
            description = {"Mailboxes between two processes: ping-pong percentiles and one-way throughput.",
                    "Each wait strategy, beside a kernel pipe between the same processes (its ping-pong "
                    + "alternates with the futex mailbox's in slices of --time/10, so the two see the same "
                    + "machine); then (default strategy) a rendezvous mailbox, 4 priority levels, 4 producer "
                    + "threads, and an unbounded mailbox."})
    static final class MailboxBenchCommand implements Callable<Integer> {
        @Option(names = "--size", description = "message size in bytes, 8 to 1073741824 (1 GiB) (default: ${DEFAULT-VALUE})")
        int size = 64;

        @Mixin
        RunOptions run = new RunOptions();

        @Option(names = "--messages", description = "messages of the one-way run, at least 1 (default: ${DEFAULT-VALUE})")
        long messages = 20_000_000;

        @Option(names = "--capacity", description = "bytes of the one-way mailbox, at least 1, rounded up to a power "
                + "of two that holds 4 messages; at most 1 TiB, and half the free space of the jipc root holds "
                + "the run's largest mailbox (4 such rings for the 4-priority phase unless --no-features) "
                + "(default: 64 MiB, like Aeron's default term)")
        long capacity = MailboxBench.Settings.DEFAULT_CAPACITY;

        @Option(names = "--strategies", split = ",",
                description = {"wait strategies, measured in the order given; of ${COMPLETION-CANDIDATES}",
                        "(default: futex,spin,spin_then_futex: the futex run first leaves the JIT compiler the "
                        + "idle CPU it needs; two spinning processes on two cores starve it)"})
        List<WaitStrategy> strategies = List.of(WaitStrategy.FUTEX, WaitStrategy.SPIN, WaitStrategy.SPIN_THEN_FUTEX);

        @Option(names = "--no-pipe", description = "skip the kernel pipe reference")
        boolean noPipe;

        @Option(names = "--no-idle", description = "skip the idle-CPU measurement")
        boolean noIdle;

        @Option(names = "--no-features", description = "skip the message-passing features (rendezvous, priorities, 4 producers, unbounded)")
        boolean noFeatures;

        @Option(names = "--rounds", description = {"runs of the whole benchmark, each with a fresh peer process (default: 1);",
                "with more, each run's table, then each figure's median over the runs and its range"})
        int rounds = 1;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (rounds < 1) {
                throw new ParameterException(spec.commandLine(), "--rounds must be 1 or more: " + rounds);
            }
            if (size < 8 || size > 1 << 30) {
                throw new IllegalArgumentException("--size must be 8 to 1073741824 bytes (1 GiB): " + size);
            }
            run.check();
            messages = run.quick ? Math.min(RunOptions.messages(messages), 2_000_000) : RunOptions.messages(messages);
            MailboxBench.Settings settings = new MailboxBench.Settings(size, run.warmupTime(), run.maxWarmupTime(),
                    run.measureTime(), messages, capacity, strategies, !noPipe, !noIdle, !noFeatures);
            checkCapacity(settings);
            PrintStream progress = run.progress("mailbox");
            List<MailboxBench.Report> reports = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                if (rounds > 1) {
                    progress.printf("round %d of %d%n", round, rounds);
                }
                MailboxBench.Report report = new MailboxBench(settings, progress).run();
                reports.add(report);
                if (!run.json) {
                    System.out.print("\n" + (rounds > 1 ? "run " + round + " of " + rounds + ": " : "")
                            + BenchReport.table(report));
                    System.out.flush();
                }
            }
            if (run.json) {
                System.out.print(rounds == 1 ? BenchReport.json(reports.getFirst()) : RoundsReport.json(reports));
            } else if (rounds > 1) {
                System.out.print("\n" + RoundsReport.table(reports));
            }
            System.out.flush();
            int status = 0;
            for (MailboxBench.Report report : reports) { // the figures are all above, but a run did not end cleanly
                if (report.peerEnd() != null) {
                    System.err.println("jipc bench mailbox: " + report.peerEnd());
                    status = 1;
                }
            }
            return status;
        }

        /**
         * A usage error naming {@code --capacity} if the one-way mailbox cannot be made, or if the
         * largest mailbox of the run would not fit: with the features, the 4-priority phase's, a ring
         * of {@code --capacity} per level.
         */
        private void checkCapacity(MailboxBench.Settings settings) throws IOException {
            if (capacity < 1) {
                throw new IllegalArgumentException("--capacity must be at least 1 byte: " + capacity);
            }
            long ring;
            try {
                ring = settings.oneWayCapacity();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--capacity " + capacity + ": " + e.getMessage(), e);
            }
            long bytes = settings.largestMailboxBytes();
            String value = bytes == ring ? Long.toString(capacity) : capacity + " (the 4-priority phase's mailbox, "
                    + bytes / ring + " rings of " + ring + " bytes; --no-features skips it)";
            RunOptions.fitsFreeSpace("--capacity", value, bytes, "mailbox");
        }
    }

    @Command(name = "sockets", mixinStandardHelpOptions = true,
            description = {"Sockets between two processes: ping-pong percentiles and one-way throughput.",
                    "A Unix-domain stream, TCP loopback, Unix-domain datagrams and UDP loopback (framed "
                    + "messages over the streams). UDP one-way figures are of datagrams delivered; the share "
                    + "lost is shown."})
    static final class SocketsBenchCommand implements Callable<Integer> {
        @Option(names = "--size", description = "message size in bytes, 16 to 65507 (default: ${DEFAULT-VALUE})")
        int size = 64;

        @Mixin
        RunOptions run = new RunOptions();

        @Option(names = "--messages", description = "messages of the one-way run, at least 1 (default: ${DEFAULT-VALUE})")
        long messages = 1_000_000;

        @Option(names = "--transports", split = ",",
                description = "transports, measured in the order given; of ${COMPLETION-CANDIDATES} (default: all, in this order)")
        List<SocketBench.Transport> transports = List.of(SocketBench.Transport.values());

        @Override
        public Integer call() throws Exception {
            if (size < Link.ACK_LENGTH || size > io.jipc.net.DatagramOptions.MAX_UDP_PAYLOAD) {
                throw new IllegalArgumentException("--size must be " + Link.ACK_LENGTH + " to "
                        + io.jipc.net.DatagramOptions.MAX_UDP_PAYLOAD + " bytes: " + size);
            }
            run.check();
            messages = run.quick ? Math.min(RunOptions.messages(messages), 200_000) : RunOptions.messages(messages);
            SocketBench.Settings settings = new SocketBench.Settings(size, run.warmupTime(), run.maxWarmupTime(),
                    run.measureTime(), messages, transports);
            PrintStream progress = run.progress("sockets");
            SocketBench.Report report = new SocketBench(settings, progress).run();
            System.out.print(run.json ? BenchReport.json(report) : "\n" + BenchReport.table(report));
            if (report.peerEnd() != null) { // the figures are all above, but the run did not end cleanly
                System.out.flush();
                System.err.println("jipc bench sockets: " + report.peerEnd());
                return 1;
            }
            return 0;
        }
    }

    @Command(name = "ring", mixinStandardHelpOptions = true,
            description = {"The circular buffer between two processes: ping-pong percentiles and one-way throughput.",
                    "The shared-memory circular buffer of fixed-size items, blocking in futex."})
    static final class RingBenchCommand implements Callable<Integer> {
        @Option(names = "--size", description = "item size in bytes (default: ${DEFAULT-VALUE})")
        int size = 64;

        @Mixin
        RunOptions run = new RunOptions();

        @Option(names = "--messages", description = "items of the one-way run, at least 1 (default: ${DEFAULT-VALUE})")
        long messages = 20_000_000;

        @Option(names = "--capacity", description = "items the one-way buffer holds, a power of two; the buffer "
                + "(capacity x (size + 8) bytes, about) must fit in half the free space of the jipc root (default: ${DEFAULT-VALUE})")
        int capacity = 1 << 16;

        @Override
        public Integer call() throws Exception {
            run.check();
            messages = run.quick ? Math.min(RunOptions.messages(messages), 2_000_000) : RunOptions.messages(messages);
            if (size < 8) {
                throw new IllegalArgumentException("--size must be at least 8 bytes: " + size);
            }
            try {
                CircularBuffer.requiredBytes(size, 2);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--size: " + e.getMessage(), e);
            }
            long bytes;
            try {
                bytes = CircularBuffer.requiredBytes(size, capacity);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--capacity " + capacity + " (--size " + size + "): "
                        + e.getMessage(), e);
            }
            RunOptions.fitsFreeSpace("--capacity", capacity + " (--size " + size + ")", bytes, "region");
            RingBench.Settings settings = new RingBench.Settings(size, run.warmupTime(), run.maxWarmupTime(),
                    run.measureTime(), messages, capacity); // checked above: usage errors before any progress line
            RingBench.Report report = new RingBench(settings, run.progress("ring")).run();
            System.out.print(run.json ? RingBench.json(report) : "\n" + RingBench.table(report));
            if (report.peerEnd() != null) { // the figures are all above, but the run did not end cleanly
                System.out.flush();
                System.err.println("jipc bench ring: " + report.peerEnd());
                return 1;
            }
            return 0;
        }
    }
}
