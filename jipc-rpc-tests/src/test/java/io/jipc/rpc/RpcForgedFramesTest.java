package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames another process of the user writes into a server's request mailbox (any such process may:
 * docs/rpc.md, "The protocol") in the name of clients it is not. Such a writer learns its own client's id
 * from its WELCOME, and no other: a mailbox client's id is random, and a frame from the request mailbox
 * never reaches a client over a connection. Server, clients and the writer in this process, as in
 * {@link RpcDuplicateCallIdTest} (the writer puts {@link RpcFrame}s with jipc-core's {@link Mailbox}); a
 * raw client speaks the protocol by hand where the test must know when its frames are in the mailbox.
 * What runs is observed in the implementation. No durations are asserted: every wait has a bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RpcForgedFramesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final RpcClient.Options OPTIONS = RpcClient.Options.defaults().withCallTimeout(WAIT);
    /** Reply mailbox numbers of the raw clients: far beyond those {@link RpcClient} gives in this JVM. */
    private static final AtomicLong RAW_REPLIES = new AtomicLong(7_000_000_000L);

    /** The victim's and the attacker's service. */
    public interface Accounts {
        /** "balance of WHO"; for "mallory", once the test opens the gate ("interrupted" if interrupted first). */
        String balance(String who);

        String echo(String s);
    }

    static final class AccountsService implements Accounts {
        final CountDownLatch gate = new CountDownLatch(1);
        final List<String> ran = new CopyOnWriteArrayList<>();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();

        @Override
        public String balance(String who) {
            ran.add(who);
            inside.incrementAndGet();
            try {
                if (who.equals("mallory")) {
                    gate.await();
                }
                return "balance of " + who;
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                return "interrupted";
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public String echo(String s) {
            return s;
        }
    }

    private static final Marshaller MARSHALLER = Marshaller.of(Accounts.class);
    private static final java.lang.reflect.Method BALANCE;

    static {
        try {
            BALANCE = Accounts.class.getMethod("balance", String.class);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /** The CALL frame of {@code balance(who)} in the name of client {@code clientId}, call {@code callId}. */
    private static byte[] balanceCall(long clientId, long callId, String who) {
        return RpcFrame.encode(new RpcFrame.Call(clientId, callId, 0, RpcMethods.key(BALANCE),
                MARSHALLER.encodeArguments(new Object[] {who})));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        RpcTestWaits.await(WAIT, condition, what);
    }

    /**
     * A client spoken by hand through mailboxes: its reply mailbox, named as {@link RpcClient} names one
     * ({@code <service>-reply-<pid>-<n>}, made by this process), and the id its WELCOME gave.
     */
    private record RawClient(Mailbox replies, long id) implements AutoCloseable {
        static RawClient hello(String service, Mailbox requests) throws InterruptedException {
            Mailbox replies = Mailbox.create(service + "-reply-" + ProcessHandle.current().pid() + "-"
                    + RAW_REPLIES.incrementAndGet(), MailboxOptions.builder().protocol(RpcClient.REPLY_PROTOCOL).build());
            requests.put(RpcFrame.encode(new RpcFrame.Hello(Accounts.class.getName(), replies.name(),
                    ProcessIdentity.current().token(), replies.maxMessageSize())));
            byte[] welcome = replies.poll(WAIT);
            assertTrue(welcome != null, "no WELCOME within " + WAIT);
            return new RawClient(replies, assertInstanceOf(RpcFrame.Welcome.class, RpcFrame.decode(welcome)).clientId());
        }

        /** The result of the next reply, which must be a RESULT of call {@code callId}. */
        Object result(long callId) throws InterruptedException {
            byte[] reply = replies.poll(WAIT);
            assertTrue(reply != null, "no reply within " + WAIT);
            RpcFrame.Result result = assertInstanceOf(RpcFrame.Result.class, RpcFrame.decode(reply));
            assertEquals(callId, result.callId());
            return MARSHALLER.decodeResult(result.value(), BALANCE);
        }

        @Override
        public void close() {
            replies.destroy();
            replies.close();
        }
    }

    /**
     * The explorer's finding (session 66): a victim says HELLO, then the attacker (a client too, which
     * learns its own id) writes a CALL of {@code balance("mallory")} with the id a counter would have given
     * the victim (the attacker's, less one) and call id 1, the victim's next; while that runs, the victim
     * sends its own call 1, {@code balance("alice")}. The victim gets its own result, and only its own call
     * ran. Until 2026-12-07 ids were 1, 2, 3, ...: the forged call ran as the victim's, the victim's own
     * call was dropped as its duplicate, and the victim got "balance of mallory" as the answer to its call.
     */
    @Test
    void aCallForgedWithTheIdACounterWouldHaveGivenTheVictimIsNotTheVictimsCall() throws Exception {
        AccountsService service = new AccountsService();
        String name = "forged-call";
        try (RpcServer<Accounts> server = RpcServer.start(name, Accounts.class, service);
             Mailbox requests = Mailbox.open(name);
             RawClient victim = RawClient.hello(name, requests);
             RpcClient<Accounts> attacker = RpcClient.connect(name, Accounts.class, OPTIONS)) {
            try {
                requests.put(balanceCall(attacker.clientId() - 1, 1, "mallory"));
                // taken in order by the one thread that takes requests: each frame before it was handled when it returns
                assertEquals("sync", attacker.stub().echo("sync"));
                requests.put(balanceCall(victim.id(), 1, "alice"));
                assertEquals("sync", attacker.stub().echo("sync"));
                service.gate.countDown(); // a forged call that ran ends now, and its result would go to the victim
                assertEquals("balance of alice", victim.result(1), "the victim's answer");
                assertEquals(List.of("alice"), service.ran, "the calls that ran");
            } finally {
                service.gate.countDown();
            }
        }
    }

    /**
     * The writer puts a HELLO naming a live client's reply mailbox with that client's pid and another start
     * time (a dead process's token) into the request mailbox. The server ignores it, since the mailbox was
     * not made by the process the HELLO names: no client is added, and the victim's reply mailbox stays and
     * serves it across the sweeps that follow. Until 2026-12-07 the HELLO was welcomed, and the server's
     * next sweep took that record's client for dead and removed the mailbox, ending the live victim's
     * session ({@link RpcServerLostException} for its calls).
     */
    @Test
    void aHelloNamingALiveClientsReplyMailboxWithAnotherStartTimeIsIgnored() throws Exception {
        AccountsService service = new AccountsService();
        String name = "forged-hello";
        try (RpcServer<Accounts> server = RpcServer.start(name, Accounts.class, service);
             Mailbox requests = Mailbox.open(name);
             RpcClient<Accounts> victim = RpcClient.connect(name, Accounts.class, OPTIONS)) {
            String replies = replyMailboxOf(name);
            long deadToken = ProcessIdentity.current().token() ^ 1; // this pid (the victim's), another start time
            requests.put(RpcFrame.encode(new RpcFrame.Hello(Accounts.class.getName(), replies, deadToken, 0)));
            assertEquals("sync", victim.stub().echo("sync")); // the HELLO was handled
            assertEquals(1, server.clientCount(), "clients after the forged HELLO");
            for (int sweep = 0; sweep < 3; sweep++) { // the server's sweeps pass meanwhile (every SWEEP_INTERVAL)
                Thread.sleep(RpcServer.SWEEP_INTERVAL.toMillis());
                assertEquals("balance of alice", victim.stub().balance("alice"));
            }
            assertTrue(Mailbox.exists(replies), "the victim's reply mailbox was removed");
        }
    }

    /**
     * The writer makes a reply mailbox of its own that holds one message and never reads it, and puts
     * four HELLOs naming it into the request mailbox (three for the interface, then one for another,
     * refused): the first WELCOME fills it. With a reply timeout of a day, a client already connected is
     * served right after them, and only the first HELLO became a client: the answer to a HELLO through
     * the mailbox is placed at once or not at all. Until 2026-12-07 the thread that takes every mailbox
     * client's requests waited for room for each later answer up to the reply timeout (10 s by default),
     * and the client's call waited behind them (here it times out).
     */
    @Test
    void helloesNamingAFullReplyMailboxHoldNoOtherClientsRequests() throws Exception {
        AccountsService service = new AccountsService();
        String name = "forged-full";
        try (RpcServer<Accounts> server = RpcServer.builder(name, Accounts.class, service)
                .replyTimeout(Duration.ofDays(1)).start();
             Mailbox requests = Mailbox.open(name);
             RpcClient<Accounts> client = RpcClient.connect(name, Accounts.class, OPTIONS);
             Mailbox unread = Mailbox.create(name + "-reply-" + ProcessHandle.current().pid() + "-"
                     + RAW_REPLIES.incrementAndGet(), MailboxOptions.builder().maxMessageSize(64).messageLimit(1)
                     .protocol(RpcClient.REPLY_PROTOCOL).build())) {
            try {
                long token = ProcessIdentity.current().token();
                for (String api : List.of(Accounts.class.getName(), Accounts.class.getName(), Accounts.class.getName(),
                        "no.such.Interface")) {
                    requests.put(RpcFrame.encode(new RpcFrame.Hello(api, unread.name(), token, 0)));
                }
                assertEquals("served", client.stub().echo("served"));
                assertEquals(2, server.clientCount(), "clients: the connected one and the first HELLO's");
            } finally {
                unread.destroy(); // a server still waiting for room there gives up
            }
        }
    }

    /**
     * A CANCEL written into the request mailbox with a mailbox client's id (which only the client learns;
     * this test reads it from the client object) and the call id of its running plain call, which has no
     * call timeout: the call's thread at the server is interrupted and the blocking stub call throws
     * {@link CancellationException} (docs/rpc.md's failure table), not a result.
     */
    @Test
    void aCancelOfAPlainCallMakesItThrowCancellationException() throws Exception {
        AccountsService service = new AccountsService();
        String name = "forged-cancel";
        try (RpcServer<Accounts> server = RpcServer.start(name, Accounts.class, service);
             Mailbox requests = Mailbox.open(name);
             RpcClient<Accounts> client = RpcClient.connect(name, Accounts.class, RpcClient.Options.defaults())) {
            try {
                CompletableFuture<Throwable> outcome = new CompletableFuture<>();
                Thread caller = Thread.ofPlatform().start(() -> {
                    try {
                        outcome.complete(new AssertionError("returned " + client.stub().balance("mallory")));
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                });
                await(() -> service.inside.get() == 1, "the call did not start");
                requests.put(RpcFrame.encode(new RpcFrame.Cancel(client.clientId(), 1)));
                Throwable thrown = outcome.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                CancellationException cancelled = assertInstanceOf(CancellationException.class, thrown);
                assertEquals("balance(java.lang.String) was cancelled at the server", cancelled.getMessage());
                assertEquals(1, service.interrupted.get(), "calls interrupted at the server");
                caller.join(WAIT);
            } finally {
                service.gate.countDown();
            }
        }
    }

    /** The name of the one reply mailbox of {@code service} this process has. */
    private static String replyMailboxOf(String service) throws java.io.IOException {
        String prefix = service + "-reply-" + ProcessHandle.current().pid() + "-";
        try (var files = java.nio.file.Files.list(Mailbox.path(service).getParent())) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList();
            assertEquals(1, names.size(), "reply mailboxes " + names);
            return names.getFirst();
        }
    }

    /**
     * A TCP client starts a call (its call 1), and the writer of the request mailbox, who knows the TCP
     * client's id (this test reads it from the client object), writes a CALL with that id and call id 1,
     * one with another call id, a CANCEL of call 1 and a BYE for it. None reaches the TCP client: its call
     * runs on uninterrupted to its result, it stays connected and is served, and no other call ran. Until
     * 2026-12-07 the duplicate CALL ended its connection (its calls interrupted, later ones {@link
     * RpcServerLostException}), the CANCEL interrupted its call and the BYE ended its session.
     */
    @Test
    void framesFromTheRequestMailboxDoNotReachAConnectionsClient() throws Exception {
        AccountsService service = new AccountsService();
        String name = "forged-tcp";
        try (RpcServer<Accounts> server = RpcServer.builder(name, Accounts.class, service)
                .listen(new InetSocketAddress("127.0.0.1", 0)).start();
             Mailbox requests = Mailbox.open(name);
             RpcClient<Accounts> local = RpcClient.connect(name, Accounts.class, OPTIONS);
             RpcClient<Accounts> remote = RpcClient.connect(RpcTestWaits.tcpUri(server), Accounts.class, OPTIONS)) {
            try {
                CompletableFuture<String> held = remote.async(a -> a.balance("mallory")); // its call 1
                await(() -> service.inside.get() == 1, "the TCP client's call did not start");
                long id = remote.clientId();
                requests.put(balanceCall(id, 1, "forged duplicate"));
                requests.put(balanceCall(id, 7, "forged new"));
                requests.put(RpcFrame.encode(new RpcFrame.Cancel(id, 1)));
                requests.put(RpcFrame.encode(new RpcFrame.Bye(id)));
                assertEquals("sync", local.stub().echo("sync")); // the frames before it were handled
                assertEquals(2, server.clientCount(), "clients after the forged frames");
                assertEquals("served", remote.stub().echo("served"));
                assertEquals(1, service.inside.get(), "the TCP client's call no longer runs");
                service.gate.countDown();
                assertEquals("balance of mallory", held.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertEquals(0, service.interrupted.get(), "calls interrupted");
                assertEquals(List.of("mallory"), service.ran, "the calls that ran");
            } finally {
                service.gate.countDown();
            }
        }
    }
}
