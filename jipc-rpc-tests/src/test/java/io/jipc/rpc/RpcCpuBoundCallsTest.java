package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * CPU-bound calls over TCP, as many as the serving process has processors (so as many as it has
 * carrier threads for virtual threads): the server ({@link RpcChild} {@code spin}) in a child JVM,
 * the clients in the test JVM. The server must go on answering its clients' keep-alive PINGs and
 * serving other clients while they run. No durations are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcCpuBoundCallsTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String NAME = "spinner";
    /**
     * A server that stops answering is lost after 10 s: far shorter than the spins (60 s), which end
     * only when released, so a server whose keep-alive answers starve behind the spins is lost before
     * they end; long enough that a loaded machine's scheduling gaps are not taken for that (2 s was
     * once, with a load of 7 on 2 cores).
     */
    private static final RpcClient.Options OPTIONS = RpcClient.Options.defaults()
            .withLivenessCheck(Duration.ofMillis(50)).withPeerTimeout(Duration.ofSeconds(10));

    private final List<AutoCloseable> closing = new ArrayList<>();
    private ChildJvm server;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (server != null) {
            if (server.isAlive()) {
                server.process().getOutputStream().close();
                server.awaitLine("CLOSED", LONG);
                server.waitFor(LONG);
            }
            server.close();
        }
        Mailbox.destroy(NAME);
    }

    private RpcClient<Spinner> connect(URI address) throws InterruptedException {
        RpcClient<Spinner> client = RpcClient.connect(address, Spinner.class, OPTIONS);
        closing.add(client);
        return client;
    }

    @Test
    void overTcpAsManyCpuBoundCallsAsProcessorsNeitherLoseTheServerNorStopOtherClients() throws Exception {
        server = ChildJvm.builder(RpcChild.class).args("spin", NAME).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        String[] serving = server.awaitLine("SERVING", LONG).split(" ");
        URI address = URI.create("tcp://127.0.0.1:" + serving[1] + "/" + NAME);
        int calls = Math.max(2, Integer.parseInt(serving[2])); // at least one per carrier of the server's virtual threads
        List<RpcClient<Spinner>> spinners = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            spinners.add(connect(address));
        }
        RpcClient<Spinner> other = connect(address);
        List<CompletableFuture<Integer>> spins = new ArrayList<>();
        for (RpcClient<Spinner> spinner : spinners) {
            spins.add(spinner.async(s -> s.spin(LONG.toMillis())));
        }
        // another client is served while they all compute (and their callers' PINGs are answered)
        while (other.stub().spinning() < calls) {
            Thread.sleep(20);
        }
        other.stub().release();
        for (CompletableFuture<Integer> spin : spins) {
            assertEquals(1, spin.get(LONG.toSeconds(), TimeUnit.SECONDS), "a spin ran out of time instead of being released");
        }
        RpcClient<Spinner> late = connect(address); // a new connection's HELLO is read too
        assertEquals(0, late.stub().spinning());
    }
}
