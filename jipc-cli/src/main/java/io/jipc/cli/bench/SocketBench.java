package io.jipc.cli.bench;

import io.jipc.net.Datagram;
import io.jipc.net.DatagramEndpoint;
import io.jipc.net.DatagramOptions;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.platform.Sockets;
import io.jipc.segment.JipcRoot;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Measures sockets between two processes: this one and a {@link SocketBenchPeer} child JVM, with
 * the regimens every jipc benchmark uses ({@link PingPongRegimen}, {@link OneWayRegimen}).
 *
 * <p>For each transport — a Unix-domain stream, TCP over loopback, Unix-domain datagrams, UDP over
 * loopback — a ping-pong of framed messages (streams) or datagrams (round-trip percentiles), then
 * one-way throughput: this process sends as fast as the kernel takes the messages, the peer counts
 * them and acknowledges each round. UDP may drop datagrams under that load (a Unix-domain sender
 * is slowed down instead): the rate reported is of datagrams <em>delivered</em>, and the share lost
 * is reported beside it.
 */
public final class SocketBench {

    /** The transports measured. */
    public enum Transport {
        UNIX("unix stream"), TCP("tcp loopback"), UNIXGRAM("unix datagram"), UDP("udp loopback");

        private final String label;

        Transport(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        boolean isStream() {
            return this == UNIX || this == TCP;
        }
    }

    /**
     * What to run.
     *
     * @param size       payload bytes of each message (at least 16)
     * @param warmup     minimum warm-up of each ping-pong and one-way run
     * @param maxWarmup  longest warm-up of each ping-pong and one-way run
     * @param measure    measured time of each ping-pong
     * @param messages   messages of the measured one-way run
     * @param transports what to measure, in this order
     */
    public record Settings(int size, Duration warmup, Duration maxWarmup, Duration measure, long messages,
                           List<Transport> transports) {
        public Settings {
            if (size < Link.ACK_LENGTH || size > DatagramOptions.MAX_UDP_PAYLOAD) {
                throw new IllegalArgumentException("message size must be 16 to " + DatagramOptions.MAX_UDP_PAYLOAD
                        + " bytes: " + size);
            }
            transports = List.copyOf(transports);
        }
    }

    /**
     * The results of a run.
     *
     * @param lostShare per transport label, the share of one-way datagrams lost (UDP), 0..1
     * @param peerEnd   how the peer ended after the last transport if not cleanly (it died, or
     *                  stopped answering and was given up: {@link PeerProcess#finish}), else null
     */
    public record Report(Settings settings, List<BenchResult> results, Map<String, Double> lostShare, String machine,
                         String peerEnd) {
        /** A report of a run whose peer ended cleanly. */
        public Report(Settings settings, List<BenchResult> results, Map<String, Double> lostShare, String machine) {
            this(settings, results, lostShare, machine, null);
        }
    }

    private final Settings settings;
    private final PrintStream progress;
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** Set by the shutdown hook, under this object's monitor. */
    private boolean stopping;

    public SocketBench(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Runs the benchmark; sockets and their files are removed afterwards, whatever happens. When the
     * JVM is stopped (Ctrl-C, {@code SIGTERM}) its shutdown hook closes the sockets and ends the
     * peer; the failure this causes on the measuring thread is not reported: the thread waits for
     * the JVM to halt, so the run ends with the signal's exit status.
     */
    public Report run() throws Exception {
        Thread cleanup = new Thread(this::stop, "jipc-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C: the socket files go too
        try {
            return runPhases();
        } finally {
            closeAll();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /** The shutdown hook: nothing is bound after it, and what was bound (or is being bound) is closed. */
    private synchronized void stop() {
        stopping = true;
        closeAll();
    }

    /**
     * Whether the shutdown hook has begun; read under this object's monitor, so a caller whose
     * failure the hook caused (it closes the sockets under the measuring thread) waits for the
     * hook's {@link #stop} to end and sees true.
     */
    private synchronized boolean stopping() {
        return stopping;
    }

    private synchronized void closeAll() {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        resources.clear();
    }

    private synchronized void trackFirst(AutoCloseable resource) {
        resources.addFirst(resource);
    }

    private synchronized void track(AutoCloseable resource) {
        resources.add(resource);
    }

    /**
     * Binds with {@code bind} and tracks what it made, under this object's monitor: a stop meanwhile
     * ({@link #stop}) waits for the bind, then closes it (its socket file goes too). After a stop this
     * thread waits for the halt.
     */
    private synchronized <T extends AutoCloseable> T bound(Supplier<T> bind) {
        if (stopping) {
            AllBench.awaitTheHalt();
        }
        T made = bind.get();
        resources.add(made);
        return made;
    }

    private Report runPhases() throws Exception {
        Path dir = JipcRoot.directory("bench");
        String prefix = "sockets-" + ProcessHandle.current().pid();
        DatagramOptions datagrams = DatagramOptions.defaults().withMaxDatagramSize(settings.size())
                .withReceiveBuffer(4 << 20);
        List<Object> listeners = new ArrayList<>();
        List<String> phases = new ArrayList<>();
        for (Transport t : settings.transports()) {
            switch (t) {
                case UNIX, TCP -> {
                    SocketAddress address = t == Transport.UNIX
                            ? UnixDomainSocketAddress.of(dir.resolve(prefix + ".sock"))
                            : new InetSocketAddress("127.0.0.1", 0);
                    StreamServer server = bound(() -> StreamServer.bind(address));
                    listeners.add(server);
                    phases.add("stream:" + t.name().toLowerCase() + ":" + Sockets.describe(server.localAddress()));
                }
                case UNIXGRAM, UDP -> {
                    SocketAddress address = t == Transport.UNIXGRAM
                            ? UnixDomainSocketAddress.of(dir.resolve(prefix + ".dgram"))
                            : new InetSocketAddress("127.0.0.1", 0);
                    DatagramEndpoint endpoint = bound(() -> DatagramEndpoint.bind(address, datagrams));
                    listeners.add(endpoint);
                    String own = "-";
                    if (t == Transport.UNIXGRAM) { // the socket file the peer binds: removed here, the peer may be killed
                        Path peerSocket = dir.resolve(prefix + ".peer");
                        track(() -> Files.deleteIfExists(peerSocket));
                        own = peerSocket.toString();
                    }
                    phases.add("dgram:" + t.name().toLowerCase() + ":" + Sockets.describe(endpoint.localAddress())
                            + ":" + settings.size() + ":" + own);
                }
            }
        }
        List<BenchResult> results = new ArrayList<>();
        Map<String, Double> lost = new LinkedHashMap<>();
        String peerEnd;
        try (PeerProcess peer = new PeerProcess(SocketBenchPeer.class, List.of(), phases)) {
            trackFirst(peer); // on Ctrl-C, ended before the files go: it binds the .peer file in its time
            try {
                for (int i = 0; i < settings.transports().size(); i++) {
                    Transport t = settings.transports().get(i);
                    peer.idle(); // until its ping-pong: the peer connects
                    peer.phase(t.label() + " set-up");
                    peer.await(t.isStream() ? "stream" : "dgram");
                    try (SocketLink link = connect(listeners.get(i), peer)) {
                        LinkDriver driver = new LinkDriver(t.label(), link, peer::progress);
                        progress.printf("  %-24s ping-pong ...%n", t.label());
                        peer.phase(t.label() + " ping-pong");
                        BenchResult pingPong = driver.pingPong(settings.size(), settings.warmup(),
                                settings.maxWarmup(), settings.measure());
                        progress.printf("  %-24s one-way throughput ...%n", t.label());
                        peer.phase(t.label() + " one-way throughput");
                        Throughput oneWay = driver.oneWay(settings.size(), MailboxBench.warmMessages(settings.messages(), settings.size()),
                                settings.messages(), settings.warmup(), settings.maxWarmup());
                        driver.endPhase(settings.size());
                        results.add(pingPong.withThroughput(oneWay.messagesPerSecond(), oneWay.megabytesPerSecond()));
                        if (!t.isStream()) {
                            lost.put(t.label(), oneWay.lostShare());
                        }
                    }
                }
                peerEnd = peer.finish(null); // it ends after its last phase: how it ended, if not cleanly
            } catch (Exception e) {
                if (stopping()) {
                    AllBench.awaitTheHalt(); // the shutdown hook closed the sockets under this thread: no failure
                }
                throw peer.deathOr(e); // if the peer died or stopped answering, that is the cause
            }
        }
        return new Report(settings, results, lost, Machine.describe(), peerEnd);
    }

    /** The link to the peer: its connection (streams), or its address learned from a hello datagram. */
    private static SocketLink connect(Object listener, PeerProcess peer) throws InterruptedException {
        if (listener instanceof StreamServer server) {
            StreamConnection connection = server.accept(Duration.ofMinutes(2));
            if (connection == null) {
                throw new IllegalStateException("the benchmark peer did not connect:\n" + peer.output());
            }
            return SocketLink.of(connection);
        }
        DatagramEndpoint endpoint = (DatagramEndpoint) listener;
        Datagram hello = endpoint.poll(Duration.ofMinutes(2));
        if (hello == null || hello.sender() == null) {
            throw new IllegalStateException("no hello datagram from the benchmark peer:\n" + peer.output());
        }
        return SocketLink.of(endpoint, hello.sender());
    }
}
