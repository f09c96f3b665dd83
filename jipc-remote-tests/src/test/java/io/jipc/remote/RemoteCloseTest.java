package io.jipc.remote;

import io.jipc.ClosedException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RemoteMailbox#close()} racing another thread's call of the handle: a call that is
 * connecting (TCP connect made slow by {@link StallingProxy}), a put that room reaches as the close
 * comes. The gateway runs in the test JVM, on loopback.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RemoteCloseTest {
    private static final String BOX = "remote-close";
    private static final int ROUNDS = 120;
    /** A hang guard, not a measurement. */
    private static final Duration GUARD = Duration.ofSeconds(30);
    /** Long enough for the SYN retransmissions of a connect to a stalled listener (1 s, 3 s, 7 s...). */
    private static final RemoteOptions OPTIONS = RemoteChild.OPTIONS.withConnectTimeout(Duration.ofSeconds(60));

    private MailboxGateway gateway;

    @BeforeEach
    void startGateway() {
        Mailbox.create(BOX, MailboxOptions.builder().messageLimit(1).maxMessageSize(256).build()).close();
        // a connection that has not sent its Open yet is not ended by the gateway during a test
        gateway = MailboxGateway.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).export(BOX)
                .options(RemoteOptions.defaults().withConnectTimeout(Duration.ofSeconds(60))).start();
    }

    @AfterEach
    void stopGateway() {
        gateway.close();
        Mailbox.destroy(BOX);
    }

    /**
     * Until 2026-12-05 a close() while another thread's call was connecting again (after a lost
     * connection) left that call blocked for good: close() found no connection to close, the call
     * then set the new one, opened the mailbox and waited at the gateway (a take: forever).
     */
    @Test
    void aCloseDuringAReconnectEndsTheCallWithClosedExceptionAndClosesTheNewConnection() throws Exception {
        for (Thread.Builder builder : List.of(Thread.ofPlatform(), Thread.ofVirtual())) {
            try (StallingProxy proxy = new StallingProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    gateway.port()))) {
                RemoteMailbox mailbox = RemoteMailbox.connect(URI.create("tcp://127.0.0.1:" + proxy.port() + "/" + BOX),
                        OPTIONS);
                proxy.stall();
                proxy.cut();
                assertThrows(RemotePeerLostException.class, mailbox::poll, "the cut connection is lost");

                CompletableFuture<Throwable> outcome = new CompletableFuture<>();
                Thread taker = builder.start(() -> {
                    try {
                        outcome.complete(new AssertionError("took " + new String(mailbox.take(), UTF_8)));
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                });
                awaitIn(taker, "io.jipc.net.StreamConnection", "connect");
                mailbox.close();
                proxy.resume(); // the connect completes at its next SYN retransmission
                Throwable ended;
                try {
                    ended = outcome.get(GUARD.toSeconds(), TimeUnit.SECONDS);
                } catch (TimeoutException hung) {
                    throw new AssertionError(builder.getClass().getSimpleName() + ": the call that was connecting"
                            + " when the handle was closed still waits: " + Arrays.toString(taker.getStackTrace()));
                }
                assertInstanceOf(ClosedException.class, ended, builder.getClass().getSimpleName());
                assertTrue(proxy.awaitClosedByClient(1, GUARD),
                        "the connection made after the close was closed by the client, not left open");
                assertThrows(ClosedException.class, mailbox::poll);
            }
        }
        try (Mailbox local = Mailbox.open(BOX)) {
            assertNull(local.poll(), "nothing was sent");
        }
    }

    /**
     * A close() that overtakes a put waiting for room, while room comes (a local receive), within
     * 0 to 600 µs of each other in either order: the put's outcome is the truth. Returned, the
     * message is in the mailbox; {@link ClosedException}, it is not (until 2026-12-05 the close
     * ended the connection before the gateway answered, and the gateway kept a message that had
     * gone as the close came: 26 of 150 rounds of the explorer's run ended with ClosedException
     * though the message was delivered). {@link RemotePeerLostException} (the answer did not come:
     * either) is counted, not expected on loopback.
     */
    @Test
    void aPutOvertakenByCloseEndsWithTheTrueOutcome() throws Exception {
        URI uri = URI.create("tcp://127.0.0.1:" + gateway.port() + "/" + BOX);
        Random random = new Random(42);
        Map<String, Integer> outcomes = new TreeMap<>();
        try (Mailbox local = Mailbox.open(BOX)) {
            for (int round = 0; round < ROUNDS; round++) {
                String message = "m" + round;
                local.put(text("filler")); // the mailbox (one message) is full
                RemoteMailbox mailbox = RemoteMailbox.connect(uri, OPTIONS);
                CompletableFuture<Object> outcome = new CompletableFuture<>();
                Thread putter = (round % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual()).start(() -> {
                    try {
                        mailbox.put(text(message));
                        outcome.complete("returned");
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                });
                awaitIn(putter, "io.jipc.remote.RemoteMailbox", "call");
                Thread.sleep(15); // the put reaches the gateway and waits there for room
                long delay = random.nextInt(600) * 1000L;
                Thread closer = null;
                if (random.nextBoolean()) {
                    assertEquals("filler", text(local.poll()));
                    LockSupport.parkNanos(delay);
                    mailbox.close();
                } else {
                    closer = Thread.ofVirtual().start(mailbox::close); // close() waits for the put's answer
                    LockSupport.parkNanos(delay);
                    assertEquals("filler", text(local.poll()));
                }
                Object ended;
                try {
                    ended = outcome.get(GUARD.toSeconds(), TimeUnit.SECONDS);
                } catch (TimeoutException hung) {
                    throw new AssertionError("round " + round + ": the put still waits: "
                            + Arrays.toString(putter.getStackTrace()));
                }
                if (closer != null) {
                    assertTrue(closer.join(GUARD), "close() returned");
                }
                List<String> left = new ArrayList<>();
                for (byte[] m; (m = local.poll(Duration.ofMillis(50))) != null; ) { // a late arrival too
                    left.add(text(m));
                }
                String kind = ended instanceof Throwable t ? t.getClass().getSimpleName() : ended.toString();
                outcomes.merge(kind, 1, Integer::sum);
                String where = "round " + round + ": the put " + kind + ", the mailbox then held " + left;
                switch (ended) {
                    case String _ -> assertEquals(List.of(message), left, where);
                    case ClosedException _ -> assertEquals(List.of(), left, where);
                    case RemotePeerLostException _ -> assertTrue(left.isEmpty() || left.equals(List.of(message)),
                            where);
                    case Throwable other -> throw new AssertionError(where, other);
                    default -> throw new AssertionError(where);
                }
            }
        }
        System.out.println("a put overtaken by close(), " + ROUNDS + " rounds: " + outcomes);
    }

    /**
     * A close() cancels a put that waits for room at the gateway and waits for its answer: the put
     * ends with {@link ClosedException}, nothing sent, and close() returns (a platform thread, then a
     * virtual one). Without the cancellation close() would wait for the answer until its bound and
     * the put would end with {@link RemotePeerLostException}.
     */
    @Test
    void closingEndsAPutThatWaitsForRoomWithClosedExceptionAndSendsNothing() throws Exception {
        URI uri = URI.create("tcp://127.0.0.1:" + gateway.port() + "/" + BOX);
        try (Mailbox local = Mailbox.open(BOX)) {
            local.put(text("filler"));
            for (Thread.Builder builder : List.of(Thread.ofPlatform(), Thread.ofVirtual())) {
                RemoteMailbox mailbox = RemoteMailbox.connect(uri, OPTIONS);
                CompletableFuture<Object> outcome = new CompletableFuture<>();
                Thread putter = builder.start(() -> {
                    try {
                        mailbox.put(text("never"));
                        outcome.complete("returned");
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                });
                awaitIn(putter, "io.jipc.remote.RemoteMailbox", "call");
                Thread.sleep(200); // the put waits at the gateway, pinging
                Thread closer = builder.start(mailbox::close);
                assertTrue(closer.join(GUARD), "close() returned");
                assertInstanceOf(ClosedException.class, outcome.get(GUARD.toSeconds(), TimeUnit.SECONDS));
            }
            assertEquals("filler", text(local.poll()));
            assertNull(local.poll(Duration.ofMillis(200)), "the closed handles' puts sent nothing");
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, UTF_8);
    }

    /** Waits (a hang guard) until {@code thread} runs or is parked in {@code className.method}. */
    private static void awaitIn(Thread thread, String className, String method) throws InterruptedException {
        long guard = System.nanoTime() + GUARD.toNanos();
        while (!isIn(thread, className, method)) {
            assertTrue(System.nanoTime() - guard < 0, thread + " never reached " + className + "." + method + ": "
                    + Arrays.toString(thread.getStackTrace()));
            Thread.sleep(10);
        }
    }

    private static boolean isIn(Thread thread, String className, String method) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(className) && frame.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }
}
