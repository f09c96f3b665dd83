import io.jipc.pipe.ChildProcess;
import io.jipc.pipe.Command;
import io.jipc.pipe.EndOfStreamException;
import io.jipc.pipe.PipeChannel;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Measures message passing over two kernel pipes between this JVM and a child JVM that echoes
 * every message: round-trip latency (percentiles) and the rate with both directions busy.
 *
 *   examples/run pipe/PipeRoundTrip.java [round trips, default 50000] [message bytes, default 64]
 */
public class PipeRoundTrip {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--echo")) {
            echo();
            return;
        }
        if (args.length > 2 || args.length > 0 && !args[0].matches("[1-9]\\d*") || args.length > 1 && !args[1].matches("\\d+")) {
            usage();
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        byte[] message = new byte[args.length > 1 ? Integer.parseInt(args[1]) : 64];
        // this program again, the way examples/run started it: from its source file, or compiled
        String self = System.getProperty("jdk.launcher.sourcefile", PipeRoundTrip.class.getName());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Command command = PipeChannel.prepare(Command.of(java, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), self, "--echo"));
        try (ChildProcess child = command.start(); PipeChannel channel = PipeChannel.toChild(child)) {
            for (int i = 0; i < Math.max(rounds / 2, 1000); i++) { // warm-up
                channel.put(message);
                channel.take();
            }
            long[] nanos = new long[rounds];
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                channel.put(message);
                channel.take();
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            System.out.printf("%d-byte round trips: p50 %.1f us, p99 %.1f us, p99.9 %.1f us (%d rounds)%n",
                    message.length, nanos[rounds / 2] / 1e3, nanos[(int) (rounds * 0.99)] / 1e3,
                    nanos[(int) (rounds * 0.999)] / 1e3, rounds);
            int streamed = rounds * 4;
            long start = System.nanoTime();
            Thread receiver = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < streamed; i++) {
                        channel.take();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < streamed; i++) {
                channel.put(message);
            }
            receiver.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%d-byte messages echoed, both directions busy: %.0f k msgs/s%n", message.length,
                    streamed / seconds / 1e3);
            channel.close();
            System.out.println("child " + child.waitFor());
        }
    }

    private static void echo() throws InterruptedException {
        try (PipeChannel parent = PipeChannel.toParent()) {
            while (true) {
                byte[] message;
                try {
                    message = parent.take();
                } catch (EndOfStreamException e) {
                    return;
                }
                parent.put(message);
            }
        }
    }

    /** Wrong arguments: how to run this program, exit status 2. */
    private static void usage() {
        System.err.println("usage: examples/run pipe/PipeRoundTrip.java [round trips] [message bytes]");
        System.exit(2);
    }
}
