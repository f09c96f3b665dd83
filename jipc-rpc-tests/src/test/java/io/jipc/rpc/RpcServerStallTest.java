package io.jipc.rpc;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.net.ConnectionOptions;
import io.jipc.net.ServerOptions;
import io.jipc.net.StreamConnection;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server's connection reader stalled (a GC pause, a loaded host) at the end of its wait for a new client's
 * HELLO, which arrives meanwhile: the HELLO waiting unread is taken and answered (WELCOME); the connection is
 * not closed for a HELLO "not within the connect timeout". A seam of {@link RpcServer} ({@code afterHelloWait})
 * stands for the stall and sends the HELLO of a raw client in this process. Until 2026-12-07 the reader gave
 * up at once when its wait found nothing. The same for a mailbox client whose replies found its reply mailbox
 * full and which made room while the server's delivery of them stalled past the reply timeout (seam
 * {@code afterFailedPlace}): it is not forgotten; nor is one whose reply mailbox was full at its HELLO and
 * which made room while the WELCOME's send stalled past the reply timeout (seam {@code afterFullSend} of
 * {@link Replies.ToMailbox}). No duration is asserted: every wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RpcServerStallTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @AfterEach
    void removeSeam() {
        RpcServer.afterHelloWait = null;
        RpcServer.afterFailedPlace = null;
        Replies.ToMailbox.afterFullSend = null;
    }

    @Test
    void aHelloThatCameWhileTheReaderStalledIsWelcomed() throws Exception {
        ServerOptions listener = ServerOptions.defaults().withConnection(ConnectionOptions.defaults()
                .withConnectTimeout(Duration.ofMillis(200)));
        try (RpcServer<Bank> server = RpcServer.builder("stall", Bank.class, new BankService())
                .listen(new InetSocketAddress("127.0.0.1", 0), listener).start();
             StreamConnection client = StreamConnection.connect(server.tcpAddress().orElseThrow())) {
            RpcServer.afterHelloWait = serverSide -> {
                RpcServer.afterHelloWait = null; // once
                try {
                    client.put(RpcFrame.encode(new RpcFrame.Hello(Bank.class.getName(), "stall", 1, 1 << 20)));
                    // until the HELLO is in the server's socket: a loaded host may hand loopback
                    // packets on later (ksoftirqd), and the stall stands for a thread that waited that long
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (serverSide.bytesUnread() == 0 && System.nanoTime() - deadline < 0) {
                        Thread.sleep(1);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            byte[] answer = client.poll(Duration.ofSeconds(30));
            assertNotNull(answer, client.isEndOfStream() ? "the server closed the connection" : "no answer");
            assertInstanceOf(RpcFrame.Welcome.class, RpcFrame.decode(answer));
        }
    }

    /**
     * A mailbox client (spoken by hand) reads none of its six 60,000-byte replies until the fifth finds its
     * reply mailbox (room for four) full; the server's delivery of the waiting replies then stalls past its
     * reply timeout, while the client takes the four (seam {@code afterFailedPlace}): the client is not
     * forgotten, and the other two replies come. Until 2026-12-07 the delivery decided on a clock read after
     * its try and forgot the client (a CLOSING, "session ended"), dropping its replies.
     */
    @Test
    void aClientThatMadeRoomWhileTheDeliveryStalledPastTheReplyTimeoutGetsItsReplies() throws Exception {
        Duration replyTimeout = Duration.ofMillis(500);
        Blobs blobs = new Blobs() {
            @Override
            public byte[] blob(int seq) {
                return Blobs.of(seq);
            }

            @Override
            public int ping() {
                return 1;
            }
        };
        try (RpcServer<Blobs> server = RpcServer.builder("stall-place", Blobs.class, blobs).replyTimeout(replyTimeout)
                .maxCalls(1).start();
             Mailbox requests = Mailbox.open("stall-place");
             Mailbox replies = Mailbox.create("stall-place-reply-" + ProcessHandle.current().pid() + "-999999",
                     MailboxOptions.builder().maxMessageSize(64 * 1024).capacityBytes(256 * 1024).build())) {
            try {
                requests.put(RpcFrame.encode(new RpcFrame.Hello(Blobs.class.getName(), replies.name(),
                        ProcessIdentity.current().token(), 0)));
                long id = assertInstanceOf(RpcFrame.Welcome.class, RpcFrame.decode(replies.poll(WAIT))).clientId();
                List<byte[]> taken = new ArrayList<>();
                CountDownLatch stalled = new CountDownLatch(1);
                RpcServer.afterFailedPlace = () -> {
                    RpcServer.afterFailedPlace = null; // once
                    for (byte[] reply; (reply = replies.poll()) != null; ) {
                        taken.add(reply); // room, well within the reply timeout
                    }
                    try {
                        Thread.sleep(replyTimeout.multipliedBy(2)); // the stall: past it
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    stalled.countDown();
                };
                Marshaller marshaller = Marshaller.of(Blobs.class);
                Method blob = Blobs.class.getMethod("blob", int.class);
                for (int call = 1; call <= 6; call++) {
                    requests.put(RpcFrame.encode(new RpcFrame.Call(id, call, 0, RpcMethods.key(blob),
                            marshaller.encodeArguments(new Object[] {call}))));
                }
                assertTrue(stalled.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the seam ran");
                while (taken.size() < 6) {
                    byte[] reply = replies.poll(WAIT);
                    assertNotNull(reply, "reply " + (taken.size() + 1) + " of 6");
                    taken.add(reply);
                }
                Set<Long> answered = new HashSet<>();
                for (byte[] reply : taken) {
                    RpcFrame.Result result = assertInstanceOf(RpcFrame.Result.class, RpcFrame.decode(reply));
                    assertTrue(Blobs.says((byte[]) marshaller.decodeResult(result.value(), blob), (int) result.callId()));
                    answered.add(result.callId());
                }
                assertEquals(6, answered.size());
                requests.put(RpcFrame.encode(new RpcFrame.Bye(id)));
            } finally {
                replies.destroy();
            }
        }
    }

    /**
     * A mailbox client (spoken by hand) is welcomed, then fills its reply mailbox; the server closes, and its
     * send of the CLOSING, having found no room, stalls past the reply timeout while the client empties its
     * mailbox (seam {@code afterFullSend}): the CLOSING comes. Until 2026-12-07 the send decided on a clock
     * read after its try and gave the CLOSING up. (The WELCOME itself is placed at once or not at all since
     * the same day: a client's reply mailbox is empty at its HELLO.)
     */
    @Test
    void aClientThatMadeRoomWhileItsClosingStalledPastTheReplyTimeoutIsToldTheServerClosed() throws Exception {
        Duration replyTimeout = Duration.ofMillis(500);
        RpcServer<Bank> server = RpcServer.builder("stall-closing", Bank.class, new BankService())
                .replyTimeout(replyTimeout).start();
        try (Mailbox requests = Mailbox.open("stall-closing");
             Mailbox replies = Mailbox.create("stall-closing-reply-" + ProcessHandle.current().pid() + "-999999",
                     MailboxOptions.builder().maxMessageSize(1024).capacityBytes(4096).build())) {
            try {
                requests.put(RpcFrame.encode(new RpcFrame.Hello(Bank.class.getName(), replies.name(),
                        ProcessIdentity.current().token(), 0)));
                byte[] answer = replies.poll(WAIT);
                assertNotNull(answer, "an answer to the HELLO");
                assertInstanceOf(RpcFrame.Welcome.class, RpcFrame.decode(answer));
                int filled = 0;
                for (int size = 1000; size >= 1; size /= 2) { // full: not even a short CLOSING fits
                    while (replies.offer(new byte[size])) {
                        filled++;
                    }
                }
                assertTrue(filled > 0, "the reply mailbox took the filler");
                CountDownLatch stalled = new CountDownLatch(1);
                Replies.ToMailbox.afterFullSend = () -> {
                    Replies.ToMailbox.afterFullSend = null; // once
                    while (replies.poll() != null) {
                        // room, well within the reply timeout
                    }
                    try {
                        Thread.sleep(replyTimeout.multipliedBy(2)); // the stall: past it
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    stalled.countDown();
                };
                Thread closer = Thread.ofPlatform().name("closer").start(server::close);
                assertTrue(stalled.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the seam ran");
                byte[] closing = replies.poll(WAIT);
                assertNotNull(closing, "the CLOSING");
                assertInstanceOf(RpcFrame.Closing.class, RpcFrame.decode(closing));
                closer.join(WAIT);
            } finally {
                replies.destroy();
            }
        } finally {
            server.close();
        }
    }
}
