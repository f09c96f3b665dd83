package io.jipc.dsm;

import io.jipc.net.StreamConnection;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Either end of a region's connection stalled after a wait for the other's frame found none (a GC pause, a
 * loaded host), for longer than the peer timeout, while the other's frame arrives: the frame waiting unread
 * is taken and the other end is not declared lost. Until 2026-12-07 both ends read the clock after their
 * wait without a last look at the connection. No duration is asserted: every wait has a hard bound.
 *
 * <p>Each test stalls one end with a seam ({@code afterEmptyPoll} of {@link ReplicaInbox}, of
 * {@link HomeSession}; {@code afterEmptyAnswerPoll} of {@link ReplicatedRegion}) and lets the other be a raw
 * peer in this process.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplicaStallTest {
    /** 1 s: the raw peers' frames must come within it after a stall, also on a loaded host. */
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(1);

    @AfterEach
    void removeSeam() {
        ReplicaInbox.afterEmptyPoll = null;
        HomeSession.afterEmptyPoll = null;
        ReplicatedRegion.afterEmptyAnswerPoll = null;
    }

    /**
     * A home's session stalled past the peer timeout while its replica's SYNC arrives (seam
     * {@code HomeSession.afterEmptyPoll}; a raw connection stands for the replica, which sends nothing else):
     * the session takes it and answers SYNCED; it does not drop the replica.
     */
    @Test
    void aFrameThatArrivedWhileTheHomeStalledKeepsTheReplica() throws Exception {
        DsmOptions options = DsmOptions.defaults().withLiveness(Duration.ofMillis(100), PEER_TIMEOUT);
        try (RegionHome home = RegionHome.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options);
             StreamConnection replica = StreamConnection.connect(home.address())) {
            replica.put(DsmWire.open("stall", 4096));
            assertInstanceOf(DsmWire.Opened.class, nextOtherThanHeartbeat(replica));
            CountDownLatch stalled = new CountDownLatch(1);
            HomeSession.afterEmptyPoll = () -> {
                if (stalled.getCount() == 0) {
                    return;
                }
                try {
                    replica.put(DsmWire.signal(DsmWire.SYNC)); // arrives while the session is stalled
                    Thread.sleep(PEER_TIMEOUT.multipliedBy(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    stalled.countDown();
                }
            };
            assertTrue(stalled.await(30, TimeUnit.SECONDS), "the seam ran");
            DsmWire.Versioned synced = assertInstanceOf(DsmWire.Versioned.class, nextOtherThanHeartbeat(replica));
            assertEquals(DsmWire.SYNCED, synced.type());
        }
    }

    /** The home's next frame that is not a heartbeat; fails if none comes within 30 s or the home closed. */
    private static DsmWire.Frame nextOtherThanHeartbeat(StreamConnection c) throws InterruptedException {
        while (true) {
            byte[] frame = c.poll(Duration.ofSeconds(30));
            assertNotNull(frame, c.isEndOfStream() ? "the home closed the connection" : "nothing from the home");
            DsmWire.Frame decoded = DsmWire.decode(frame, 4096);
            if (!(decoded instanceof DsmWire.Signal s && s.type() == DsmWire.HEARTBEAT)) {
                return decoded;
            }
        }
    }

    /**
     * A replica's receiver stalled past the peer timeout while the home's frame arrives (a plain {@link Socket}
     * stands for the home): the receiver takes the frame; the home is not lost ({@link RegionHomeLostException}).
     */
    @Test
    void aFrameThatArrivedWhileTheReceiverStalledKeepsTheHome() throws Exception {
        byte[] payload = {DsmWire.HEARTBEAT};
        byte[] frame = ByteBuffer.allocate(8 + payload.length).putLong(payload.length).put(payload).array();
        DsmOptions options = DsmOptions.defaults().withLiveness(Duration.ofMillis(50), PEER_TIMEOUT);
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (StreamConnection connection = StreamConnection.connect(listener.getLocalSocketAddress());
                 Socket home = listener.accept()) {
                ReplicaInbox inbox = new ReplicaInbox(connection, "stall", home.getLocalSocketAddress(), 4096, options);
                OutputStream out = home.getOutputStream();
                AtomicBoolean stalled = new AtomicBoolean();
                ReplicaInbox.afterEmptyPoll = () -> {
                    if (stalled.getAndSet(true)) {
                        return;
                    }
                    try {
                        out.write(frame); // the home's frame arrives while the receiver is stalled
                        out.flush();
                        Thread.sleep(PEER_TIMEOUT.multipliedBy(2));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                };
                byte[] received = inbox.next(Duration.ofMillis(20));
                assertTrue(stalled.get(), "the seam ran");
                assertArrayEquals(payload, received);
            }
        }
    }

    /**
     * A replica's open stalled after its wait for the home's answer found none, past the connect timeout,
     * while the home's OPENED arrives (seam {@code ReplicatedRegion.afterEmptyAnswerPoll}; a plain
     * {@link Socket} stands for the home): the answer waiting unread is taken and the region opens with the
     * home's bytes; the open does not fail with "no answer from the home" ({@link RegionHomeLostException}).
     */
    @Test
    void anAnswerThatArrivedWhileTheOpenStalledOpensTheRegion() throws Exception {
        byte[] bytes = new byte[64];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i + 1);
        }
        byte[] payload = DsmWire.opened(7, bytes);
        byte[] frame = ByteBuffer.allocate(8 + payload.length).putLong(payload.length).put(payload).array();
        Duration connectTimeout = Duration.ofMillis(300);
        DsmOptions options = DsmOptions.defaults().withConnectTimeout(connectTimeout);
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Socket[] home = new Socket[1];
            AtomicBoolean stalled = new AtomicBoolean();
            ReplicatedRegion.afterEmptyAnswerPoll = () -> {
                if (stalled.getAndSet(true)) {
                    return;
                }
                try {
                    home[0] = listener.accept(); // connected already (the listener's backlog)
                    OutputStream out = home[0].getOutputStream();
                    out.write(frame); // the home's answer arrives while the opening thread is stalled
                    out.flush();
                    Thread.sleep(connectTimeout.multipliedBy(2));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            };
            try (ReplicatedRegion region = ReplicatedRegion.open(listener.getLocalSocketAddress(), "stall",
                    bytes.length, options)) {
                assertTrue(stalled.get(), "the seam ran");
                assertEquals(7, region.version());
                assertArrayEquals(bytes, region.snapshot());
            } finally {
                if (home[0] != null) {
                    home[0].close();
                }
            }
        }
    }

    /**
     * The home's answer to OPEN begins before the connect timeout and arrives slowly after it, a byte every
     * 50 ms for about a second (a plain {@link Socket} stands for the home): the open waits for it in
     * heartbeat-long waits and opens the region. Until 2026-12-07 each wait was cut to the time left before the
     * connect timeout, none after it, and the open spun until the answer was in (thousands of empty waits,
     * 17-49 % of a CPU); counted here with the seam {@code afterEmptyAnswerPoll}, which runs after each
     * empty wait: about 12 at 100 ms each, at most 100 allowed.
     */
    @Test
    void anAnswerArrivingSlowlyAfterTheConnectTimeoutIsAwaitedWithoutSpinning() throws Exception {
        byte[] bytes = {1, 2, 3, 4};
        byte[] payload = DsmWire.opened(7, bytes);
        byte[] frame = ByteBuffer.allocate(8 + payload.length).putLong(payload.length).put(payload).array();
        Duration connectTimeout = Duration.ofMillis(300);
        DsmOptions options = DsmOptions.defaults().withConnectTimeout(connectTimeout)
                .withLiveness(Duration.ofMillis(100), Duration.ofSeconds(10));
        AtomicInteger emptyWaits = new AtomicInteger();
        ReplicatedRegion.afterEmptyAnswerPoll = emptyWaits::incrementAndGet;
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread home = Thread.ofPlatform().name("slow-home").start(() -> {
                try (Socket peer = listener.accept(); OutputStream out = peer.getOutputStream()) {
                    out.write(frame, 0, 4); // under way before the connect timeout
                    out.flush();
                    Thread.sleep(connectTimeout.multipliedBy(2));
                    for (int i = 4; i < frame.length; i++) {
                        out.write(frame[i]);
                        out.flush();
                        Thread.sleep(1000 / (frame.length - 4));
                    }
                    peer.getInputStream().read(); // until the replica closes (its heartbeats are discarded)
                } catch (Exception e) {
                    // the replica closed the connection
                }
            });
            try (ReplicatedRegion region = ReplicatedRegion.open(listener.getLocalSocketAddress(), "slow",
                    bytes.length, options)) {
                assertEquals(7, region.version());
                assertArrayEquals(bytes, region.snapshot());
            }
            home.join(Duration.ofSeconds(30));
        }
        assertTrue(emptyWaits.get() <= 100, emptyWaits.get() + " empty waits for the answer");
    }
}
