package io.jipc.cli;

import io.jipc.WaitStrategy;
import io.jipc.cli.bench.BenchReport;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.bench.MailboxBench;
import io.jipc.cli.bench.RingBench;
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
        subcommands = {BenchCommand.MailboxBenchCommand.class, BenchCommand.RingBenchCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        // the main job; the others are named
        return new MailboxBenchCommand().call();
    }

    @Command(name = "mailbox", mixinStandardHelpOptions = true,
            description = {"Ping-pong (round-trip percentiles) and one-way throughput of mailboxes between two",
                    "processes, for each wait strategy, beside a kernel pipe between the same processes."})
    static final class MailboxBenchCommand implements Callable<Integer> {
        @Mixin
        RunOptions run = new RunOptions();

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

        @Override
        public Integer call() throws Exception {
            MailboxBench.Settings settings = new MailboxBench.Settings(run.size, run.warmup(), run.measure(),
                    run.messages(), capacity, strategies, !noPipe, !noIdle);
            PrintStream progress = run.progress();
            progress.println("running jipc bench mailbox ...");
            MailboxBench.Report report = new MailboxBench(settings, progress).run();
            System.out.print(run.json ? BenchReport.json(report) : "\n" + BenchReport.table(report));
            return 0;
        }
    }

    @Command(name = "ring", mixinStandardHelpOptions = true,
            description = {"Ping-pong (round-trip percentiles) and one-way throughput of the shared-memory circular",
                    "buffer (fixed-size items, blocking in futex) between two processes."})
    static final class RingBenchCommand implements Callable<Integer> {
        @Mixin
        RunOptions run = new RunOptions();

        @Option(names = "--capacity", description = "items the one-way buffer holds, a power of two (default: ${DEFAULT-VALUE})")
        int capacity = 1 << 16;

        @Override
        public Integer call() throws Exception {
            PrintStream progress = run.progress();
            progress.println("running jipc bench ring ...");
            RingBench.Report report = new RingBench(new RingBench.Settings(run.size, run.warmup(), run.measure(),
                    run.messages(), capacity), progress).run();
            System.out.print(run.json ? RingBench.json(report) : "\n" + RingBench.table(report));
            return 0;
        }
    }

    /** Options every two-process benchmark takes. */
    static final class RunOptions {
        @Option(names = "--size", description = "message (item) size in bytes (default: ${DEFAULT-VALUE})")
        int size = 64;

        @Option(names = "--warmup", description = "warm-up time of each measurement, e.g. 2s, 500ms; it goes on while the JIT still changes the timings, up to 10s (default: 1s)")
        String warmup = "1s";

        @Option(names = "--time", description = "measured time of each ping-pong (default: 3s)")
        String time = "3s";

        @Option(names = "--messages", description = "messages of the one-way run (default: ${DEFAULT-VALUE})")
        long messages = 20_000_000;

        @Option(names = "--quick", description = "a short run with fewer iterations")
        boolean quick;

        @Option(names = "--json", description = "print the results as JSON")
        boolean json;

        Duration warmup() {
            Duration parsed = Durations.parse(warmup);
            return quick ? Durations.min(parsed, Duration.ofMillis(300)) : parsed;
        }

        Duration measure() {
            Duration parsed = Durations.parse(time);
            return quick ? Durations.min(parsed, Duration.ofSeconds(1)) : parsed;
        }

        long messages() {
            return quick ? Math.min(messages, 2_000_000) : messages;
        }

        /** Where progress goes: standard error when standard output carries JSON. */
        PrintStream progress() {
            return json ? System.err : System.out;
        }
    }
}
