package io.jipc.net;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sender stalled (a GC pause, a loaded host) right after a {@code send(2)} of a started frame found no
 * room, past the frame's deadline, while the peer read everything: the frame is finished, and the
 * connection does not end with {@link FrameTimeoutException}. A seam of {@link StreamConnection}
 * ({@code afterFullSend}) stands for the stall; a raw TCP peer in this process (a plain {@link Socket},
 * with a small receive buffer) reads nothing until the stall, then reads all. The sender offers small
 * frames without waiting until one starts and finds no room for its rest, so that the room the peer
 * makes takes that rest, whatever the socket buffers' sizes. Until 2026-12-07 the wait after the send
 * read the clock, found the deadline passed and ended the connection without sending again. Not for a
 * strict send ({@code offerWhole}), which by contract makes no try after its deadline. No duration is
 * asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SenderStallTest {
    private static final Duration FRAME_TIMEOUT = Duration.ofMillis(200);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @AfterEach
    void removeSeam() {
        StreamConnection.afterFullSend = null;
    }

    private interface Sender {
        boolean send(StreamConnection connection, byte[] message) throws InterruptedException;
    }

    /** A frame of {@code offer} (frame timeout from its first byte, the default). */
    @Test
    void aStartedFrameThePeerMadeRoomForDuringAStallPastItsDeadlineIsFinished() throws Exception {
        stallPastTheFrameDeadline(ConnectionOptions.defaults().withFrameTimeout(FRAME_TIMEOUT),
                StreamConnection::offer, 1);
    }

    /** The same with the frame timeout counted from the last byte that moved. */
    @Test
    void theSameWithTheFrameTimeoutFromTheLastByte() throws Exception {
        stallPastTheFrameDeadline(ConnectionOptions.defaults().withFrameTimeout(FRAME_TIMEOUT)
                .withFrameTimeoutFromLastByte(true), StreamConnection::offer, 1);
    }

    /**
     * A frame of {@code offerShielded} with a last-heard time long past (an RPC client's call whose server
     * was last heard from long ago), stalled at its second look for room (at the first, the look at what
     * the peer sent starts, after the stall).
     */
    @Test
    void theSameForAFrameThatWaitsAsLongAsThePeerIsHeardFrom() throws Exception {
        long longAgo = System.nanoTime() - Duration.ofHours(1).toNanos();
        stallPastTheFrameDeadline(ConnectionOptions.defaults().withFrameTimeout(FRAME_TIMEOUT),
                (connection, message) -> connection.offerShielded(message, Duration.ZERO, () -> longAgo), 2);
    }

    /**
     * Offers frames of 1,031 bytes (nothing waits for room for a first byte) until the seam has stalled the
     * send of one that started and found no room, at the {@code stallAt}-th such look of that frame; that
     * frame must be sent, and the connection stay open.
     */
    private static void stallPastTheFrameDeadline(ConnectionOptions options, Sender sender, int stallAt)
            throws Exception {
        byte[] message = new byte[1031];
        try (ServerSocket listener = new ServerSocket()) {
            listener.setReceiveBufferSize(16 * 1024); // inherited by the accepted socket
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (StreamConnection connection = StreamConnection.connect(listener.getLocalSocketAddress(), options);
                 Socket peer = listener.accept()) {
                AtomicLong read = new AtomicLong();
                Thread drainer = Thread.ofPlatform().daemon().name("drainer").unstarted(() -> {
                    byte[] buffer = new byte[64 * 1024];
                    try (InputStream in = peer.getInputStream()) {
                        for (int n; (n = in.read(buffer)) > 0; ) {
                            read.addAndGet(n);
                        }
                    } catch (Exception ignored) {
                        // the test closed the socket
                    }
                });
                AtomicInteger looks = new AtomicInteger();
                StreamConnection.afterFullSend = () -> {
                    if (looks.incrementAndGet() != stallAt) {
                        return;
                    }
                    drainer.start(); // the peer reads everything, while this sender is stalled
                    long stallEnds = System.nanoTime() + FRAME_TIMEOUT.multipliedBy(3).toNanos();
                    long bound = System.nanoTime() + WAIT.toNanos();
                    try {
                        // past the frame's deadline, and until the peer's host has taken all that was sent
                        while ((System.nanoTime() - stallEnds < 0 || connection.bytesNotYetTaken() > 0)
                                && System.nanoTime() - bound < 0) {
                            Thread.sleep(10);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                int frames = 0;
                long bound = System.nanoTime() + WAIT.toNanos();
                while (looks.get() < stallAt && System.nanoTime() - bound < 0) {
                    if (sender.send(connection, message)) {
                        frames++;
                    } else {
                        Thread.sleep(1); // no room for a first byte: the buffers filled at a frame's end (rare)
                    }
                }
                assertTrue(looks.get() >= stallAt, "no frame started and then found no room");
                assertTrue(connection.isOpen(), "the stalled frame ended the connection");
                // the stalled frame and those before it arrive whole
                long expected = (long) frames * (FrameCodec.HEADER_LENGTH + message.length);
                while (read.get() < expected && System.nanoTime() - bound < 0) {
                    Thread.sleep(10);
                }
                assertEquals(expected, read.get());
            }
        }
    }
}
