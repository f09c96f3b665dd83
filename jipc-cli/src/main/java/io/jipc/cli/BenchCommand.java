package io.jipc.cli;

import io.jipc.WaitStrategy;
import io.jipc.cli.bench.BenchReport;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.bench.MailboxBench;
import io.jipc.cli.bench.SocketBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jipc bench}: measurements between real processes. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure IPC mechanisms between two processes on this machine.",
        subcommands = {BenchCommand.MailboxBenchCommand.class, BenchCommand.SocketsBenchCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        // the only benchmark so far
        return new MailboxBenchCommand().call();
    }

    /** The options of every benchmark: how long to warm up and measure, a quick run, JSON output. */
    static final class RunOptions {
        @Option(names = "--warmup", description = "warm-up time of each run, e.g. 2s, 500ms; it goes on while the JIT still changes the timings, up to 10s (default: 1s)")
        String warmup = "1s";

        @Option(names = "--time", description = "measured time of each ping-pong (default: 3s)")
        String time = "3s";

        @Option(names = "--quick", description = "a short run (10 to 20 s) with fewer iterations")
        boolean quick;

        @Option(names = "--json", description = "print the results as JSON")
        boolean json;

        /** The warm-up time; at most 300 ms with {@code --quick}. */
        Duration warmupTime() {
            Duration d = Durations.parse(warmup);
            return quick ? Durations.min(d, Duration.ofMillis(300)) : d;
        }

        /** The measured time of a ping-pong; at most 1 s with {@code --quick}. */
        Duration measureTime() {
            Duration d = Durations.parse(time);
            return quick ? Durations.min(d, Duration.ofSeconds(1)) : d;
        }

        /** Where progress goes (standard error when the results are JSON), with the first line printed. */
        PrintStream progress(String benchmark) {
            PrintStream progress = json ? System.err : System.out;
            progress.println("running jipc bench " + benchmark + " ...");
            return progress;
        }
    }

    @Command(name = "mailbox", mixinStandardHelpOptions = true,
            description = {"Ping-pong (round-trip percentiles) and one-way throughput of mailboxes between two",
                    "processes, for each wait strategy, beside a kernel pipe between the same processes;",
                    "then (default strategy) a rendezvous mailbox, 4 priority levels, and 4 producer threads."})
    static final class MailboxBenchCommand implements Callable<Integer> {
        @Option(names = "--size", description = "message size in bytes (default: ${DEFAULT-VALUE})")
        int size = 64;

        @Mixin
        RunOptions run = new RunOptions();

        @Option(names = "--messages", description = "messages of the one-way run (default: ${DEFAULT-VALUE})")
        long messages = 20_000_000;

        @Option(names = "--capacity", description = "bytes of the one-way mailbox (default: 64 MiB, like Aeron's default term)")
        long capacity = MailboxBench.Settings.DEFAULT_CAPACITY;

        @Option(names = "--strategies", split = ",",
                description = {"wait strategies, measured in this order: ${COMPLETION-CANDIDATES}",
                        "(default: futex,spin,spin_then_futex: the futex run first leaves the JIT compiler",
                        "the idle CPU it needs; two spinning processes on two cores starve it)"})
        List<WaitStrategy> strategies = List.of(WaitStrategy.FUTEX, WaitStrategy.SPIN, WaitStrategy.SPIN_THEN_FUTEX);

        @Option(names = "--no-pipe", description = "skip the kernel pipe reference")
        boolean noPipe;

        @Option(names = "--no-idle", description = "skip the idle-CPU measurement")
        boolean noIdle;

        @Option(names = "--no-features", description = "skip the message-passing features (rendezvous, priorities, 4 producers)")
        boolean noFeatures;

        @Override
        public Integer call() throws Exception {
            messages = run.quick ? Math.min(messages, 2_000_000) : messages;
            MailboxBench.Settings settings = new MailboxBench.Settings(size, run.warmupTime(),
                    run.measureTime(), messages, capacity, strategies, !noPipe, !noIdle, !noFeatures);
            PrintStream progress = run.progress("mailbox");
            MailboxBench.Report report = new MailboxBench(settings, progress).run();
            System.out.print(run.json ? BenchReport.json(report) : "\n" + BenchReport.table(report));
            return 0;
        }
    }

    @Command(name = "sockets", mixinStandardHelpOptions = true,
            description = {"Ping-pong (round-trip percentiles) and one-way throughput between two processes over",
                    "a Unix-domain stream, TCP loopback, Unix-domain datagrams and UDP loopback (framed messages",
                    "over the streams). UDP one-way figures are of datagrams delivered; the share lost is shown."})
    static final class SocketsBenchCommand implements Callable<Integer> {
        @Option(names = "--size", description = "message size in bytes, 16 to 65507 (default: ${DEFAULT-VALUE})")
        int size = 64;

        @Mixin
        RunOptions run = new RunOptions();

        @Option(names = "--messages", description = "messages of the one-way run (default: ${DEFAULT-VALUE})")
        long messages = 1_000_000;

        @Option(names = "--transports", split = ",",
                description = "transports, measured in this order: ${COMPLETION-CANDIDATES} (default: all)")
        List<SocketBench.Transport> transports = List.of(SocketBench.Transport.values());

        @Override
        public Integer call() throws Exception {
            messages = run.quick ? Math.min(messages, 200_000) : messages;
            SocketBench.Settings settings = new SocketBench.Settings(size, run.warmupTime(),
                    run.measureTime(), messages, transports);
            PrintStream progress = run.progress("sockets");
            SocketBench.Report report = new SocketBench(settings, progress).run();
            System.out.print(run.json ? BenchReport.json(report) : "\n" + BenchReport.table(report));
            return 0;
        }
    }
}
