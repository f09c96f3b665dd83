package io.jipc.bench.group;

import io.jipc.bench.IntOptions;
import io.jipc.bench.OneLineFailures;
import io.jipc.bench.PeerProgress;
import io.jipc.cli.bench.PeerDiedException;
import io.jipc.cli.bench.PeerProcess;
import io.jipc.group.GroupMessage;
import io.jipc.group.GroupOptions;
import io.jipc.group.ProcessGroup;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/jipc-bench group}: process groups ({@link ProcessGroup}) of {@code --members} processes
 * of this host, this one rank 0 and the others child JVMs ({@link GroupBenchPeer}); every member
 * runs the same steps:
 * <ul>
 * <li>first a pass of the two collective steps below whose figures are dropped (JIT compilation);</li>
 * <li>{@code barrier}: {@code --rounds} barriers after {@code --warmup}, each timed at rank 0;</li>
 * <li>{@code allReduce}: {@code allReduce(rank, Long::sum)} the same way (the sum checked);</li>
 * <li>{@code send/receive}: the round trip of a {@code --size}-byte message from rank 0 to rank 1 and
 *     back ({@code send}, {@code receive}), {@code --rounds} after {@code --warmup}; the other ranks
 *     wait in the next barrier meanwhile;</li>
 * <li>{@code broadcast}: rank 0 {@code broadcast}s {@code --messages} messages of {@code --size} bytes
 *     (after {@code --warmup} of them) and every other member {@code receive}s them; the time runs
 *     from a barrier to a {@code gather} at rank 0 of the counts the members received, which must all
 *     be {@code --messages}.</li>
 * </ul>
 * HdrHistogram percentiles of the timed operations and operations per second (the reciprocal of the
 * mean); for the broadcast, messages per second and MB/s that each receiver gets.
 *
 * <pre>bin/jipc-bench group [--members N] [--rounds N] [--warmup N] [--messages N] [--size BYTES]</pre>
 *
 * Defaults: 2 members, 20,000 rounds after 5,000, 500,000 broadcasts, 64 bytes (some 10 to 20 s on
 * two CPUs with 2 or 3 members).
 *
 * The group has the default options ({@link GroupOptions#of}: 1 MiB inboxes, liveness checked every
 * 100 ms); its inboxes spin briefly, then sleep in futex (the mailbox's default wait strategy). Its
 * name has this process's pid in it; every member leaves it at the end, and the last one removes it.
 */
public final class GroupBench {
    static final String USAGE = "usage: jipc-bench group [--members N] [--rounds N] [--warmup N] [--messages N] [--size BYTES]";
    private static final int MAX_MEMBERS = 64;
    private static final long WAIT_SLICE_MILLIS = 200;
    private static final Duration WAIT_SLICE = Duration.ofMillis(WAIT_SLICE_MILLIS);

    private GroupBench() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(OneLineFailures.exitCode("group", () -> run(args, System.out))); // a dead peer, a stop: one line
    }

    /** What every member runs with (given to the peers on their command line). */
    record Settings(int members, int rounds, int warmup, int messages, int size) {
        List<String> toArgs(String name) {
            return List.of(name, Integer.toString(members), Integer.toString(rounds), Integer.toString(warmup),
                    Integer.toString(messages), Integer.toString(size));
        }

        static Settings fromArgs(String[] args) {
            return new Settings(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), Integer.parseInt(args[5]));
        }
    }

    static int run(String[] args, PrintStream out) throws Exception {
        if (IntOptions.helpAsked(args)) {
            out.println(USAGE);
            return 0;
        }
        Map<String, Integer> options = IntOptions.parse(args, Map.of("--members", 2, "--rounds", 20_000,
                "--warmup", 5_000, "--messages", 500_000, "--size", 64), USAGE);
        if (options == null) {
            return 2;
        }
        int members = options.get("--members");
        int rounds = options.get("--rounds");
        int warmup = options.get("--warmup");
        int messages = options.get("--messages");
        int size = options.get("--size");
        String bad = IntOptions.outOfRange(options, new IntOptions.Range("--members", 2, MAX_MEMBERS),
                IntOptions.Range.atLeast("--rounds", 1), IntOptions.Range.atLeast("--warmup", 0),
                IntOptions.Range.atLeast("--messages", 1), new IntOptions.Range("--size", 0, 32 * 1024));
        if (bad != null) {
            System.err.println("jipc-bench group: " + bad);
            return 2;
        }
        Settings settings = new Settings(members, rounds, warmup, messages, size);
        String name = "group-bench-" + ProcessHandle.current().pid();
        out.printf(Locale.ROOT, "jipc-bench group: %d members (this process rank 0, %d peer JVM%s), %,d rounds after %,d"
                        + " to warm up, %,d broadcasts, %d-byte messages%n",
                members, members - 1, members == 2 ? "" : "s", rounds, warmup, messages, size);
        List<PeerProcess> peers = new ArrayList<>();
        // closed last: if peers were killed, this member, the last one, removes their inboxes and the group
        try (ProcessGroup group = ProcessGroup.join(name, GroupOptions.of(members).withRank(0))) {
            // ^C (SIGINT, to the peers as well) skips the finally blocks: leave the group all the same
            Thread leave = new Thread(group::close, "jipc-bench-group-leave");
            Runtime.getRuntime().addShutdownHook(leave);
            Runnable peersAlive = () -> peers.forEach(p -> p.checkAlive("rank 0 waited for a message"));
            try {
                for (int i = 1; i < members; i++) {
                    peers.add(new PeerProcess(GroupBenchPeer.class, List.of("--enable-native-access=ALL-UNNAMED"),
                            settings.toArgs(name)));
                }
                for (PeerProcess peer : peers) {
                    peer.await("joined");
                    peer.phase("the group's operations");
                }
                // a peer that stops answering: one line after PeerProcess.ANSWER_WAIT without progress
                PeerProgress progress = PeerProgress.of(peers);
                out.printf(Locale.ROOT, "%-30s %9s %9s %9s %10s %12s%n", "operation", "p50 (µs)", "p90 (µs)",
                        "p99 (µs)", "p99.9 (µs)", "ops/s");
                warmUp(group, settings, progress);
                row(out, "barrier", barrier(group, settings, progress));
                row(out, "allReduce(long, Long::sum)", allReduce(group, settings, progress));
                row(out, "send/receive round trip 0-1", pingPong(group, settings, peersAlive, progress));
                double seconds = broadcast(group, settings, progress);
                double perSecond = messages / seconds;
                out.printf(Locale.ROOT, "%-30s %12s %20s %20s%n", "operation", "messages", "msgs/s per receiver",
                        "MB/s per receiver");
                out.printf(Locale.ROOT, "%-30s %,12d %,20.0f %20.1f%n",
                        "broadcast to " + (members - 1) + " member" + (members == 2 ? "" : "s"), messages, perSecond,
                        perSecond * size / 1e6);
                progress.now();
                group.barrier(); // the peers leave after this one
                for (PeerProcess peer : peers) {
                    peer.await("PEER DONE");
                }
                for (PeerProcess peer : peers) {
                    peer.waitFor();
                }
            } catch (Exception failure) {
                // a peer that died interrupts this thread (its watcher), or breaks the operation: say which
                for (PeerProcess peer : peers) {
                    failure = peer.deathOr(failure);
                    if (failure instanceof PeerDiedException) {
                        break;
                    }
                }
                throw failure;
            } finally {
                for (PeerProcess peer : peers) {
                    peer.close(); // kills a peer that still runs
                }
                try {
                    Runtime.getRuntime().removeShutdownHook(leave);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs
                }
            }
        }
        return 0;
    }

    private static void row(PrintStream out, String operation, Histogram histogram) {
        out.printf(Locale.ROOT, "%-30s %9.2f %9.2f %9.2f %10.2f %,12.0f%n", operation,
                histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(90) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3, histogram.getValueAtPercentile(99.9) / 1e3,
                1e9 / histogram.getMean());
    }

    // ------------------------------------------------------------------ the steps (GroupBenchPeer runs the same)
    // Each tells progress (PeerProgress.NONE at the peers) as it begins and every 64th operation, every
    // 1024th broadcast: every operation but the broadcasts waits for the other members.

    /**
     * A pass of the timed collective steps whose figures are dropped: the first operation measured
     * otherwise shares the processors with the JIT compiler threads (two vCPUs), which took its
     * p90 from about 15 µs to 200 µs.
     */
    static void warmUp(ProcessGroup group, Settings s, PeerProgress progress) throws InterruptedException {
        barrier(group, s, progress);
        allReduce(group, s, progress);
    }

    /** Barriers; their durations (the bench reports rank 0's). */
    static Histogram barrier(ProcessGroup group, Settings s, PeerProgress progress) throws InterruptedException {
        for (int i = 0; i < s.warmup(); i++) {
            progress.exchange(i);
            group.barrier();
        }
        Histogram histogram = new Histogram(3);
        for (int i = 0; i < s.rounds(); i++) {
            progress.exchange(i);
            long start = System.nanoTime();
            group.barrier();
            histogram.recordValue(System.nanoTime() - start);
        }
        return histogram;
    }

    /** {@code allReduce(rank, Long::sum)}, the sum checked; the durations. */
    static Histogram allReduce(ProcessGroup group, Settings s, PeerProgress progress) throws InterruptedException {
        long expected = (long) s.members() * (s.members() - 1) / 2;
        progress.now();
        group.barrier();
        for (int i = 0; i < s.warmup(); i++) {
            progress.exchange(i);
            checkSum(group.allReduce(group.rank(), Long::sum), expected);
        }
        Histogram histogram = new Histogram(3);
        for (int i = 0; i < s.rounds(); i++) {
            progress.exchange(i);
            long start = System.nanoTime();
            long sum = group.allReduce(group.rank(), Long::sum);
            histogram.recordValue(System.nanoTime() - start);
            checkSum(sum, expected);
        }
        return histogram;
    }

    private static void checkSum(long sum, long expected) {
        if (sum != expected) {
            throw new IllegalStateException("allReduce gave " + sum + ", not " + expected);
        }
    }

    /**
     * Rank 0 sends to rank 1, which sends it back; the round trips at rank 0 (rank 1 echoes, other
     * ranks do nothing). Ends with a barrier. {@code whileWaiting} runs at rank 0 when no reply came
     * for {@value #WAIT_SLICE_MILLIS} ms, and may throw (a receive does not notice that its sender
     * died).
     */
    static Histogram pingPong(ProcessGroup group, Settings s, Runnable whileWaiting, PeerProgress progress)
            throws InterruptedException {
        progress.now();
        group.barrier();
        Histogram histogram = new Histogram(3);
        int total = s.warmup() + s.rounds();
        if (group.rank() == 0) {
            byte[] ping = new byte[s.size()];
            Arrays.fill(ping, (byte) 7);
            for (int i = 0; i < total; i++) {
                progress.exchange(i);
                long start = System.nanoTime();
                group.send(1, ping);
                GroupMessage back = receive(group, whileWaiting);
                long took = System.nanoTime() - start;
                check(back, 1, false, s.size());
                if (i >= s.warmup()) {
                    histogram.recordValue(took);
                }
            }
        } else if (group.rank() == 1) {
            for (int i = 0; i < total; i++) {
                GroupMessage ping = group.receive();
                check(ping, 0, false, s.size());
                group.send(0, ping.payload());
            }
        }
        progress.now();
        group.barrier();
        return histogram;
    }

    /**
     * Rank 0 broadcasts {@code --warmup} messages, then {@code --messages} timed; the others receive
     * them. Each batch ends with a gather of the counts at rank 0. Returns the seconds of the timed
     * batch at rank 0.
     */
    static double broadcast(ProcessGroup group, Settings s, PeerProgress progress) throws InterruptedException {
        if (s.warmup() > 0) {
            broadcastBatch(group, s, s.warmup(), progress);
        }
        return broadcastBatch(group, s, s.messages(), progress) / 1e9;
    }

    private static long broadcastBatch(ProcessGroup group, Settings s, int count, PeerProgress progress)
            throws InterruptedException {
        progress.now();
        group.barrier();
        long start = System.nanoTime();
        if (group.rank() == 0) {
            byte[] message = new byte[s.size()];
            Arrays.fill(message, (byte) 9);
            for (int i = 0; i < count; i++) {
                progress.message(i); // a full inbox of a stopped member holds the broadcast
                int delivered = group.broadcast(message);
                if (delivered != s.members() - 1) {
                    throw new IllegalStateException("broadcast reached " + delivered + " members, not " + (s.members() - 1));
                }
            }
        }
        int received = 0;
        if (group.rank() != 0) {
            while (received < count) {
                check(group.receive(), 0, true, s.size());
                received++;
            }
        }
        progress.now();
        List<byte[]> counts = group.gather(0, ByteBuffer.allocate(4).putInt(received).array());
        long took = System.nanoTime() - start;
        if (counts != null) {
            for (int r = 1; r < counts.size(); r++) {
                int got = ByteBuffer.wrap(counts.get(r)).getInt();
                if (got != count) {
                    throw new IllegalStateException("rank " + r + " received " + got + " broadcasts, not " + count);
                }
            }
        }
        return took;
    }

    /** The next message; runs {@code whileWaiting} every {@value #WAIT_SLICE_MILLIS} ms that none comes. */
    private static GroupMessage receive(ProcessGroup group, Runnable whileWaiting) throws InterruptedException {
        while (true) {
            GroupMessage message = group.poll(WAIT_SLICE);
            if (message != null) {
                return message;
            }
            whileWaiting.run();
        }
    }

    private static void check(GroupMessage message, int sender, boolean broadcast, int size) {
        if (message.sender() != sender || message.broadcast() != broadcast || message.payload().length != size) {
            throw new IllegalStateException("unexpected message: from rank " + message.sender() + (message.broadcast()
                    ? ", broadcast, " : ", ") + message.payload().length + " bytes");
        }
    }
}
