package io.jipc.rpc;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.ConcurrentModificationException;
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
 * Replies the server cannot build as usual, the server ({@link RpcChild} {@code fragile}) in a child
 * JVM, the client in the test JVM, through the mailbox and over TCP: a result whose encoding throws
 * (a stale {@code subList} view: {@link ConcurrentModificationException}) and an exception whose
 * {@code getMessage()} throws. Each call gets a FAILURE its caller can read, the server's threads
 * survive (nothing uncaught in its output), and a mailbox client keeps its place in its bound: more
 * such calls than {@code maxCallsPerConnection} (64), then a plain call, is served. Until 2026-12-06
 * no reply was sent (a caller without a timeout waited for ever), a server thread died with an
 * uncaught exception each time, and through the mailbox each such call held one of its client's 64
 * places for good, so that after 64 of them every call of that client waited for ever. No durations
 * are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RpcUnencodableReplyTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String NAME = "fragile";
    /** More than a client's bound at the server ({@link RpcServer#DEFAULT_MAX_CALLS_PER_CONNECTION}). */
    private static final int CALLS = RpcServer.DEFAULT_MAX_CALLS_PER_CONNECTION + 1;

    @RegisterExtension
    final FragileServerChild server = new FragileServerChild(NAME);

    @Test
    void throughTheMailboxEveryCallIsAnsweredAndTheClientKeepsItsPlaces() throws Exception {
        server.start();
        try (RpcClient<Fragile> client = RpcClient.connect(NAME, Fragile.class)) {
            everyCallIsAnswered(client);
        }
        assertNothingUncaught();
    }

    @Test
    void overTcpEveryCallIsAnswered() throws Exception {
        URI address = server.start();
        try (RpcClient<Fragile> client = RpcClient.connect(address, Fragile.class, RpcClient.Options.defaults())) {
            everyCallIsAnswered(client);
        }
        assertNothingUncaught();
    }

    /**
     * Arguments whose decoding at the server throws something else than RpcProtocolException (a map key
     * whose hashCode throws; a record whose constructor throws an exception whose getMessage() throws)
     * are the caller's bad arguments: RpcProtocolException (BAD_ARGUMENTS) naming the method and what was
     * thrown, through the mailbox and over TCP, and nothing logged at WARNING as for a server bug (DEBUG
     * is not shown). Until 2026-12-06 the first was answered as "the reply to count(java.util.Map) could
     * not be built" (BAD_RESULT), logged WARNING with a stack trace, and the second named the
     * IllegalStateException of the exception's getMessage(), not the record's exception.
     */
    @Test
    void argumentsWhoseDecodingThrowsAreBadArguments() throws Exception {
        URI address = server.start();
        try (RpcClient<Fragile> local = RpcClient.connect(NAME, Fragile.class);
             RpcClient<Fragile> remote = RpcClient.connect(address, Fragile.class, RpcClient.Options.defaults())) {
            for (RpcClient<Fragile> client : java.util.List.of(local, remote)) {
                RpcProtocolException touchy = assertInstanceOf(RpcProtocolException.class,
                        failure(client, f -> f.count(Map.of(new Fragile.Touchy("k"), "v"))));
                assertTrue(touchy.getMessage().contains("the arguments of count(java.util.Map) could not be decoded: "
                        + IllegalStateException.class.getName() + ": no hashCode for k here"), touchy.getMessage());
                RpcProtocolException picky = assertInstanceOf(RpcProtocolException.class,
                        failure(client, f -> f.name(new Fragile.Picky("p"))));
                assertTrue(picky.getMessage().contains("record " + Fragile.Picky.class.getName()
                        + " refused its components: " + FragileService.Odd.class.getName() + ": (its getMessage() threw "
                        + IllegalStateException.class.getName() + ")"), picky.getMessage());
                assertEquals(3, client.async(f -> f.add(1, 2)).get(LONG.toSeconds(), TimeUnit.SECONDS));
            }
        }
        assertNothingUncaught();
        assertFalse(server.output().contains("could not be"), server.output());
        assertFalse(server.output().contains("WARNING"), server.output());
    }

    /** No call timeout: the bound on each wait is the test's hang guard, not the client's. */
    private static void everyCallIsAnswered(RpcClient<Fragile> client) throws Exception {
        for (int i = 0; i < CALLS; i++) {
            RpcProtocolException e = assertInstanceOf(RpcProtocolException.class, failure(client, Fragile::stale),
                    "call " + i);
            assertTrue(e.getMessage().contains("stale()"), e.getMessage());
            assertTrue(e.getMessage().contains(ConcurrentModificationException.class.getName()), e.getMessage());
            RemoteInvocationException odd = assertInstanceOf(RemoteInvocationException.class,
                    failure(client, f -> {
                        f.oddFailure();
                        return null;
                    }), "call " + i);
            assertEquals(FragileService.Odd.class.getName(), odd.remoteClass());
            assertTrue(odd.remoteMessage().contains("getMessage() threw " + IllegalStateException.class.getName()),
                    odd.remoteMessage());
        }
        assertEquals(3, client.async(f -> f.add(1, 2)).get(LONG.toSeconds(), TimeUnit.SECONDS));
    }

    /** What a call fails with, within the hang guard. */
    private static Throwable failure(RpcClient<Fragile> client, Function<Fragile, ?> call) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.async(call).get(LONG.toSeconds(), TimeUnit.SECONDS));
        return e.getCause();
    }

    private void assertNothingUncaught() {
        assertFalse(server.output().contains("Exception in thread"), server.output());
    }
}
