package io.jipc.net;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server serves ({@code serve}/{@code start}) or hands connections out ({@code accept}), one way at a time,
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

    /**
     * A close while the acceptor is starting a client's thread waits for that thread like the others.
     * Before, the acceptor put the thread in the handlers' set before starting it, and a close that
     * read the set in between failed with IllegalThreadStateException "Thread not started" from
     * {@code Thread.join(Duration)} (an RpcServer's close, once in a CI run). Here the thread's start
     * is held until the closing thread is blocked in the server (on the lock the acceptor holds from
     * adding the thread to starting it) or has ended.
     */
    @Test
    void aCloseWhileAClientsThreadIsStartingWaitsForIt() throws Exception {
        CountDownLatch starting = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Thread> closer = new java.util.concurrent.atomic.AtomicReference<>();
        AtomicBoolean handled = new AtomicBoolean();
        server.start(connection -> handled.set(true), task -> new Thread(task) {
            @Override
            public synchronized void start() {
                starting.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                Thread c;
                while (((c = closer.get()) == null || c.isAlive() && !blockedInTheServer(c))
                        && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                }
                super.start();
            }
        });
        try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
            assertTrue(starting.await(30, TimeUnit.SECONDS));
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread closing = Thread.ofPlatform().unstarted(() -> {
                try {
                    server.close();
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            closer.set(closing);
            closing.start();
            assertTrue(closing.join(Duration.ofSeconds(60)), "close returned");
            assertEquals(null, failure.get());
            assertTrue(handled.get(), "the client's handler ran before close returned");
        }
    }

    /** Whether {@code t} waits for a monitor inside a method of StreamServer. */
    private static boolean blockedInTheServer(Thread t) {
        return t.getState() == Thread.State.BLOCKED && java.util.Arrays.stream(t.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(StreamServer.class.getName()));
    }

    /**
     * No handler starts once close has begun: a client whose thread the acceptor was still making when
     * the close began is closed unserved. Here the thread factory holds the acceptor until the close has
     * returned. Before, the acceptor then started the handler anyway (it looked at the close only at the
     * top of its loop): a handler of a closed server ran after its close had returned, and a client
     * accepted in that instant was served for as long as it stayed.
     */
    @Test
    void noHandlerStartsAfterCloseHasBegun() throws Exception {
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch closeReturned = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Thread> acceptor = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Thread> made = new java.util.concurrent.atomic.AtomicReference<>();
        AtomicBoolean handled = new AtomicBoolean();
        server.start(connection -> handled.set(true), task -> {
            acceptor.set(Thread.currentThread());
            making.countDown();
            try {
                closeReturned.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            Thread thread = Thread.ofPlatform().daemon().unstarted(task);
            made.set(thread);
            return thread;
        });
        try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
            assertTrue(making.await(60, TimeUnit.SECONDS), "the acceptor did not ask for the client's thread");
            server.close();
            closeReturned.countDown();
            assertTrue(acceptor.get().join(Duration.ofSeconds(60)), "the acceptor of the closed server goes on");
            assertEquals(Thread.State.NEW, made.get().getState(), "a handler's thread started after close returned");
            assertFalse(handled.get());
            org.junit.jupiter.api.Assertions.assertNull(client.poll(Duration.ofSeconds(60)));
            assertTrue(client.isEndOfStream(), "the unserved client's connection is still open");
        }
    }

    /**
     * A client for whom the thread factory makes no thread (it returns null, as ThreadFactory allows
     * when it rejects the request, or throws anything: a RuntimeException, an {@link Error} such as an
     * assertion or a failed static initializer) is closed unserved, and the acceptor serves the next
     * clients. Before, the acceptor died of it (a NullPointerException, or the factory's exception; only
     * an OutOfMemoryError or a RuntimeException from the thread's start was caught): the server accepted
     * no client again while it still looked open, and the first client stayed connected, unserved.
     */
    @Test
    void aClientForWhomTheFactoryMakesNoThreadIsClosedAndTheNextOnesAreServed() throws Exception {
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        int failing = 4;
        server.start(connection -> connection.put("served".getBytes(UTF_8)), task -> switch (requests.incrementAndGet()) {
            case 1 -> null;
            case 2 -> throw new java.util.concurrent.RejectedExecutionException("no thread for the second client");
            case 3 -> throw new AssertionError("the factory's bug");
            case 4 -> throw new ExceptionInInitializerError("the factory's static setup failed");
            default -> Thread.ofPlatform().daemon().unstarted(task);
        });
        for (int i = 0; i < failing; i++) {
            try (StreamConnection refused = StreamConnection.connect(server.localAddress())) {
                org.junit.jupiter.api.Assertions.assertNull(refused.poll(Duration.ofSeconds(60)));
                assertTrue(refused.isEndOfStream(), "client " + (i + 1) + "'s connection is not closed");
            }
        }
        for (int i = 0; i < 2; i++) {
            try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
                byte[] reply = client.poll(Duration.ofSeconds(60));
                assertEquals("served", reply == null ? null : new String(reply, UTF_8), "a later client is not served");
            }
        }
        assertFalse(server.isClosed());
    }

    /**
     * A thread factory that closes its server (in the acceptor) gets its close back once accepting has
     * stopped, and the client it was asked a thread for is closed unserved as it returns; a racing close
     * returns once the close has finished. Before, that close waited the whole grace (here 10 minutes)
     * for the connection that only the acceptor, stuck in that close, could close.
     */
    @Test
    void aThreadFactoryThatClosesItsServerDoesNotWaitForItsOwnClient() throws Exception {
        StreamServer graceful = graceful(Duration.ofMinutes(10));
        CountDownLatch closeReturned = new CountDownLatch(1);
        graceful.start(connection -> connection.put("served".getBytes(UTF_8)), task -> {
            graceful.close();
            closeReturned.countDown();
            return Thread.ofPlatform().daemon().unstarted(task);
        });
        try (StreamConnection client = StreamConnection.connect(graceful.localAddress())) {
            // hang guards: the grace is 10 minutes
            org.junit.jupiter.api.Assertions.assertNull(client.poll(Duration.ofSeconds(60)), "the client was served");
            assertTrue(client.isEndOfStream(), "the client's connection is not closed");
            assertTrue(closeReturned.await(60, TimeUnit.SECONDS), "the factory's close did not return");
        }
        graceful.close(); // returns once the handed-on close has finished
        assertEquals(0, graceful.connectionCount());
        assertTrue(graceful.isClosed());
    }

    @Test
    void aSecondStartIsRefused() {
        server.start(connection -> { });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> server.start(connection -> { }));
        assertTrue(e.getMessage().contains("already started"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> server.serve(connection -> { }));
    }

    /**
     * An interrupted {@code serve} stops serving, not the server: the client that connected meanwhile
     * (waiting in the backlog) is handed out by a later {@code accept}, and a later {@code start}
     * serves the next ones. Until 2026-12-07 the server stayed marked as serving: both threw
     * {@link IllegalStateException}, and clients waited in the backlog for ever while it looked open.
     */
    @Test
    void anInterruptedServeLeavesTheServerFreeToAcceptAndServeAgain() throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();
        Thread serving = Thread.ofPlatform().start(() -> {
            try {
                server.serve(connection -> connection.put(connection.take()));
                ended.complete(null);
            } catch (Throwable t) {
                ended.complete(t);
            }
        });
        try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
            client.put(new byte[] {1});
            assertEquals(1, client.take()[0]); // served: serve runs
        }
        serving.interrupt();
        org.junit.jupiter.api.Assertions.assertInstanceOf(InterruptedException.class, ended.get(60, TimeUnit.SECONDS));
        assertFalse(server.isClosed());
        try (StreamConnection waiting = StreamConnection.connect(server.localAddress());
             StreamConnection handedOut = server.accept(Duration.ofSeconds(60))) {
            org.junit.jupiter.api.Assertions.assertNotNull(handedOut, "the waiting client was not accepted");
            waiting.put(new byte[] {2});
            assertEquals(2, handedOut.take()[0]);
        }
        server.start(connection -> connection.put(connection.take()));
        try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
            client.put(new byte[] {3});
            assertEquals(3, client.take()[0]);
        }
    }

    /**
     * The acceptor of {@code start} ended by an interrupt of its thread leaves the server as an interrupted
     * {@code serve} does: open and no longer serving, so that a waiting client is handed out by
     * {@code accept} and a later {@code start} serves the next; and it says so on standard error. Until
     * 2026-12-07 the server stayed marked as serving (both threw {@link IllegalStateException}, clients waited
     * in the backlog for ever while it looked open) and nothing was said.
     */
    @Test
    void anInterruptedAcceptorLeavesTheServerFreeToAcceptAndServeAgain() throws Exception {
        server.start(connection -> connection.put(connection.take()));
        try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
            client.put(new byte[] {1});
            assertEquals(1, client.take()[0]); // served: the acceptor runs
        }
        Thread acceptor = acceptorOf(server);
        String said = standardErrorOf(() -> {
            acceptor.interrupt();
            assertTrue(acceptor.join(Duration.ofSeconds(60)), "the interrupted acceptor goes on");
        });
        assertTrue(said.contains("the acceptor of " + server + " ended (java.lang.InterruptedException")
                && said.contains("no longer serves"), said);
        assertFreeToAcceptAndServeAgain(server);
    }

    /**
     * The acceptor of {@code start} ended by a failure of accepting (here {@code EPROTO} thrown by a
     * Unix-domain {@code accept4}, made by the seam {@code Sockets.afterAccept4}) leaves the server open and
     * no longer serving, and says so on standard error. Until 2026-12-07 it stayed marked as serving.
     */
    @Test
    void anAcceptorEndedByAFailureOfAcceptingLeavesTheServerFreeToAcceptAndServeAgain() throws Exception {
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(1);
        String said;
        try {
            afterAccept4(fd -> {
                if (failures.getAndDecrement() <= 0) {
                    return 0;
                }
                io.jipc.platform.Libc.close(fd);
                return 71; // EPROTO: thrown on a Unix-domain listener
            });
            server.start(connection -> connection.put(connection.take()));
            Thread acceptor = acceptorOf(server);
            said = standardErrorOf(() -> {
                try (StreamConnection lost = StreamConnection.connect(server.localAddress())) {
                    assertTrue(acceptor.join(Duration.ofSeconds(60)), "the acceptor goes on");
                    org.junit.jupiter.api.Assertions.assertNull(lost.poll(Duration.ofSeconds(60)));
                }
            });
        } finally {
            afterAccept4(null);
        }
        assertTrue(said.contains("the acceptor of " + server + " ended (io.jipc.ErrnoException: EPROTO")
                && said.contains("no longer serves"), said);
        assertFreeToAcceptAndServeAgain(server);
    }

    /** A client that connects is handed out by {@code accept}, then a {@code start} serves the next. */
    private static void assertFreeToAcceptAndServeAgain(StreamServer server) throws Exception {
        assertFalse(server.isClosed());
        try (StreamConnection waiting = StreamConnection.connect(server.localAddress());
             StreamConnection handedOut = server.accept(Duration.ofSeconds(60))) {
            org.junit.jupiter.api.Assertions.assertNotNull(handedOut, "the waiting client was not accepted");
            waiting.put(new byte[] {2});
            assertEquals(2, handedOut.take()[0]);
        }
        server.start(connection -> connection.put(connection.take()));
        try (StreamConnection client = StreamConnection.connect(server.localAddress())) {
            client.put(new byte[] {3});
            byte[] echo = client.poll(Duration.ofSeconds(60)); // a hang guard
            org.junit.jupiter.api.Assertions.assertNotNull(echo, "the second start does not serve");
            assertEquals(3, echo[0]);
        }
    }

    private static Thread acceptorOf(StreamServer server) throws ReflectiveOperationException {
        java.lang.reflect.Field field = StreamServer.class.getDeclaredField("acceptor");
        field.setAccessible(true);
        return (Thread) field.get(server);
    }

    private interface Action {
        void run() throws Exception;
    }

    /** What {@code action} and the threads running meanwhile wrote on standard error (still written there too). */
    private static String standardErrorOf(Action action) throws Exception {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                said.write(b);
                err.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                said.write(b, off, len);
                err.write(b, off, len);
            }
        }, true, UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(err);
        }
        return said.toString(UTF_8);
    }

    /**
     * A TCP server goes on serving after {@code accept4} passed on a new connection's network error as its
     * own ({@code EPROTO}, made by the seam {@code Sockets.afterAccept4}: loopback does not provoke one; the
     * man page says to treat these as {@code EAGAIN}): that client is lost (end of stream), the next one is
     * served. Until 2026-12-07 the error ended the acceptor: the server looked open and served no client again.
     */
    @Test
    void aTcpServerServesOnAfterAcceptPassesOnANewConnectionsNetworkError() throws Exception {
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(1);
        try (StreamServer tcp = StreamServer.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                ServerOptions.defaults().withCloseGrace(Duration.ZERO))) {
            afterAccept4(fd -> {
                if (failures.getAndDecrement() <= 0) {
                    return 0;
                }
                io.jipc.platform.Libc.close(fd); // as the kernel: that connection is gone
                return 71; // EPROTO
            });
            tcp.start(connection -> connection.put(connection.take()));
            try (StreamConnection lost = StreamConnection.connect(tcp.localAddress())) {
                org.junit.jupiter.api.Assertions.assertNull(lost.poll(Duration.ofSeconds(60)));
                assertTrue(lost.isEndOfStream(), "the first client's connection is still open");
            }
            try (StreamConnection client = StreamConnection.connect(tcp.localAddress())) {
                client.put(new byte[] {4});
                byte[] echo = client.poll(Duration.ofSeconds(60)); // a hang guard
                org.junit.jupiter.api.Assertions.assertNotNull(echo, "the next client is not served");
                assertEquals(4, echo[0]);
            }
            assertFalse(tcp.isClosed());
        } finally {
            afterAccept4(null);
        }
    }

    /**
     * The acceptor of {@code start} rides out an {@code accept4} that fails for want of kernel memory
     * ({@code ENOBUFS}, {@code ENOMEM}: made by the seam {@code Sockets.afterAccept4}, which closes that
     * client's descriptor, so that client reads end of stream), on a Unix-domain and on a TCP listener: it
     * says so on standard error, pauses and serves the next client. Until 2026-12-07 both errnos ended the
     * acceptor: the server looked open and took no client again.
     */
    @Test
    void anAcceptorRidesOutAnAcceptShortOfKernelMemory() throws Exception {
        for (int errno : new int[] {105, io.jipc.platform.Errno.ENOMEM}) { // ENOBUFS, ENOMEM
            for (boolean tcp : new boolean[] {false, true}) {
                java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(1);
                try (StreamServer listener = StreamServer.bind(tcp
                                ? new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0)
                                : SocketTestSupport.unix(SocketTestSupport.newPath("short")),
                        ServerOptions.defaults().withCloseGrace(Duration.ZERO))) {
                    afterAccept4(fd -> {
                        if (failures.getAndDecrement() <= 0) {
                            return 0;
                        }
                        io.jipc.platform.Libc.close(fd);
                        return errno;
                    });
                    listener.start(connection -> connection.put(connection.take()));
                    String said = standardErrorOf(() -> {
                        try (StreamConnection lost = StreamConnection.connect(listener.localAddress())) {
                            org.junit.jupiter.api.Assertions.assertNull(lost.poll(Duration.ofSeconds(60)));
                        }
                        try (StreamConnection client = StreamConnection.connect(listener.localAddress())) {
                            client.put(new byte[] {5});
                            byte[] echo = client.poll(Duration.ofSeconds(60)); // a hang guard
                            org.junit.jupiter.api.Assertions.assertNotNull(echo,
                                    "the next client is not served (" + io.jipc.platform.Errno.name(errno) + ", tcp " + tcp + ")");
                            assertEquals(5, echo[0]);
                        }
                    });
                    assertTrue(said.contains("jipc: " + listener + " cannot accept for now: "
                            + io.jipc.platform.Errno.name(errno)), said);
                    assertFalse(said.contains("the acceptor of " + listener + " ended"), said);
                } finally {
                    afterAccept4(null);
                }
            }
        }
    }

    /** Sets the seam {@code Sockets.afterAccept4} (package-private in io.jipc.platform; the tests run on the class path). */
    private static void afterAccept4(java.util.function.IntUnaryOperator seam) throws ReflectiveOperationException {
        java.lang.reflect.Field field = io.jipc.platform.Sockets.class.getDeclaredField("afterAccept4");
        field.setAccessible(true);
        field.set(null, seam);
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

    /**
     * A close that races another returns only once that one has finished: here once the handler it
     * waits for has returned. Before, the second close returned at once (as soon as the socket file was
     * gone) while the first still waited for the handler, so a shutdown hook's close and the main
     * thread's could let the process end mid-handler.
     */
    @Test
    void aCloseRacingAnotherReturnsOnlyOnceThatOneHasFinished() throws Exception {
        StreamServer graceful = graceful(Duration.ofSeconds(60));
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean handlerReturned = new AtomicBoolean();
        try (StreamConnection client = serveOneClient(graceful, connection -> {
            try {
                release.await();
            } finally {
                handlerReturned.set(true);
            }
        })) {
            Thread first = startClosing(graceful);
            AtomicBoolean returnedAfterTheHandler = new AtomicBoolean();
            Thread second = Thread.ofPlatform().start(() -> {
                graceful.close();
                returnedAfterTheHandler.set(handlerReturned.get());
            });
            awaitWaiting(second);
            release.countDown();
            second.join();
            first.join();
            assertTrue(returnedAfterTheHandler.get(), "the second close returned while the first waited for the handler");
        }
    }

    /**
     * A handler that closes its server while another thread's close waits for that handler returns from
     * its close at once (the other close finishes the work): waiting for the other would hold both until
     * the grace is over.
     */
    @Test
    void aHandlerThatClosesItsServerDuringAnotherCloseReturnsAtOnce() throws Exception {
        StreamServer graceful = graceful(Duration.ofSeconds(30));
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean handlersCloseReturned = new AtomicBoolean();
        try (StreamConnection client = serveOneClient(graceful, connection -> {
            release.await();
            graceful.close();
            handlersCloseReturned.set(true);
        })) {
            Thread first = startClosing(graceful);
            Thread second = Thread.ofPlatform().start(graceful::close); // waits for the first meanwhile
            awaitWaiting(second);
            release.countDown();
            first.join();
            assertTrue(handlersCloseReturned.get(), "the handler's close waited for the close that waited for it");
            second.join();
        }
    }

    /**
     * A close waiting for another is ended by an interrupt (its status set again), also when a second
     * close waits too: the waits do not queue behind one another. Before, the second close waited holding
     * the server's close lock, so a third waited for the lock, deaf to interrupts, for the whole grace.
     */
    @Test
    void anInterruptEndsTheWaitOfAThirdClose() throws Exception {
        StreamServer graceful = graceful(Duration.ofMinutes(10));
        CountDownLatch release = new CountDownLatch(1);
        try (StreamConnection client = serveOneClient(graceful, connection -> release.await())) {
            Thread first = startClosing(graceful);
            Thread second = Thread.ofPlatform().start(graceful::close);
            awaitWaiting(second);
            AtomicBoolean interruptKept = new AtomicBoolean();
            Thread third = Thread.ofPlatform().start(() -> {
                graceful.close();
                interruptKept.set(Thread.currentThread().isInterrupted());
            });
            try {
                awaitWaiting(third);
                third.interrupt();
                third.join(Duration.ofSeconds(60)); // a hang guard: the first close waits for the handler for 10 min
                assertFalse(third.isAlive(), "the interrupted third close still waits");
                assertTrue(interruptKept.get(), "the interrupt status was not set again");
                assertTrue(second.isAlive() && first.isAlive(), "the other closes wait on for the handler");
            } finally {
                release.countDown();
                first.join();
                second.join();
                third.join();
            }
        }
    }

    /** Waits until {@code thread} waits or is blocked (or has ended). */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        while (thread.isAlive() && thread.getState() != Thread.State.WAITING
                && thread.getState() != Thread.State.BLOCKED) {
            Thread.sleep(1);
        }
    }

    /**
     * A handler that closes its own server (a "shutdown" request) gets its close back at once, with the
     * socket file gone, and can still send its reply; the rest of the close goes on without it. Before, its
     * close waited the whole grace for the handler's own connection, then closed it under the reply.
     */
    @Test
    void aHandlerThatClosesItsServerCanStillReply() throws Exception {
        StreamServer graceful = graceful(Duration.ofMinutes(10));
        java.nio.file.Path file = ((java.net.UnixDomainSocketAddress) graceful.localAddress()).getPath();
        AtomicBoolean fileGoneAtReturn = new AtomicBoolean();
        graceful.start(connection -> {
            connection.take(); // the request
            graceful.close();
            fileGoneAtReturn.set(!java.nio.file.Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS));
            connection.put("bye".getBytes(UTF_8));
        });
        try (StreamConnection client = StreamConnection.connect(graceful.localAddress())) {
            client.put("shutdown".getBytes(UTF_8));
            byte[] reply = client.poll(Duration.ofSeconds(60)); // a hang guard: the grace is 10 minutes
            assertEquals("bye", reply == null ? null : new String(reply, UTF_8), "no reply to the shutdown");
            assertTrue(fileGoneAtReturn.get(), "the socket file was there when the handler's close returned");
            assertTrue(graceful.isClosed());
        }
    }

    /** A server of the test's socket directory whose close waits up to {@code grace} for its handlers. */
    private static StreamServer graceful(Duration grace) {
        return StreamServer.bind(SocketTestSupport.unix(SocketTestSupport.newPath("grace")),
                ServerOptions.defaults().withCloseGrace(grace));
    }

    /** Starts {@code server} with {@code handler}, connects a client and returns it once the handler runs. */
    private static StreamConnection serveOneClient(StreamServer server, ConnectionHandler handler) throws Exception {
        CountDownLatch served = new CountDownLatch(1);
        server.start(connection -> {
            served.countDown();
            handler.handle(connection);
        });
        StreamConnection client = StreamConnection.connect(server.localAddress());
        assertTrue(served.await(60, TimeUnit.SECONDS), "the handler did not start");
        return client;
    }

    /** Closes {@code server} in a new thread; returns that thread once the close has begun. */
    private static Thread startClosing(StreamServer server) {
        Thread closing = Thread.ofPlatform().start(server::close);
        while (!server.isClosed()) {
            Thread.onSpinWait();
        }
        return closing;
    }
}
