package io.jipc.remote;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.net.StreamConnection;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One end of a remote mailbox's connection stalled (a GC pause, a loaded host) right after a wait for the
 * other's frame found none, past its timeout, while the other's frame arrives: the frame waiting unread is
 * taken, and the other end is neither declared lost nor late. A seam ({@code afterEmptyPoll} of
 * {@link RemoteMailbox}, {@link GatewaySession}, {@link ClientWatch}) stands for the stall, on the client and
 * on the gateway; so does {@code afterFailedAttempt} of {@link GatewaySession} for a timed receive's wait at the
 * mailbox, whose message comes meanwhile;
 * the other end is a raw peer in this process. Until 2026-12-07 each decided on the clock read after its
 * wait, without a last look at the connection. No duration is asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StalledReaderTest {
    private static final String BOX = "stalled-box";
    /**
     * 1 s: the test's raw peers (a fake gateway's heartbeats, a raw client's frames after a stall) must be
     * heard within it, also on a loaded host (200 ms failed now and then in loaded full builds).
     */
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(1);

    @AfterEach
    void removeSeams() {
        RemoteMailbox.afterEmptyPoll = null;
        GatewaySession.afterEmptyPoll = null;
        ClientWatch.afterEmptyPoll = null;
        GatewaySession.afterFailedAttempt = null;
        Mailbox.destroy(BOX);
    }

    private static byte[] framed(byte[] frame) {
        return ByteBuffer.allocate(8 + frame.length).putLong(frame.length).put(frame).array();
    }

    /** Sends {@code frame} from a seam (which may not throw InterruptedException). */
    private static void send(StreamConnection client, byte[] frame) {
        try {
            client.put(frame);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sleeps twice the peer timeout: the stall. */
    private static void stall() {
        try {
            Thread.sleep(PEER_TIMEOUT.multipliedBy(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The client's Open waits; a fake gateway sends only heartbeats, and one while the client is stalled past
     * its peer timeout: the connect ends at its connect timeout (the Open not answered), not with the gateway
     * "lost" for silence.
     */
    @Test
    void aClientStalledPastThePeerTimeoutTakesTheHeartbeatThatCameMeanwhile() throws Exception {
        byte[] heartbeat = framed(Wire.encode(new Wire.Heartbeat()));
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            AtomicReference<OutputStream> toClient = new AtomicReference<>();
            CountDownLatch accepted = new CountDownLatch(1);
            Thread fake = Thread.ofPlatform().daemon().name("fake-gateway").start(() -> {
                try (Socket peer = listener.accept(); OutputStream out = peer.getOutputStream()) {
                    toClient.set(out);
                    accepted.countDown();
                    while (!peer.isClosed()) { // a heartbeat every 50 ms until the client hangs up
                        out.write(heartbeat);
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException ended) {
                    // the client closed the connection
                }
            });
            RemoteMailbox.afterEmptyPoll = () -> {
                if (accepted.getCount() == 0 && toClient.get() != null) {
                    RemoteMailbox.afterEmptyPoll = null; // once
                    try {
                        toClient.get().write(heartbeat);
                        toClient.get().flush();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                    stall();
                }
            };
            URI uri = URI.create("tcp://127.0.0.1:" + listener.getLocalPort() + "/any");
            RemoteOptions options = RemoteOptions.defaults().withConnectTimeout(Duration.ofSeconds(5))
                    .withLiveness(Duration.ofMillis(10), PEER_TIMEOUT);
            RemotePeerLostException e = assertThrows(RemotePeerLostException.class, () -> RemoteMailbox.connect(uri, options));
            assertTrue(e.getMessage().contains("did not answer its Open within the connect timeout"), e.getMessage());
            listener.close();
            fake.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** The client's Open arrives while the gateway's session is stalled past the connect timeout: it is answered. */
    @Test
    void aGatewayStalledPastTheConnectTimeoutTakesTheOpenThatCameMeanwhile() throws Exception {
        Mailbox.create(BOX, MailboxOptions.builder().build()).close();
        RemoteOptions options = RemoteOptions.defaults().withConnectTimeout(PEER_TIMEOUT);
        try (MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress("127.0.0.1", 0)).export(BOX)
                .options(options).start();
             StreamConnection client = StreamConnection.connect(new InetSocketAddress("127.0.0.1", gateway.port()))) {
            GatewaySession.afterEmptyPoll = () -> {
                GatewaySession.afterEmptyPoll = null; // once
                send(client, Wire.encode(new Wire.Open(1, BOX)));
                stall();
            };
            byte[] reply = client.poll(Duration.ofSeconds(30));
            assertNotNull(reply, "an answer");
            assertInstanceOf(Wire.Opened.class, Wire.decodeReply(reply));
        }
    }

    /**
     * A delivery's Ack arrives while the gateway's session, waiting for it, is stalled past the peer timeout
     * (the client silent since its Receive): the Ack is taken, the message gone from the mailbox, and the
     * connection serves on.
     */
    @Test
    void aGatewayStalledPastThePeerTimeoutTakesTheAckThatCameMeanwhile() throws Exception {
        Mailbox.create(BOX, MailboxOptions.builder().build()).close();
        RemoteOptions options = RemoteOptions.defaults().withLiveness(Duration.ofMillis(50), PEER_TIMEOUT);
        try (Mailbox local = Mailbox.open(BOX);
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress("127.0.0.1", 0)).export(BOX)
                     .options(options).start();
             StreamConnection client = StreamConnection.connect(new InetSocketAddress("127.0.0.1", gateway.port()))) {
            client.put(Wire.encode(new Wire.Open(1, BOX)));
            assertInstanceOf(Wire.Opened.class, nextOtherThanHeartbeat(client));
            local.put("only".getBytes(StandardCharsets.UTF_8));
            client.put(Wire.encode(new Wire.Receive(Wire.Wait.NOW, 0)));
            Wire.Delivery delivery = assertInstanceOf(Wire.Delivery.class, nextOtherThanHeartbeat(client));
            CountDownLatch stalled = new CountDownLatch(1);
            GatewaySession.afterEmptyPoll = () -> {
                GatewaySession.afterEmptyPoll = null; // once: the session waits for the Ack
                send(client, Wire.encode(new Wire.Ack(delivery.deliveryId())));
                stall();
                stalled.countDown();
            };
            assertTrue(stalled.await(30, TimeUnit.SECONDS), "the seam ran");
            client.put(Wire.encode(new Wire.Receive(Wire.Wait.NOW, 0)));
            assertInstanceOf(Wire.Empty.class, nextOtherThanHeartbeat(client), "the Ack took the message");
            assertNull(local.poll());
        }
    }

    /**
     * A client's Ping arrives while the gateway's watch of it, during a receive that waits at the mailbox, is
     * stalled past the peer timeout (the client silent since its Receive): the client is not taken for gone,
     * and the message put afterwards is delivered to it.
     */
    @Test
    void aGatewayWatchStalledPastThePeerTimeoutTakesThePingThatCameMeanwhile() throws Exception {
        Mailbox.create(BOX, MailboxOptions.builder().build()).close();
        RemoteOptions options = RemoteOptions.defaults().withLiveness(Duration.ofMillis(50), PEER_TIMEOUT);
        try (Mailbox local = Mailbox.open(BOX);
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress("127.0.0.1", 0)).export(BOX)
                     .options(options).start();
             StreamConnection client = StreamConnection.connect(new InetSocketAddress("127.0.0.1", gateway.port()))) {
            client.put(Wire.encode(new Wire.Open(1, BOX)));
            assertInstanceOf(Wire.Opened.class, nextOtherThanHeartbeat(client));
            CountDownLatch stalled = new CountDownLatch(1);
            ClientWatch.afterEmptyPoll = () -> {
                ClientWatch.afterEmptyPoll = null; // once
                send(client, Wire.encode(new Wire.Ping()));
                stall();
                stalled.countDown();
            };
            client.put(Wire.encode(new Wire.Receive(Wire.Wait.TIMED, TimeUnit.SECONDS.toNanos(30))));
            assertTrue(stalled.await(30, TimeUnit.SECONDS), "the seam ran");
            client.put(Wire.encode(new Wire.Ping())); // alive: the watch's next peer timeout starts with its Ping
            local.put("late".getBytes(StandardCharsets.UTF_8));
            Wire.Delivery delivery = assertInstanceOf(Wire.Delivery.class, nextOtherThanHeartbeat(client));
            assertEquals("late", new String(delivery.payload(), StandardCharsets.UTF_8));
            client.put(Wire.encode(new Wire.Ack(delivery.deliveryId())));
        }
    }

    /**
     * A message comes into the mailbox while the gateway's session, whose attempt of a client's timed receive
     * at the mailbox found none, is stalled past the receive's timeout: the message is delivered to the
     * client, not left in the mailbox with the client told Empty.
     */
    @Test
    void aGatewayStalledPastAReceivesTimeoutDeliversTheMessageThatCameMeanwhile() throws Exception {
        Mailbox.create(BOX, MailboxOptions.builder().build()).close();
        Duration timeout = Duration.ofMillis(300);
        try (Mailbox local = Mailbox.open(BOX);
             MailboxGateway gateway = MailboxGateway.builder(new InetSocketAddress("127.0.0.1", 0)).export(BOX).start();
             StreamConnection client = StreamConnection.connect(new InetSocketAddress("127.0.0.1", gateway.port()))) {
            client.put(Wire.encode(new Wire.Open(1, BOX)));
            assertInstanceOf(Wire.Opened.class, nextOtherThanHeartbeat(client));
            CountDownLatch stalled = new CountDownLatch(1);
            GatewaySession.afterFailedAttempt = () -> {
                GatewaySession.afterFailedAttempt = null; // once
                try {
                    local.put("meanwhile".getBytes(StandardCharsets.UTF_8)); // within the receive's timeout
                    Thread.sleep(timeout.multipliedBy(2)); // the stall: past it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                stalled.countDown();
            };
            client.put(Wire.encode(new Wire.Receive(Wire.Wait.TIMED, timeout.toNanos())));
            Wire.Reply reply = nextOtherThanHeartbeat(client);
            assertEquals(0, stalled.getCount(), "the seam ran");
            Wire.Delivery delivery = assertInstanceOf(Wire.Delivery.class, reply);
            assertEquals("meanwhile", new String(delivery.payload(), StandardCharsets.UTF_8));
            client.put(Wire.encode(new Wire.Ack(delivery.deliveryId())));
            client.put(Wire.encode(new Wire.Receive(Wire.Wait.NOW, 0)));
            assertInstanceOf(Wire.Empty.class, nextOtherThanHeartbeat(client), "the Ack took the message");
        }
    }

    /** The gateway's next reply that is no heartbeat; fails if none comes within 30 s or it closed. */
    private static Wire.Reply nextOtherThanHeartbeat(StreamConnection c) throws InterruptedException {
        while (true) {
            byte[] frame = c.poll(Duration.ofSeconds(30));
            assertNotNull(frame, c.isEndOfStream() ? "the gateway closed the connection" : "nothing from the gateway");
            Wire.Reply reply = Wire.decodeReply(frame);
            if (!(reply instanceof Wire.Heartbeat)) {
                return reply;
            }
        }
    }
}
