package io.jipc.net;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server serves ({@code serve}/{@code start}) or hands connections out ({@code accept}), once,
 * and not after close: each misuse fails at the call instead of later, per client, in a thread of
 * the server's.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamServerLifecycleTest {
    private final StreamServer server = StreamServer.bind(SocketTestSupport.unix(SocketTestSupport.newPath("life")),
            ServerOptions.defaults().withCloseGrace(Duration.ZERO));

    @AfterEach
    void closeServer() throws Exception {
        server.close();
        SocketTestSupport.assertNoSocketFilesLeft();
    }

    @Test
    void aNullHandlerIsRefusedAtTheCall() {
        assertEquals("handler", assertThrows(NullPointerException.class, () -> server.start(null)).getMessage());
        assertEquals("handler", assertThrows(NullPointerException.class, () -> server.serve(null)).getMessage());
        assertEquals("handler", assertThrows(NullPointerException.class, () -> server.onHandlerError(null)).getMessage());
    }

    @Test
    void aRefusedNullHandlerLeavesTheServerFreeToStart() throws Exception {
        assertThrows(NullPointerException.class, () -> server.start(null));
        server.start(connection -> connection.put(connection.take()));
        try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
            client.put(new byte[] {7});
            assertEquals(7, client.take()[0]);
        }
    }

    @Test
    void startWithAThreadFactoryServesEachClientInOneOfItsThreads() throws Exception {
        assertEquals("threads", assertThrows(NullPointerException.class,
                () -> server.start(connection -> { }, null)).getMessage());
        server.start(connection -> connection.put(
                (Thread.currentThread().isVirtual() + " " + Thread.currentThread().getName()).getBytes(UTF_8)),
                Thread.ofPlatform().daemon().name("served-", 1).factory());
        for (int i = 1; i <= 2; i++) {
            try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
                assertEquals("false served-" + i, new String(client.take(), UTF_8));
            }
        }
    }

    /**
     * A client whose thread cannot be started (a thread limit: "unable to create native thread") has
     * its connection closed, and the acceptor serves the next clients. Before, the acceptor thread died
     * of that error: the server accepted no client again while it still looked alive.
     */
    @Test
    void aClientWhoseThreadCannotStartIsClosedAndTheNextOnesAreServed() throws Exception {
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        server.start(connection -> connection.put("served".getBytes(UTF_8)), task -> {
            if (made.incrementAndGet() == 1) {
                return new Thread(task) {
                    @Override
                    public synchronized void start() {
                        throw new OutOfMemoryError("unable to create native thread: possibly out of memory"
                                + " or process/resource limits reached");
                    }
                };
            }
            return Thread.ofPlatform().daemon().unstarted(task);
        });
        try (StreamConnection refused = StreamConnection.connect(server.localAddress())) {
            org.junit.jupiter.api.Assertions.assertNull(refused.take(), "its connection is closed unserved (end of stream)");
        }
        for (int i = 0; i < 2; i++) {
            try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
                assertEquals("served", new String(client.take(), UTF_8));
            }
        }
    }

    @Test
    void aSecondStartIsRefused() {
        server.start(connection -> { });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> server.start(connection -> { }));
        assertTrue(e.getMessage().contains("already started"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> server.serve(connection -> { }));
    }

    @Test
    void acceptOnAStartedServerIsRefused() {
        server.start(connection -> { });
        assertThrows(IllegalStateException.class, () -> server.accept(Duration.ZERO));
        assertThrows(IllegalStateException.class, server::accept);
    }

    @Test
    void startServeAndAcceptAfterCloseThrowClosedException() {
        server.close();
        assertThrows(ClosedException.class, () -> server.start(connection -> { }));
        assertThrows(ClosedException.class, () -> server.serve(connection -> { }));
        assertThrows(ClosedException.class, server::accept);
        assertThrows(ClosedException.class, () -> server.accept(Duration.ZERO));
    }
}
