package io.jipc.cli.bench;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The measuring side of a {@link Link}: a ping-pong and one-way throughput runs against a peer that
 * answers with {@link Link#echo()} then {@link Link#sink()}, with the regimens every jipc benchmark
 * uses ({@link PingPongRegimen}, {@link OneWayRegimen}). For a lossy link the one-way rate is of
 * messages <em>delivered</em>, the share lost is reported beside it, and control messages are sent
 * again until answered.
 *
 * <p>Every few dozen exchanges and every thousand or so messages it reports progress (e.g.
 * {@link PeerProcess#progress()}), so that a peer that stops answering, whose waits here have no
 * timeout (a send into a full channel), is given up on after {@link PeerProcess#ANSWER_WAIT}.
 */
public final class LinkDriver {
    private static final Duration ACK_WAIT = Duration.ofMillis(200);
    private static final Duration RELIABLE_ACK_WAIT = Duration.ofMinutes(2);

    private final String label;
    private final Link link;
    private final Runnable progress;
    private long round;
    private long delivered;

    /** A driver that reports no progress (a peer in this process, a test). */
    public LinkDriver(String label, Link link) {
        this(label, link, () -> {
        });
    }

    /** A driver that calls {@code progress} whenever it has got on with the peer (see the class comment). */
    public LinkDriver(String label, Link link, Runnable progress) {
        this.label = label;
        this.link = link;
        this.progress = progress;
    }

    /** A ping-pong of {@code size}-byte messages; ends with the stop message the peer echoes. */
    public BenchResult pingPong(int size, Duration warmup, Duration maxWarmup, Duration measure) throws Exception {
        byte[] message = new byte[size];
        ByteBuffer view = ByteBuffer.wrap(message);
        return PingPongRegimen.measure(label, warmup, maxWarmup, measure, sequence -> {
            if ((sequence & 63) == 0) {
                progress.run();
            }
            view.putLong(0, sequence);
            link.send(message);
            byte[] echo = link.receive(Duration.ofSeconds(30));
            if (echo == null) {
                throw new IllegalStateException(label + ": no echo of message " + sequence + " within 30 s (lost?)");
            }
            return Link.sequence(echo);
        });
    }

    /** Only the stop message of a ping-pong, for a mechanism that cannot carry the ping-pong's size. */
    public void skipPingPong() throws Exception {
        byte[] stop = new byte[Link.ACK_LENGTH];
        ByteBuffer.wrap(stop).putLong(0, -1);
        for (int attempt = 0; attempt < (link.lossy() ? 600 : 1); attempt++) {
            progress.run();
            link.send(stop);
            byte[] echo = link.receive(link.lossy() ? ACK_WAIT : RELIABLE_ACK_WAIT);
            if (echo != null && Link.sequence(echo) == -1) {
                return;
            }
        }
        throw new IllegalStateException(label + ": no echo of the stop message");
    }

    /** One-way throughput for about {@code measure} (see {@link OneWayRegimen#measureFor}). */
    public Throughput oneWayFor(int size, Duration minWarmup, Duration maxWarmup, Duration measure) throws Exception {
        byte[] message = new byte[size];
        double[] r = OneWayRegimen.measureFor(count -> sendRound(message, count), size, minWarmup, maxWarmup, measure);
        return delivered(size, r[0], r[1], (long) r[2]);
    }

    /** One-way throughput with fixed message counts (see {@link OneWayRegimen#measure}). */
    public Throughput oneWay(int size, long warmCount, long measuredCount, Duration minWarmup, Duration maxWarmup)
            throws Exception {
        byte[] message = new byte[size];
        double[] r = OneWayRegimen.measure(count -> sendRound(message, count), warmCount, measuredCount, minWarmup,
                maxWarmup, size);
        return delivered(size, r[0], r[1], measuredCount);
    }

    /** Ends the one-way phase: the peer's {@link Link#sink()} returns. */
    public void endPhase(int size) throws Exception {
        byte[] message = new byte[Math.max(size, Link.ACK_LENGTH)];
        ByteBuffer.wrap(message).putLong(0, OneWayRegimen.END_OF_PHASE);
        awaitAck(message, -1, link.lossy() ? 10 : 1);
    }

    private Throughput delivered(int size, double messagesPerSecond, double megabytesPerSecond, long sent) {
        double share = Math.max(0, 1.0 - (double) delivered / sent);
        return new Throughput(size, messagesPerSecond * (1 - share), megabytesPerSecond * (1 - share), share);
    }

    private void sendRound(byte[] message, long count) throws Exception {
        ByteBuffer view = ByteBuffer.wrap(message);
        for (long i = 0; i < count; i++) {
            if ((i & 1023) == 0) {
                progress.run();
            }
            view.putLong(0, i);
            link.send(message);
        }
        long id = ++round;
        view.putLong(0, OneWayRegimen.END_OF_ROUND).putLong(8, id);
        delivered = awaitAck(message, id, link.lossy() ? 600 : 1);
        if (!link.lossy() && delivered != count) {
            throw new IllegalStateException(label + ": the peer received " + delivered + " of " + count + " messages");
        }
    }

    /** Sends {@code control} until the acknowledgement {@code id} arrives; returns its count. */
    private long awaitAck(byte[] control, long id, int attempts) throws Exception {
        Duration wait = link.lossy() ? ACK_WAIT : RELIABLE_ACK_WAIT;
        for (int attempt = 0; attempt < attempts; attempt++) {
            progress.run();
            link.send(control);
            for (byte[] ack; (ack = link.receive(wait)) != null; ) {
                ByteBuffer a = ByteBuffer.wrap(ack);
                if (ack.length >= Link.ACK_LENGTH && a.getLong(0) == id) {
                    return a.getLong(8);
                }
            }
        }
        if (id == -1 && link.lossy()) {
            return 0; // the peer may have moved on; its link is closed either way
        }
        throw new IllegalStateException(label + ": no acknowledgement of " + (id == -1 ? "the end" : "round " + id));
    }
}
