package io.jipc.rpc;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for a stub's call,
 * which never completes at once (a round trip): a thread interrupted before it calls gets
 * {@link RpcException} caused by {@link InterruptedException} (a stub's method cannot throw that
 * itself), keeps its status as rpc.md says, and the call is not sent: the server never runs it.
 * Before, the call was sent and cancelled at once, so the server could start it.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RpcInterruptRuleTest {
    @AfterEach
    void clearStatus() {
        Thread.interrupted();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCallOfAnInterruptedThreadIsNotSent(boolean tcp) throws Exception {
        RpcServerLimitsTest.GatedService service = new RpcServerLimitsTest.GatedService();
        service.gate.countDown(); // a hold that runs returns at once
        try (RpcServer<RpcServerLimitsTest.Gated> server = RpcServer.builder("interrupts", RpcServerLimitsTest.Gated.class,
                service).listen(new InetSocketAddress("127.0.0.1", 0)).start();
             RpcClient<RpcServerLimitsTest.Gated> client = tcp
                     ? RpcClient.connect(URI.create("tcp://127.0.0.1:" + ((InetSocketAddress) server.tcpAddress()
                             .orElseThrow()).getPort() + "/interrupts"), RpcServerLimitsTest.Gated.class,
                             RpcClient.Options.defaults())
                     : RpcClient.connect("interrupts", RpcServerLimitsTest.Gated.class)) {
            Thread.currentThread().interrupt();
            RpcException e = assertThrows(RpcException.class, () -> client.stub().hold(new byte[1]));
            assertInstanceOf(InterruptedException.class, e.getCause(), String.valueOf(e.getCause()));
            assertTrue(Thread.interrupted(), "the status stays set (rpc.md)");
            assertEquals("after", client.stub().echo("after"), "the client works on");
            Thread.sleep(300); // a hold sent before the echo would have started by now
            assertEquals(0, service.started.get(), "the interrupted call never reached the server");
        }
    }
}
