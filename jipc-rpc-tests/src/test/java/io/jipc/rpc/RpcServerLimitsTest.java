package io.jipc.rpc;

import io.jipc.JipcException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamConnection;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    /**
     * The peer timeout of the TCP clients whose calls wait at the server for a slot, longer than that:
     * ten of the server's PONG intervals while a call waits (100 ms). At 300 ms (three intervals) the
     * PONGs of a live server on a loaded host (CI: 2 cores shared with the build) came late now and
     * then, and the client took the server for lost.
     */
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(1);

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
        RpcTestWaits.await(WAIT, condition, what);
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
                try (RpcClient<Gated> other = RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class, RpcClient.Options.defaults());
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
            try (RpcClient<Gated> after = RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class, RpcClient.Options.defaults())) {
                assertEquals(7, after.stub().hold(new byte[7]));
            }
            assertTrue(service.most.get() <= 4, "at most " + service.most.get());
        }
    }

    /**
     * One ordinary client starts 100 slow calls at once through the mailbox (of 16 KiB, its calls of
     * about 1 KiB): the server runs {@code maxCalls} of them (on as many threads, and a few more),
     * takes others to wait for a slot at the server only up to its mailbox's capacity in bytes and
     * leaves the rest in its mailbox until calls end, and then runs them all.
     */
    @Test
    void aMailboxClientsManySlowCallsRunNoMoreThanTheBoundAndAllEnd() throws Exception {
        GatedService service = new GatedService();
        int calls = 100;
        try (RpcServer<Gated> server = RpcServer.builder("slow", Gated.class, service).maxCalls(8)
                .mailboxOptions(MailboxOptions.builder().maxMessageSize(4096).capacityBytes(16 * 1024).build()).start();
             RpcClient<Gated> client = RpcClient.connect("slow", Gated.class);
             Mailbox requests = Mailbox.open("slow")) {
            List<CompletableFuture<Integer>> results = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                results.add(client.async(g -> g.hold(new byte[1024])));
            }
            // until the mailbox holds half its capacity, the calls the server may not take (or it took more than it may)
            await(() -> service.started.get() > 8
                    || service.inside.get() == 8 && requests.pendingBytes() >= requests.capacityBytes() / 2,
                    "the calls neither ran nor waited in the mailbox");
            assertEquals(8, service.most.get(), "calls running at once");
            assertTrue(requests.receivedCount() < 1 + calls, requests.receivedCount() + " requests taken");
            long threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("jipc-rpc-slow-")).count();
            assertTrue(threads <= 8 + 6, threads + " worker threads");
            service.gate.countDown();
            for (CompletableFuture<Integer> result : results) {
                assertEquals(1024, result.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            assertEquals(calls, service.started.get());
            assertEquals(8, service.most.get());
            assertEquals("still", client.stub().echo("still"));
        }
    }

    /**
     * A call whose pool thread cannot be started (a thread limit: "unable to create native thread",
     * from a factory that throws it: {@code ThreadPoolExecutor} starts its workers through its thread
     * container, not through an overridden {@code Thread.start()}, and passes on what the factory
     * throws as it passes on the failed start) runs on the thread that took it and
     * answers, and gives its slot back: with {@code maxCalls(1)}, three TCP calls in turn (each on the
     * connection's reader), then through the mailbox a call that waited for the slot another held (its
     * wait and its run on the leader) and two more. Until 47942df the error left {@code runPooled}: the
     * call never ran and its slots were never given back.
     */
    @Test
    void callsWhosePoolThreadCannotStartRunOnTheThreadThatTookThemAndGiveTheirSlotsBack() throws Exception {
        AtomicInteger refused = new AtomicInteger();
        java.util.concurrent.ThreadFactory noThreads = task -> {
            refused.incrementAndGet();
            throw new OutOfMemoryError("unable to create native thread: possibly out of memory"
                    + " or process/resource limits reached");
        };
        GatedService service = new GatedService();
        RpcClient.Options bounded = RpcClient.Options.defaults().withCallTimeout(WAIT); // a call never answered fails
        try (RpcServer<Gated> server = RpcServer.builder("nothreads", Gated.class, service).maxCalls(1)
                .callThreadFactory(noThreads).listen(new InetSocketAddress("127.0.0.1", 0)).start();
             RpcClient<Gated> tcp = RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class, bounded);
             RpcClient<Gated> local = RpcClient.connect("nothreads", Gated.class, bounded)) {
            for (int i = 1; i <= 3; i++) {
                assertEquals("tcp " + i, tcp.stub().echo("tcp " + i));
            }
            assertTrue(refused.get() >= 3, refused.get() + " threads refused");
            CompletableFuture<Integer> holding = local.async(g -> g.hold(new byte[1]));
            await(() -> service.inside.get() == 1, "the holding call did not start");
            int before = refused.get();
            CompletableFuture<String> waiting = local.async(g -> g.echo("waited"));
            // it waits holding no thread; the call that ends hands it the slot, and it is given to the pool then
            await(() -> server.callsAwaitingSlot() == 1, "the call did not wait for the slot");
            service.gate.countDown();
            assertEquals(1, holding.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals("waited", waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(refused.get() > before, "the waiting call was not given to the pool");
            assertEquals("mailbox 1", local.stub().echo("mailbox 1"));
            assertEquals("mailbox 2", local.stub().echo("mailbox 2"));
            assertEquals("tcp 4", tcp.stub().echo("tcp 4"));
        }
    }

    /**
     * With no pool thread to be had (a factory that throws "unable to create native thread"), calls that
     * wait for the only slot (through the mailbox and over TCP) do not hold the leader or a connection's
     * reader while another call holds the slot: a new client is welcomed through the mailbox, a TCP caller
     * whose call waits longer than its peer timeout is kept alive by PONGs, and all of them run once the slot
     * frees. Until 2026-12-05 the task that handed slots to waiting calls ran on the leader when no thread
     * could start, and held it until the queue emptied: the HELLO waited unread (connect timed out).
     */
    @Test
    void callsWaitingForASlotWithoutPoolThreadsHoldNeitherTheLeaderNorAReader() throws Exception {
        java.util.concurrent.ThreadFactory noThreads = task -> {
            throw new OutOfMemoryError("unable to create native thread: possibly out of memory"
                    + " or process/resource limits reached");
        };
        GatedService service = new GatedService();
        RpcClient.Options bounded = RpcClient.Options.defaults().withCallTimeout(WAIT);
        try (RpcServer<Gated> server = RpcServer.builder("nothreads2", Gated.class, service).maxCalls(1)
                .callThreadFactory(noThreads).listen(new InetSocketAddress("127.0.0.1", 0)).start();
             RpcClient<Gated> local = RpcClient.connect("nothreads2", Gated.class, bounded);
             RpcClient<Gated> tcp = RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class, bounded
                     .withLivenessCheck(Duration.ofMillis(20)).withPeerTimeout(PEER_TIMEOUT))) {
            CompletableFuture<Integer> holding = local.async(g -> g.hold(new byte[1]));
            await(() -> service.inside.get() == 1, "the holding call did not start");
            CompletableFuture<String> waiting = local.async(g -> g.echo("waited"));
            await(() -> server.callsAwaitingSlot() == 1, "the mailbox call did not wait for the slot");
            CompletableFuture<String> waitingTcp = tcp.async(g -> g.echo("waited over tcp"));
            await(() -> server.callsAwaitingSlot() == 2, "the TCP call did not wait for the slot");
            try (RpcClient<Gated> late = RpcClient.connect("nothreads2", Gated.class, RpcClient.Options.defaults()
                    .withConnectTimeout(WAIT))) { // the leader reads the HELLO while the calls wait
                assertEquals(2, server.callsAwaitingSlot(), "the calls wait while the slot is held");
            } catch (RpcServerLostException e) {
                throw new AssertionError("the leader took no HELLO while calls waited for the slot: " + e, e);
            }
            Thread.sleep(PEER_TIMEOUT.multipliedBy(3)); // three peer timeouts (a wait, not a measure)
            assertTrue(!waitingTcp.isDone(), () -> "the waiting TCP call ended: " + waitingTcp);
            service.gate.countDown();
            assertEquals(1, holding.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals("waited", waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals("waited over tcp", waitingTcp.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals("mailbox 1", local.stub().echo("mailbox 1"));
            assertEquals("tcp 1", tcp.stub().echo("tcp 1"));
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
             RpcClient<Gated> client = RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class, RpcClient.Options.defaults()
                     .withLivenessCheck(Duration.ofMillis(20)).withPeerTimeout(PEER_TIMEOUT))) {
            CompletableFuture<Integer> first = client.async(g -> g.hold(new byte[1]));
            await(() -> service.inside.get() == 1, "the first call did not start");
            CompletableFuture<Integer> second = client.async(g -> g.hold(new byte[2]));
            Thread.sleep(PEER_TIMEOUT.multipliedBy(3)); // the second call waits at the server all along
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
                try (RpcClient<Gated> client = RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class, RpcClient.Options.defaults())) {
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

    /**
     * Before its HELLO is welcomed a connection may send nothing longer than a HELLO: a first frame
     * announcing {@link RpcFrame#MAX_HELLO} + 1 bytes ends it at its header, without the listener
     * waiting for (and holding) the payload, while a HELLO as long as the protocol allows is answered
     * (REFUSED: no such interface) and a welcomed client's calls and results are as long as the
     * frame limit takes. Until 2026-12-05 such a connection could announce a frame of the listener's
     * whole limit and hold what it sent of it. The listener's connect and frame timeouts are longer
     * than the test waits, so only the limit can end the connection in time.
     */
    @Test
    void aFirstFrameLongerThanAHelloEndsTheConnectionAtItsHeader() throws Exception {
        ServerOptions options = ServerOptions.defaults().withConnection(ConnectionOptions.defaults()
                .withConnectTimeout(Duration.ofMinutes(5)).withFrameTimeout(Duration.ofMinutes(5)));
        try (RpcServer<Gated> server = RpcServer.builder("greeted", Gated.class, new GatedService())
                .listen(new InetSocketAddress("127.0.0.1", 0), options).start()) {
            try (StreamConnection hostile = StreamConnection.connect(server.tcpAddress().orElseThrow())) {
                hostile.write(java.nio.ByteBuffer.allocate(8).putLong(0, RpcFrame.MAX_HELLO + 1)); // and nothing more
                assertEquals(null, hostile.poll(WAIT));
                assertTrue(hostile.isEndOfStream(), "closed by the server without waiting for the payload");
            }
            byte[] longest = RpcFrame.encode(new RpcFrame.Hello("a".repeat(RpcFrame.MAX_INTERFACE_NAME),
                    "s".repeat(RpcFrame.MAX_SERVICE_NAME), 1, 1 << 20));
            assertEquals(RpcFrame.MAX_HELLO, longest.length);
            try (StreamConnection other = StreamConnection.connect(server.tcpAddress().orElseThrow())) {
                other.put(longest);
                assertInstanceOf(RpcFrame.Refused.class, RpcFrame.decode(other.poll(WAIT)));
            }
            String large = "x".repeat(RpcFrame.MAX_HELLO * 4);
            try (RpcClient<Gated> client = RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class, RpcClient.Options.defaults())) {
                assertEquals(large, client.stub().echo(large));
            }
        }
    }

    private static void assertClosedByTheClient(CompletableFuture<?> call) {
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> call.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        // not RpcServerLostException: "'NAME' is gone: mailbox 'NAME' is closed" ends alike
        assertTrue(e.getCause() instanceof RpcException && !(e.getCause() instanceof RemoteInvocationException)
                && !(e.getCause() instanceof RpcServerLostException)
                && e.getCause().getMessage().endsWith("is closed"), "not the client's close: " + e.getCause());
    }

    /**
     * A client closed while two calls wait: both fail as closed by the client, 100 times, also when the
     * server answers the BYE at once with what the calls it interrupted threw (as servers before the
     * fix did; here a server spoken by hand through its mailbox).
     */
    @Test
    void closingAClientFailsItsWaitingCallsAsClosedEvenIfTheServerAnswersTheBye() throws Exception {
        try (Mailbox requests = Mailbox.create("eager", io.jipc.mailbox.MailboxOptions.builder()
                .protocol(RpcServer.PROTOCOL).build())) {
            try {
                for (int round = 0; round < 100; round++) {
                    CompletableFuture<RpcClient<Gated>> connecting = CompletableFuture.supplyAsync(() -> {
                        try {
                            return RpcClient.connect("eager", Gated.class);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    RpcFrame.Hello hello = assertInstanceOf(RpcFrame.Hello.class, RpcFrame.decode(requests.poll(WAIT)));
                    try (Mailbox replies = Mailbox.open(hello.replyMailbox())) {
                        replies.put(RpcFrame.encode(new RpcFrame.Welcome(round + 1, io.jipc.platform.ProcessIdentity.current()
                                .token(), 0)));
                        RpcClient<Gated> client = connecting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                        List<CompletableFuture<Integer>> calls = List.of(client.async(g -> g.hold(new byte[1])),
                                client.async(g -> g.hold(new byte[2])));
                        List<Long> callIds = new ArrayList<>();
                        for (int i = 0; i < 2; i++) {
                            callIds.add(assertInstanceOf(RpcFrame.Call.class, RpcFrame.decode(requests.poll(WAIT))).callId());
                        }
                        Thread server = Thread.ofPlatform().start(() -> { // answers the BYE as fast as it can
                            try {
                                assertInstanceOf(RpcFrame.Bye.class, RpcFrame.decode(requests.poll(WAIT)));
                                for (long callId : callIds) {
                                    replies.offer(RpcFrame.encode(new RpcFrame.Failure(callId, RpcFrame.FailureCode.THREW,
                                            IllegalStateException.class.getName(), "interrupted")), Duration.ZERO);
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
                        Thread.sleep(20); // both sides asleep in their mailboxes (futex) when the BYE comes, as a real server's would be
                        client.close();
                        server.join();
                        for (CompletableFuture<Integer> call : calls) {
                            assertClosedByTheClient(call);
                        }
                    }
                }
            } finally {
                requests.destroy();
            }
        }
    }

    /**
     * A client that says BYE while its call runs gets nothing more for that call (the server
     * interrupts it): not what the implementation made of the interrupt as if it had thrown. 20 rounds,
     * the protocol spoken by hand.
     */
    @Test
    void aCallInterruptedBecauseItsClientSaidByeIsNotReportedAsThrown() throws Exception {
        GatedService service = new GatedService();
        String hold = RpcMethods.key(Gated.class.getMethod("hold", byte[].class));
        byte[] arguments = Marshaller.of(Gated.class).encodeArguments(new Object[] {new byte[1]});
        try (RpcServer<Gated> server = RpcServer.start("leaving", Gated.class, service);
             Mailbox requests = Mailbox.open("leaving")) {
            for (int round = 0; round < 20; round++) {
                Mailbox replies = Mailbox.create("leaving-reply-" + ProcessHandle.current().pid() + "-" + round,
                        io.jipc.mailbox.MailboxOptions.defaults());
                try {
                    requests.put(RpcFrame.encode(new RpcFrame.Hello(Gated.class.getName(), replies.name(),
                            io.jipc.platform.ProcessIdentity.current().token(), 0)));
                    long id = assertInstanceOf(RpcFrame.Welcome.class, RpcFrame.decode(replies.poll(WAIT))).clientId();
                    requests.put(RpcFrame.encode(new RpcFrame.Call(id, 1, 0, hold, arguments)));
                    await(() -> service.inside.get() == 1, "the call did not start");
                    requests.put(RpcFrame.encode(new RpcFrame.Bye(id)));
                    await(() -> service.inside.get() == 0, "the call was not interrupted");
                    for (byte[] message; (message = replies.poll(Duration.ofMillis(200))) != null; ) {
                        RpcFrame frame = RpcFrame.decode(message);
                        assertTrue(!(frame instanceof RpcFrame.Failure), "round " + round + ": " + frame);
                    }
                } finally {
                    replies.destroy();
                    replies.close();
                }
            }
        }
    }

    /**
     * Calls whose sends wait for room in the server's full request mailbox when the client closes: their
     * sends meet the mailbox that {@code close()} has just closed (its {@code ClosedException}), and they
     * fail as closed by the client, not as if the server were lost. The server takes one call at a time
     * and holds it (and takes calls to wait for its slot only up to its mailbox's capacity in bytes), so
     * that the mailbox fills and the further calls' sends wait. 5 rounds.
     */
    @Test
    void callsWhoseSendsWaitForRoomWhenTheClientClosesSayClosed() throws Exception {
        byte[] payload = new byte[600];
        int frame = RpcFrame.encode(new RpcFrame.Call(1, 1, 0, RpcMethods.key(Gated.class.getMethod("hold", byte[].class)),
                Marshaller.of(Gated.class).encodeArguments(new Object[] {payload}))).length;
        for (int round = 0; round < 5; round++) {
            GatedService service = new GatedService();
            try (RpcServer<Gated> server = RpcServer.builder("fullclose", Gated.class, service).maxCalls(1)
                    .mailboxOptions(io.jipc.mailbox.MailboxOptions.builder().maxMessageSize(1024).capacityBytes(8192)
                            .build()).start();
                 Mailbox requests = Mailbox.open("fullclose")) {
                RpcClient<Gated> client = RpcClient.connect("fullclose", Gated.class);
                CompletableFuture<Integer> held = client.async(g -> g.hold(payload));
                await(() -> service.inside.get() == 1, "the first call did not start");
                // more than the server takes to wait for the slot (its mailbox's capacity) and the mailbox holds
                int calls = (int) (2 * requests.capacityBytes() / frame) + 8;
                CountDownLatch calling = new CountDownLatch(calls);
                List<CompletableFuture<Integer>> waiting = new ArrayList<>();
                for (int i = 0; i < calls; i++) {
                    waiting.add(client.async(g -> {
                        calling.countDown();
                        return g.hold(payload);
                    }));
                }
                assertTrue(calling.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the calls did not start");
                await(() -> requests.pendingBytes() + frame > requests.capacityBytes(), "the mailbox did not fill");
                Thread.sleep(50); // the calls the mailbox has no room for reach their sends (not asserted)
                client.close();
                assertClosedByTheClient(held);
                for (CompletableFuture<Integer> call : waiting) {
                    assertClosedByTheClient(call);
                }
                service.gate.countDown(); // the server runs the gone client's calls and drops their replies
            }
        }
    }

    /** The tester's case: two slow async calls waiting, then the client closes; 20 rounds. */
    @Test
    void closingAClientWhileCallsRunAtTheServerFailsThemAsClosed() throws Exception {
        GatedService service = new GatedService();
        try (RpcServer<Gated> server = RpcServer.start("closer", Gated.class, service)) {
            for (int round = 0; round < 20; round++) {
                RpcClient<Gated> client = RpcClient.connect("closer", Gated.class);
                List<CompletableFuture<Integer>> calls = List.of(client.async(g -> g.hold(new byte[1])),
                        client.async(g -> g.hold(new byte[2])));
                await(() -> service.inside.get() == 2, "the calls did not start");
                client.close();
                for (CompletableFuture<Integer> call : calls) {
                    assertClosedByTheClient(call);
                }
                await(() -> service.inside.get() == 0 && server.clientCount() == 0, "the server did not forget the client");
            }
        }
    }

    /**
     * A client closed while a call waits says "closed" to every later call, through mailboxes and over
     * TCP, also after a second {@code close()}: the caller still receiving when the client closed sees
     * the transport end (or the server's CLOSING for the BYE), which must not turn the closed client
     * into one whose server was lost. 30 rounds each (over TCP it went wrong in every round).
     */
    @ParameterizedTest(name = "tcp={0}")
    @ValueSource(booleans = {false, true})
    void aClientClosedWhileACallWaitsSaysClosedToEveryLaterCall(boolean tcp) throws Exception {
        GatedService service = new GatedService();
        try (RpcServer<Gated> server = RpcServer.builder("closedlater", Gated.class, service)
                .listen(new InetSocketAddress("127.0.0.1", 0)).start()) {
            for (int round = 0; round < 30; round++) {
                RpcClient<Gated> client = tcp ? RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class, RpcClient.Options.defaults())
                        : RpcClient.connect("closedlater", Gated.class);
                CompletableFuture<Integer> waiting = client.async(g -> g.hold(new byte[1]));
                await(() -> service.inside.get() == 1, "the call did not start");
                client.close();
                assertClosedByTheClient(waiting);
                assertClosedByTheClient(client.async(g -> g.echo("after close")));
                client.close(); // idempotent: still closed, nothing sent
                assertClosedByTheClient(client.async(g -> g.echo("after the second close")));
                await(() -> service.inside.get() == 0 && server.clientCount() == 0, "the server did not forget the client");
            }
        }
    }

    private static void assertLost(CompletableFuture<?> call) {
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> call.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(RpcServerLostException.class, e.getCause());
    }

    /**
     * Another process of the same user writes a BYE for a client into the request mailbox: the server
     * forgets that client, and the client learns it (CLOSING) — its call running at the server fails,
     * and so does the next call of another client it forged a BYE for while it was idle — instead of
     * waiting for ever without a call timeout.
     */
    @Test
    void aClientTheServerForgotIsToldAndItsCallsFailInsteadOfWaitingForEver() throws Exception {
        GatedService service = new GatedService();
        try (RpcServer<Gated> server = RpcServer.start("forgetful", Gated.class, service);
             Mailbox requests = Mailbox.open("forgetful");
             RpcClient<Gated> busy = RpcClient.connect("forgetful", Gated.class);
             RpcClient<Gated> idle = RpcClient.connect("forgetful", Gated.class)) {
            CompletableFuture<Integer> running = busy.async(g -> g.hold(new byte[1]));
            await(() -> service.inside.get() == 1, "the call did not start");
            requests.put(RpcFrame.encode(new RpcFrame.Bye(busy.clientId())));
            assertLost(running);
            requests.put(RpcFrame.encode(new RpcFrame.Bye(idle.clientId())));
            await(() -> server.clientCount() == 0, "the server did not forget the clients");
            assertLost(idle.async(g -> g.echo("anyone?")));
            assertLost(busy.async(g -> g.echo("anyone?")));
            try (RpcClient<Gated> again = RpcClient.connect("forgetful", Gated.class)) {
                assertEquals("yes", again.stub().echo("yes"));
            }
        }
    }

    /**
     * With {@code maxMailboxClients(2)}, a third client through the mailbox is refused at connect
     * ({@link RpcException} naming the bound), while a client over TCP, not counted, connects, and the
     * clients in are served; once one of the two leaves, the third connects. Until 2026-12-07 there was no
     * bound: one process's HELLOs (1,000 naming one mailbox) all became clients.
     */
    @Test
    void clientsThroughTheMailboxBeyondTheirBoundAreRefusedAtConnect() throws Exception {
        try (RpcServer<Gated> server = RpcServer.builder("bounded", Gated.class, new GatedService()).maxMailboxClients(2)
                .listen(new InetSocketAddress("127.0.0.1", 0)).start();
             RpcClient<Gated> first = RpcClient.connect("bounded", Gated.class)) {
            RpcClient<Gated> second = RpcClient.connect("bounded", Gated.class);
            try (RpcClient<Gated> remote = RpcClient.connect(RpcTestWaits.tcpUri(server), Gated.class,
                    RpcClient.Options.defaults())) {
                RpcException refused = assertThrows(RpcException.class, () -> RpcClient.connect("bounded", Gated.class));
                assertTrue(refused.getMessage().contains("maxMailboxClients"), refused.getMessage());
                assertEquals("first", first.stub().echo("first"));
                assertEquals("second", second.stub().echo("second"));
                assertEquals("remote", remote.stub().echo("remote"));
                assertEquals(3, server.clientCount());
            }
            second.close();
            await(() -> server.clientCount() == 1, "the clients that left are still known");
            try (RpcClient<Gated> third = RpcClient.connect("bounded", Gated.class)) {
                assertEquals("third", third.stub().echo("third"));
            }
        }
    }
}
