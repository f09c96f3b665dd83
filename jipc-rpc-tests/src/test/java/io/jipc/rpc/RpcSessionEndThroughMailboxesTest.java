package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client through mailboxes whose session ends while the server's process lives on, and which can
 * learn it from no CLOSING it reads: its calls must fail with {@link RpcServerLostException}, not wait
 * until the server's process exits (for ever here: the server runs in the test JVM, which lives on).
 * The client is a child JVM ({@link RpcChild} {@code small} or {@code send}); it makes its calls
 * without a call timeout, so only the session's end can end them. Until 2026-12-07 each of these
 * waited for ever (the explorer's findings F00, F0 and F0b of rpc65): the client's reply mailbox
 * removed by another process (the server forgot the client and sent it nothing); a call waiting for
 * room in the server's full mailbox when the server closed (its CLOSING lay unread in the reply
 * mailbox); a client stopped with its reply mailbox full across the close (no CLOSING could be
 * placed). No durations are asserted: every wait has a generous bound, and a hang fails at it.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcSessionEndThroughMailboxesTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final String NAME = "session-end";

    private final List<ChildJvm> children = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (ChildJvm child : children) {
            if (child.isAlive()) {
                child.kill(); // a failed test's child, waiting (or stopped): its reply mailbox is left
                String prefix = NAME + "-reply-" + child.pid() + "-";
                try (var files = Files.list(Mailbox.path(NAME).getParent())) {
                    files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith(prefix))
                            .forEach(Mailbox::destroy);
                }
            }
            child.close();
        }
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        Mailbox.destroy(NAME);
    }

    /**
     * Another process removes a live client's reply mailbox (as {@code jipc rm} does) while a call of
     * its runs: the server forgets the client at its next sweep, and the client's pending call and its
     * next call fail with {@link RpcServerLostException} (the server's CLOSING through the mapping both
     * still hold, or the client's own look at its mailbox's name).
     */
    @Test
    void aLiveClientWhoseReplyMailboxIsRemovedIsToldItsSessionEnded() throws Exception {
        RpcServer<Bank> server = RpcServer.start(NAME, Bank.class, new BankService());
        closing.add(server);
        ChildJvm client = startSmall();
        assertTrue(Mailbox.destroy(replyMailboxOf(client)), "the reply mailbox is removed");
        assertEquals("PENDING RpcServerLostException", client.awaitLine("PENDING", LONG));
        assertEquals("NEXT RpcServerLostException", client.awaitLine("NEXT", LONG));
        client.assertSuccess(LONG);
        await(() -> server.clientCount() == 0, "the server forgets the client");
    }

    /**
     * The server ({@code maxCalls(1)}, a 16 KiB mailbox) is held by a filler client of the test JVM:
     * its one slot runs a long sleep, its set-aside room and then its mailbox fill with the filler's
     * deposits; the child's one calling thread then makes a large call, which waits for room. The
     * server closes while its process (the test JVM) lives on: the call, which reads nothing while it
     * waits to send, fails with {@link RpcServerLostException}, and so does its next.
     */
    @Test
    void aCallWaitingForRoomWhenTheServerClosesFailsThoughTheServersProcessLives() throws Exception {
        RpcServer<Bank> server = RpcServer.builder(NAME, Bank.class, new BankService()).maxCalls(1)
                .mailboxOptions(MailboxOptions.builder().maxMessageSize(8192).capacityBytes(16 * 1024).build()).start();
        closing.add(server);
        ChildJvm victim = ChildJvm.builder(RpcChild.class).args("send", NAME, "6000").quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(victim);
        victim.awaitLine("CONNECTED", LONG); // its HELLO went while there was room
        RpcClient<Bank> filler = RpcClient.connect(NAME, Bank.class);
        closing.add(filler);
        List<CompletableFuture<?>> calls = new ArrayList<>();
        calls.add(filler.async(bank -> bank.sleep(600_000))); // holds the one slot until the close interrupts it
        Bank.Money cent = new Bank.Money(1, Bank.Currency.EUR);
        for (int i = 0; i < 60; i++) {
            String account = i + "-" + "f".repeat(1000);
            calls.add(filler.async(bank -> {
                bank.deposit(account, cent);
                return null;
            }));
        }
        try (Mailbox requests = Mailbox.open(NAME)) {
            // the victim's call (over 6000 bytes) finds no room from now on: nobody takes from the mailbox
            await(() -> requests.capacityBytes() - requests.pendingBytes() < 5000, "the server's mailbox fills");
        }
        victim.process().getOutputStream().write("call\n".getBytes(StandardCharsets.UTF_8));
        victim.process().getOutputStream().flush();
        victim.awaitLine("CALLING", LONG);
        Thread.sleep(300); // its send waits for room meanwhile (not needed for the assertion: it waits either way)
        server.close(); // this process, the server's, lives on
        assertEquals("CALLED RpcServerLostException", victim.awaitLine("CALLED", LONG));
        assertEquals("NEXT RpcServerLostException", victim.awaitLine("NEXT", LONG));
        victim.assertSuccess(LONG);
        for (CompletableFuture<?> call : calls) { // the filler's calls end too (a few deposits may have run)
            call.handle((v, e) -> null).get(LONG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /**
     * A client stopped ({@code SIGSTOP}) with a call running and its reply mailbox full to the last
     * bytes (the test's stray bytes, which the client skips) when the server closes: the close's
     * CLOSING finds no room within the server's reply timeout (200 ms here) and is dropped, and the
     * server keeps nothing owed once closed. Continued after the close, while the server's process
     * lives on, the client's pending call and its next call fail with {@link RpcServerLostException}.
     */
    @Test
    void aClientStoppedWithAFullReplyMailboxAcrossTheCloseIsToldWhenItContinues() throws Exception {
        RpcServer<Bank> server = RpcServer.builder(NAME, Bank.class, new BankService())
                .replyTimeout(Duration.ofMillis(200)).start();
        closing.add(server);
        ChildJvm client = startSmall();
        String replyName = replyMailboxOf(client);
        ProcessSignals.send(client.pid(), Signal.SIGSTOP);
        try {
            ProcessStates.awaitStopped(client.pid(), LONG);
            try (Mailbox replies = Mailbox.open(replyName)) {
                byte[] stray = new byte[8];
                java.util.Arrays.fill(stray, (byte) -1);
                while (replies.offer(stray)) {
                    // until not even 8 bytes fit: no CLOSING does
                }
            }
            server.close(); // this process, the server's, lives on
        } finally {
            ProcessSignals.send(client.pid(), Signal.SIGCONT);
        }
        assertEquals("PENDING RpcServerLostException", client.awaitLine("PENDING", LONG));
        assertEquals("NEXT RpcServerLostException", client.awaitLine("NEXT", LONG));
        client.assertSuccess(LONG);
    }

    /** A child client ({@link RpcChild} {@code small}) with a {@code sleep} call running at the server. */
    private ChildJvm startSmall() {
        ChildJvm client = ChildJvm.builder(RpcChild.class).args("small", NAME, String.valueOf(64 * 1024)).quickStart()
                .hardTimeout(Duration.ofSeconds(110)).start();
        children.add(client);
        client.awaitLine("HOLDING", LONG);
        return client;
    }

    /** The name of {@code client}'s reply mailbox: {@code NAME-reply-<pid>-<n>}. */
    private static String replyMailboxOf(ChildJvm client) throws IOException {
        String prefix = NAME + "-reply-" + client.pid() + "-";
        try (var files = Files.list(Mailbox.path(NAME).getParent())) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith(prefix)).findFirst()
                    .orElseThrow();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        RpcTestWaits.await(LONG, condition, what);
    }
}
