package io.jipc.rpc;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cancel(true)} of {@link RpcClient#async} calls over TCP while their CALL frames are being
 * sent under back-pressure (the server's only slot is held, it reads no further, and the socket
 * buffers are full, so a frame is left half-written): the interrupt must cancel only those calls.
 * The client's other calls and its later ones still get their results (it was: the interrupted send
 * closed the connection, and every other call failed with {@link RpcServerLostException} though the
 * server was fine). Several rounds; no durations are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RpcCancelMidFrameTest {
    private static final int ROUNDS = 3;
    private static final int OTHERS = 4;
    /** Calls of {@link #ARGUMENT} bytes: far more than the socket buffers hold (24 MB). */
    private static final int FILLS = 400;
    private static final int ARGUMENT = 60_000;

    @Test
    void cancellingCallsWhoseFramesAreHalfSentLeavesTheConnectionToTheOtherCalls() throws Exception {
        byte[] big = new byte[ARGUMENT];
        for (int round = 0; round < ROUNDS; round++) {
            String name = "cancel-mid-frame-" + round;
            UploadsService service = new UploadsService();
            try (RpcServer<Uploads> server = RpcServer.builder(name, Uploads.class, service)
                    .listen(new InetSocketAddress("127.0.0.1", 0)).maxCalls(1).maxCallsPerConnection(1).start();
                    RpcClient<Uploads> client = RpcClient.connect(URI.create("tcp://127.0.0.1:"
                            + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/" + name),
                            Uploads.class, RpcClient.Options.defaults())) {
                CompletableFuture<Integer> holder = client.async(Uploads::hold);
                while (service.holdingCalls() == 0) {
                    Thread.sleep(5);
                }
                List<CompletableFuture<Integer>> others = new ArrayList<>();
                for (int i = 0; i < OTHERS; i++) {
                    byte[] small = new byte[100 + i];
                    others.add(client.async(u -> u.length(small)));
                }
                List<CompletableFuture<Integer>> fills = new ArrayList<>();
                for (int i = 0; i < FILLS; i++) {
                    fills.add(client.async(u -> u.length(big)));
                }
                Thread.sleep(1000); // the sends fill the socket buffers meanwhile: one stops half-way through its frame
                for (CompletableFuture<Integer> fill : fills) {
                    assertTrue(fill.cancel(true) || fill.isDone());
                }
                service.release();
                int r = round;
                assertEquals(1, holder.get(60, TimeUnit.SECONDS), () -> "round " + r + ": the holding call");
                for (int i = 0; i < OTHERS; i++) {
                    int n = i;
                    assertEquals(100 + i, others.get(i).get(60, TimeUnit.SECONDS),
                            () -> "round " + r + ": call " + n + " that nobody cancelled");
                }
                for (CompletableFuture<Integer> fill : fills) {
                    if (!fill.isDone() || fill.isCancelled()) {
                        assertThrows(CancellationException.class, () -> fill.get(60, TimeUnit.SECONDS));
                    }
                }
                assertEquals(7, client.stub().length(new byte[7]), () -> "round " + r + ": a later call");
                assertEquals(ARGUMENT, client.stub().length(big), () -> "round " + r + ": a later large call");
            }
        }
    }
}
