package io.jipc.rpc;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What several RPC tests share: a bounded wait for a condition, and a TCP server's URI. */
final class RpcTestWaits {
    private RpcTestWaits() {
    }

    /**
     * Waits until {@code condition} holds, looking every 5 ms; fails the test with {@code what} if it
     * does not within {@code guard} (a hang guard, not a measure).
     */
    static void await(Duration guard, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + guard.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5);
        }
    }

    /** {@code tcp://127.0.0.1:PORT/NAME} of a server listening on TCP. */
    static URI tcpUri(RpcServer<?> server) {
        return URI.create("tcp://127.0.0.1:" + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/"
                + server.name());
    }
}
