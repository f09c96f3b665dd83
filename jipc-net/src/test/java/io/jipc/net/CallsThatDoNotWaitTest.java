package io.jipc.net;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.jipc.net.SocketTestSupport.bytes;
import static io.jipc.net.SocketTestSupport.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The calls that return at once ({@code poll()}, {@code offer(msg)}) or by a deadline
 * ({@code poll(timeout)}, {@code offer(msg, timeout)}) keep that promise while another thread is
 * blocked in the same direction of the same connection or endpoint, and are not stopped by a pending
 * interrupt; and small things of the same kind (an empty read buffer, the port in messages).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CallsThatDoNotWaitTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Duration SHORT = Duration.ofMillis(50);
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private StreamConnection[] pair() throws Exception {
        StreamServer server = closer.track(StreamServer.bind(SocketTestSupport.unix(SocketTestSupport.newPath("w")),
                ServerOptions.defaults().withCloseGrace(Duration.ZERO)));
        StreamConnection client = closer.track(StreamConnection.connect(server.localAddress()));
        StreamConnection accepted = closer.track(server.accept(LONG));
        assertNotNull(accepted);
        return new StreamConnection[] {client, accepted};
    }

    /** {@code call} running on a thread of its own; the future gets its result (or what ended it). */
    private static <T> CompletableFuture<T> start(Callable<T> call) {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                outcome.complete(call.call());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        return outcome;
    }

    /** Runs {@code call} on another thread; fails if it has not returned within a minute (it would block for ever). */
    private static <T> T returns(String what, Callable<T> call) throws Exception {
        try {
            return start(call).get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not return within a minute");
        }
    }

    /** A thread blocked in {@code call}; the future gets its result (or what ended it). */
    private static CompletableFuture<Object> blocked(Callable<Object> call) throws InterruptedException {
        CompletableFuture<Object> outcome = start(call);
        Thread.sleep(200); // let it block (were it not blocked yet, the calls below would not wait anyway)
        return outcome;
    }

    @Test
    void streamReceivesDoNotWaitForAThreadBlockedInTake() throws Exception {
        StreamConnection[] p = pair();
        CompletableFuture<Object> taker = blocked(() -> text(p[1].take()));
        assertNull(returns("poll()", () -> p[1].poll()));
        assertNull(returns("poll(timeout)", () -> p[1].poll(SHORT)));
        p[0].put(bytes("for the taker"));
        assertEquals("for the taker", taker.get(60, TimeUnit.SECONDS));
    }

    @Test
    void streamSendsDoNotWaitForAThreadBlockedInPut() throws Exception {
        StreamConnection[] p = pair();
        byte[] message = new byte[16 * 1024];
        int sent = 0;
        while (p[0].offer(message, SHORT)) {
            sent++;
        }
        CompletableFuture<Object> putter = blocked(() -> {
            p[0].put(message);
            return "put";
        });
        assertFalse(returns("offer(msg)", () -> p[0].offer(message)));
        assertFalse(returns("offer(msg, timeout)", () -> p[0].offer(message, SHORT)));
        for (int i = 0; i <= sent; i++) {
            assertEquals(message.length, p[1].take().length);
        }
        assertEquals("put", putter.get(60, TimeUnit.SECONDS));
        assertTrue(p[0].isOpen());
    }

    @Test
    void datagramCallsDoNotWaitForAThreadBlockedInTheSameDirection() throws Exception {
        DatagramEndpoint receiver = closer.track(
                DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("r"))));
        DatagramEndpoint sender = closer.track(
                DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("s"))));
        SocketAddress to = receiver.localAddress();
        CompletableFuture<Object> taker = blocked(() -> text(receiver.take().payload()));
        assertNull(returns("poll()", () -> receiver.poll()));
        assertNull(returns("poll(timeout)", () -> receiver.poll(SHORT)));
        sender.put(to, bytes("for the taker"));
        assertEquals("for the taker", taker.get(60, TimeUnit.SECONDS));

        int sent = 0;
        while (sender.offer(to, new byte[1024])) {
            sent++;
        }
        CompletableFuture<Object> putter = blocked(() -> {
            sender.put(to, new byte[1024]);
            return "put";
        });
        assertFalse(returns("offer(to, msg)", () -> sender.offer(to, new byte[1024])));
        assertFalse(returns("offer(to, msg, timeout)", () -> sender.offer(to, new byte[1024], SHORT)));
        for (int i = 0; i <= sent; i++) {
            assertNotNull(receiver.take());
        }
        assertEquals("put", putter.get(60, TimeUnit.SECONDS));
    }

    @Test
    void aPendingInterruptDoesNotStopCallsThatDoNotWait() throws Exception {
        StreamConnection[] p = pair();
        p[0].put(bytes("waiting"));
        Thread.currentThread().interrupt();
        assertEquals("waiting", text(p[1].poll()), "a message already there");
        assertTrue(Thread.interrupted(), "the interrupt is kept");

        Thread.currentThread().interrupt();
        assertTrue(p[0].offer(bytes("room")), "the buffer has room");
        assertTrue(Thread.interrupted());
        assertEquals("room", text(p[1].take()));

        byte[] message = new byte[16 * 1024];
        while (p[0].offer(message, SHORT)) {
            // fill the buffers
        }
        Thread.currentThread().interrupt();
        assertFalse(p[0].offer(message), "full: nothing sent, no 'connection closed'");
        assertTrue(Thread.interrupted());
        assertTrue(p[0].isOpen());

        DatagramEndpoint receiver = closer.track(
                DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("r"))));
        DatagramEndpoint sender = closer.track(
                DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("s"))));
        Thread.currentThread().interrupt();
        assertTrue(sender.offer(receiver.localAddress(), bytes("datagram")));
        assertEquals("datagram", text(receiver.poll().payload()));
        assertTrue(Thread.interrupted());
    }

    @Test
    void aReadIntoAFullBufferReturnsZeroAtOnce() throws Exception {
        StreamConnection[] p = pair();
        assertEquals(0, returns("read(empty buffer)", () -> p[1].read(ByteBuffer.allocate(0))));
        assertEquals(0, returns("read(full buffer)", () -> p[1].read(ByteBuffer.allocate(4).position(4))));
    }

    /**
     * A read into a read-only buffer is refused at once with ReadOnlyBufferException, as a mailbox's
     * {@code poll(ByteBuffer)} and a pipe's {@code read} refuse it, with no byte there and with one
     * there, whose byte stays for the next read. Until 2026-12-07 it waited for a byte first, and
     * then threw from the buffer's {@code put}.
     */
    @Test
    void aReadIntoAReadOnlyBufferIsRefusedAtOnce() throws Exception {
        StreamConnection[] p = pair();
        ByteBuffer readOnly = ByteBuffer.allocate(4).asReadOnlyBuffer();
        CompletableFuture<Integer> nothingThere = start(() -> p[1].read(readOnly));
        Throwable refused = assertThrows(ExecutionException.class, () -> nothingThere.get(60, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(ReadOnlyBufferException.class, refused);
        p[0].write(ByteBuffer.wrap(bytes("x")));
        ByteBuffer in = ByteBuffer.allocate(4);
        assertEquals(1, p[1].read(in));
        p[0].write(ByteBuffer.wrap(bytes("y")));
        assertThrows(ReadOnlyBufferException.class, () -> p[1].read(ByteBuffer.allocateDirect(4).asReadOnlyBuffer()));
        assertEquals(1, p[1].read(in), "the byte stays");
        assertEquals("xy", new String(in.array(), 0, 2, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, readOnly.position());
    }

    @Test
    void aClosedSocketBoundToPortZeroIsNamedByItsPort() throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        StreamServer server = StreamServer.bind(any);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        server.close();
        ClosedException e = assertThrows(ClosedException.class, () -> server.accept(SHORT));
        assertTrue(e.getMessage().contains(":" + port), e.getMessage());

        DatagramEndpoint endpoint = DatagramEndpoint.bind(any);
        int datagramPort = ((InetSocketAddress) endpoint.localAddress()).getPort();
        endpoint.close();
        e = assertThrows(ClosedException.class, () -> endpoint.poll(SHORT));
        assertTrue(e.getMessage().contains(":" + datagramPort), e.getMessage());
        if (port == 0 || datagramPort == 0) {
            fail("no port given");
        }
    }
}
