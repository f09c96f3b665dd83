package io.jipc.net;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConnectionOptions#frameTimeoutFromLastByte()}: the frame timeout (300 ms here, 1 s where the frame
 * must go through) bounds stalls
 * of a started frame, not the whole frame. A raw TCP peer in this process (a plain {@link Socket})
 * sends or reads a frame steadily but slowly, so that the whole frame takes several frame timeouts:
 * it goes through, both ways; a peer that stops mid-frame still ends the connection with
 * {@link FrameTimeoutException}. Until 2026-12-07 there was no such option, and jipc-dsm's whole-region
 * frames had to cross within its peer timeout. No duration is asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FrameTimeoutFromLastByteTest {
    private static final Duration FRAME_TIMEOUT = Duration.ofMillis(300);
    private static final ConnectionOptions STALLS = ConnectionOptions.defaults().withMaxFrameSize(32 << 20)
            .withFrameTimeout(FRAME_TIMEOUT).withFrameTimeoutFromLastByte(true);
    /**
     * The options of the tests whose frame must go through: a 1 s frame timeout, so that the slow peer
     * thread of this process may be descheduled for a few hundred ms on a loaded host (CI once saw a
     * 300 ms stall there) without ending the connection; their frames take several such timeouts.
     */
    private static final ConnectionOptions PATIENT = STALLS.withFrameTimeout(Duration.ofSeconds(1));

    /** A listener on loopback whose accepted sockets have a small receive buffer (so they hold little). */
    private static ServerSocket listener() throws Exception {
        ServerSocket listener = new ServerSocket();
        listener.setReceiveBufferSize(64 * 1024);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return listener;
    }

    private static byte[] frame(byte[] payload) {
        return ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + payload.length).putLong(payload.length).put(payload).array();
    }

    private static byte[] payload(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** Writes {@code bytes} in chunks of {@code chunk} with {@code pauseMillis} after each, on a thread of its own. */
    private static CompletableFuture<Void> writeSlowly(Socket socket, byte[] bytes, int chunk, long pauseMillis) {
        return CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (int at = 0; at < bytes.length; at += chunk) {
                    out.write(bytes, at, Math.min(chunk, bytes.length - at));
                    out.flush();
                    Thread.sleep(pauseMillis);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofPlatform().daemon().start(r));
    }

    /** Reads up to {@code limit} bytes in chunks of 64 KiB with {@code pauseMillis} after each; counts them. */
    private static CompletableFuture<Void> readSlowly(Socket socket, long limit, long pauseMillis, AtomicLong read) {
        return CompletableFuture.runAsync(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = socket.getInputStream();
                while (read.get() < limit) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - read.get()));
                    if (n < 0) {
                        return;
                    }
                    read.addAndGet(n);
                    Thread.sleep(pauseMillis);
                }
            } catch (Exception e) {
                // the connection was closed under the reader: what it read is counted
            }
        }, r -> Thread.ofPlatform().daemon().start(r));
    }

    @Test
    void aFrameThatKeepsArrivingIsReceivedThoughItTakesLongerThanTheFrameTimeout() throws Exception {
        byte[] payload = payload(256 * 1024);
        try (ServerSocket listener = listener();
             StreamConnection connection = StreamConnection.connect(listener.getLocalSocketAddress(), PATIENT);
             Socket peer = listener.accept()) {
            long before = connection.lastReceived();
            // 4 KiB every 40 ms: about 2.6 s for the frame, more than two frame timeouts
            CompletableFuture<Void> writer = writeSlowly(peer, frame(payload), 4096, 40);
            byte[] received = connection.take();
            assertArrayEquals(payload, received);
            assertTrue(connection.lastReceived() - before > 0, "the frame's bytes count as received");
            writer.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFrameThatStopsArrivingStillEndsTheConnection() throws Exception {
        byte[] bytes = frame(payload(256 * 1024));
        try (ServerSocket listener = listener();
             StreamConnection connection = StreamConnection.connect(listener.getLocalSocketAddress(), STALLS);
             Socket peer = listener.accept()) {
            writeSlowly(peer, Arrays.copyOf(bytes, 40 * 1024), 4096, 20).get(60, TimeUnit.SECONDS); // then silence
            FrameTimeoutException e = assertThrows(FrameTimeoutException.class, connection::take);
            assertTrue(e.getMessage().contains("no byte of it received for 300ms"), e.getMessage());
            assertTrue(e.getMessage().contains("40960 of 262152 bytes received"), e.getMessage());
            assertFalse(connection.isOpen());
        }
    }

    @Test
    void aFrameThePeerKeepsReadingIsSentThoughItTakesLongerThanTheFrameTimeout() throws Exception {
        byte[] payload = payload(16 << 20);
        try (ServerSocket listener = listener();
             StreamConnection connection = StreamConnection.connect(listener.getLocalSocketAddress(), PATIENT);
             Socket peer = listener.accept()) {
            AtomicLong read = new AtomicLong();
            // at most 64 KiB every 16 ms, at most 4 MB/s: the 16 MiB frame takes 4 s or more, several frame
            // timeouts, and much more than the kernel's buffers (a few MiB) hold
            CompletableFuture<Void> reader = readSlowly(peer, FrameCodec.HEADER_LENGTH + payload.length, 16, read);
            connection.put(payload);
            reader.get(60, TimeUnit.SECONDS);
            assertEquals(FrameCodec.HEADER_LENGTH + payload.length, read.get());
            assertTrue(connection.isOpen());
        }
    }

    @Test
    void aFrameThePeerStopsReadingStillEndsTheConnection() throws Exception {
        byte[] payload = payload(16 << 20);
        try (ServerSocket listener = listener();
             StreamConnection connection = StreamConnection.connect(listener.getLocalSocketAddress(), STALLS);
             Socket peer = listener.accept()) {
            AtomicLong read = new AtomicLong();
            CompletableFuture<Void> reader = readSlowly(peer, 1 << 20, 8, read); // 1 MiB, then it reads no more
            FrameTimeoutException e = assertThrows(FrameTimeoutException.class, () -> connection.put(payload));
            reader.get(60, TimeUnit.SECONDS);
            assertEquals(1 << 20, read.get());
            assertTrue(e.getMessage().contains("(took no byte of it) for 300ms"), e.getMessage());
            assertFalse(connection.isOpen());
        }
    }
}
