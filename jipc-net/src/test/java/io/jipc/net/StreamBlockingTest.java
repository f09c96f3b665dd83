package io.jipc.net;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.jipc.net.SocketTestSupport.bytes;
import static io.jipc.net.SocketTestSupport.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How blocked calls end: interrupts and {@code close()} from another thread, on platform and
 * virtual threads; timed offers that give up without sending half a frame; a reader that stops
 * mid-frame; and many blocked virtual threads that do not pin the carriers.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamBlockingTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    /** A server that hands its connections to the test, and a client connected to it. */
    private StreamConnection[] pair(ConnectionOptions options) throws Exception {
        StreamServer server = closer.track(StreamServer.bind(SocketTestSupport.unix(SocketTestSupport.newPath("b")),
                ServerOptions.defaults().withConnection(options).withCloseGrace(Duration.ZERO)));
        StreamConnection client = closer.track(StreamConnection.connect(server.localAddress(), options));
        StreamConnection accepted = closer.track(server.accept(LONG));
        assertNotNull(accepted);
        return new StreamConnection[] {client, accepted};
    }

    /** A thread blocked in {@code take()} on {@code c}; {@code outcome} gets what ended it (null: a message). */
    private static Thread blockedTake(boolean virtual, StreamConnection c, CompletableFuture<Throwable> outcome) {
        return (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
            try {
                c.take();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aBlockedTakeEndsOnInterrupt(boolean virtual) throws Exception {
        StreamConnection[] p = pair(ConnectionOptions.defaults());
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread taker = blockedTake(virtual, p[1], outcome);
        Thread.sleep(200);
        taker.interrupt();
        assertInstanceOf(InterruptedException.class, outcome.get(60, TimeUnit.SECONDS));
        // the connection is still usable: nothing had arrived
        p[0].put(bytes("after"));
        assertEquals("after", text(p[1].take()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aBlockedTakeEndsWhenAnotherThreadClosesTheConnection(boolean virtual) throws Exception {
        StreamConnection[] p = pair(ConnectionOptions.defaults());
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        blockedTake(virtual, p[1], outcome);
        Thread.sleep(200);
        p[1].close();
        assertInstanceOf(ClosedException.class, outcome.get(60, TimeUnit.SECONDS));
        assertNull(p[0].poll(LONG), "the peer sees end of stream");
        assertThrows(ClosedException.class, () -> p[1].put(bytes("x")));
    }

    @Test
    void aTimedOfferGivesUpWithoutSendingHalfAFrameWhileThePeerDoesNotRead() throws Exception {
        StreamConnection[] p = pair(ConnectionOptions.defaults());
        byte[] message = new byte[16 * 1024];
        int sent = 0;
        while (p[0].offer(message, Duration.ofMillis(100))) {
            sent++;
            assertTrue(sent < 10_000, "the socket buffers never filled");
        }
        assertFalse(p[0].offer(message), "still full");
        // once the reader reads, every message that was accepted arrives whole, and nothing else
        p[0].shutdownOutput();
        int received = 0;
        for (byte[] m; (m = p[1].poll(LONG)) != null; ) {
            assertEquals(message.length, m.length);
            received++;
        }
        assertTrue(p[1].isEndOfStream());
        assertEquals(sent, received);
    }

    /**
     * A send after this side's own {@code shutdownOutput()} is this side's doing: ClosedException, not
     * the peer's close (sock58 explorer: PeerClosedException "... closed the connection (EPIPE)").
     */
    @Test
    void aSendAfterOwnShutdownOutputIsNotBlamedOnThePeer() throws Exception {
        StreamConnection[] p = pair(ConnectionOptions.defaults());
        p[0].shutdownOutput();
        ClosedException e = assertThrows(ClosedException.class, () -> p[0].put(bytes("late")));
        assertTrue(e.getMessage().contains("shut down its output"), e.getMessage());
        assertNull(p[1].poll(LONG), "the peer sees end of stream, nothing more");
        p[1].put(bytes("still open the other way"));
        assertEquals("still open the other way", text(p[0].poll(LONG)));
    }

    /** Connect, frame and close-grace durations of centuries are no deadline, never an ArithmeticException. */
    @Test
    void durationsOfCenturiesAreNoDeadline() throws Exception {
        Duration centuries = Duration.ofSeconds(Long.MAX_VALUE);
        ConnectionOptions options = ConnectionOptions.defaults().withConnectTimeout(centuries).withFrameTimeout(centuries);
        try (StreamServer server = StreamServer.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                ServerOptions.defaults().withConnection(options).withCloseGrace(centuries));
             StreamConnection client = StreamConnection.connect(server.localAddress(), options);
             StreamConnection accepted = server.accept(centuries)) {
            assertNotNull(accepted);
            client.put("over".getBytes());
            assertEquals("over", new String(accepted.take()));
            assertTrue(accepted.offer("back".getBytes(), centuries));
            assertEquals("back", new String(client.poll(centuries)));
        }
    }

    @Test
    void aPeerThatStopsReadingMidFrameEndsTheSendWithAFrameTimeout() throws Exception {
        ConnectionOptions quick = ConnectionOptions.defaults().withFrameTimeout(Duration.ofMillis(300))
                .withMaxFrameSize(16 << 20);
        StreamConnection[] p = pair(quick);
        FrameTimeoutException e = assertThrows(FrameTimeoutException.class, () -> p[0].put(new byte[16 << 20]));
        assertTrue(e.getMessage().contains("did not read a started frame within 300ms"), e.getMessage());
        assertFalse(p[0].isOpen(), "a connection left mid-frame is closed");
    }

    /**
     * {@code offerWhole} bounds the whole frame by its own timeout, not only its start: a frame larger
     * than the socket buffers, to a peer that does not read, starts at once and is cut at the offer's
     * timeout (300 ms), long before the frame timeout (a minute, beyond this test's timeout, which a
     * plain timed offer would wait out). Thread kinds: the waits differ (poller or poll slices).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void offerWholeEndsAStartedFrameAtItsOwnTimeoutNotTheFrameTimeout(boolean virtual) throws Exception {
        assertOfferWholeIsCutAtItsOwnTimeout(virtual, 16 << 20,
                c -> c.offerWhole(new byte[16 << 20], Duration.ofMillis(300)));
    }

    /**
     * The same with a send limit above the connection's {@code maxFrameSize} (a relaying server's
     * deliveries, jipc-remote's gateway): the 16 MiB frame is sent though the connection accepts 64 KiB
     * frames, and cut at the offer's timeout, not the frame timeout.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void offerWholeWithASendLimitEndsAStartedFrameAtItsOwnTimeout(boolean virtual) throws Exception {
        assertOfferWholeIsCutAtItsOwnTimeout(virtual, 64 << 10,
                c -> c.offerWhole(new byte[16 << 20], Duration.ofMillis(300), 16 << 20));
    }

    /** A send of one message on a connection; what it returns is not looked at. */
    @FunctionalInterface
    private interface Send {
        void send(StreamConnection connection) throws Exception;
    }

    /**
     * Runs {@code offerWhole} (a 16 MiB frame, a 300 ms timeout) on a thread of the given kind, on a
     * connection of {@code maxFrameSize} and a frame timeout of a minute to a peer that does not read,
     * and checks that it ends within 30 s (so not at the frame timeout) with a
     * {@link FrameTimeoutException} of a started frame, the connection closed: not by returning (the
     * frame did not fit), nor with another exception (e.g. {@link MessageTooLargeException}).
     */
    private void assertOfferWholeIsCutAtItsOwnTimeout(boolean virtual, int maxFrameSize, Send offerWhole)
            throws Exception {
        ConnectionOptions slow = ConnectionOptions.defaults().withFrameTimeout(Duration.ofMinutes(1))
                .withMaxFrameSize(maxFrameSize);
        StreamConnection[] p = pair(slow);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
            try {
                offerWhole.send(p[0]);
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        Throwable ended = outcome.get(30, TimeUnit.SECONDS); // the frame timeout (a minute) is not waited out
        FrameTimeoutException e = assertInstanceOf(FrameTimeoutException.class, ended);
        assertTrue(e.getMessage().contains("did not read a started frame in time"), e.getMessage());
        assertFalse(p[0].isOpen(), "a connection left mid-frame is closed");
    }

    @Test
    void manyVirtualThreadsBlockedInTakeDoNotPinTheCarriers() throws Exception {
        StreamServer server = closer.track(StreamServer.bind(SocketTestSupport.unix(SocketTestSupport.newPath("many"))));
        server.start(c -> {
            for (byte[] m; (m = c.take()) != null; ) {
                c.put(m);
            }
        });
        // 200 idle clients: 200 handler threads blocked in take(), on a machine with a few carriers
        List<StreamConnection> idle = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            idle.add(closer.track(StreamConnection.connect(server.localAddress())));
        }
        BlockingQueue<String> echoes = new LinkedBlockingQueue<>();
        Thread client = Thread.ofVirtual().start(() -> {
            try (StreamConnection c = StreamConnection.connect(server.localAddress())) {
                c.put(bytes("still served"));
                echoes.add(text(c.take()));
            } catch (Exception e) {
                echoes.add(e.toString());
            }
        });
        assertEquals("still served", echoes.poll(60, TimeUnit.SECONDS));
        client.join();
        assertTrue(server.connectionCount() >= idle.size(), "the idle clients are still connected");
        for (StreamConnection c : idle) {
            c.close();
        }
    }

    @Test
    void closingAServerUnblocksItsAcceptor() throws Exception {
        StreamServer server = StreamServer.bind(SocketTestSupport.unix(SocketTestSupport.newPath("acc")));
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                server.accept();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        Thread.sleep(200);
        server.close();
        assertInstanceOf(ClosedException.class, outcome.get(60, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void connectingToAServerWhoseBacklogIsFullTimesOut(String scheme) throws Exception {
        String uri = scheme.equals("unix") ? "unix:" + SocketTestSupport.newPath("full") : "tcp:127.0.0.1:0";
        StreamServer server = closer.track(StreamServer.bind(SocketUri.parse(uri).address(),
                ServerOptions.defaults().withBacklog(1)));              // and it never accepts
        ConnectionOptions quick = ConnectionOptions.defaults().withConnectTimeout(Duration.ofMillis(500));
        ConnectTimeoutException timedOut = null;
        for (int i = 0; i < 16 && timedOut == null; i++) {
            try {
                closer.track(StreamConnection.connect(server.localAddress(), quick));
            } catch (ConnectTimeoutException e) {
                timedOut = e;
            }
        }
        assertNotNull(timedOut, "the kernel kept accepting connections into a backlog of 1");
        assertTrue(timedOut.getMessage().contains(io.jipc.platform.Sockets.describe(server.localAddress())),
                timedOut.getMessage());
    }

    /**
     * A connect timeout must be positive (the rule of every jipc connect timeout: the gateway's, the
     * RPC client's and DSM's options too, with this message). The smallest one, 1 ns, is an option:
     * the connection is made within it or the connect says it was not.
     */
    @ParameterizedTest
    @ValueSource(strings = {"unix", "tcp"})
    void aConnectTimeoutMustBePositive(String scheme) throws Exception {
        ConnectionOptions d = ConnectionOptions.defaults();
        for (Duration bad : List.of(Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(-5))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withConnectTimeout(bad));
            assertEquals("connect timeout must be positive: " + bad, e.getMessage());
            assertEquals(e.getMessage(), assertThrows(IllegalArgumentException.class,
                    () -> new ConnectionOptions(d.maxFrameSize(), d.frameTimeout(), bad)).getMessage());
        }
        String uri = scheme.equals("unix") ? "unix:" + SocketTestSupport.newPath("quick") : "tcp:127.0.0.1:0";
        StreamServer server = closer.track(StreamServer.bind(SocketUri.parse(uri).address(), ServerOptions.defaults()));
        try {
            StreamConnection client = closer.track(StreamConnection.connect(server.localAddress(),
                    d.withConnectTimeout(Duration.ofNanos(1))));
            StreamConnection accepted = closer.track(server.accept(LONG));
            assertTrue(client.offer(bytes("quick"), LONG));
            assertEquals("quick", text(accepted.poll(LONG)));
        } catch (ConnectTimeoutException notWithin) {
            assertTrue(notWithin.getMessage().contains(" within 1ns"), notWithin.getMessage());
        }
    }
}
