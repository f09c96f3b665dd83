package io.jipc.rpc;

import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamConnection;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server under load it did not invite: more calls than it should run at once (a TCP peer that
 * floods calls without reading its replies, a mailbox client with many slow async calls). Server and
 * clients in this process, over loopback and real mailboxes; what the server runs is observed in the
 * implementation (a count of the calls inside it). No durations are asserted: every wait has a bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcServerLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A service whose {@link #hold} calls wait until the test opens the gate. */
    public interface Gated {
        int hold(byte[] payload);

        String echo(String s);
    }

    /** Counts the calls inside {@link #hold}: now, at most, and all that ever started. */
    static final class GatedService implements Gated {
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();

        @Override
        public int hold(byte[] payload) {
            started.incrementAndGet();
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                gate.await();
                return payload.length;
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted");
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public String echo(String s) {
            return s;
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5);
        }
    }

    private static URI uri(RpcServer<?> server) {
        return URI.create("tcp://127.0.0.1:" + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/"
                + server.name());
    }

    /**
     * A peer says HELLO and then sends thousands of calls of 1 KB, never reading a reply: the server
     * runs no more than the connection's share of calls at once and stops reading the connection (the
     * peer's writes stop), so that another client is served meanwhile, and after the peer is gone.
     */
    @Test
    void aTcpPeerFloodingCallsRunsNoMoreThanItsShareAndOthersAreServed() throws Exception {
        GatedService service = new GatedService();
        try (RpcServer<Gated> server = RpcServer.builder("flood", Gated.class, service).maxCalls(8)
                .maxCallsPerConnection(4).listen(new InetSocketAddress("127.0.0.1", 0)).start()) {
            StreamConnection raw = StreamConnection.connect(server.tcpAddress().orElseThrow());
            raw.put(RpcFrame.encode(new RpcFrame.Hello(Gated.class.getName(), "", 0, 0)));
            long id = assertInstanceOf(RpcFrame.Welcome.class, RpcFrame.decode(raw.take())).clientId();
            String hold = RpcMethods.key(Gated.class.getMethod("hold", byte[].class));
            byte[] arguments = Marshaller.of(Gated.class).encodeArguments(new Object[] {new byte[1024]});
            AtomicInteger sent = new AtomicInteger();
            Thread flooder = Thread.ofPlatform().start(() -> {
                try {
                    for (int call = 1; call <= 5_000; call++) { // bounded: the test JVM must survive a server without a bound
                        raw.put(RpcFrame.encode(new RpcFrame.Call(id, call, 0, hold, arguments)));
                        sent.incrementAndGet();
                    }
                } catch (RuntimeException | InterruptedException closedByTheTest) {
                    // the writes stopped (the server reads no more), until the test closed the connection
                }
            });
            try {
                await(() -> sent.get() >= 2_000 && service.inside.get() >= 4, "the flood did not start");
                try (RpcClient<Gated> other = RpcClient.connect(uri(server), Gated.class, RpcClient.Options.defaults());
                     RpcClient<Gated> local = RpcClient.connect("flood", Gated.class)) {
                    assertEquals("tcp", other.stub().echo("tcp"));
                    assertEquals("mailbox", local.stub().echo("mailbox"));
                }
                assertEquals(4, service.most.get(), "calls of the flooding connection running at once");
            } finally {
                raw.close();
                flooder.join();
                service.gate.countDown();
            }
            await(() -> server.clientCount() == 0, "the flooding client is still known");
            try (RpcClient<Gated> after = RpcClient.connect(uri(server), Gated.class, RpcClient.Options.defaults())) {
                assertEquals(7, after.stub().hold(new byte[7]));
            }
            assertTrue(service.most.get() <= 4, "at most " + service.most.get());
        }
    }

    /**
     * One ordinary client starts 100 slow calls at once through the mailbox: the server runs
     * {@code maxCalls} of them (on as many threads, and a few more), leaves the others in its mailbox
     * until calls end, and then runs them all.
     */
    @Test
    void aMailboxClientsManySlowCallsRunNoMoreThanTheBoundAndAllEnd() throws Exception {
        GatedService service = new GatedService();
        int calls = 100;
        try (RpcServer<Gated> server = RpcServer.builder("slow", Gated.class, service).maxCalls(8).start();
             RpcClient<Gated> client = RpcClient.connect("slow", Gated.class);
             Mailbox requests = Mailbox.open("slow")) {
            int frame = RpcFrame.encode(new RpcFrame.Call(1, 1, 0, RpcMethods.key(Gated.class.getMethod("hold",
                    byte[].class)), Marshaller.of(Gated.class).encodeArguments(new Object[] {new byte[16]}))).length;
            List<CompletableFuture<Integer>> results = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                results.add(client.async(g -> g.hold(new byte[16])));
            }
            // until the calls the server may not take wait in its mailbox (or it took more than it may)
            await(() -> service.started.get() > 8
                    || service.inside.get() == 8 && requests.pendingBytes() >= (long) (calls - 8 - 1) * frame,
                    "the calls neither ran nor waited in the mailbox");
            assertEquals(8, service.most.get(), "calls running at once");
            long threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("jipc-rpc-slow-")).count();
            assertTrue(threads <= 8 + 6, threads + " worker threads");
            service.gate.countDown();
            for (CompletableFuture<Integer> result : results) {
                assertEquals(16, result.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            assertEquals(calls, service.started.get());
            assertEquals(8, service.most.get());
            assertEquals("still", client.stub().echo("still"));
        }
    }

    /**
     * A TCP client's second call waits at the server for the slot its first holds, longer than the
     * client's peer timeout: its PINGs wait unread behind that call, and the server's PONGs while it
     * waits keep the client from taking it for lost.
     */
    @Test
    void aTcpCallWaitingForASlotLongerThanThePeerTimeoutIsNotTakenForALostServer() throws Exception {
        GatedService service = new GatedService();
        try (RpcServer<Gated> server = RpcServer.builder("patient", Gated.class, service).maxCallsPerConnection(1)
                .listen(new InetSocketAddress("127.0.0.1", 0)).start();
             RpcClient<Gated> client = RpcClient.connect(uri(server), Gated.class, RpcClient.Options.defaults()
                     .withLivenessCheck(Duration.ofMillis(20)).withPeerTimeout(Duration.ofMillis(300)))) {
            CompletableFuture<Integer> first = client.async(g -> g.hold(new byte[1]));
            await(() -> service.inside.get() == 1, "the first call did not start");
            CompletableFuture<Integer> second = client.async(g -> g.hold(new byte[2]));
            Thread.sleep(1_000); // several peer timeouts, the second call waiting at the server all along
            service.gate.countDown();
            assertEquals(1, first.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(2, second.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(1, service.most.get());
        }
    }

    /**
     * 260 connections that never say HELLO (more than the listener's 256): the server closes each
     * once its connect timeout passes, and then a real client is served.
     */
    @Test
    void connectionsThatNeverSayHelloAreClosedAndDoNotLockClientsOut() throws Exception {
        ServerOptions options = ServerOptions.defaults()
                .withConnection(ConnectionOptions.defaults().withConnectTimeout(Duration.ofSeconds(1)));
        assertEquals(256, options.maxConnections());
        List<StreamConnection> silent = new ArrayList<>();
        try (RpcServer<Gated> server = RpcServer.builder("mute", Gated.class, new GatedService())
                .listen(new InetSocketAddress("127.0.0.1", 0), options).start()) {
            for (int i = 0; i < 260; i++) {
                silent.add(StreamConnection.connect(server.tcpAddress().orElseThrow()));
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) { // refused (closed at once) while the silent ones fill the listener
                try (RpcClient<Gated> client = RpcClient.connect(uri(server), Gated.class, RpcClient.Options.defaults())) {
                    assertEquals("heard", client.stub().echo("heard"));
                    break;
                } catch (RpcException | JipcException refused) {
                    assertTrue(System.nanoTime() < deadline, "no client served while silent connections are open: "
                            + refused);
                    Thread.sleep(50);
                }
            }
            for (StreamConnection connection : silent) {
                assertEquals(null, connection.poll(WAIT));
                assertTrue(connection.isEndOfStream(), "closed by the server");
            }
        } finally {
            silent.forEach(StreamConnection::close);
        }
    }
}
