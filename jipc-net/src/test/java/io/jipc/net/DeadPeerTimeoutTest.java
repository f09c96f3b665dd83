package io.jipc.net;

import io.jipc.platform.Sockets;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link ConnectionOptions#deadPeerTimeout()}: the keepalive it derives, its range, and that both an
 * accepted and a connected TCP socket carry it. That the kernel then ends a connection behind a cut
 * link is {@code RpcDeadLinkTest}'s part (jipc-rpc-tests), between two network namespaces.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeadPeerTimeoutTest {

    @Test
    void theKeepaliveAddsUpToTheTimeoutInWholeSeconds() {
        assertEquals(new Sockets.KeepAlive(2, 1, 3), DeadPeerDetection.keepAlive(Duration.ofSeconds(5)));
        assertEquals(new Sockets.KeepAlive(4, 2, 3), DeadPeerDetection.keepAlive(Duration.ofSeconds(10)));
        assertEquals(new Sockets.KeepAlive(1, 1, 3), DeadPeerDetection.keepAlive(Duration.ofMillis(1)));
        assertEquals(new Sockets.KeepAlive(2, 1, 3), DeadPeerDetection.keepAlive(Duration.ofMillis(4_001)));
        assertEquals(new Sockets.KeepAlive(1440, 720, 3), DeadPeerDetection.keepAlive(Duration.ofHours(1)));
        assertEquals(new Sockets.KeepAlive(32_767, 32_767, 3), DeadPeerDetection.keepAlive(DeadPeerDetection.MAX_TIMEOUT));
    }

    @Test
    void itIsOffByDefaultAndOutOfRangeValuesAreRefused() {
        assertEquals(Duration.ZERO, ConnectionOptions.defaults().deadPeerTimeout());
        ConnectionOptions options = ConnectionOptions.defaults();
        for (Duration bad : new Duration[] {Duration.ofMillis(-1), Duration.ofNanos(999_999)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> options.withDeadPeerTimeout(bad));
            assertEquals("dead peer timeout must be zero (off) or at least 1 ms: " + bad, e.getMessage());
        }
        // longer than the kernel takes, centuries included: kept, and set as the longest (no overflow)
        for (Duration beyond : new Duration[] {DeadPeerDetection.MAX_TIMEOUT.plusMillis(1), Duration.ofDays(365_000),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)}) {
            assertEquals(beyond, options.withDeadPeerTimeout(beyond).deadPeerTimeout());
            assertEquals(DeadPeerDetection.MAX_TIMEOUT, DeadPeerDetection.capped(beyond));
            assertEquals(new Sockets.KeepAlive(32_767, 32_767, 3), DeadPeerDetection.keepAlive(beyond));
        }
        assertEquals(Duration.ofSeconds(3), options.withDeadPeerTimeout(Duration.ofSeconds(3))
                .withMaxFrameSize(100).withFrameTimeout(Duration.ofSeconds(1)).withConnectTimeout(Duration.ofSeconds(2))
                .deadPeerTimeout(), "kept by every other with");
    }

    @Test
    void acceptedAndConnectedTcpSocketsCarryIt() throws Exception {
        ConnectionOptions serverSide = ConnectionOptions.defaults().withDeadPeerTimeout(Duration.ofSeconds(10));
        try (StreamServer server = StreamServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ServerOptions.defaults().withConnection(serverSide));
             StreamConnection client = StreamConnection.connect(server.localAddress(),
                     ConnectionOptions.defaults().withDeadPeerTimeout(Duration.ofMillis(5_500)));
             StreamConnection accepted = server.accept(Duration.ofSeconds(30));
             StreamConnection plain = StreamConnection.connect(server.localAddress())) {
            assertEquals(10_000, Sockets.tcpUserTimeout(fd(accepted)));
            assertEquals(new Sockets.KeepAlive(4, 2, 3), Sockets.tcpKeepAlive(fd(accepted)));
            assertEquals(5_500, Sockets.tcpUserTimeout(fd(client)));
            assertEquals(new Sockets.KeepAlive(3, 1, 3), Sockets.tcpKeepAlive(fd(client)));
            assertEquals(0, Sockets.tcpUserTimeout(fd(plain)), "off unless asked");
            assertNull(Sockets.tcpKeepAlive(fd(plain)));
        }
    }

    private static int fd(StreamConnection connection) {
        return connection.readinessSource().fd();
    }
}
