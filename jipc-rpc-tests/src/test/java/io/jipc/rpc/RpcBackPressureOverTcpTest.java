package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.signals.ProcessSignals;
import io.jipc.signals.Signal;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A TCP client whose calls a server (another process, {@link RpcChild} {@code uploads}) holds back
 * for longer than the client's frame timeout: its only slot is taken by a call that runs until the
 * test releases it, so it reads no further calls, the socket buffers fill and a call frame is left
 * half-sent. The server proves meanwhile that it lives (a PONG every 100 ms), so the frame must wait
 * on and every call complete (it was: the half-sent frame met the connection's frame timeout, which
 * closed the connection, and every call failed with {@link RpcServerLostException} though the server
 * was fine). A server that is stopped ({@code SIGSTOP}) with a frame half-sent to it is still lost,
 * every call with {@link RpcServerLostException}. The same holds once every caller has given up
 * (timed out, or cancelled) and nobody on the client receives the server's PONGs: the half-sent frame
 * still waits while they arrive (it did not: its connection closed a frame timeout later, and every
 * later call of the client failed with {@link RpcServerLostException} though the server was fine), and
 * ends once the server is stopped. The frame timeout is short here (the default is 10 s); no durations
 * are asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RpcBackPressureOverTcpTest {
    private static final String NAME = "rpc-back-pressure";
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Duration FRAME_TIMEOUT = Duration.ofMillis(400);
    /** Calls of {@link #ARGUMENT} bytes: far more than the socket buffers and the server's mailbox hold (24 MB). */
    private static final int FILLS = 400;
    private static final int ARGUMENT = 60_000;
    private static final RpcClient.Options OPTIONS = RpcClient.Options.defaults().withTcpFrameTimeout(FRAME_TIMEOUT)
            .withPeerTimeout(Duration.ofSeconds(1));

    private ChildJvm server;

    @AfterEach
    void stop() {
        try {
            if (server != null) {
                if (server.isAlive()) {
                    server.kill();
                }
                server.close();
            }
        } finally {
            Mailbox.destroy(NAME);
        }
    }

    private URI startServer() {
        server = ChildJvm.builder(RpcChild.class).args("uploads", NAME).quickStart()
                .hardTimeout(Duration.ofSeconds(230)).start();
        String port = server.awaitLine("SERVING", LONG).substring("SERVING ".length());
        return URI.create("tcp://127.0.0.1:" + port + "/" + NAME);
    }

    /**
     * Starts the holding call, then {@link #FILLS} large calls behind it (into {@code fills}), and waits
     * until the sends must be stuck; returns the holding call.
     */
    private static CompletableFuture<Integer> holdAndFill(RpcClient<Uploads> client, ChildJvm server,
            List<CompletableFuture<Integer>> fills) throws InterruptedException {
        CompletableFuture<Integer> holder = client.async(Uploads::hold);
        server.awaitLine("HOLDING", LONG);
        byte[] big = new byte[ARGUMENT];
        for (int i = 0; i < FILLS; i++) {
            fills.add(client.async(u -> u.length(big)));
        }
        // the sends fill the socket buffers meanwhile and one stops half-way through its frame, which then
        // waits many frame timeouts
        Thread.sleep(10 * FRAME_TIMEOUT.toMillis());
        return holder;
    }

    @Test
    void callsHeldBackLongerThanTheFrameTimeoutByALiveServerAllComplete() throws Exception {
        URI address = startServer();
        try (RpcClient<Uploads> client = RpcClient.connect(address, Uploads.class, OPTIONS)) {
            List<CompletableFuture<Integer>> fills = new ArrayList<>();
            CompletableFuture<Integer> holder = holdAndFill(client, server, fills);
            OutputStream release = server.process().getOutputStream();
            release.write("release\n".getBytes(StandardCharsets.UTF_8));
            release.flush();
            assertEquals(1, holder.get(LONG.toSeconds(), TimeUnit.SECONDS), "the holding call");
            for (int i = 0; i < FILLS; i++) {
                int n = i;
                assertEquals(ARGUMENT, fills.get(i).get(LONG.toSeconds(), TimeUnit.SECONDS), () -> "call " + n);
            }
            assertEquals(7, client.stub().length(new byte[7]), "a later call");
        }
        try {
            server.process().getOutputStream().close();
        } catch (IOException e) {
            // it is gone already: awaitLine says so
        }
        server.awaitLine("CLOSED", LONG);
    }

    /**
     * Holds the server's slot (through interrupts), fills the connection until a frame is left half-sent,
     * then makes every caller give up ({@code timedOut}: their call timeout passes; else {@code cancel(true)}),
     * and waits many frame timeouts with nobody receiving. Every call has ended by then, none with
     * {@link RpcServerLostException}.
     */
    private static void holdFillAndGiveUp(RpcClient<Uploads> client, ChildJvm server, boolean timedOut)
            throws InterruptedException {
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        all.add(client.async(Uploads::holdThroughInterrupts));
        server.awaitLine("HOLDING", LONG);
        byte[] big = new byte[ARGUMENT];
        for (int i = 0; i < FILLS; i++) {
            all.add(client.async(u -> u.length(big)));
        }
        Thread.sleep(10 * FRAME_TIMEOUT.toMillis()); // a frame is half-sent now, and its call timed out if timedOut
        if (!timedOut) {
            all.forEach(call -> call.cancel(true));
        }
        // nobody receives now: the stuck frame's call is the last to end, when its frame gets through (or not)
        Thread.sleep(10 * FRAME_TIMEOUT.toMillis());
        for (int i = 0; i < all.size(); i++) {
            int n = i;
            CompletableFuture<Integer> call = all.get(i);
            if (call.isDone() && !call.isCancelled() && call.isCompletedExceptionally()) {
                Throwable cause = assertThrows(ExecutionException.class, call::get).getCause();
                assertFalse(cause instanceof RpcServerLostException, () -> "call " + n + " while the server lived: "
                        + cause);
            }
        }
    }

    private static RpcClient.Options givingUp(boolean timedOut) {
        return timedOut ? OPTIONS.withCallTimeout(Duration.ofSeconds(1)) : OPTIONS;
    }

    @ParameterizedTest(name = "timed out: {0}")
    @ValueSource(booleans = {true, false})
    void aClientWhoseCallersAllGaveUpDuringBackPressureCallsOnceTheServerReadsAgain(boolean timedOut)
            throws Exception {
        URI address = startServer();
        try (RpcClient<Uploads> client = RpcClient.connect(address, Uploads.class, givingUp(timedOut))) {
            holdFillAndGiveUp(client, server, timedOut);
            OutputStream release = server.process().getOutputStream();
            release.write("release\n".getBytes(StandardCharsets.UTF_8));
            release.flush();
            assertEquals(7, client.stub().length(new byte[7]), "a later call on the same client");
        }
        try {
            server.process().getOutputStream().close();
        } catch (IOException e) {
            // it is gone already: awaitLine says so
        }
        server.awaitLine("CLOSED", LONG);
    }

    @Test
    void aStoppedServerWithAFrameHalfSentToItAndNobodyReceivingIsLost() throws Exception {
        URI address = startServer();
        try (RpcClient<Uploads> client = RpcClient.connect(address, Uploads.class, OPTIONS)) {
            holdFillAndGiveUp(client, server, false);
            ProcessSignals.send(server.pid(), Signal.SIGSTOP); // its PONGs stop: the stuck frame ends its connection
            CompletableFuture<Integer> later = client.async(u -> u.length(new byte[7]));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> later.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(RpcServerLostException.class, e.getCause());
        }
    }

    @Test
    void aStoppedServerWithAFrameHalfSentToItIsLostByEveryCall() throws Exception {
        URI address = startServer();
        try (RpcClient<Uploads> client = RpcClient.connect(address, Uploads.class, OPTIONS)) {
            List<CompletableFuture<Integer>> fills = new ArrayList<>();
            CompletableFuture<Integer> holder = holdAndFill(client, server, fills);
            ProcessSignals.send(server.pid(), Signal.SIGSTOP); // as a host that vanished: its connection stays open
            List<CompletableFuture<Integer>> all = new ArrayList<>(fills);
            all.add(holder);
            for (CompletableFuture<Integer> call : all) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> call.get(LONG.toSeconds(), TimeUnit.SECONDS));
                assertInstanceOf(RpcServerLostException.class, e.getCause());
            }
            assertThrows(RpcServerLostException.class, () -> client.stub().length(new byte[7]));
        }
    }
}
