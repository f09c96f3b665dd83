package io.jipc.bench.aeron;

import io.aeron.Aeron;
import io.jipc.cli.bench.ParentWatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The second process of {@link Interleaved}. Arguments:
 * {@code <aeron dir or -> <size> <one way: true|false> <transport>...}. Joins every transport the
 * parent created, prints {@code READY echo}, then echoes blocks: in block {@code b} it serves the
 * transports in the order {@code (j + b) mod n}, as the parent sends, each until the end-of-block
 * marker (with one way, it then sinks that transport's one-way messages until their marker), and
 * stops after the end-of-run marker ({@code PEER DONE}).
 */
public final class InterleavedPeer {
    private InterleavedPeer() {
    }

    public static void main(String[] args) throws Exception {
        // never outlive the parent (whatever kills it)
        ParentWatch.start(3); // the process that started it, even if it died while this JVM started
        String aeronDir = args[0];
        int size = Integer.parseInt(args[1]);
        boolean oneWay = Boolean.parseBoolean(args[2]);
        List<InterleavedTransport.Spec> specs = Arrays.asList(args).subList(3, args.length).stream()
                .map(InterleavedTransport.Spec::parse).toList();
        List<InterleavedTransport> transports = new ArrayList<>();
        try (Aeron aeron = aeronDir.equals("-") ? null
                : Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir))) {
            try {
                for (int i = 0; i < specs.size(); i++) {
                    transports.add(InterleavedTransport.join(specs.get(i), i, size, aeron, "ilv"));
                }
                System.out.println("READY echo");
                System.out.flush();
                echo(transports, oneWay);
            } finally {
                for (InterleavedTransport transport : transports.reversed()) {
                    transport.close();
                }
            }
        }
        System.out.println("PEER DONE");
        System.out.flush();
    }

    /**
     * Echoes the blocks; at the end prints {@code ALLOCATED <transport index> <bytes>} for every
     * transport: what this thread allocated while echoing its measured blocks (all but the first).
     */
    private static void echo(List<InterleavedTransport> transports, boolean oneWay) throws InterruptedException {
        int n = transports.size();
        long[] allocated = new long[n];
        for (int b = 0; ; b++) {
            for (int j = 0; j < n; j++) {
                int i = (j + b) % n;
                long before = Allocation.ofThisThread();
                long marker = transports.get(i).echoBlock();
                if (b > 0) {
                    allocated[i] += Allocation.ofThisThread() - before;
                }
                if (oneWay) {
                    marker = transports.get(i).sinkBlock();
                }
                if (marker == InterleavedTransport.MARK_RUN_END) {
                    for (int k = 0; k < n; k++) {
                        System.out.println(Allocation.PEER_LINE + " " + k + " " + allocated[k]);
                    }
                    return;
                }
            }
        }
    }
}
