package io.jipc.cli;

import io.jipc.WaitStrategy;
import io.jipc.cli.bench.BenchReport;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.bench.MailboxBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jipc bench}: measurements between real processes. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure IPC mechanisms between two processes on this machine.",
        subcommands = {BenchCommand.MailboxBenchCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        // the only benchmark so far
        return new MailboxBenchCommand().call();
    }

    @Command(name = "mailbox", mixinStandardHelpOptions = true,
            description = {"Ping-pong (round-trip percentiles) and one-way throughput of mailboxes between two",
                    "processes, for each wait strategy, beside a kernel pipe between the same processes;",
                    "then (default strategy) a rendezvous mailbox, 4 priority levels, and 4 producer threads."})
    static final class MailboxBenchCommand implements Callable<Integer> {
        @Option(names = "--size", description = "message size in bytes (default: ${DEFAULT-VALUE})")
        int size = 64;

        @Option(names = "--warmup", description = "warm-up time of each ping-pong, e.g. 2s, 500ms; it goes on while the JIT still changes the timings, up to 10s (default: 1s)")
        String warmup = "1s";

        @Option(names = "--time", description = "measured time of each ping-pong (default: 3s)")
        String time = "3s";

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

        @Option(names = "--quick", description = "a short run (about 10 s) with fewer iterations")
        boolean quick;

        @Option(names = "--json", description = "print the results as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Duration warmupTime = Durations.parse(warmup);
            Duration measureTime = Durations.parse(time);
            if (quick) {
                warmupTime = Durations.min(warmupTime, Duration.ofMillis(300));
                measureTime = Durations.min(measureTime, Duration.ofSeconds(1));
                messages = Math.min(messages, 2_000_000);
            }
            MailboxBench.Settings settings = new MailboxBench.Settings(size, warmupTime, measureTime, messages,
                    capacity, strategies, !noPipe, !noIdle, !noFeatures);
            PrintStream progress = json ? System.err : System.out;
            progress.println("running jipc bench mailbox ...");
            MailboxBench.Report report = new MailboxBench(settings, progress).run();
            System.out.print(json ? BenchReport.json(report) : "\n" + BenchReport.table(report));
            return 0;
        }
    }
}
