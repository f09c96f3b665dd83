package io.jipc.cli.bench;

import io.jipc.platform.Processes;

import java.time.Duration;
import java.util.List;

/**
 * The measuring side of a benchmark whose peer dies or stops at the very end of the run, after
 * every case was measured; prints {@code PEER PID <pid>} before it signals the peer, then
 * {@code RESULTS <rows measured>} and {@code PEER END <the note>} (or {@code FAILED <message>}).
 * {@code args[0]}:
 * <ul>
 * <li>{@code all-kill}, {@code all-stop}: {@code jipc bench} of the pipe, whose endpoint, once the
 *     mechanism is measured, sends the peer {@code SIGKILL} or {@code SIGSTOP} (before it has read
 *     the end of its input);</li>
 * <li>{@code done-kill}, {@code done-stop}: a {@link DoneThenSignal} peer, which prints
 *     {@code PEER DONE} and then kills or stops itself, ended with {@link PeerProcess#finish}.</li>
 * </ul>
 * Run it with a short {@link PeerProcess#ANSWER_WAIT_PROPERTY}.
 */
public final class PeerEndHarness {
    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;

    private PeerEndHarness() {
    }

    /** A peer that prints {@code PEER DONE} and then sends itself the signal {@code args[0]}. */
    public static final class DoneThenSignal {
        private DoneThenSignal() {
        }

        public static void main(String[] args) throws InterruptedException {
            System.out.println("PEER DONE");
            System.out.flush();
            Processes.kill((int) ProcessHandle.current().pid(), Integer.parseInt(args[0]));
            Thread.sleep(Long.MAX_VALUE); // test code: a stopped peer must not exit when continued
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int signal = mode.endsWith("kill") ? SIGKILL : SIGSTOP;
        try {
            if (mode.startsWith("all-")) {
                AllBench.Timing t = new AllBench.Timing(ms(20), ms(40), ms(40), ms(20), ms(40), ms(40), ms(20), ms(20));
                AllBench.Settings settings = new AllBench.Settings(64, List.of(), t,
                        List.of(new SignalledAtClose(Mechanisms.byId("pipe"), signal)));
                AllBench.Report report = new AllBench(settings, new BenchProgress(System.err, false, 1)).run();
                System.out.println("RESULTS " + report.results().stream().filter(r -> r.problem() == null).count());
                System.out.println("PEER END " + report.peerEnd());
            } else {
                try (PeerProcess peer = new PeerProcess(DoneThenSignal.class, List.of(), List.of(Integer.toString(signal)))) {
                    System.out.println("PEER PID " + peer.pid());
                    System.out.println("PEER END " + peer.finish(null));
                }
            }
        } catch (Exception e) {
            System.out.println("FAILED " + e);
        }
        System.out.flush();
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    /** {@code mechanism}, whose endpoint sends the peer {@code signal} once it is closed. */
    private record SignalledAtClose(Mechanism mechanism, int signal) implements Mechanism {
        @Override
        public String id() {
            return mechanism.id();
        }

        @Override
        public String label() {
            return mechanism.label();
        }

        @Override
        public Traits traits() {
            return mechanism.traits();
        }

        @Override
        public Endpoint open(int maxSize, PeerProcess peer) throws Exception {
            Endpoint endpoint = mechanism.open(maxSize, peer);
            return new Endpoint() {
                @Override
                public String peerArgument() {
                    return endpoint.peerArgument();
                }

                @Override
                public Link link() throws Exception {
                    return endpoint.link();
                }

                @Override
                public void close() {
                    endpoint.close();
                    System.out.println("PEER PID " + peer.pid());
                    System.out.flush();
                    Processes.kill((int) peer.pid(), signal);
                }
            };
        }

        @Override
        public Link connect(String argument) {
            throw new UnsupportedOperationException("measuring side only");
        }
    }
}
