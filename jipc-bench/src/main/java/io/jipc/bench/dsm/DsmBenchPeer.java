package io.jipc.bench.dsm;

import io.jipc.cli.bench.ParentWatch;

import java.net.InetSocketAddress;

/**
 * Replica B of {@link DsmBench}: opens every region at the home it is given, prints
 * {@code READY opened}, runs B's side of each step (nothing for the uncontended writes: it only
 * receives them), closes its replicas and prints {@code PEER DONE}. It halts when its parent exits.
 *
 * <p>Arguments: the home's {@code host:port}, then the sections, warm-up and size (see
 * {@link DsmBench.Settings}).
 */
public final class DsmBenchPeer {
    private DsmBenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        ParentWatch.start(3); // the process that started it, even if it died while this JVM started
        int colon = args[0].lastIndexOf(':');
        InetSocketAddress home = new InetSocketAddress(args[0].substring(0, colon),
                Integer.parseInt(args[0].substring(colon + 1)));
        DsmBench.Settings settings = DsmBench.Settings.fromArgs(args);
        try (DsmBench.Replicas b = DsmBench.Replicas.open(home, settings)) {
            System.out.println("READY opened");
            System.out.flush();
            DsmBench.pingPongB(b.pingPong(), settings);
            long pass = 0;
            long sections = 0;
            for (int n : new int[] {settings.warmup(), settings.sections()}) {
                if (n > 0) {
                    sections += n;
                    DsmBench.throughputB(b.small(), b.done(), sections, ++pass);
                }
            }
            sections = 0;
            for (int n : new int[] {settings.largeWarmup(), settings.largeSections()}) {
                if (n > 0) {
                    sections += n;
                    DsmBench.throughputB(b.large(), b.done(), sections, ++pass);
                }
            }
        }
        System.out.println("PEER DONE");
        System.out.flush();
    }
}
