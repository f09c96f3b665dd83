package io.jipc.cli.bench;

import io.jipc.WaitStrategy;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageHandler;
import io.jipc.mailbox.RoleBinding;
import io.jipc.platform.Libc;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Measures mailboxes between two processes: this one and a {@link BenchPeer} child JVM.
 *
 * <p>For each wait strategy: a ping-pong over a pair of single-sender mailboxes whose sending and
 * receiving roles each side binds to its thread ({@link Mailbox#bindSender()},
 * {@link Mailbox#bindReceiver()}; round-trip time of
 * each exchange, HdrHistogram), then one-way throughput (this process sends as fast as it can, the
 * peer receives and checks the sequence). As a reference, the same ping-pong over a pair of kernel
 * pipes (FIFOs) between the same two processes. Finally the CPU a receiver uses while it is
 * blocked with nothing to receive (default strategy).
 */
public final class MailboxBench {

    /**
     * What to run.
     *
     * @param size       payload bytes of each message (at least 8)
     * @param warmup     how long each ping-pong runs before it is measured (the JIT compiles meanwhile)
     * @param measure    how long each ping-pong is measured
     * @param messages   messages of the measured one-way run (rounds of a quarter as many warm it up)
     * @param capacity   bytes of the one-way mailbox (64 MiB by default, the size of Aeron's default
     *                   term, so that comparisons use the same buffer)
     * @param strategies wait strategies to measure
     * @param pipe       whether to measure the pipe reference
     * @param idle       whether to measure the idle CPU of a blocked receiver
     */
    public record Settings(int size, Duration warmup, Duration measure, long messages, long capacity,
                           List<WaitStrategy> strategies, boolean pipe, boolean idle) {
        /** The default one-way mailbox capacity. */
        public static final long DEFAULT_CAPACITY = 64L << 20;

        public Settings {
            if (size < 8) {
                throw new IllegalArgumentException("message size must be at least 8 bytes: " + size);
            }
            strategies = List.copyOf(strategies);
        }
    }


    /** The results of a run. */
    public record Report(Settings settings, List<BenchResult> results, double idleCpu, String machine) {
    }


    private final Settings settings;
    private final PrintStream progress;
    private final String prefix = "bench-" + ProcessHandle.current().pid();
    private final List<String> mailboxes = new ArrayList<>();
    private final List<Path> fifos = new ArrayList<>();

    public MailboxBench(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Runs the benchmark; objects it creates are removed afterwards, whatever happens. */
    public Report run() throws Exception {
        Thread cleanup = new Thread(this::cleanUp, "jipc-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return runPhases();
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private Report runPhases() throws Exception {
        int size = settings.size();
        long warmMessages = warmMessages(settings.messages());
        long throughputCapacity = Math.max(settings.capacity(), 4L * (size + 16));
        List<String> peerPhases = new ArrayList<>();
        List<Mailbox[]> pingPongs = new ArrayList<>();
        List<Mailbox[]> oneWays = new ArrayList<>();
        for (WaitStrategy strategy : settings.strategies()) {
            String tag = strategy.name().toLowerCase().replace('_', '-');
            MailboxOptions small = MailboxOptions.builder().singleSender(true).waitStrategy(strategy)
                    .maxMessageSize(Math.max(size, 8)).capacityBytes(64 * 1024).build();
            MailboxOptions large = MailboxOptions.builder().singleSender(true).waitStrategy(strategy)
                    .maxMessageSize(Math.max(size, 8)).capacityBytes(throughputCapacity).build();
            Mailbox ping = create(tag + "-ping", small);
            Mailbox pong = create(tag + "-pong", small);
            Mailbox in = create(tag + "-in", large);
            Mailbox done = create(tag + "-done", small);
            pingPongs.add(new Mailbox[] {ping, pong});
            oneWays.add(new Mailbox[] {in, done});
            peerPhases.add("echo:" + ping.name() + ":" + pong.name());
            peerPhases.add("sink:" + in.name() + ":" + done.name());
        }
        Path p2c = null;
        Path c2p = null;
        if (settings.pipe()) {
            Path dir = JipcRoot.directory("bench");
            p2c = dir.resolve(prefix + "-p2c");
            c2p = dir.resolve(prefix + "-c2p");
            Libc.mkfifo(p2c.toString(), 0600);
            fifos.add(p2c);
            Libc.mkfifo(c2p.toString(), 0600);
            fifos.add(c2p);
            peerPhases.add("pipe:" + p2c + ":" + c2p + ":" + size);
        }
        Mailbox idleBox = null;
        if (settings.idle()) {
            idleBox = create("idle", MailboxOptions.builder().maxMessageSize(64).capacityBytes(4096).build());
            peerPhases.add("idle:" + idleBox.name());
        }

        PeerProcess peer = new PeerProcess(BenchPeer.class, List.of(), peerPhases);
        List<BenchResult> results = new ArrayList<>();
        double idleCpu = Double.NaN;
        try {
            for (int i = 0; i < settings.strategies().size(); i++) {
                WaitStrategy strategy = settings.strategies().get(i);
                String label = "mailbox " + strategy.name().toLowerCase().replace('_', '-');
                peer.await("echo");
                progress.printf("  %-24s ping-pong ...%n", label);
                BenchResult pingPong = pingPong(label, pingPongs.get(i)[0], pingPongs.get(i)[1]);
                peer.await("sink");
                progress.printf("  %-24s one-way throughput ...%n", label);
                double[] oneWay = oneWay(oneWays.get(i)[0], oneWays.get(i)[1], warmMessages);
                results.add(pingPong.withThroughput(oneWay[0], oneWay[1]));
            }
            if (settings.pipe()) {
                peer.await("pipe");
                progress.printf("  %-24s ping-pong ...%n", "pipe (FIFO)");
                results.add(pipePingPong(p2c, c2p));
            }
            if (idleBox != null) {
                peer.await("idle");
                progress.printf("  %-24s idle CPU ...%n", "blocked receiver");
                idleCpu = idleCpu(peer.pid(), idleBox);
            }
            peer.await("PEER DONE");
            peer.waitFor();
        } finally {
            peer.close();
            for (Mailbox[] pair : pingPongs) {
                closeAll(pair);
            }
            for (Mailbox[] pair : oneWays) {
                closeAll(pair);
            }
            if (idleBox != null) {
                idleBox.close();
            }
        }
        return new Report(settings, results, idleCpu, Machine.describe());
    }

    private Mailbox create(String suffix, MailboxOptions options) {
        String name = prefix + "-" + suffix;
        Mailbox.destroy(name);
        Mailbox mailbox = Mailbox.create(name, options);
        mailboxes.add(name);
        return mailbox;
    }

    private static void closeAll(Mailbox[] mailboxes) {
        for (Mailbox m : mailboxes) {
            m.close();
        }
    }

    private BenchResult pingPong(String label, Mailbox ping, Mailbox pong) throws Exception {
        MemorySegment message = Arena.ofAuto().allocate(settings.size(), 8);
        long[] echoed = {0};
        MessageHandler check = m -> echoed[0] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        try (RoleBinding sending = ping.bindSender(); RoleBinding receiving = pong.bindReceiver()) {
            return PingPongRegimen.measure(label, settings.warmup(), settings.measure(), sequence -> {
                message.set(ValueLayout.JAVA_LONG, 0, sequence);
                ping.put(message);
                pong.take(check);
                return echoed[0];
            });
        }
    }

    /** Messages of one warm-up round of the one-way run. */
    public static long warmMessages(long measured) {
        return Math.max(100_000, measured / 4);
    }

    private double[] oneWay(Mailbox in, Mailbox done, long warmMessages) throws Exception {
        MemorySegment message = Arena.ofAuto().allocate(settings.size(), 8);
        try (RoleBinding sending = in.bindSender()) {
            double[] result = OneWayRegimen.measure(count -> {
                for (long i = 0; i < count; i++) {
                    message.set(ValueLayout.JAVA_LONG, 0, i);
                    if (!in.offer(message)) {
                        in.put(message);
                    }
                }
                message.set(ValueLayout.JAVA_LONG, 0, OneWayRegimen.END_OF_ROUND);
                in.put(message);
                byte[] reply = done.poll(Duration.ofMinutes(5));
                if (reply == null || MemorySegment.ofArray(reply).get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != count) {
                    throw new IllegalStateException("one-way round of " + count + " messages did not complete");
                }
            }, warmMessages, settings.messages(), settings.warmup(), settings.size());
            message.set(ValueLayout.JAVA_LONG, 0, OneWayRegimen.END_OF_PHASE);
            in.put(message);
            return result;
        }
    }

    private BenchResult pipePingPong(Path p2c, Path c2p) throws Exception {
        int size = settings.size();
        int out = Libc.open(p2c.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        int in = Libc.open(c2p.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(size, 64);
            MemorySegment echo = arena.allocate(size, 64);
            return PingPongRegimen.measure("pipe (FIFO)", settings.warmup(), settings.measure(), sequence -> {
                message.set(ValueLayout.JAVA_LONG, 0, sequence);
                PipeIo.writeFully(out, message, size, p2c.toString());
                if (!PipeIo.readFully(in, echo, size, c2p.toString())) {
                    throw new IllegalStateException("pipe closed by the peer");
                }
                return echo.get(ValueLayout.JAVA_LONG, 0);
            });
        } finally {
            Libc.close(out);
            Libc.close(in);
        }
    }

    /**
     * The share of one CPU the peer used while its only thread of interest was blocked in
     * {@code take()}: the on-CPU nanoseconds of all its threads ({@code /proc/<pid>/task/<tid>/schedstat},
     * JIT and GC threads included) over two seconds, once the receiver is past its spin phase.
     */
    private static double idleCpu(long pid, Mailbox idle) throws Exception {
        Thread.sleep(300); // past the spin phase, asleep in futex
        long before = cpuNanos(pid);
        long start = System.nanoTime();
        Thread.sleep(2000);
        long used = cpuNanos(pid) - before;
        long elapsed = System.nanoTime() - start;
        idle.put(new byte[8]);
        return 100.0 * used / elapsed;
    }

    /** Nanoseconds on a CPU of all threads of a process so far. */
    private static long cpuNanos(long pid) throws IOException {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String schedstat = Files.readString(task.resolve("schedstat")).trim();
                    total += Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
                } catch (IOException threadEnded) {
                    // the thread exited meanwhile
                }
            }
        }
        return total;
    }

    private void cleanUp() {
        for (String name : List.copyOf(mailboxes)) {
            try {
                Mailbox.destroy(name);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        mailboxes.clear();
        for (Path fifo : List.copyOf(fifos)) {
            try {
                Files.deleteIfExists(fifo);
            } catch (IOException ignored) {
                // best effort
            }
        }
        fifos.clear();
    }

}
