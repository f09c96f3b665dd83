package io.jipc.net;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StreamConnection#setReceiveLimit}: a server that lowers it for a peer's greeting refuses a
 * longer first frame as soon as its header has arrived, without waiting for its payload, and takes
 * large frames again once the limit is raised.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReceiveLimitTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final int GREETING = 100;
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private StreamConnection[] pair() throws Exception {
        // a frame timeout longer than the test: only the limit can end a stalled frame in time
        ConnectionOptions patient = ConnectionOptions.defaults().withFrameTimeout(Duration.ofMinutes(10));
        StreamServer server = StreamServer.bind(SocketTestSupport.unix(SocketTestSupport.newPath("l")),
                ServerOptions.defaults().withConnection(patient).withCloseGrace(Duration.ZERO));
        closer.track(server);
        StreamConnection client = StreamConnection.connect(server.localAddress(), patient);
        closer.track(client);
        StreamConnection accepted = server.accept(LONG);
        assertNotNull(accepted);
        closer.track(accepted);
        return new StreamConnection[] {client, accepted};
    }

    @Test
    void aFirstFrameAboveTheGreetingLimitIsRefusedBeforeItsPayload() throws Exception {
        StreamConnection[] p = pair();
        p[1].setReceiveLimit(GREETING);
        p[0].write(ByteBuffer.allocate(FrameCodec.HEADER_LENGTH).putLong(0, GREETING + 1)); // and nothing more
        InvalidFrameException e = assertThrows(InvalidFrameException.class, () -> p[1].poll(LONG));
        assertTrue(e.getMessage().contains("accepts 0 to " + GREETING + " bytes"), e.getMessage());
        assertFalse(p[1].isOpen(), "the connection is closed");
    }

    @Test
    void aGreetingThenALargeFrameOnceTheLimitIsRaised() throws Exception {
        StreamConnection[] p = pair();
        p[1].setReceiveLimit(GREETING);
        assertEquals(GREETING, p[1].receiveLimit());
        p[0].put(new byte[GREETING]);
        assertEquals(GREETING, p[1].poll(LONG).length);
        p[1].setReceiveLimit(p[1].options().maxFrameSize());
        int large = p[1].options().maxFrameSize();
        Thread sender = Thread.ofVirtual().start(() -> {
            try {
                p[0].put(new byte[large]);
            } catch (InterruptedException ignored) {
                // the test ended
            }
        });
        assertEquals(large, p[1].poll(LONG).length);
        sender.join();
        assertThrows(IllegalArgumentException.class, () -> p[1].setReceiveLimit(large + 1));
        assertThrows(IllegalArgumentException.class, () -> p[1].setReceiveLimit(-1));
    }
}
