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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RemoteMailbox#close()} racing another thread's call of the handle: a call that is
 * connecting (TCP connect made slow by {@link StallingProxy}). The gateway runs in the test JVM,
 * on loopback.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RemoteCloseTest {
    private static final String BOX = "remote-close";
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
