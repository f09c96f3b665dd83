package io.jipc.net;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static io.jipc.net.SocketTestSupport.bytes;
import static io.jipc.net.SocketTestSupport.text;
import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") for stream
 * connections, servers and datagram endpoints, with the interrupt status set before the call: a
 * timed or blocking call that cannot complete at once (nothing to receive or accept, no room, the
 * direction's turn held by another thread) throws {@link InterruptedException} and clears the status,
 * also with a zero or negative timeout; one that can completes and keeps it; the at-once calls never
 * look at it. A 30 s timeout returns at once because it throws (the class timeout guards a hang).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SocketInterruptRuleTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    @RegisterExtension
    final CloseAfterEach closer = new CloseAfterEach();

    private StreamServer server() {
        return closer.track(StreamServer.bind(SocketTestSupport.unix(SocketTestSupport.newPath("i")),
                ServerOptions.defaults().withCloseGrace(Duration.ZERO)));
    }

    private StreamConnection[] pair() throws Exception {
        StreamServer server = server();
        StreamConnection client = closer.track(StreamConnection.connect(server.localAddress()));
        StreamConnection accepted = closer.track(server.accept(LONG));
        assertNotNull(accepted);
        return new StreamConnection[] {client, accepted};
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void streamReceive(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        StreamConnection[] p = pair();
        throwsInterrupted(() -> p[1].poll(timeout));
        throwsInterrupted(p[1]::take);
        throwsInterrupted(() -> p[1].read(ByteBuffer.allocate(8)));
        assertNull(completesInterrupted(p[1]::poll));
        p[0].put(bytes("a"));
        p[0].put(bytes("b"));
        assertEquals("a", text(completesInterrupted(() -> p[1].poll(timeout))));
        assertEquals("b", text(completesInterrupted(p[1]::take)));
        p[0].write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        ByteBuffer into = ByteBuffer.allocate(8);
        int read = completesInterrupted(() -> p[1].read(into));
        assertTrue(read > 0, "read what was there");
        p[0].put(bytes("c"));
        assertEquals("c", text(completesInterrupted(p[1]::poll)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void streamSend(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        StreamConnection[] p = pair();
        assertTrue(completesInterrupted(() -> p[0].offer(bytes("a"), timeout)));
        completesInterrupted(() -> {
            p[0].put(bytes("b"));
            return null;
        });
        completesInterrupted(() -> {
            p[0].write(ByteBuffer.wrap(new byte[] {1}));
            return null;
        });
        fill(p[0]);
        throwsInterrupted(() -> p[0].offer(bytes("x"), timeout));
        throwsInterrupted(() -> {
            p[0].put(bytes("x"));
            return null;
        });
        assertFalse(completesInterrupted(() -> p[0].offer(bytes("x"))));
        assertTrue(p[0].isOpen(), "nothing was sent: the connection is usable");
    }

    /** Sends until the socket buffer has no room for another byte. */
    private static void fill(StreamConnection connection) throws InterruptedException {
        byte[] big = new byte[16 * 1024];
        while (connection.offer(big, Duration.ofMillis(20))) {
            // fills the buffers
        }
        while (connection.offer(new byte[1])) {
            // and the last bytes of room
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void streamTurnHeldByAnotherThread(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        StreamConnection[] p = pair();
        CompletableFuture<String> taker = CompletableFuture.supplyAsync(() -> {
            try {
                return text(p[1].take());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> Thread.ofPlatform().daemon().start(runnable));
        awaitHeld(p[1], "readLock");
        throwsInterrupted(() -> p[1].poll(timeout));
        assertNull(completesInterrupted(p[1]::poll));
        p[0].put(bytes("for the taker"));
        assertEquals("for the taker", taker.get(60, TimeUnit.SECONDS));

        fill(p[0]);
        CompletableFuture<Void> putter = CompletableFuture.runAsync(() -> {
            try {
                p[0].put(bytes("last"));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> Thread.ofPlatform().daemon().start(runnable));
        awaitHeld(p[0], "writeLock");
        throwsInterrupted(() -> p[0].offer(bytes("x"), timeout));
        assertFalse(completesInterrupted(() -> p[0].offer(bytes("x"))));
        p[1].close(); // ends the put (peer gone)
        try {
            putter.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            // PeerClosedException or ClosedException
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void accept(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        StreamServer server = server();
        throwsInterrupted(() -> server.accept(timeout));
        throwsInterrupted(server::accept);
        StreamConnection first = closer.track(completesInterrupted(() -> StreamConnection.connect(server.localAddress())));
        closer.track(StreamConnection.connect(server.localAddress()));
        StreamConnection accepted = closer.track(completesInterrupted(() -> server.accept(timeout)));
        assertNotNull(accepted, "a waiting client is accepted");
        assertNotNull(closer.track(completesInterrupted(server::accept)), "a waiting client is accepted");
        first.put(bytes("hello"));
        assertEquals("hello", text(accepted.take()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void datagrams(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        DatagramEndpoint receiver = closer.track(DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("r"))));
        DatagramEndpoint sender = closer.track(DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("s"))));
        SocketAddress to = receiver.localAddress();
        throwsInterrupted(() -> receiver.poll(timeout));
        throwsInterrupted(receiver::take);
        assertNull(completesInterrupted(receiver::poll));
        assertTrue(completesInterrupted(() -> sender.offer(to, bytes("a"), timeout)));
        completesInterrupted(() -> {
            sender.put(to, bytes("b"));
            return null;
        });
        assertTrue(completesInterrupted(() -> sender.offer(to, bytes("c"))));
        assertEquals("a", text(completesInterrupted(() -> receiver.poll(timeout)).payload()));
        assertEquals("b", text(completesInterrupted(receiver::take).payload()));
        assertEquals("c", text(completesInterrupted(receiver::poll).payload()));

        while (sender.offer(to, new byte[64])) {
            // fills the receiver's queue
        }
        throwsInterrupted(() -> sender.offer(to, bytes("x"), timeout));
        throwsInterrupted(() -> {
            sender.put(to, bytes("x"));
            return null;
        });
        assertFalse(completesInterrupted(() -> sender.offer(to, bytes("x"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void datagramTurnHeldByAnotherThread(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        DatagramEndpoint receiver = closer.track(DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("r"))));
        CompletableFuture<String> taker = CompletableFuture.supplyAsync(() -> {
            try {
                return text(receiver.take().payload());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> Thread.ofPlatform().daemon().start(runnable));
        awaitHeld(receiver, "receiveLock");
        throwsInterrupted(() -> receiver.poll(timeout));
        assertNull(completesInterrupted(receiver::poll));
        DatagramEndpoint sender = closer.track(DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("s"))));
        sender.put(receiver.localAddress(), bytes("for the taker"));
        assertEquals("for the taker", taker.get(60, TimeUnit.SECONDS));
    }

    /** Waits (bounded) until a thread other than this one holds the lock {@code field} of {@code owner}. */
    private static void awaitHeld(Object owner, String field) throws Exception {
        var f = owner.getClass().getDeclaredField(field);
        f.setAccessible(true);
        ReentrantLock lock = (ReentrantLock) f.get(owner);
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!lock.isLocked()) {
            assertTrue(System.nanoTime() - guard < 0, "the other thread never took " + field);
            Thread.sleep(1);
        }
    }
}
