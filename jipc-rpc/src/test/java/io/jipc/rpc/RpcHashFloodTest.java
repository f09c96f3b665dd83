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
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hash flood over TCP, in both directions, the server ({@link RpcChild} {@code fragile}) in a child
 * JVM: a map of {@value #CELLS} records {@link Fragile.Cell} {@code (i, -31 * i)}, all of hash code 0,
 * about 960 KB (under the 1 MiB TCP frame), as the argument of a call and as a result. Each is refused
 * ({@link RpcProtocolException} naming {@link Marshaller#MAX_KEYS_PER_HASH}) before it goes into a
 * hash table, and the server and the connection serve the next call. Until 2026-12-06 each was
 * accepted after about {@code 20,000 * 20,000 / 2} calls of {@code equals} (41,000 such keys, the most
 * a 1 MiB frame holds with a one-letter record name, took a server 5.8 s of CPU per call, and a
 * connection may run 64 calls at once). No durations are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RpcHashFloodTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String NAME = "flooded";
    private static final int CELLS = 20_000;

    private ChildJvm server;

    @AfterEach
    void stop() {
        if (server != null) {
            if (server.isAlive()) {
                try {
                    server.process().getOutputStream().close();
                } catch (java.io.IOException e) {
                    // it is gone already
                }
                server.awaitLine("CLOSED", LONG);
                server.waitFor(LONG);
            }
            server.close();
        }
        Mailbox.destroy(NAME);
    }

    /** Starts the server; returns its TCP address. */
    private URI startServer() {
        server = ChildJvm.builder(RpcChild.class).args("fragile", NAME).quickStart()
                .hardTimeout(Duration.ofSeconds(280)).start();
        String port = server.awaitLine("SERVING", LONG).substring("SERVING ".length());
        return URI.create("tcp://127.0.0.1:" + port + "/" + NAME);
    }

    @Test
    void aFloodedArgumentIsRefusedAndTheServerServesTheNextCall() throws Exception {
        URI address = startServer();
        try (RpcClient<Fragile> client = RpcClient.connect(address, Fragile.class, RpcClient.Options.defaults())) {
            Map<Fragile.Cell, Integer> flood = UnhashedMap.of(CELLS, i -> new Fragile.Cell(i, -31 * i));
            for (int round = 0; round < 2; round++) {
                RpcProtocolException e = assertInstanceOf(RpcProtocolException.class, failure(client, f -> f.size(flood)));
                assertRefusedAsAFlood(e);
                assertTrue(e.getMessage().contains("size(java.util.Map)"), e.getMessage());
                assertEquals(3, (int) call(client, f -> f.add(1, 2)));
                assertEquals(CELLS, (int) call(client, f -> f.size(UnhashedMap.of(CELLS, i -> new Fragile.Cell(i, 0)))));
            }
        }
        assertFalse(server.output().contains("Exception in thread"), server.output());
    }

    @Test
    void aFloodedResultIsRefusedAndTheConnectionServesTheNextCall() throws Exception {
        URI address = startServer();
        try (RpcClient<Fragile> client = RpcClient.connect(address, Fragile.class, RpcClient.Options.defaults())) {
            for (int round = 0; round < 2; round++) {
                RpcProtocolException e = assertInstanceOf(RpcProtocolException.class,
                        failure(client, f -> f.cells(CELLS, true)));
                assertRefusedAsAFlood(e);
                assertTrue(e.getMessage().contains("cells(int,boolean)"), e.getMessage());
                assertEquals(3, (int) call(client, f -> f.add(1, 2)));
                Map<Fragile.Cell, Integer> cells = call(client, f -> f.cells(CELLS, false));
                assertEquals(CELLS, cells.size());
                assertEquals(CELLS - 1, (int) cells.get(new Fragile.Cell(CELLS - 1, 0)));
            }
        }
        assertFalse(server.output().contains("Exception in thread"), server.output());
    }

    private static void assertRefusedAsAFlood(RpcProtocolException e) {
        assertTrue(e.getMessage().contains("a map of " + CELLS + " entries with more than "
                + Marshaller.MAX_KEYS_PER_HASH + " keys of one hash code"), e.getMessage());
        assertTrue(e.getMessage().contains("refused as a hash flood"), e.getMessage());
    }

    /** What a call returns, within the hang guard (no call timeout: it is the test's bound). */
    private static <T> T call(RpcClient<Fragile> client, Function<Fragile, T> call) throws Exception {
        return client.async(call).get(LONG.toSeconds(), TimeUnit.SECONDS);
    }

    /** What a call fails with, within the hang guard. */
    private static Throwable failure(RpcClient<Fragile> client, Function<Fragile, ?> call) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.async(call).get(LONG.toSeconds(), TimeUnit.SECONDS));
        return e.getCause();
    }
}
