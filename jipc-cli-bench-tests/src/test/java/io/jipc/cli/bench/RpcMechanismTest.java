package io.jipc.cli.bench;

import io.jipc.mailbox.Mailbox;
import io.jipc.naming.NameService;
import io.jipc.rpc.RpcClient;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jipc.cli.bench.LinkMessages.message;
import static io.jipc.cli.bench.LinkMessages.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RPC mechanisms (through mailboxes, over TCP) within one process (the server of the peer side
 * and the calling side): the echo phase returns every message whole, the one-way phase counts the
 * calls of each round and acknowledges a repeated end of round alike, and closing both sides leaves
 * no mailbox and no name. The two-process run is in {@code BenchAllCommandTest}.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RpcMechanismTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @ParameterizedTest(name = "over TCP: {0}")
    @ValueSource(booleans = {false, true})
    void echoesWholeThenCountsEachRoundsCallsAndLeavesNothing(boolean tcp) throws Exception {
        RpcMechanism mechanism = tcp ? RpcMechanism.tcp() : RpcMechanism.mailboxes();
        int maxSize = 2 << 20; // beyond jipc-net's default frame limit: both sides are set for it
        assertNull(mechanism.unsupported(maxSize));
        assertTrue(mechanism.unsupported((16 << 20) + 1) != null, "at most 16 MiB");
        String name;
        try (Mechanism.Endpoint endpoint = mechanism.open(maxSize, null);
             Link peer = mechanism.connect(endpoint.peerArgument())) {
            name = endpoint.peerArgument().substring(0, endpoint.peerArgument().lastIndexOf(','));
            assertTrue(Mailbox.exists(name), "the peer serves under " + name);
            Link link = endpoint.link();
            Random random = new Random(7);
            int[] sizes = {16, 64, 4096, 65536, maxSize};

            CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> run(peer::echo));
            for (int i = 0; i < 100; i++) {
                byte[] m = message(random, sizes[i % sizes.length], i);
                link.send(m);
                assertArrayEquals(m, link.receive(WAIT), "echo " + i);
                assertNull(link.receive(WAIT), "one answer per call");
            }
            assertFalse(echo.isDone(), "the echo phase lasts until the message numbered -1");
            byte[] stop = message(random, 64, -1);
            link.send(stop);
            assertArrayEquals(stop, link.receive(WAIT));
            echo.get(1, TimeUnit.MINUTES);

            CompletableFuture<Void> sink = CompletableFuture.runAsync(() -> run(peer::sink));
            for (int round = 1; round <= 3; round++) {
                for (int i = 0; i < 10 * round; i++) {
                    link.send(message(random, sizes[i % 3], i));
                    assertNull(link.receive(WAIT), "no answer to a one-way message");
                }
                for (int again = 0; again < 2; again++) { // a repeated end of round: the same answer
                    link.send(ByteBuffer.allocate(Link.ACK_LENGTH).putLong(OneWayRegimen.END_OF_ROUND).putLong(round)
                            .array());
                    byte[] answer = link.receive(WAIT);
                    assertNotNull(answer, "the end of round " + round + " is answered");
                    ByteBuffer ack = ByteBuffer.wrap(answer);
                    assertEquals(round, ack.getLong());
                    assertEquals(10L * round, ack.getLong());
                }
            }
            link.send(ByteBuffer.allocate(Link.ACK_LENGTH).putLong(OneWayRegimen.END_OF_PHASE).array());
            assertEquals(-1, ByteBuffer.wrap(link.receive(WAIT)).getLong());
            sink.get(1, TimeUnit.MINUTES);
        }
        assertFalse(Mailbox.exists(name), "the server's mailbox is gone");
        try (NameService names = NameService.open()) {
            assertTrue(names.lookup(RpcClient.NAME_PREFIX + name).isEmpty(), "no name left registered");
        }
    }
}
