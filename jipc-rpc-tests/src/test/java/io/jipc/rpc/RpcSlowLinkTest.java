package io.jipc.rpc;

import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.SlowLink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RPC over TCP through a slow link ({@link SlowLink}: 100 KB/s from the client to the server). A call
 * of 700 KB takes 7 s to go out: longer than the client's peer timeout (5 s), within the frame timeout
 * (10 s). Meanwhile no PING of the client can reach the server ahead of it, so no PONG comes back; the
 * server's host acknowledging the call's bytes is what tells that it lives. Until 2026-12-07 the
 * client took the server for lost after the peer timeout and failed that call and every other
 * ({@code RpcServerLostException}: "did not answer for 5s"). A far host that stops while such a call
 * goes out is still found lost. No durations are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcSlowLinkTest {
    private static final int RATE = 100_000;
    private static final int LARGE = 700_000;
    private static final long BOUND_SECONDS = 60;

    private static RpcServer<Uploads> start(String name) {
        return RpcServer.builder(name, Uploads.class, new UploadsService())
                .listen(new InetSocketAddress("127.0.0.1", 0)).start();
    }

    private static SlowLink slowLinkTo(RpcServer<Uploads> server) throws Exception {
        return new SlowLink(server.tcpAddress().orElseThrow(), RATE, 0, false);
    }

    private static RpcClient<Uploads> connect(SlowLink link, String name, RpcClient.Options options)
            throws InterruptedException {
        return RpcClient.connect(URI.create("tcp://127.0.0.1:" + link.address().getPort() + "/" + name), Uploads.class, options);
    }

    /** The large call, once the link has begun to carry it. */
    private static CompletableFuture<Integer> largeCallUnderWay(RpcClient<Uploads> client, SlowLink link)
            throws InterruptedException {
        long before = link.forwardedUp();
        CompletableFuture<Integer> large = client.async(u -> u.length(new byte[LARGE]));
        while (link.forwardedUp() - before < 100_000 && !large.isDone()) {
            Thread.sleep(10);
        }
        return large;
    }

    @Test
    void aLargeCallOverASlowLinkIsNotTakenForALostServer() throws Exception {
        try (RpcServer<Uploads> server = start("slow-large");
             SlowLink link = slowLinkTo(server);
             RpcClient<Uploads> client = connect(link, "slow-large",
                     RpcClient.Options.defaults().withCallTimeout(Duration.ofSeconds(BOUND_SECONDS)))) {
            assertEquals(10, client.stub().length(new byte[10]));
            CompletableFuture<Integer> large = largeCallUnderWay(client, link);
            CompletableFuture<Integer> small = client.async(u -> u.length(new byte[10])); // behind the large one
            assertEquals(LARGE, large.get(BOUND_SECONDS, TimeUnit.SECONDS));
            assertEquals(10, small.get(BOUND_SECONDS, TimeUnit.SECONDS));
            assertEquals(10, client.stub().length(new byte[10]));
        }
    }

    @Test
    void aServerWhoseHostStopsWhileALargeCallGoesOutIsStillLost() throws Exception {
        try (RpcServer<Uploads> server = start("slow-stopped");
             SlowLink link = slowLinkTo(server);
             RpcClient<Uploads> client = connect(link, "slow-stopped", RpcClient.Options.defaults()
                     .withCallTimeout(Duration.ofSeconds(BOUND_SECONDS)).withPeerTimeout(Duration.ofSeconds(1)))) {
            assertEquals(10, client.stub().length(new byte[10]));
            CompletableFuture<Integer> large = largeCallUnderWay(client, link);
            link.freeze(); // its kernel takes what fits in its buffers, then nothing
            ExecutionException e = assertThrows(ExecutionException.class, () -> large.get(BOUND_SECONDS, TimeUnit.SECONDS));
            assertInstanceOf(RpcServerLostException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("did not answer"), e.getCause().getMessage());
        }
    }
}
