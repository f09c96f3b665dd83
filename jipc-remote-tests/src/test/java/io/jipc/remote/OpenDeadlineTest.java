package io.jipc.remote;

import io.jipc.net.FrameCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The connect timeout bounds the whole wait for the {@code Open}'s answer, heartbeats or not. A
 * fake gateway in this test accepts the connection and then sends only {@code Heartbeat} frames
 * (8-byte big-endian length, then the reply byte), as a gateway whose open of the mailbox never ends
 * does. Until 2026-12-07 every heartbeat restarted the Open's limit, and {@code connect} never
 * returned (the remote63 explorer: still waiting after 20 s with a connect timeout of 2 s).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails
class OpenDeadlineTest {

    /**
     * Twice: the first connect also loads and initialises what a connect uses, which may take much of
     * the connect timeout, and the Open gets what is left of it; the second has nearly all of it.
     */
    @Test
    void heartbeatsDoNotExtendTheConnectTimeout() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread fake = Thread.ofPlatform().daemon().name("heartbeats-only").start(() -> heartbeatsOnly(listener));
            URI uri = URI.create("tcp://127.0.0.1:" + listener.getLocalPort() + "/any");
            RemoteOptions options = RemoteOptions.defaults().withConnectTimeout(Duration.ofSeconds(2))
                    .withLiveness(Duration.ofMillis(100), Duration.ofSeconds(30));
            for (int round = 0; round < 2; round++) {
                RemotePeerLostException e = assertThrows(RemotePeerLostException.class,
                        () -> RemoteMailbox.connect(uri, options));
                assertEquals("remote mailbox " + uri + ": the gateway at 127.0.0.1:" + listener.getLocalPort()
                        + " accepted the connection but did not answer its Open within the connect timeout of 2s",
                        e.getMessage());
            }
            listener.close();
            fake.join();
        }
    }

    /**
     * Accepts connections until the listener closes, and writes a heartbeat frame to each every
     * 50 ms until it or the listener closes (each on a virtual thread of its own).
     */
    private static void heartbeatsOnly(ServerSocket listener) {
        byte[] frame = Wire.encode(new Wire.Heartbeat());
        byte[] bytes = ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + frame.length).putLong(frame.length).put(frame).array();
        try {
            while (true) {
                Socket peer = listener.accept();
                Thread.ofVirtual().start(() -> {
                    try (peer; OutputStream out = peer.getOutputStream()) {
                        while (!listener.isClosed()) {
                            out.write(bytes);
                            out.flush();
                            Thread.sleep(50);
                        }
                    } catch (IOException | InterruptedException ended) {
                        // the client closed the connection, or the test closed the listener
                    }
                });
            }
        } catch (IOException closed) {
            // the test closed the listener
        }
    }
}
