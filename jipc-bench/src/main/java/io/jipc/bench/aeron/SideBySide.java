package io.jipc.bench.aeron;

import io.jipc.WaitStrategy;
import io.jipc.bench.OneLineFailures;
import io.jipc.cli.bench.BenchResult;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.bench.MailboxBench;
import org.agrona.AbstractMutableDirectBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * jipc mailboxes and Aeron IPC side by side, in one invocation, between this process and one child
 * JVM each, with the same message size, warm-up and measurement: first the jipc mailbox ping-pong
 * and one-way run ({@link MailboxBench} with the SPIN strategy only, no pipe, no idle measurement),
 * then the same for Aeron IPC ({@link AeronBench}). Prints one table (or JSON) with both and the
 * ratios. With {@code --rounds N} it does so N times, alternating which mechanism goes first, and
 * adds the medians: on a small VM, where the hypervisor places the two vCPUs changes the round trip
 * by a factor of up to 3 from one minute to the next, and a single pair of runs can mislead.
 *
 * <p>Run it with {@code bin/jipc-bench aeron [options]}; the JVM needs
 * {@code --enable-native-access=ALL-UNNAMED} (jipc) and
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED} (Aeron).
 */
@Command(name = "jipc-bench aeron", sortOptions = false,
        description = "jipc mailboxes (SPIN) and Aeron IPC side by side between two processes: round-trip "
                + "percentiles of a ping-pong and one-way throughput, with the same message size and regimen.")
public final class SideBySide implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = "--size", description = "message size in bytes, 8 to an eighth of Aeron's term (8 MiB with "
            + "the default term; 16 MiB at most) (default: ${DEFAULT-VALUE})")
    int size = 64;

    @Option(names = "--warmup", defaultValue = "1s", converter = DurationConverter.class,
            description = "minimum warm-up of each ping-pong, e.g. 500ms, 2s; it goes on while "
                    + "the timings still change, up to --max-warmup (default: ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(names = "--max-warmup", defaultValue = "10s", converter = DurationConverter.class,
            description = "longest warm-up of each ping-pong and one-way run: it ends there even if the timings "
                    + "still change (default: ${DEFAULT-VALUE}; at least --warmup)")
    Duration maxWarmup;

    @Option(names = "--time", defaultValue = "3s", converter = DurationConverter.class,
            description = "measured time of each ping-pong (default: ${DEFAULT-VALUE})")
    Duration time;

    @Option(names = "--messages", description = "messages of each measured one-way run; rounds of a quarter as many "
            + "(at least 100,000) warm it up until the rate settles (default: ${DEFAULT-VALUE})")
    long messages = 20_000_000;

    @Option(names = "--aeron-term-length", description = "Aeron IPC term length in bytes, a power of two from "
            + "64 KiB to 1 GiB; 0 keeps Aeron's default, 64 MiB (default: ${DEFAULT-VALUE})")
    int termLength;

    /** How the Aeron side idles between empty polls. */
    enum AeronIdle {
        /** As jipc's SPIN strategy's plain loop: polls back to back, then {@code onSpinWait} once a wait is long. */
        jipc(SpinIdler.JIPC_PAUSE_FREE_IDLES, 0),
        /** As jipc's bound in-place take: a short computed gap between polls, then {@code onSpinWait}. */
        jipc_gap(SpinIdler.JIPC_PAUSE_FREE_IDLES, SpinIdler.JIPC_GAP_STEPS),
        /** Aeron's stock {@code BusySpinIdleStrategy}: {@code onSpinWait} after every empty poll. */
        busy_spin(0, 0);

        final int pauseFreeIdles;
        final int gapSteps;

        AeronIdle(int pauseFreeIdles, int gapSteps) {
            this.pauseFreeIdles = pauseFreeIdles;
            this.gapSteps = gapSteps;
        }
    }

    @Option(names = "--aeron-idle", description = "how the Aeron side idles between empty polls: jipc (as jipc's "
            + "SPIN loop: back to back, Thread.onSpinWait() after " + SpinIdler.JIPC_PAUSE_FREE_IDLES + " empty polls), "
            + "jipc_gap (as jipc's bound take: a " + SpinIdler.JIPC_GAP_STEPS + "-step computed gap between those polls) "
            + "or busy_spin (Aeron's BusySpinIdleStrategy: Thread.onSpinWait() after each) (default: ${DEFAULT-VALUE})")
    AeronIdle aeronIdle = AeronIdle.jipc;

    @Option(names = "--rounds", description = "measure both this many times, alternating which goes first "
            + "(jipc first in odd rounds); the table adds the medians (default: ${DEFAULT-VALUE})")
    int rounds = 1;

    @Option(names = "--json", description = "print the results as JSON (progress goes to standard error)")
    boolean json;

    private final PrintStream out;
    private final PrintStream err;

    SideBySide(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs with {@code args}; returns the exit status (0 on success). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        // Agrona reads this once, when its buffer classes load (none has yet): Aeron's recommended setting
        if (System.getProperty(AgronaProperty.NAME) == null) {
            System.setProperty(AgronaProperty.NAME, "true");
        }
        CommandLine command = new CommandLine(new SideBySide(out, err));
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        command.setExecutionExceptionHandler(OneLineFailures.handler("aeron", err)); // a dead peer: one line
        return command.execute(args);
    }

    /**
     * The largest message Aeron IPC carries with a term of {@code termLength} bytes (0: Aeron's
     * default, 64 MiB): an eighth of the term, at most 16 MiB, as Aeron's
     * {@code FrameDescriptor.computeMaxMessageLength}; the jipc side carries up to 1 GiB. The
     * constant is inlined by the compiler: no Aeron class is loaded.
     */
    static int maxMessageSize(int termLength) {
        int term = termLength > 0 ? termLength : 64 << 20;
        return Math.min(term / 8, io.aeron.logbuffer.FrameDescriptor.MAX_MESSAGE_LENGTH);
    }

    /** Holds the property name without loading Agrona's buffer classes. */
    private static final class AgronaProperty {
        static final String NAME = "agrona.disable.bounds.checks";
    }

    @Override
    public Integer call() throws Exception {
        Duration warmupTime = warmup;
        Duration measureTime = time;
        if (messages < 1 || size < 8 || measureTime.isNegative() || measureTime.isZero() || warmupTime.isNegative()) {
            err.println("jipc-bench aeron: --messages and --time must be positive, --size at least 8, --warmup not negative");
            return 2;
        }
        if (rounds < 1) {
            err.println("jipc-bench aeron: --rounds must be at least 1");
            return 2;
        }
        if (termLength != 0 && (termLength < 64 * 1024 || Integer.bitCount(termLength) != 1)) {
            err.println("jipc-bench aeron: --aeron-term-length must be 0 or a power of two of at least 65536");
            return 2;
        }
        int maxSize = maxMessageSize(termLength);
        if (size > maxSize) {
            err.println("jipc-bench aeron: --size must be 8 to " + maxSize + " bytes with "
                    + (termLength > 0 ? "--aeron-term-length " + termLength : "Aeron's default term of 64 MiB")
                    + " (Aeron IPC carries messages of at most an eighth of its term, and of 16 MiB): " + size);
            return 2;
        }
        PrintStream progress = json ? err : out;
        String started = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String load = loadAverage();
        progress.println(rounds == 1 ? "running jipc-bench aeron: jipc mailbox, then Aeron IPC ..."
                : "running jipc-bench aeron: " + rounds + " rounds of jipc mailbox and Aeron IPC ...");
        // the jipc one-way mailbox gets the same buffer as Aeron's term
        long buffer = termLength > 0 ? termLength : MailboxBench.Settings.DEFAULT_CAPACITY;
        // the regimens take a cap below the minimum warm-up as the minimum
        MailboxBench.Settings jipcSettings = new MailboxBench.Settings(size, warmupTime, maxWarmup, measureTime,
                messages, buffer, List.of(WaitStrategy.SPIN), false, false, false);
        AeronBench.Settings aeronSettings = new AeronBench.Settings(size, warmupTime, maxWarmup, measureTime,
                messages, termLength, aeronIdle.pauseFreeIdles, aeronIdle.gapSteps);
        List<SideBySideReport.Round> results = new ArrayList<>();
        List<String> peerEnds = new ArrayList<>();
        String machine = null;
        for (int round = 1; round <= rounds; round++) {
            boolean jipcFirst = round % 2 == 1;
            if (rounds > 1) {
                progress.printf("round %d of %d%n", round, rounds);
            }
            BenchResult jipc = null;
            BenchResult aeron = null;
            for (int turn = 0; turn < 2; turn++) {
                if ((turn == 0) == jipcFirst) {
                    MailboxBench.Report jipcReport = new MailboxBench(jipcSettings, progress).run();
                    if (jipcReport.peerEnd() != null) { // measured, but the run ends with exit status 1
                        peerEnds.add(jipcReport.peerEnd());
                    }
                    machine = jipcReport.machine();
                    BenchResult m = jipcReport.results().getFirst();
                    jipc = new BenchResult("jipc mailbox (spin)", m.roundTrip(), m.roundTripsPerSecond(),
                            m.messagesPerSecond(), m.megabytesPerSecond());
                } else {
                    aeron = new AeronBench(aeronSettings, progress).run("aeron ipc");
                }
            }
            results.add(new SideBySideReport.Round(round, jipcFirst, jipc, aeron));
        }

        String aeronConfig = String.format(Locale.ROOT,
                "aeron-all %s, embedded media driver (SHARED threading, %s), channel %s (term length %s), "
                        + "exclusive publications, %s, bounds checks %s",
                aeronVersion(), AeronIpc.DRIVER_IDLE, AeronIpc.channel(termLength),
                termLength > 0 ? termLength + " bytes" : "64 MiB, Aeron's default",
                switch (aeronIdle) {
                    case jipc -> "busy-spin polling as jipc's SPIN loop (onSpinWait after "
                            + SpinIdler.JIPC_PAUSE_FREE_IDLES + " empty polls)";
                    case jipc_gap -> "busy-spin polling as jipc's bound take (a " + SpinIdler.JIPC_GAP_STEPS
                            + "-step gap between polls, onSpinWait after " + SpinIdler.JIPC_PAUSE_FREE_IDLES
                            + " empty polls)";
                    case busy_spin -> "busy-spin polling as Aeron's BusySpinIdleStrategy (onSpinWait after each "
                            + "empty poll)";
                },
                AbstractMutableDirectBuffer.SHOULD_BOUNDS_CHECK ? "on" : "off");
        SideBySideReport report = new SideBySideReport(size, warmupTime, maxWarmup, measureTime, messages, aeronConfig,
                machine, load, started, results);
        out.print(json ? report.json() : "\n" + report.table());
        out.flush();
        for (String peerEnd : peerEnds) {
            err.println("jipc-bench aeron: " + peerEnd);
        }
        return peerEnds.isEmpty() ? 0 : 1;
    }

    private static String aeronVersion() {
        String v = io.aeron.Aeron.class.getPackage().getImplementationVersion();
        return v != null ? v : "1.51.0";
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Converts option values with {@link Durations#parse}. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Durations.parse(value);
        }
    }
}
