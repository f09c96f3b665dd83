package io.jipc.bench.rpc;

import io.jipc.bench.IntOptions;
import io.jipc.bench.OneLineFailures;
import io.jipc.bench.PeerProgress;
import io.jipc.cli.bench.PeerDiedException;
import io.jipc.cli.bench.PeerProcess;
import io.jipc.mailbox.Mailbox;
import io.jipc.naming.NameService;
import io.jipc.rpc.RpcClient;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/jipc-bench rpc}: the round trip of a remote procedure call between two processes of
 * this host, {@code byte[] echo(byte[])} with a payload of {@code --size} bytes, through the
 * server's mailbox (shared memory) and over TCP loopback, one call at a time from one thread;
 * HdrHistogram percentiles of each call's duration (the stub's call: marshalling, the request,
 * the server's dispatch to a virtual thread, the reply) and calls per second.
 *
 * <pre>bin/jipc-bench rpc [--calls N] [--warmup N] [--size BYTES]</pre>
 *
 * The server runs in a child JVM ({@link RpcBenchPeer}) with its default options: the request and
 * reply mailboxes spin briefly, then sleep in futex (the default wait strategy). A server that dies,
 * or stops answering (no call returns for {@link PeerProcess#ANSWER_WAIT}: it is then killed), ends
 * the bench with one line and exit code 1.
 */
public final class RpcBench {
    private RpcBench() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(OneLineFailures.exitCode("rpc", () -> run(args, System.out))); // a dead peer, a stop: one line
    }

    static final String USAGE = "usage: jipc-bench rpc [--calls N] [--warmup N] [--size BYTES]";

    static int run(String[] args, PrintStream out) throws Exception {
        if (IntOptions.helpAsked(args)) {
            out.println(USAGE);
            return 0;
        }
        Map<String, Integer> options = IntOptions.parse(args, Map.of("--calls", 200_000, "--warmup", 50_000,
                "--size", 64), USAGE);
        if (options == null) {
            return 2;
        }
        String bad = IntOptions.outOfRange(options, IntOptions.Range.atLeast("--calls", 1),
                IntOptions.Range.atLeast("--warmup", 0), new IntOptions.Range("--size", 0, 32 * 1024));
        if (bad != null) {
            System.err.println("jipc-bench rpc: " + bad);
            return 2;
        }
        int calls = options.get("--calls");
        int warmup = options.get("--warmup");
        int size = options.get("--size");
        String name = "rpc-bench-" + ProcessHandle.current().pid();
        out.printf(Locale.ROOT, "jipc-bench rpc: byte[] echo(byte[]) of %d bytes between two processes, %,d calls after %,d to warm up%n",
                size, calls, warmup);
        out.printf(Locale.ROOT, "%-22s %9s %9s %9s %9s %12s%n", "transport", "p50 (µs)", "p90 (µs)", "p99 (µs)",
                "p99.9 (µs)", "calls/s");
        try (PeerProcess peer = new PeerProcess(RpcBenchPeer.class, List.of("--enable-native-access=ALL-UNNAMED"),
                List.of(name)); NameService names = NameService.open()) {
            try {
                peer.await("serving");
                PeerProgress progress = PeerProgress.of(peer); // a stopped server: one line after ANSWER_WAIT
                String tcp = names.lookup("rpc/" + name).orElseThrow().record().address();
                for (URI uri : List.of(URI.create("mailbox:" + name), URI.create(tcp))) {
                    String transport = uri.getScheme().equals("mailbox") ? "mailbox (shared memory)" : "TCP loopback";
                    peer.phase("the calls through " + transport);
                    progress.now(); // the connect waits for the server's answer too
                    try (RpcClient<Echo> client = RpcClient.connect(uri, Echo.class, RpcClient.Options.defaults())) {
                        Histogram histogram = measure(client.stub(), size, warmup, calls, progress);
                        out.printf(Locale.ROOT, "%-22s %9.2f %9.2f %9.2f %9.2f %,12.0f%n", transport,
                                histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(90) / 1e3,
                                histogram.getValueAtPercentile(99) / 1e3, histogram.getValueAtPercentile(99.9) / 1e3,
                                1e9 / histogram.getMean());
                    }
                }
                peer.phase("the end");
                peer.tell("stop");
                peer.await("PEER DONE");
            } catch (Exception failure) { // a peer that died interrupts this thread (its watcher): say so
                Exception reported = peer.deathOr(failure);
                if (reported instanceof PeerDiedException) {
                    // the dead server's mailbox and name, named after this process: nobody else's
                    Mailbox.destroy(name);
                    names.unregister("rpc/" + name);
                }
                throw reported;
            }
        }
        return 0;
    }

    /** The calls' durations; tells {@code progress} of every 64th call. */
    private static Histogram measure(Echo echo, int size, int warmup, int calls, PeerProgress progress) {
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 7);
        for (int i = 0; i < warmup; i++) {
            progress.exchange(i);
            check(echo.echo(payload), size);
        }
        Histogram histogram = new Histogram(3);
        for (int i = 0; i < calls; i++) {
            progress.exchange(i);
            long start = System.nanoTime();
            byte[] back = echo.echo(payload);
            histogram.recordValue(System.nanoTime() - start);
            check(back, size);
        }
        return histogram;
    }

    private static void check(byte[] back, int size) {
        if (back.length != size) {
            throw new IllegalStateException("echo returned " + back.length + " bytes, not " + size);
        }
    }
}
