package io.jipc.bench.aeron;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.jipc.bench.aeron.AeronIpc.DATA_STREAM;
import static io.jipc.bench.aeron.AeronIpc.DONE_STREAM;
import static io.jipc.bench.aeron.AeronIpc.PING_STREAM;

import io.jipc.cli.bench.OneWayRegimen;
import io.jipc.cli.bench.ParentWatch;
import static io.jipc.bench.aeron.AeronIpc.PONG_STREAM;

/**
 * The second process of the Aeron side: an Aeron client of the parent's media driver. Arguments:
 * {@code <aeron dir> <channel> <pause-free idles>} (see {@link SpinIdler}).
 *
 * <ol>
 * <li>{@code READY echo}: receives messages on the ping stream and offers each, as it is, on the
 *     pong stream, until it has echoed one whose first 8 bytes are -1 (like the jipc peer's
 *     {@code echo}).</li>
 * <li>{@code READY sink}: receives rounds of messages on the data stream whose first 8 bytes count
 *     up from 0; at a message numbered {@link OneWayRegimen#END_OF_ROUND} it sends the count of the
 *     round on the done stream; {@link OneWayRegimen#END_OF_PHASE} ends the phase (like the jipc
 *     peer's {@code sink}).</li>
 * </ol>
 * Both loops busy-spin with the parent's {@link SpinIdler} setting; the echo's back-pressured offer
 * spins with {@link Thread#onSpinWait()}, as the jipc peer's does.
 */
public final class AeronPeer {
    private AeronPeer() {
    }

    public static void main(String[] args) throws Exception {
        // never outlive the parent (whatever kills it)
        ParentWatch.start(3); // the process that started it, even if it died while this JVM started
        String dir = args[0];
        String channel = args[1];
        int pauseFreeIdles = Integer.parseInt(args[2]);
        int gapSteps = Integer.parseInt(args[3]);
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir))) {
            Subscription ping = aeron.addSubscription(channel, PING_STREAM);
            ExclusivePublication pong = aeron.addExclusivePublication(channel, PONG_STREAM);
            Subscription data = aeron.addSubscription(channel, DATA_STREAM);
            ExclusivePublication done = aeron.addExclusivePublication(channel, DONE_STREAM);
            awaitConnected(ping, pong);
            ready("echo");
            echo(ping, pong, pauseFreeIdles, gapSteps);
            awaitConnected(data, done);
            ready("sink");
            sink(data, done, pauseFreeIdles, gapSteps);
            // the parent closes its subscriptions once it has read the replies
        }
        System.out.println("PEER DONE");
        System.out.flush();
    }

    private static void ready(String phase) {
        System.out.println("READY " + phase);
        System.out.flush();
    }

    static void awaitConnected(Subscription subscription, Publication publication) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!subscription.isConnected() || !publication.isConnected()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("not connected after 60 s: " + subscription + ", " + publication);
            }
            Thread.sleep(1);
        }
    }

    /** Echo handler: one mutable object instead of a capturing lambda. */
    private static final class Echo implements FragmentHandler {
        private final ExclusivePublication pong;
        long last;

        Echo(ExclusivePublication pong) {
            this.pong = pong;
        }

        @Override
        public void onFragment(DirectBuffer buffer, int offset, int length, io.aeron.logbuffer.Header header) {
            last = buffer.getLong(offset);
            long result;
            while ((result = pong.offer(buffer, offset, length)) < 0) {
                AeronIpc.checkOffer(result, "echo");
                Thread.onSpinWait();
            }
        }
    }

    private static void echo(Subscription ping, ExclusivePublication pong, int pauseFreeIdles, int gapSteps) {
        Echo echo = new Echo(pong);
        FragmentAssembler assembler = new FragmentAssembler(echo);
        SpinIdler idler = new SpinIdler(pauseFreeIdles, gapSteps);
        while (echo.last != -1) {
            if (ping.poll(assembler, 1) == 0) {
                idler.idle();
            } else {
                idler.reset();
            }
        }
    }

    /** Sink handler: checks the sequence of a round and notes the end of a round or of the phase. */
    private static final class Sink implements FragmentHandler {
        long expected;
        long end;

        @Override
        public void onFragment(DirectBuffer buffer, int offset, int length, io.aeron.logbuffer.Header header) {
            long seq = buffer.getLong(offset);
            if (seq == OneWayRegimen.END_OF_ROUND || seq == OneWayRegimen.END_OF_PHASE) {
                end = seq;
            } else if (seq != expected++) {
                throw new IllegalStateException("sink: message " + seq + " arrived, expected " + (expected - 1));
            }
        }
    }

    private static void sink(Subscription data, ExclusivePublication done, int pauseFreeIdles, int gapSteps) {
        Sink sink = new Sink();
        FragmentAssembler assembler = new FragmentAssembler(sink);
        UnsafeBuffer reply = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64));
        SpinIdler idler = new SpinIdler(pauseFreeIdles, gapSteps);
        while (sink.end != OneWayRegimen.END_OF_PHASE) {
            if (data.poll(assembler, 4096) == 0) {
                idler.idle();
            } else {
                idler.reset();
            }
            if (sink.end == OneWayRegimen.END_OF_ROUND) {
                reply.putLong(0, sink.expected);
                long result;
                idler.reset();
                while ((result = done.offer(reply, 0, 8)) < 0) {
                    AeronIpc.checkOffer(result, "sink reply");
                    idler.idle();
                }
                sink.expected = 0;
                sink.end = 0;
            }
        }
    }
}
