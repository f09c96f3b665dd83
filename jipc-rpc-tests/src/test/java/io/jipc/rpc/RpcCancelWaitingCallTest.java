package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.Writer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A call that waits at the server (for a slot of {@code maxCalls}, or set aside beyond its client's
 * {@code maxCallsPerConnection}; through the mailbox, and over TCP) and is cancelled by its caller ({@code cancel(true)} of its future, or
 * its call timeout passing, which sends a CANCEL) never runs: the server, in the test JVM, holds its
 * only slot with a call of a child JVM ({@link RpcChild} {@code cancel}), which then sends a call it
 * cancels, a call through a client with a 500 ms call timeout, and a call it keeps; once the held call
 * is let go, only the kept one has run (the deposits are counted at the server) and a next call is
 * served (the dropped calls gave their slots back). Until 2026-12-05 the leader (or the connection's
 * reader) waited for the slot with the CANCELs unread behind the call, and both ran when the slot
 * freed. No durations are asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RpcCancelWaitingCallTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    /** How long the requests behind the waiting call may take to be read (a hang guard: they are read at once). */
    private static final Duration READ_BEHIND = Duration.ofSeconds(20);
    private static final String NAME = "cancelwait";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mailbox", "set aside", "tcp", "tcp per connection", "mailbox full"})
    void aCallCancelledOrTimedOutWhileItWaitsAtTheServerNeverRuns(String mode) throws Exception {
        boolean tcp = mode.startsWith("tcp");
        boolean full = mode.equals("mailbox full");
        // "tcp per connection": the connection's bound (2) taken by the holding call and the cancelled one, a third
        // call behind them, then the CANCEL (until 2026-12-05 the reader read nothing behind the third call);
        // "mailbox full": the calls waiting for the slot hold the request mailbox's capacity and the mailbox is full
        // when the timed call's timeout passes (its CANCEL finds no room: the server's deadline, from when it took
        // the call, drops it)
        int fillers = mode.equals("tcp per connection") ? 1 : full ? 24 : -1;
        int pad = full ? 8000 : 16;
        BankService accounts = new BankService();
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger holding = new AtomicInteger();
        Bank bank = (Bank) Proxy.newProxyInstance(Bank.class.getClassLoader(), new Class<?>[] {Bank.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("sleep")) { // the call that holds the slot, until the gate opens
                        holding.incrementAndGet();
                        return gate.await(2 * LONG.toSeconds(), TimeUnit.SECONDS) ? 0L : -1L;
                    }
                    try {
                        return method.invoke(accounts, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        RpcServer.Builder<Bank> builder = RpcServer.builder(NAME, Bank.class, bank).maxCalls(1);
        if (mode.equals("set aside")) {
            builder.maxCallsPerConnection(1); // the child's second call is set aside behind its first
        }
        if (mode.equals("tcp per connection")) {
            builder.maxCallsPerConnection(2);
        }
        if (full) { // 8 fillers wait for the slot, 8 fill the mailbox, the rest wait for room
            builder.mailboxOptions(MailboxOptions.builder().maxMessageSize(16 * 1024).capacityBytes(64 * 1024).build());
        }
        if (tcp) {
            builder.listen(new InetSocketAddress("127.0.0.1", 0));
        }
        try (RpcServer<Bank> server = builder.start();
             Mailbox requests = Mailbox.open(NAME);
             ChildJvm child = ChildJvm.builder(RpcChild.class).args("cancel", !tcp ? NAME : "tcp://127.0.0.1:"
                             + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/" + NAME,
                             Integer.toString(fillers), Integer.toString(pad))
                     .quickStart().hardTimeout(Duration.ofSeconds(170)).start()) {
            Writer toChild = child.process().outputWriter(StandardCharsets.UTF_8);
            try {
                child.awaitLine("HOLDING", LONG);
                await(() -> holding.get() == 1, "the holding call did not start");
                long taken = requests.receivedCount(); // through the mailbox: two HELLOs and the holding call
                next(toChild);
                child.awaitLine("SENT", LONG);
                // the call has reached the server (a cancel before its send would leave nothing to drop)
                int sent = fillers >= 0 ? 2 : 1; // with fillers, the timed call too
                await(tcp ? () -> server.callsAwaitingSlot() == sent : () -> requests.receivedCount() >= taken + sent,
                        "the server did not take the calls that wait");
                next(toChild);
                if (fillers >= 0) {
                    child.awaitLine("FILLING", LONG);
                    if (full) { // the waiting calls hold the capacity and the mailbox is full behind them
                        await(() -> requests.pendingBytes() > requests.capacityBytes() - 2 * (pad + 200),
                                "the request mailbox did not fill");
                    }
                    next(toChild);
                }
                assertEquals("CANCELLED CancellationException", child.awaitLine("CANCELLED", LONG));
                assertEquals("TIMEOUT RpcTimeoutException", child.awaitLine("TIMEOUT", LONG));
                child.awaitLine("FIRED", LONG);
                // both CANCELs read, and the calls dropped, while the slot is still held (until 2026-12-05 the
                // server read nothing behind a call waiting for a slot before the slot freed)
                // through a full mailbox only the timed call is dropped while the slot is held (by the server's
                // deadline); the CANCEL of the other waits at the client for room, which comes once calls end
                int dropped = full ? 1 : 2;
                boolean readBehind = within(() -> server.droppedUnrun() == dropped, READ_BEHIND);
                gate.countDown();
                assertEquals("HELD 0", child.awaitLine("HELD", LONG), child.output());
                assertEquals("KEPT true", child.awaitLine("KEPT", LONG), child.output());
                assertEquals("NEXT 1", child.awaitLine("NEXT", LONG), child.output());
                assertEquals("FILLED " + Math.max(0, fillers), child.awaitLine("FILLED", LONG), child.output());
                child.assertSuccess(LONG);
                if (!full) { // see rpc.md: the first calls to get a slot may start before a CANCEL that found no room
                    assertEquals(0, accounts.balance("cancelled"), "the call cancelled while it waited ran");
                }
                assertEquals(0, accounts.balance("timedout"), "the call whose timeout passed while it waited ran");
                assertEquals(1, accounts.balance("kept"));
                assertTrue(readBehind, server.droppedUnrun() + " calls dropped unrun while the slot was held");
                if (!full) {
                    assertEquals(2, server.droppedUnrun());
                }
                try (RpcClient<Bank> after = RpcClient.connect(NAME, Bank.class)) { // the only slot is free again
                    assertEquals(1, after.stub().balance("kept"), "a call after them is served");
                    assertEquals(1, after.stub().balance("kept"));
                }
            } finally {
                gate.countDown();
                toChild.close();
            }
        } finally {
            Mailbox.destroy(NAME);
        }
    }

    private static void next(Writer toChild) throws IOException {
        toChild.write("next\n");
        toChild.flush();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        assertTrue(within(condition, LONG), what);
    }

    /** Whether {@code condition} holds within {@code guard} (a hang guard, not a measure). */
    private static boolean within(BooleanSupplier condition, Duration guard) throws InterruptedException {
        long deadline = System.nanoTime() + guard.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
