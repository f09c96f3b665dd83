package io.jipc.select;

import io.jipc.net.ConnectionOptions;
import io.jipc.net.FrameTimeoutException;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A select loop is not held by a peer that stalls mid-frame: the connection turns readable at its
 * frame timeout, and {@code poll()} then ends it with {@link FrameTimeoutException}.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SelectorFrameTimeoutTest {
    /** Long enough never to be reached by a select that works: the frame times out after 300 ms. */
    private static final Duration SAFETY = Duration.ofSeconds(60);

    @Test
    void aFrameLeftUnfinishedTurnsTheConnectionReadableAtItsTimeout() throws Exception {
        Path path = java.nio.file.Files.createDirectories(JipcTestExtension.root()).resolve("stall.sock");
        ConnectionOptions quick = ConnectionOptions.defaults().withFrameTimeout(Duration.ofMillis(300));
        try (StreamServer server = StreamServer.bind(UnixDomainSocketAddress.of(path),
                ServerOptions.defaults().withConnection(quick).withCloseGrace(Duration.ZERO));
             SocketChannel peer = SocketChannel.open(UnixDomainSocketAddress.of(path));
             StreamConnection connection = server.accept(SAFETY);
             Selector selector = Selector.open()) {
            assertNotNull(connection);
            SelectionKey key = selector.register(connection, Selector.OP_READ);
            // a whole frame first: the usual case
            peer.write(ByteBuffer.allocate(8 + 2).putLong(2).put((byte) 'o').put((byte) 'k').flip());
            assertEquals(List.of(key), selector.select(SAFETY));
            assertEquals("ok", new String(connection.poll()));
            // then 9 of a 17-byte frame, and nothing more
            peer.write(ByteBuffer.allocate(9).putLong(9).put((byte) 'x').flip());
            assertEquals(List.of(key), selector.select(SAFETY));
            assertNull(connection.poll(), "half a frame");
            List<SelectionKey> ready = selector.select(SAFETY);
            assertEquals(List.of(key), ready, "the stalled frame's timeout makes the connection readable");
            assertTrue(key.isReadable());
            FrameTimeoutException e = assertThrows(FrameTimeoutException.class, connection::poll);
            assertTrue(e.getMessage().contains("frame incomplete after 300ms"), e.getMessage());
            assertFalse(connection.isOpen());
            assertEquals(List.of(), selector.selectNow(), "the closed connection's key is dropped");
        }
    }

    @Test
    void anInterestOutsideTheKnownBitsIsNamedSo() throws Exception {
        Path path = java.nio.file.Files.createDirectories(JipcTestExtension.root()).resolve("bits.sock");
        try (StreamServer server = StreamServer.bind(UnixDomainSocketAddress.of(path));
             Selector selector = Selector.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> selector.register(server, 2));
            assertTrue(e.getMessage().contains("interest unknown (2)"), e.getMessage());
        }
    }
}
