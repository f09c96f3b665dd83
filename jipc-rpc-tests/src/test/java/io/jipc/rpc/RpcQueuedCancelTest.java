package io.jipc.rpc;

import io.jipc.net.StreamConnection;
import io.jipc.net.StreamServer;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TCP client whose callers have all given up (their futures cancelled) while the server holds their
 * calls back, unread (as a server whose every slot is taken and whose set-aside calls fill the request
 * mailbox's capacity does, sending a PONG every 100 ms meanwhile): the CANCELs that found no room in the
 * full socket wait in the client, and reach the server once it reads again, however long that takes, so
 * that it drops the calls unrun. A fake server in this process stands for the server: it answers HELLO,
 * reads nothing for three peer timeouts while it sends PONGs, then reads everything. Until 2026-12-07 the
 * client's thread that sends the waiting CANCELs took the server for lost after the peer timeout (nobody
 * received its PONGs, which waited unread in the socket) and dropped them: every call the test cancelled
 * would have run. No duration is asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcQueuedCancelTest {
    private static final String NAME = "rpc-queued-cancel";
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(1);
    /**
     * Calls of {@link #ARGUMENT} bytes: far more than the socket buffers hold (24 MB); large, so that the room
     * the kernel makes now and then in a full receive buffer (a few KiB) does not finish the frame left
     * half-sent, behind which the CANCELs wait.
     */
    private static final int FILLS = 24;
    private static final int ARGUMENT = 1_000_000;

    @Test
    void cancelsThatWaitForRoomReachALiveServerThatHeldTheCallsBackLongerThanThePeerTimeout() throws Exception {
        try (StreamServer fake = StreamServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = ((InetSocketAddress) fake.localAddress()).getPort();
            AtomicBoolean reading = new AtomicBoolean();
            CompletableFuture<Set<Long>> uncancelled = CompletableFuture.supplyAsync(() -> {
                try (StreamConnection peer = fake.accept(LONG)) {
                    assertNotNull(peer, "no connection within " + LONG);
                    assertInstanceOf(RpcFrame.Hello.class, RpcFrame.decode(peer.take()));
                    peer.put(RpcFrame.encode(new RpcFrame.Welcome(1, 0, 1 << 20)));
                    Thread pongs = Thread.ofPlatform().daemon().name("fake-pongs").start(() -> {
                        try {
                            while (!reading.get()) { // alive, as a server holding the client's calls back
                                peer.put(RpcFrame.encode(new RpcFrame.Pong(0)));
                                Thread.sleep(100);
                            }
                        } catch (InterruptedException | RuntimeException ended) {
                            // the connection ended
                        }
                    });
                    while (!reading.get()) {
                        Thread.sleep(10); // reads nothing: the client's frames fill the socket
                    }
                    pongs.join();
                    return callsNotCancelled(peer);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            URI address = URI.create("tcp://127.0.0.1:" + port + "/" + NAME);
            RpcClient.Options options = RpcClient.Options.defaults().withPeerTimeout(PEER_TIMEOUT);
            try (RpcClient<Uploads> client = RpcClient.connect(address, Uploads.class, options)) {
                List<CompletableFuture<Integer>> calls = new ArrayList<>();
                byte[] big = new byte[ARGUMENT];
                for (int i = 0; i < FILLS; i++) {
                    calls.add(client.async(u -> u.length(big)));
                }
                Thread.sleep(PEER_TIMEOUT.toMillis()); // the socket is full now, a frame half-sent
                calls.forEach(call -> call.cancel(true)); // the CANCELs find no room: they wait
                Thread.sleep(3 * PEER_TIMEOUT.toMillis()); // nobody receives: the PONGs wait unread
                reading.set(true);
                Set<Long> left = uncancelled.get(2 * LONG.toSeconds(), TimeUnit.SECONDS);
                assertTrue(left.isEmpty(), "calls the server read but got no CANCEL for: " + left);
            }
        }
    }

    /**
     * Reads every frame the client sends: the ids of the CALLs read for which no CANCEL came, once a CANCEL
     * came for each (an empty set), or nothing more came for {@link #LONG}.
     */
    private static Set<Long> callsNotCancelled(StreamConnection peer) throws InterruptedException {
        Set<Long> called = new HashSet<>();
        Set<Long> cancelled = new HashSet<>();
        while (true) {
            byte[] frame = peer.poll(LONG);
            if (frame == null) {
                assertFalse(called.isEmpty(), "the client sent no CALL");
                Set<Long> left = new TreeSet<>(called);
                left.removeAll(cancelled);
                return left;
            }
            switch (RpcFrame.decode(frame)) {
                case RpcFrame.Call call -> called.add(call.callId());
                case RpcFrame.Cancel cancel -> cancelled.add(cancel.callId());
                default -> {
                    // a PING
                }
            }
            if (!called.isEmpty() && cancelled.containsAll(called)) {
                return Set.of();
            }
        }
    }
}
