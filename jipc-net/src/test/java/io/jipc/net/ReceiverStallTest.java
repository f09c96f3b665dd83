package io.jipc.net;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A receiver stalled (a GC pause, a loaded host) right after a look at the socket found nothing, past the
 * frame timeout of a frame under way, or past its poll's timeout, while the frame (or the rest of it)
 * arrives: the bytes waiting unread complete the frame, which is returned; the connection does not end with
 * {@link FrameTimeoutException}, nor does the poll return null. A seam of
 * {@link StreamConnection} ({@code afterEmptyFill}) stands for the stall; a raw TCP peer in this process
 * (a plain {@link Socket}) sends the frame. Until 2026-12-07 the receive read the clock after the look and
 * took the frame for late, or timed out. No duration is asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReceiverStallTest {
    private static final Duration FRAME_TIMEOUT = Duration.ofMillis(200);

    @AfterEach
    void removeSeam() {
        StreamConnection.afterEmptyFill = null;
    }

    /**
     * A whole frame arrives while the receiver is stalled past its poll's timeout right after an empty look:
     * the poll returns it, not null.
     */
    @Test
    void aFrameThatArrivedDuringAStallPastThePollsTimeoutIsReturned() throws Exception {
        byte[] payload = {1, 2, 3};
        byte[] frame = ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + payload.length).putLong(payload.length)
                .put(payload).array();
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (StreamConnection connection = StreamConnection.connect(listener.getLocalSocketAddress());
                 Socket peer = listener.accept()) {
                OutputStream out = peer.getOutputStream();
                AtomicBoolean stalled = new AtomicBoolean();
                StreamConnection.afterEmptyFill = () -> {
                    if (stalled.getAndSet(true)) {
                        return;
                    }
                    try {
                        out.write(frame); // arrives while this receiver is stalled past its poll's timeout
                        out.flush();
                        Thread.sleep(FRAME_TIMEOUT.multipliedBy(2));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                };
                byte[] received = connection.poll(FRAME_TIMEOUT);
                assertTrue(stalled.get(), "the seam ran");
                assertArrayEquals(payload, received);
            }
        }
    }

    /** The rest of a frame under way arrives while the receiver is stalled past the frame timeout: it completes. */
    @Test
    void bytesThatArrivedDuringAStallAfterAnEmptyLookCompleteTheFrame() throws Exception {
        byte[] payload = new byte[1000];
        Arrays.fill(payload, (byte) 7);
        byte[] frame = ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + payload.length).putLong(payload.length)
                .put(payload).array();
        int half = frame.length / 2;
        ConnectionOptions options = ConnectionOptions.defaults().withFrameTimeout(FRAME_TIMEOUT);
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (StreamConnection connection = StreamConnection.connect(listener.getLocalSocketAddress(), options);
                 Socket peer = listener.accept()) {
                OutputStream out = peer.getOutputStream();
                out.write(frame, 0, half);
                out.flush();
                AtomicBoolean stalled = new AtomicBoolean();
                long connected = connection.lastReceived();
                StreamConnection.afterEmptyFill = () -> {
                    if (connection.lastReceived() == connected || stalled.getAndSet(true)) {
                        return;
                    }
                    try {
                        // the first half was read (the receive is in the frame): the rest arrives while
                        // this receiver is stalled for twice the frame timeout
                        out.write(frame, half, frame.length - half);
                        out.flush();
                        Thread.sleep(FRAME_TIMEOUT.multipliedBy(2));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                };
                byte[] received = connection.poll(Duration.ofSeconds(30));
                assertTrue(stalled.get(), "the seam ran");
                assertArrayEquals(payload, received);
            }
        }
    }
}
