package io.jipc.bench.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.jipc.bench.PeerProgress;
import io.jipc.bench.ShmDirs;
import io.jipc.cli.bench.BenchResult;
import io.jipc.cli.bench.PingPongRegimen;
import io.jipc.cli.bench.PeerProcess;
import io.jipc.cli.bench.MailboxBench;
import io.jipc.cli.bench.OneWayRegimen;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jipc.bench.aeron.AeronIpc.DATA_STREAM;
import static io.jipc.bench.aeron.AeronIpc.DONE_STREAM;
import static io.jipc.bench.aeron.AeronIpc.PING_STREAM;
import static io.jipc.bench.aeron.AeronIpc.PONG_STREAM;

/**
 * Aeron IPC between this process and an {@link AeronPeer} child JVM, measured the way
 * {@code MailboxBench} measures mailboxes: a ping-pong (round-trip percentiles, round trips per
 * second; {@link PingPongRegimen}) and one-way throughput ({@link OneWayRegimen}: warm-up rounds
 * of {@code max(100 000, messages / 4)} messages until the rate settles, then the measured round
 * of {@code messages}; the clock runs from the first offer until the child's reply that it
 * received them all).
 *
 * <p>This process embeds the media driver (see {@link AeronIpc#driverContext}) in
 * {@code /dev/shm/aeron-jipcbench-<pid>}, which is deleted at the end, also on failure and on
 * Ctrl-C (shutdown hook). Publications are exclusive (single writer, the analogue of a
 * single-sender mailbox); both sides busy-spin. Directories of earlier runs that were killed
 * outright (their process is gone) are removed first.
 */
public final class AeronBench {

    /**
     * What to run.
     *
     * @param size       payload bytes of each message (at least 8)
     * @param warmup     minimum warm-up of the ping-pong and the one-way run
     * @param maxWarmup  longest warm-up of the ping-pong and the one-way run
     * @param measure    measured time of the ping-pong
     * @param messages   messages of the measured one-way run
     * @param termLength IPC term length in bytes, 0 for Aeron's default (64 MiB)
     * @param pauseFreeIdles idles of a wait before {@link Thread#onSpinWait()} (see {@link SpinIdler})
     * @param gapSteps   steps of the busy gap after each of those idles (0: none; see {@link SpinIdler})
     */
    public record Settings(int size, Duration warmup, Duration maxWarmup, Duration measure, long messages,
                           int termLength, int pauseFreeIdles, int gapSteps) {
        public Settings {
            if (size < 8) {
                throw new IllegalArgumentException("message size must be at least 8 bytes: " + size);
            }
        }
    }

    private final Settings settings;
    private final PrintStream progress;
    private final Path dir = Path.of("/dev/shm", "aeron-jipcbench-" + ProcessHandle.current().pid());

    public AeronBench(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** The media driver directory this run uses. */
    public Path directory() {
        return dir;
    }

    /** Runs the ping-pong and the one-way throughput; the driver, its directory and the child are gone afterwards. */
    public BenchResult run(String label) throws Exception {
        ShmDirs.deleteStale("aeron-jipcbench-");
        Thread cleanup = new Thread(() -> ShmDirs.deleteTree(dir), "jipc-bench-aeron-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return runPhases(label);
        } finally {
            ShmDirs.deleteTree(dir);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private BenchResult runPhases(String label) throws Exception {
        long warmMessages = MailboxBench.warmMessages(settings.messages(), settings.size());
        String channel = AeronIpc.channel(settings.termLength());
        try (MediaDriver driver = MediaDriver.launch(AeronIpc.driverContext(dir));
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()))) {
            ExclusivePublication ping = aeron.addExclusivePublication(channel, PING_STREAM);
            Subscription pong = aeron.addSubscription(channel, PONG_STREAM);
            ExclusivePublication data = aeron.addExclusivePublication(channel, DATA_STREAM);
            Subscription done = aeron.addSubscription(channel, DONE_STREAM);
            try (PeerProcess peer = new PeerProcess(AeronPeer.class, AeronIpc.JVM_ARGS,
                    List.of(dir.toString(), channel, Integer.toString(settings.pauseFreeIdles()),
                            Integer.toString(settings.gapSteps())))) {
                peer.await("echo");
                AeronPeer.awaitConnected(pong, ping);
                progress.printf("  %-24s ping-pong ...%n", label);
                peer.phase(label + " ping-pong");
                BenchResult pingPong = pingPong(label, ping, pong, peer);
                peer.idle(); // its set-up: the one-way run arms the alarm again
                peer.await("sink");
                AeronPeer.awaitConnected(done, data);
                progress.printf("  %-24s one-way throughput ...%n", label);
                peer.phase(label + " one-way throughput");
                double[] oneWay = oneWay(label + " one-way throughput", data, done, warmMessages, peer);
                peer.await("PEER DONE");
                peer.waitFor();
                return pingPong.withThroughput(oneWay[0], oneWay[1]);
            }
        }
    }

    /** Receives one message and keeps its first 8 bytes. */
    private static final class LastSequence implements FragmentHandler {
        long value;
        boolean received;

        @Override
        public void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
            value = buffer.getLong(offset);
            received = true;
        }
    }

    private BenchResult pingPong(String label, ExclusivePublication ping, Subscription pong, PeerProcess peer)
            throws Exception {
        int size = settings.size();
        UnsafeBuffer message = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(64, size), 64));
        LastSequence echoed = new LastSequence();
        FragmentAssembler assembler = new FragmentAssembler(echoed);
        SpinIdler idler = new SpinIdler(settings.pauseFreeIdles(), settings.gapSteps());
        // a stopped peer is killed after PeerProcess.ANSWER_WAIT without progress: the polls below see it gone
        PeerProgress progress = PeerProgress.of(peer);
        return PingPongRegimen.measure(label, settings.warmup(), settings.maxWarmup(), settings.measure(), sequence -> {
            progress.exchange(sequence);
            message.putLong(0, sequence);
            long result;
            idler.reset();
            while ((result = ping.offer(message, 0, size)) < 0) {
                AeronIpc.checkOffer(result, "ping");
                idler.idle();
            }
            echoed.received = false;
            idler.reset();
            while (!echoed.received) {
                if (pong.poll(assembler, 1) == 0) {
                    if (peer.gone()) {
                        peer.checkAlive(label + " ping-pong");
                    }
                    idler.idle();
                }
            }
            return echoed.value;
        });
    }

    private double[] oneWay(String phase, ExclusivePublication data, Subscription done, long warmMessages,
                            PeerProcess peer) throws Exception {
        int size = settings.size();
        UnsafeBuffer message = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(64, size), 64));
        LastSequence reply = new LastSequence();
        SpinIdler idler = new SpinIdler(settings.pauseFreeIdles(), settings.gapSteps());
        PeerProgress progress = PeerProgress.of(peer);
        double[] result = OneWayRegimen.measure(count -> {
            for (long i = 0; i < count; i++) {
                progress.message(i);
                send(phase, data, message, size, i, peer, idler);
            }
            progress.now();
            send(phase, data, message, size, OneWayRegimen.END_OF_ROUND, peer, idler);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            reply.received = false;
            idler.reset();
            while (!reply.received) {
                if (done.poll(reply, 1) == 0) {
                    if (peer.gone()) {
                        peer.checkAlive(phase);
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("one-way round did not complete");
                    }
                    idler.idle();
                }
            }
            if (reply.value != count) {
                throw new IllegalStateException("one-way round: the peer received " + reply.value + " of " + count);
            }
        }, warmMessages, settings.messages(), settings.warmup(), settings.maxWarmup(), size);
        send(phase, data, message, size, OneWayRegimen.END_OF_PHASE, peer, idler);
        return result;
    }

    private static void send(String phase, ExclusivePublication data, UnsafeBuffer message, int size, long sequence,
                             PeerProcess peer, SpinIdler idler) {
        message.putLong(0, sequence);
        long result;
        idler.reset();
        while ((result = data.offer(message, 0, size)) < 0) {
            AeronIpc.checkOffer(result, "one-way");
            if (peer.gone()) {
                peer.checkAlive(phase);
            }
            idler.idle();
        }
    }
}
