package io.jipc.cli.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark stopped (as by {@code SIGTERM}: {@code System.exit(143)}) in the middle of its first
 * ping-pong: {@code args[0]} {@code all} runs {@code jipc bench} of the pipe, {@code sockets} the
 * Unix-domain stream of {@code jipc bench sockets}, both with a long measured time. Whatever the
 * benchmark hands back (a report, with the failures it names, or an exception) is printed as
 * {@code REPORTED ...}; a hook of this harness holds the JVM's halt until then (at most 5 s), so
 * that a failure reported for the stop is seen, not lost in the halt. A benchmark that reports
 * nothing for a run being stopped prints no {@code REPORTED} line.
 */
public final class StopMidRunHarness {
    private static final CountDownLatch REPORTED = new CountDownLatch(1);

    private StopMidRunHarness() {
    }

    public static void main(String[] args) throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                REPORTED.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // halting anyway
            }
        }));
        PrintStream progress = new PrintStream(new StopAtPingPong(), true, StandardCharsets.UTF_8);
        Duration minute = Duration.ofMinutes(1);
        try {
            if (args[0].equals("all")) {
                AllBench.Timing t = new AllBench.Timing(minute, minute, minute, minute, minute, minute, minute, minute);
                AllBench.Settings settings = new AllBench.Settings(64, List.of(), t, List.of(Mechanisms.byId("pipe")));
                AllBench.Report report = new AllBench(settings, new BenchProgress(progress, false, 1)).run();
                System.out.println("REPORTED " + report.results().stream().map(MechanismResult::problem).toList());
            } else {
                SocketBench.Settings settings = new SocketBench.Settings(64, minute, minute, minute, 1_000_000,
                        List.of(SocketBench.Transport.UNIX));
                SocketBench.Report report = new SocketBench(settings, progress).run();
                System.out.println("REPORTED " + report.results().size() + " results");
            }
        } catch (Exception e) {
            System.out.println("REPORTED " + e);
        }
        System.out.flush();
        REPORTED.countDown();
    }

    /** Progress output that stops the JVM 0.3 s after the first ping-pong has begun. */
    private static final class StopAtPingPong extends ByteArrayOutputStream {
        private boolean stopped;

        @Override
        public synchronized void flush() {
            String text = toString(StandardCharsets.UTF_8);
            System.out.print(text);
            reset();
            if (!stopped && text.contains("ping-pong")) {
                stopped = true;
                Thread.ofPlatform().start(() -> {
                    try {
                        Thread.sleep(300); // test code: into the measured loop
                    } catch (InterruptedException ignored) {
                        // stop now
                    }
                    System.out.println("STOPPING");
                    System.exit(143);
                });
            }
        }
    }
}
