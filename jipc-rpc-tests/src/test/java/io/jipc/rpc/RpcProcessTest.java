package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxNotFoundException;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
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
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remote procedure calls between two processes: the server ({@link RpcChild} {@code serve}) in a
 * child JVM, the client in the test JVM (and, for a client's death, a second child). Every value
 * kind both ways, the implementation's exceptions, concurrent callers, timeouts and cancellation
 * reaching the server's thread, the server's death and its close during a call, a refused interface,
 * and a dead client's reply mailbox removed. No durations are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcProcessTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String NAME = "bank";
    /** Quick liveness checks, so that a lost server is seen within 50 ms. */
    private static final RpcClient.Options OPTIONS = RpcClient.Options.defaults().withLivenessCheck(Duration.ofMillis(50));

    private final List<ChildJvm> children = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();

    private ChildJvm startServer() {
        ChildJvm server = ChildJvm.builder(RpcChild.class).args("serve", NAME).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(server);
        server.awaitLine("SERVING", LONG);
        return server;
    }

    /** Starts a server that also listens on TCP; returns its address as a URI for {@link RpcClient#connect(URI, Class, RpcClient.Options)}. */
    private URI startTcpServer() {
        ChildJvm server = ChildJvm.builder(RpcChild.class).args("serve", NAME, "tcp").quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(server);
        String port = server.awaitLine("SERVING", LONG).substring("SERVING ".length());
        return URI.create("tcp://127.0.0.1:" + port + "/" + NAME);
    }

    private RpcClient<Bank> connect(URI uri) throws InterruptedException {
        return connect(uri, OPTIONS);
    }

    private RpcClient<Bank> connect(URI uri, RpcClient.Options options) throws InterruptedException {
        RpcClient<Bank> client = RpcClient.connect(uri, Bank.class, options);
        closing.add(client);
        return client;
    }

    private RpcClient<Bank> connect(RpcClient.Options options) throws InterruptedException {
        RpcClient<Bank> client = RpcClient.connect(NAME, Bank.class, options);
        closing.add(client);
        return client;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        for (ChildJvm child : children) {
            if (child.isAlive()) {
                child.process().getOutputStream().close();
                child.waitFor(LONG);
            }
            child.close();
        }
        Mailbox.destroy(NAME); // left by a server that was killed
    }

    @Test
    void everyKindOfValueTravelsBothWays() throws Exception {
        startServer();
        Bank bank = connect(OPTIONS).stub();
        bank.deposit("alice", new Bank.Money(250, Bank.Currency.EUR));
        bank.deposit("alice", new Bank.Money(100, Bank.Currency.USD));
        bank.deposit("alice", new Bank.Money(50, Bank.Currency.EUR));
        assertEquals(400, bank.balance("alice"));
        assertEquals(0, bank.balance("nobody"));
        Bank.Statement statement = bank.statement("alice");
        assertEquals("alice", statement.account());
        assertEquals(List.of(new Bank.Money(250, Bank.Currency.EUR), new Bank.Money(100, Bank.Currency.USD),
                new Bank.Money(50, Bank.Currency.EUR)), statement.entries());
        assertEquals(List.of("EUR", "USD"), List.copyOf(statement.totals().keySet()));
        assertEquals(Map.of("EUR", 300L, "USD", 100L), statement.totals());
        assertArrayEquals("alice".getBytes(UTF_8), statement.signature());
        assertEquals(1 + -2 + 3 + 'a' + 5 + 6L + 0.5f + 0.25, bank.mix(true, (byte) -2, (short) 3, 'a', 5, 6L, 0.5f, 0.25));
        assertNull(bank.maybe(null));
        assertEquals(8, bank.maybe(7));
        byte[] data = new byte[40_000];
        new java.util.Random(7).nextBytes(data);
        byte[] reversed = bank.reverse(data);
        for (int i = 0; i < data.length; i++) {
            assertEquals(data[i], reversed[data.length - 1 - i]);
        }
        assertEquals(List.of("a", "ccc", "bb"), List.copyOf(bank.lengths(List.of("a", "ccc", "bb")).keySet()));
        assertEquals("alice has 400", bank.greeting("alice")); // a default method, run here on remote calls
        assertTrue(bank.toString().contains("bank"), bank.toString());
        assertEquals(bank, bank);
    }

    @Test
    void whatTheImplementationThrowsArrivesWithItsClassAndMessage() throws Exception {
        startServer();
        Bank bank = connect(OPTIONS).stub();
        RemoteInvocationException e = assertThrows(RemoteInvocationException.class, () -> bank.fail("overdrawn"));
        assertEquals(IllegalStateException.class.getName(), e.remoteClass());
        assertEquals("overdrawn", e.remoteMessage());
        assertEquals(7, bank.balance("x") + 7); // the client is still usable
    }

    @Test
    void manyThreadsCallAtOnceAndEachGetsItsOwnResult() throws Exception {
        startServer();
        RpcClient<Bank> client = connect(OPTIONS);
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String account = "acct-" + t;
                int amount = t + 1;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        client.stub().deposit(account, new Bank.Money(amount, Bank.Currency.EUR));
                        assertEquals((long) amount * (i + 1), client.stub().balance(account));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(LONG.toSeconds(), TimeUnit.SECONDS);
            }
        }
        assertEquals(IntStream.rangeClosed(1, 8).mapToLong(a -> 200L * a).sum(),
                IntStream.range(0, 8).mapToLong(t -> client.stub().balance("acct-" + t)).sum());
    }

    @Test
    void manyClientProcessesCallAtOnceWhileOneOfThemIsKilled() throws Exception {
        startServer();
        List<ChildJvm> hammers = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            ChildJvm hammer = ChildJvm.builder(RpcChild.class).args("hammer", NAME, "3", "300").quickStart()
                    .hardTimeout(Duration.ofSeconds(110)).start();
            children.add(hammer);
            hammers.add(hammer);
        }
        ChildJvm victim = ChildJvm.builder(RpcChild.class).args("call", NAME).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(victim);
        victim.awaitLine("CALLED", LONG);
        victim.kill(); // in the middle of its calls
        Bank bank = connect(OPTIONS).stub();
        for (int i = 1; i <= 300; i++) {
            bank.deposit("here", new Bank.Money(2, Bank.Currency.USD));
        }
        for (ChildJvm hammer : hammers) {
            hammer.awaitLine("DONE", LONG);
            hammer.assertSuccess(LONG);
            for (int t = 0; t < 3; t++) {
                assertEquals(300, bank.balance(hammer.pid() + "-" + t));
            }
        }
        assertEquals(600, bank.balance("here"));
        assertTrue(bank.balance("child") > 0);
        connect(OPTIONS); // a HELLO after the victim's death: its reply mailbox goes
        assertFalse(Mailbox.exists(NAME + "-reply-" + victim.pid() + "-1"));
    }

    @Test
    void aCallPastItsTimeoutFailsAndItsThreadAtTheServerIsInterrupted() throws Exception {
        startServer();
        Bank bank = connect(OPTIONS.withCallTimeout(Duration.ofMillis(300))).stub();
        assertThrows(RpcTimeoutException.class, () -> bank.sleep(100_000));
        awaitInterruptedCalls(bank, 1);
        assertEquals(5, bank.sleep(5)); // later calls go on
    }

    @Test
    void cancellingAnAsyncCallInterruptsItAtTheServer() throws Exception {
        startServer();
        RpcClient<Bank> client = connect(OPTIONS);
        CompletableFuture<Long> sleeping = client.async(b -> b.sleep(100_000));
        CompletableFuture<Long> quick = client.async(b -> b.balance("nobody"));
        assertEquals(0, quick.get(LONG.toSeconds(), TimeUnit.SECONDS)); // its reply passed the sleeping call's waiter
        assertFalse(sleeping.isDone());
        assertTrue(sleeping.cancel(true));
        assertThrows(CancellationException.class, sleeping::join);
        awaitInterruptedCalls(client.stub(), 1);
    }

    /** Starts a call that sleeps at the server; a call made after it has been answered, so the server has taken it or soon will. */
    private static CompletableFuture<Long> sleepingCall(RpcClient<Bank> client) {
        CompletableFuture<Long> sleeping = client.async(b -> b.sleep(100_000));
        assertEquals(0, client.stub().balance("x"));
        return sleeping;
    }

    private static void assertLost(CompletableFuture<?> call) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(LONG.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(RpcServerLostException.class, e.getCause());
    }

    private static void awaitInterruptedCalls(Bank bank, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (bank.interruptedCalls() < expected) {
            assertTrue(System.nanoTime() < deadline, "the server's call thread was never interrupted");
            Thread.sleep(10);
        }
        assertEquals(expected, bank.interruptedCalls());
    }

    @Test
    void aCallerLearnsOfTheServersDeathWhileItWaits() throws Exception {
        ChildJvm server = startServer();
        RpcClient<Bank> client = connect(OPTIONS);
        CompletableFuture<Long> waiting = sleepingCall(client);
        server.kill();
        assertLost(waiting);
        assertThrows(RpcServerLostException.class, () -> client.stub().balance("x"));
    }

    @Test
    void closingTheServerFailsPendingAndLaterCalls() throws Exception {
        ChildJvm server = startServer();
        RpcClient<Bank> client = connect(OPTIONS);
        CompletableFuture<Long> waiting = sleepingCall(client);
        server.process().getOutputStream().close();
        server.awaitLine("CLOSED", LONG);
        assertLost(waiting);
        assertThrows(RpcServerLostException.class, () -> client.stub().balance("x"));
        assertFalse(Mailbox.exists(NAME));
        assertThrows(MailboxNotFoundException.class, () -> RpcClient.connect(NAME, Bank.class, OPTIONS));
    }

    /** Another interface of the same shape is still another interface. */
    public interface NotABank {
        long balance(String account);
    }

    @Test
    void aServerRefusesAClientOfAnotherInterface() throws Exception {
        startServer();
        RpcException e = assertThrows(RpcException.class, () -> RpcClient.connect(NAME, NotABank.class, OPTIONS));
        assertTrue(e.getMessage().contains("serves " + Bank.class.getName()), e.getMessage());
        try (var listed = java.nio.file.Files.list(JipcTestExtension.root().resolve("mailbox"))) {
            assertEquals(List.of(NAME), listed.map(p -> p.getFileName().toString()).toList()); // no reply mailbox left
        }
    }

    /**
     * A client killed after its call: the next client is served, and the dead one's reply mailbox is
     * removed by the server's sweep. Until 2026-12-07 the next HELLO swept every client first, on the
     * thread that takes every client's requests (a cost that grew with the clients); now the periodic
     * sweep ({@link RpcServer#SWEEP_INTERVAL}) does it. The bound is a hang guard, many sweeps long.
     */
    @Test
    void aDeadClientsReplyMailboxIsRemovedOnceAnotherClientIsServed() throws Exception {
        startServer();
        ChildJvm caller = ChildJvm.builder(RpcChild.class).args("call", NAME).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(caller);
        caller.awaitLine("CALLED", LONG);
        String reply = NAME + "-reply-" + caller.pid() + "-1";
        assertTrue(Mailbox.exists(reply));
        caller.kill();
        assertEquals(0L, connect(OPTIONS).stub().balance("next")); // a new client is served
        RpcTestWaits.await(LONG, () -> !Mailbox.exists(reply), "the dead client's reply mailbox is still there");
    }

    /**
     * Without any other client coming: the server (here, in the test JVM) forgets a client killed
     * after its first call, and removes its reply mailbox, by its periodic sweep
     * ({@link RpcServer#SWEEP_INTERVAL}). The bound is a hang guard, many sweeps long.
     */
    @Test
    void aDeadClientIsForgottenAndItsReplyMailboxRemovedWithoutAnotherHello() throws Exception {
        RpcServer<Bank> server = RpcServer.start(NAME, Bank.class, new BankService());
        closing.add(server);
        ChildJvm caller = ChildJvm.builder(RpcChild.class).args("call", NAME).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(caller);
        caller.awaitLine("CALLED", LONG);
        String reply = NAME + "-reply-" + caller.pid() + "-1";
        assertTrue(Mailbox.exists(reply));
        assertEquals(1, server.clientCount());
        caller.kill();
        long deadline = System.nanoTime() + LONG.toNanos();
        while ((server.clientCount() > 0 || Mailbox.exists(reply)) && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        assertEquals(0, server.clientCount(), "the dead client is forgotten");
        assertFalse(Mailbox.exists(reply), "its reply mailbox is removed");
    }

    /**
     * A client that takes replies of 64 bytes only (the least {@code maxReplySize}), in a child JVM, for
     * which another process forges a BYE while its call runs: the server's CLOSING, whose reason is about
     * 150 bytes, is cut to fit, so the running call and the next one fail with
     * {@link RpcServerLostException}. Until 2026-12-06 the CLOSING did not fit the client's reply
     * mailbox and was dropped, and both calls, without timeouts, waited for ever (the server's process
     * lives, so the client's liveness check saw nothing wrong).
     */
    @Test
    void aClientTakingSmallRepliesIsToldWhenItsSessionIsEndedByAForgedBye() throws Exception {
        RpcServer<Bank> server = RpcServer.start(NAME, Bank.class, new BankService());
        closing.add(server);
        ChildJvm client = ChildJvm.builder(RpcChild.class).args("small", NAME, "64").quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(client);
        long clientId = Long.parseLong(client.awaitLine("HOLDING", LONG).substring("HOLDING ".length()));
        try (Mailbox requests = Mailbox.open(NAME)) {
            requests.put(RpcFrame.encode(new RpcFrame.Bye(clientId))); // as any process of the same user may
        }
        assertEquals("PENDING RpcServerLostException", client.awaitLine("PENDING", LONG));
        assertEquals("NEXT RpcServerLostException", client.awaitLine("NEXT", LONG));
        client.assertSuccess(LONG);
    }

    /**
     * A server whose name is long (61 characters) closes while its process lives on, and a client in a
     * child JVM that takes replies of 64 bytes only has a call running: the CLOSING ("'NAME' closed", 81
     * bytes as a frame) is cut to fit, so the running call and the next one fail with
     * {@link RpcServerLostException}. Until 2026-12-06 the CLOSING was dropped and the next call (sent
     * into the destroyed mailbox) waited for ever.
     */
    @Test
    void aClientTakingSmallRepliesIsToldWhenAServerWithALongNameCloses() throws Exception {
        String name = "a-service-whose-name-is-longer-than-a-small-reply-leaves-room";
        RpcServer<Bank> server = RpcServer.start(name, Bank.class, new BankService());
        closing.add(server);
        ChildJvm client = ChildJvm.builder(RpcChild.class).args("small", name, "64").quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(client);
        client.awaitLine("HOLDING", LONG);
        server.close(); // this process, the server's, lives on
        assertEquals("PENDING RpcServerLostException", client.awaitLine("PENDING", LONG));
        assertEquals("NEXT RpcServerLostException", client.awaitLine("NEXT", LONG));
        client.assertSuccess(LONG);
    }

    @Test
    void overTcpTheSameCallsWorkBesideClientsOfThisHost() throws Exception {
        URI address = startTcpServer();
        Bank remote = connect(address).stub();
        Bank local = connect(OPTIONS).stub();
        remote.deposit("carol", new Bank.Money(70, Bank.Currency.USD));
        local.deposit("carol", new Bank.Money(30, Bank.Currency.EUR));
        assertEquals(100, remote.balance("carol"));
        assertEquals(100, local.balance("carol"));
        assertEquals(List.of(new Bank.Money(70, Bank.Currency.USD), new Bank.Money(30, Bank.Currency.EUR)),
                remote.statement("carol").entries());
        byte[] data = new byte[200_000]; // over a mailbox this would exceed the 64 KiB reply limit
        data[0] = 1;
        assertEquals(1, remote.reverse(data)[data.length - 1]);
        RemoteInvocationException e = assertThrows(RemoteInvocationException.class, () -> remote.fail("tcp"));
        assertEquals("tcp", e.remoteMessage());
        assertEquals(0, connect(URI.create("mailbox:" + NAME)).stub().balance("nobody"));
    }

    @Test
    void overTcpACallTimesOutAndIsCancelledAtTheServer() throws Exception {
        URI address = startTcpServer();
        RpcClient<Bank> client = RpcClient.connect(address, Bank.class, OPTIONS.withCallTimeout(Duration.ofMillis(300)));
        closing.add(client);
        Bank bank = client.stub();
        assertThrows(RpcTimeoutException.class, () -> bank.sleep(100_000));
        awaitInterruptedCalls(bank, 1);
    }

    @Test
    void overTcpACallerLearnsOfTheServersDeathAndOfItsClose() throws Exception {
        URI address = startTcpServer();
        RpcClient<Bank> client = connect(address);
        CompletableFuture<Long> waiting = sleepingCall(client);
        children.getFirst().kill();
        assertLost(waiting);
        assertThrows(RpcServerLostException.class, () -> client.stub().balance("x"));
        Mailbox.destroy(NAME);

        URI second = startTcpServer();
        RpcClient<Bank> again = connect(second);
        CompletableFuture<Long> pending = sleepingCall(again);
        children.getLast().process().getOutputStream().close();
        children.getLast().awaitLine("CLOSED", LONG);
        assertLost(pending);
    }

    @Test
    void overTcpAServerThatStopsAnsweringIsLostAfterThePeerTimeoutWhileALongCallIsNot() throws Exception {
        URI address = startTcpServer();
        RpcClient<Bank> client = connect(address, OPTIONS.withPeerTimeout(Duration.ofMillis(400)));
        assertEquals(1500, client.stub().sleep(1500)); // longer than the peer timeout: PONGs keep it alive
        CompletableFuture<Long> waiting = sleepingCall(client);
        ChildJvm server = children.getFirst();
        ProcessSignals.send(server.pid(), Signal.SIGSTOP); // as a host that vanished: its connection stays open
        try {
            assertLost(waiting);
            assertThrows(RpcServerLostException.class, () -> client.stub().balance("x"));
        } finally {
            server.kill();
        }
    }

    @Test
    void anAddressThatIsNotAnRpcAddressIsRefused() {
        for (String bad : List.of("http://host/x", "tcp://127.0.0.1:1/", "tcp://127.0.0.1/bank", "udp://127.0.0.1:5/bank")) {
            assertThrows(IllegalArgumentException.class, () -> RpcClient.connect(URI.create(bad), Bank.class, OPTIONS), bad);
        }
    }
}
