package io.jipc.rpc;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Callers over TCP that give up on calls whose own CALL frame is left half-sent: the server's only
 * slot is held (by another client's call), so it reads no further, the socket buffers fill, and one
 * call's frame stops half-way. That call must end as any other given-up call does, while its frame is
 * finished in the background: with the call timeout (1 s) it ends with {@link RpcTimeoutException},
 * the same message as every other call that timed out; with {@code cancel(true)} of its future its
 * virtual thread ends. Until 2026-12-07 it ended only when its frame was through (the server read
 * again) or the connection ended, whatever its call timeout, and a {@code cancel(true)} left its
 * thread waiting as long. Either way, once the server reads again, the connection still carries
 * calls: the given-up frame was finished, not cut. No durations are asserted: every wait has a hard
 * bound, and without the change the stuck call meets it.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RpcGivenUpHalfSentCallTest {
    /**
     * Calls of {@link #ARGUMENT} bytes: far more than the socket buffers hold (60 MB; the kernel may let a
     * loopback connection's receive buffer grow to {@code tcp_rmem}'s maximum, 32 MB here, and its send
     * buffer to 4 MB).
     */
    private static final int FILLS = 100;
    private static final int ARGUMENT = 600_000;
    private static final long BOUND_SECONDS = 60;

    private static URI address(RpcServer<Uploads> server, String name) {
        return URI.create("tcp://127.0.0.1:" + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort()
                + "/" + name);
    }

    private static RpcClient<Uploads> connect(RpcServer<Uploads> server, String name, RpcClient.Options options)
            throws InterruptedException {
        return RpcClient.connect(address(server, name), Uploads.class, options);
    }

    private static RpcServer<Uploads> start(String name, UploadsService service) {
        return RpcServer.builder(name, Uploads.class, service).listen(new InetSocketAddress("127.0.0.1", 0))
                .maxCalls(1).maxCallsPerConnection(1).start();
    }

    /**
     * Takes the server's only slot with a call of {@code holding} until the service is released, and fills
     * the server's queue of calls waiting for a slot with a large call of {@code queued} (another connection,
     * whose call is not set aside behind the holding one; no call timeout: it stays there), so that the
     * server reads no further from any connection; returns both calls.
     */
    private static List<CompletableFuture<Integer>> hold(RpcClient<Uploads> holding, RpcClient<Uploads> queued,
            UploadsService service) throws InterruptedException {
        CompletableFuture<Integer> holder = holding.async(Uploads::hold);
        while (service.holdingCalls() == 0) {
            Thread.sleep(5);
        }
        byte[] big = new byte[ARGUMENT];
        CompletableFuture<Integer> waiting = queued.async(u -> u.length(big)); // more than the queue holds (256 KiB)
        Thread.sleep(300); // it is queued meanwhile (if not, it is later, and stays: the others' deadlines pass)
        return List.of(holder, waiting);
    }

    /** Releases the slot; then {@code client}'s connection still carries calls, a large one too. */
    private static void releaseAndCallAgain(RpcClient<Uploads> client, UploadsService service,
            List<CompletableFuture<Integer>> held) throws Exception {
        service.release();
        assertEquals(1, held.get(0).get(BOUND_SECONDS, TimeUnit.SECONDS), "the holding call");
        assertEquals(ARGUMENT, held.get(1).get(BOUND_SECONDS, TimeUnit.SECONDS), "the call waiting for the slot");
        byte[] big = new byte[ARGUMENT];
        for (int attempt = 0; ; attempt++) {
            try { // the server works through the calls it had queued first: with a call timeout, may take a few
                assertEquals(7, client.stub().length(new byte[7]), "a later call");
                assertEquals(ARGUMENT, client.stub().length(big), "a later large call");
                return;
            } catch (RpcTimeoutException e) {
                if (attempt == 30) {
                    throw e;
                }
            }
        }
    }

    /**
     * The usual call, whose frame leaves whole at once (the connection idle, the frame small), is sent
     * by its caller: no thread of its own ({@link CallSend}), no hand-off on the way of every call.
     */
    @Test
    void aCallWhoseFrameLeavesAtOnceIsSentByItsCaller() throws Exception {
        String name = "sent-by-caller";
        UploadsService service = new UploadsService();
        try (RpcServer<Uploads> server = start(name, service);
                RpcClient<Uploads> client = connect(server, name, RpcClient.Options.defaults())) {
            long before = CallSend.started();
            for (int i = 0; i < 50; i++) {
                assertEquals(i, client.stub().length(new byte[i]));
            }
            assertEquals(before, CallSend.started(), "calls sent on a thread of their own");
        }
    }

    @Test
    void aCallWhoseFrameIsHalfSentEndsWithTheCallTimeout() throws Exception {
        String name = "given-up-half-sent-timeout";
        UploadsService service = new UploadsService();
        RpcClient.Options timed = RpcClient.Options.defaults().withCallTimeout(Duration.ofSeconds(1));
        try (RpcServer<Uploads> server = start(name, service);
                RpcClient<Uploads> holding = connect(server, name, RpcClient.Options.defaults());
                RpcClient<Uploads> queued = connect(server, name, RpcClient.Options.defaults());
                RpcClient<Uploads> client = connect(server, name, timed)) {
            List<CompletableFuture<Integer>> held = hold(holding, queued, service);
            byte[] big = new byte[ARGUMENT];
            List<CompletableFuture<Integer>> fills = new ArrayList<>();
            for (int i = 0; i < FILLS; i++) {
                fills.add(client.async(u -> u.length(big)));
            }
            // the sends fill the socket buffers and the server's queue; one frame stops half-way, and the calls
            // time out meanwhile: those sent whole, those whose frames never started, and the half-sent one
            Set<String> messages = new TreeSet<>();
            for (int i = 0; i < FILLS; i++) {
                int n = i;
                CompletableFuture<Integer> fill = fills.get(i);
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> fill.get(BOUND_SECONDS, TimeUnit.SECONDS), () -> "call " + n);
                assertInstanceOf(RpcTimeoutException.class, e.getCause(), () -> "call " + n);
                messages.add(e.getCause().getMessage());
            }
            assertEquals(1, messages.size(), () -> "one message for every timed-out call: " + messages);
            assertTrue(messages.iterator().next().contains("took longer than 1s"), messages::toString);
            releaseAndCallAgain(client, service, held);
        }
    }

    @Test
    void aCallWhoseFrameIsHalfSentEndsWhenItsFutureIsCancelled() throws Exception {
        String name = "given-up-half-sent-cancel";
        UploadsService service = new UploadsService();
        try (RpcServer<Uploads> server = start(name, service);
                RpcClient<Uploads> holding = connect(server, name, RpcClient.Options.defaults());
                RpcClient<Uploads> queued = connect(server, name, RpcClient.Options.defaults());
                RpcClient<Uploads> client = connect(server, name, RpcClient.Options.defaults())) {
            List<CompletableFuture<Integer>> held = hold(holding, queued, service);
            byte[] big = new byte[ARGUMENT];
            CountDownLatch ended = new CountDownLatch(FILLS); // the stub calls that returned or threw
            List<CompletableFuture<Integer>> fills = new ArrayList<>();
            for (int i = 0; i < FILLS; i++) {
                fills.add(client.async(u -> {
                    try {
                        return u.length(big);
                    } finally {
                        ended.countDown();
                    }
                }));
            }
            Thread.sleep(1000); // the sends fill the socket buffers meanwhile: one stops half-way through its frame
            fills.forEach(fill -> fill.cancel(true));
            assertTrue(ended.await(BOUND_SECONDS, TimeUnit.SECONDS),
                    () -> ended.getCount() + " cancelled calls still waiting while the server reads nothing");
            releaseAndCallAgain(client, service, held);
        }
    }
}
