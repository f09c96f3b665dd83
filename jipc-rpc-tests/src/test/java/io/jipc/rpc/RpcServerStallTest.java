package io.jipc.rpc;

import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamConnection;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A server's connection reader stalled (a GC pause, a loaded host) at the end of its wait for a new client's
 * HELLO, which arrives meanwhile: the HELLO waiting unread is taken and answered (WELCOME); the connection is
 * not closed for a HELLO "not within the connect timeout". A seam of {@link RpcServer} ({@code afterHelloWait})
 * stands for the stall and sends the HELLO of a raw client in this process. Until 2026-12-07 the reader gave
 * up at once when its wait found nothing. No duration is asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RpcServerStallTest {

    @AfterEach
    void removeSeam() {
        RpcServer.afterHelloWait = null;
    }

    @Test
    void aHelloThatCameWhileTheReaderStalledIsWelcomed() throws Exception {
        ServerOptions listener = ServerOptions.defaults().withConnection(ConnectionOptions.defaults()
                .withConnectTimeout(Duration.ofMillis(200)));
        try (RpcServer<Bank> server = RpcServer.builder("stall", Bank.class, new BankService())
                .listen(new InetSocketAddress("127.0.0.1", 0), listener).start();
             StreamConnection client = StreamConnection.connect(server.tcpAddress().orElseThrow())) {
            RpcServer.afterHelloWait = () -> {
                RpcServer.afterHelloWait = null; // once
                try {
                    client.put(RpcFrame.encode(new RpcFrame.Hello(Bank.class.getName(), "stall", 1, 1 << 20)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            byte[] answer = client.poll(Duration.ofSeconds(30));
            assertNotNull(answer, client.isEndOfStream() ? "the server closed the connection" : "no answer");
            assertInstanceOf(RpcFrame.Welcome.class, RpcFrame.decode(answer));
        }
    }
}
