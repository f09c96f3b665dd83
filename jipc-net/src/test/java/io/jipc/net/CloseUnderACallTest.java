package io.jipc.net;

import io.jipc.ClosedException;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A {@code close()} from another thread ends a call that is already inside the socket (past its wait,
 * in a system call or about to make one) with {@link ClosedException}, as it ends a waiting one: the
 * close's {@code shutdown(SHUT_RDWR)}, meant to wake the waiters, gives such a call its own result,
 * which must not pass for the peer's doing. Until 2026-12-07 it did (explorer net65): a receive read
 * the shutdown as the peer's end of stream (null with {@link StreamConnection#isEndOfStream()} true, or
 * {@link PeerClosedException} "closed the connection mid-frame" naming the live peer), a Unix-domain
 * datagram {@code put} waiting for room threw {@code EPIPE} naming its target, and a TCP {@code accept}
 * threw {@code EINVAL} from {@code accept4}. Each is a race, so each test repeats it (the faults showed
 * in about 5 % to 95 % of the tries) and stops at the first wrong outcome; no duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CloseUnderACallTest {
    private static final int TRIES = 200;
    private static final Duration HANG = Duration.ofSeconds(60);

    /** The kind of thread that makes the call the close cuts. */
    enum Kind {
        PLATFORM, VIRTUAL;

        Thread start(Runnable body) {
            return this == PLATFORM ? Thread.ofPlatform().daemon().start(body) : Thread.ofVirtual().start(body);
        }
    }

    /**
     * A receiver loops {@code take()} on an accepted connection whose live peer keeps sending frames
     * larger than the receive buffer, so that the receiver is mostly busy reading a frame rather than
     * asleep in its wait; another thread closes the connection once a frame has come.
     */
    @ParameterizedTest
    @CsvSource({"UNIX, PLATFORM", "UNIX, VIRTUAL", "TCP, PLATFORM", "TCP, VIRTUAL"})
    void aReceiveCutByThisSidesCloseGetsClosedExceptionAndNoEndOfStream(SocketTestSupport.StreamKind transport,
                                                                        Kind kind) throws Exception {
        SocketAddress address = transport == SocketTestSupport.StreamKind.UNIX
                ? SocketTestSupport.unix(SocketTestSupport.newPath("cut"))
                : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        byte[] frame = new byte[300_000];
        try (StreamServer server = StreamServer.bind(address)) {
            for (int i = 1; i <= TRIES; i++) {
                StreamConnection client = StreamConnection.connect(server.localAddress());
                StreamConnection connection = server.accept(HANG);
                Thread sender = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (true) {
                            client.put(frame);
                        }
                    } catch (Throwable ended) {
                        // the test closed the client
                    }
                });
                AtomicInteger received = new AtomicInteger();
                CompletableFuture<Object> outcome = new CompletableFuture<>();
                Thread receiver = kind.start(() -> {
                    try {
                        while (connection.take() != null) {
                            received.incrementAndGet();
                        }
                        outcome.complete("null (end of stream), isEndOfStream() " + connection.isEndOfStream());
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                });
                try {
                    long giveUp = System.nanoTime() + HANG.toNanos();
                    while (received.get() == 0 && !outcome.isDone() && System.nanoTime() - giveUp < 0) {
                        Thread.sleep(0, 100_000);
                    }
                    Thread.sleep(0, ThreadLocalRandom.current().nextInt(1_000_000)); // up to 1 ms: into a frame
                    connection.close();
                    Object got = outcome.get(HANG.toSeconds(), TimeUnit.SECONDS);
                    if (!(got instanceof ClosedException)) {
                        fail("try " + i + ": a take() cut by this side's close ended with " + describe(got)
                                + " instead of ClosedException");
                    }
                    assertFalse(connection.isEndOfStream(), "try " + i + ": the peer did not end the stream");
                } finally {
                    connection.close();
                    client.close();
                    sender.join(HANG);
                    receiver.join(HANG);
                }
            }
        }
    }

    /**
     * A Unix-domain datagram {@code put} that waits for room at a receiver that does not read (it
     * spends most of that wait in the back-off between its tries to send) is ended by the close of its
     * own endpoint.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aDatagramPutWaitingForRoomGetsClosedExceptionWhenItsEndpointIsClosed(Kind kind) throws Exception {
        try (DatagramEndpoint receiver = DatagramEndpoint.bind(SocketTestSupport.unix(SocketTestSupport.newPath("full")))) {
            for (int i = 1; i <= TRIES; i++) {
                DatagramEndpoint sender = DatagramEndpoint.open(receiver.localAddress(), DatagramOptions.defaults());
                CompletableFuture<Throwable> outcome = new CompletableFuture<>();
                Thread putter = kind.start(() -> {
                    try {
                        while (true) {
                            sender.put(receiver.localAddress(), new byte[10]);
                        }
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                });
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(5, 30)); // the receiver's queue fills
                    sender.close();
                    Throwable got = outcome.get(HANG.toSeconds(), TimeUnit.SECONDS);
                    if (!(got instanceof ClosedException)) {
                        fail("try " + i + ": a put cut by its endpoint's close ended with " + describe(got)
                                + " instead of ClosedException");
                    }
                } finally {
                    sender.close();
                    putter.join(HANG);
                    while (receiver.poll() != null) {
                        // drained for the next try
                    }
                }
            }
        }
    }

    /**
     * A TCP server's {@code accept}, looped by one thread (at once, as a selector's user does, or
     * blocking while clients keep coming), and its close by another: the close takes the listener
     * out of the listening state, and an {@code accept4} already under way fails with {@code EINVAL}.
     */
    @ParameterizedTest
    @CsvSource({"PLATFORM, true", "VIRTUAL, true", "PLATFORM, false", "VIRTUAL, false"})
    void anAcceptCutByTheServersCloseGetsClosedException(Kind kind, boolean atOnce) throws Exception {
        for (int i = 1; i <= TRIES; i++) {
            StreamServer server = StreamServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread acceptor = kind.start(() -> {
                try {
                    while (true) {
                        StreamConnection c = atOnce ? server.accept(Duration.ZERO) : server.accept();
                        if (c != null) {
                            c.close();
                        }
                    }
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            Thread connector = atOnce ? null : Thread.ofPlatform().daemon().start(() -> {
                while (!outcome.isDone()) {
                    try {
                        StreamConnection.connect(server.localAddress(),
                                ConnectionOptions.defaults().withConnectTimeout(Duration.ofSeconds(1))).close();
                    } catch (Throwable refusedOnceClosed) {
                        // the server is closed
                    }
                }
            });
            try {
                Thread.sleep(ThreadLocalRandom.current().nextInt(1, 10));
                server.close();
                Throwable got = outcome.get(HANG.toSeconds(), TimeUnit.SECONDS);
                if (!(got instanceof ClosedException)) {
                    fail("try " + i + ": an accept" + (atOnce ? "(ZERO)" : "()") + " cut by the server's close ended with "
                            + describe(got) + " instead of ClosedException");
                }
            } finally {
                server.close();
                acceptor.join(HANG);
                if (connector != null) {
                    connector.join(HANG);
                }
            }
        }
    }

    private static String describe(Object outcome) {
        return outcome instanceof Throwable t ? t.toString() : String.valueOf(outcome);
    }
}
