package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.net.StreamConnection;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that sends a second CALL with the call id of a call in progress (a hostile or broken peer: a
 * client never reuses an id while its call is in progress). The server refuses it: over TCP it ends
 * the connection, as it does for a frame that does not decode, and through the request mailbox (which
 * any process of the user may write into) it drops it unanswered; either way the first call stays
 * known, so its CANCEL, its client's end and the server's close interrupt it, and its slot comes back.
 * Until 2026-12-07 the second call was registered over the first, which ran to its end unreachable, for
 * a peer gone and past {@link RpcServer#close()}: peers that sent such pairs and left held every slot of
 * {@code maxCalls}. Server and peers in this process (raw peers write frames with {@link RpcFrame});
 * what the server runs is observed in the implementation. No durations are asserted: every wait has a bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RpcDuplicateCallIdTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A service whose {@link #hold} calls wait until interrupted (or the test opens the gate). */
    public interface Held {
        int hold(int tag);

        String echo(String s);
    }

    /** Counts the calls of {@link #hold}: started, inside now, and those that saw their interrupt. */
    static final class HeldService implements Held {
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();

        @Override
        public int hold(int tag) {
            started.incrementAndGet();
            inside.incrementAndGet();
            try {
                gate.await();
                return tag;
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                return -1;
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public String echo(String s) {
            return s;
        }
    }

    private static final String HOLD;

    static {
        try {
            HOLD = RpcMethods.key(Held.class.getMethod("hold", int.class));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /** The CALL frame of {@code hold(tag)} from client {@code clientId}, with call id {@code callId}. */
    private static byte[] holdCall(long clientId, long callId, int tag) {
        return RpcFrame.encode(new RpcFrame.Call(clientId, callId, 0, HOLD,
                Marshaller.of(Held.class).encodeArguments(new Object[] {tag})));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        RpcTestWaits.await(WAIT, condition, what);
    }

    /**
     * With {@code maxCalls(2)}, two raw TCP peers each say HELLO, start {@code hold} as call 1, send a
     * second CALL with id 1 and hang up. The server ends each connection at the duplicate (the peer reads
     * the end of the stream, as after a frame that does not decode), the first call sees its interrupt, and both slots come back: a legitimate client's call
     * is served. Until 2026-12-07 each peer's first call ran on unreachable, both slots stayed held, and
     * the legitimate call waited for ever.
     */
    @Test
    void aDuplicateCallIdOverTcpEndsTheConnectionAndItsCallsAreInterrupted() throws Exception {
        HeldService service = new HeldService();
        try (RpcServer<Held> server = RpcServer.builder("dupid-tcp", Held.class, service).maxCalls(2)
                .listen(new InetSocketAddress("127.0.0.1", 0)).start()) {
            try {
                boolean[] ended = new boolean[2];
                for (int peer = 1; peer <= 2; peer++) {
                    int started = service.started.get();
                    try (StreamConnection raw = StreamConnection.connect(server.tcpAddress().orElseThrow())) {
                        raw.put(RpcFrame.encode(new RpcFrame.Hello(Held.class.getName(), "", 0, 0)));
                        long id = assertInstanceOf(RpcFrame.Welcome.class, next(raw)).clientId();
                        raw.put(holdCall(id, 1, 1));
                        await(() -> service.started.get() == started + 1, "peer " + peer + "'s call did not start");
                        raw.put(holdCall(id, 1, 2));
                        assertNull(raw.poll(WAIT), "a frame came instead of the connection's end");
                        ended[peer - 1] = raw.isEndOfStream(); // asserted once the calls are seen to end
                    } // hangs up
                }
                await(() -> service.inside.get() == 0, service.inside.get() + " calls of the peers gone still run");
                assertEquals(service.started.get(), service.interrupted.get(), "calls that saw no interrupt");
                await(() -> server.clientCount() == 0, "the peers are still known");
                try (RpcClient<Held> legit = RpcClient.connect(RpcTestWaits.tcpUri(server), Held.class,
                        RpcClient.Options.defaults().withCallTimeout(WAIT))) {
                    assertEquals("served", legit.stub().echo("served"));
                    assertEquals("served too", legit.stub().echo("served too"));
                }
                assertTrue(ended[0] && ended[1], "the server did not end the connections at the duplicate");
            } finally {
                service.gate.countDown(); // whatever still runs ends
            }
        }
    }

    /** How a mailbox client's call ends after a duplicate of it was written into the request mailbox. */
    enum End { CANCEL, BYE, SERVER_CLOSE }

    /**
     * A mailbox client starts {@code hold} (call 1); another writer puts a CALL with that client's id
     * and call id 1 into the request mailbox. The server drops it (nothing runs), and the call then ends
     * as {@code end} says, seeing its interrupt: its caller's {@code cancel(true)} (a CANCEL), its
     * client's close (a BYE), or the server's {@link RpcServer#close()}. Until 2026-12-07 the duplicate
     * ran, registered over the first call, which none of the three reached.
     */
    @ParameterizedTest
    @EnumSource(End.class)
    void aDuplicateCallIdThroughTheMailboxIsDroppedAndTheCallStaysReachable(End end) throws Exception {
        HeldService service = new HeldService();
        String name = "dupid-" + end.name().toLowerCase().replace('_', '-');
        RpcServer<Held> server = RpcServer.builder(name, Held.class, service).start();
        RpcClient<Held> client = RpcClient.connect(name, Held.class,
                RpcClient.Options.defaults().withCallTimeout(WAIT));
        try (Mailbox requests = Mailbox.open(name)) {
            CompletableFuture<Integer> first = client.async(h -> h.hold(1)); // the client's first call: id 1
            await(() -> service.started.get() == 1, "the call did not start");
            requests.put(holdCall(client.clientId(), 1, 2));
            // taken after the duplicate by the leader, so the duplicate was handled before this returns
            assertEquals("after", client.stub().echo("after"));
            switch (end) {
                case CANCEL -> {
                    first.cancel(true);
                    assertThrows(CancellationException.class, () -> first.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                }
                case BYE -> {
                    client.close();
                    assertThrows(ExecutionException.class, () -> first.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                }
                case SERVER_CLOSE -> {
                    server.close();
                    assertThrows(ExecutionException.class, () -> first.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                }
            }
            await(() -> service.inside.get() == 0, service.inside.get() + " calls still run");
            assertEquals(1, service.interrupted.get(), "calls that saw their interrupt");
            if (end == End.CANCEL) {
                assertEquals("still served", client.stub().echo("still served"));
            }
        } finally {
            service.gate.countDown();
            client.close();
            server.close();
        }
    }

    /** The next frame from {@code raw}, within the hang guard. */
    private static RpcFrame next(StreamConnection raw) throws InterruptedException {
        byte[] frame = raw.poll(WAIT);
        assertTrue(frame != null, "no frame within " + WAIT);
        return RpcFrame.decode(frame);
    }
}
