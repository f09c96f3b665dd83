package io.jipc.rpc;

import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A call whose arguments take long to decode at the server (here a record whose compact constructor
 * waits at a gate the test holds, not answering interrupts, as a large map's decoding does not) and
 * that is cancelled ({@code cancel(true)} of its future), times out (a 500 ms call timeout: the
 * server's deadline), whose server closes ({@code close()} returns), or whose client closes (its BYE:
 * the server forgets the client) meanwhile never runs: once the gate opens, the implementation is not
 * entered, the call is counted as dropped unrun, and the caller has {@link CancellationException},
 * {@link RpcTimeoutException}, {@link RpcServerLostException} or (its client closed) {@link RpcException}.
 * Through mailboxes and over TCP. Until 2026-12-06 the server checked for a cancellation only before
 * the decode, and entered the implementation once the arguments were decoded, also seconds after its
 * {@code close()} had returned, or after its client had said BYE. No durations are asserted: every
 * wait has a hard bound.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcCallDroppedWhileDecodingTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** The decode the test holds, while {@link #holding} is set: the server's decoding thread waits at its gate. */
    private static final class Hold {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        /** Waits at the gate, interrupts noted and kept (the status is set again after), as a long decode does. */
        void pass() {
            entered.countDown();
            boolean wasInterrupted = false;
            try {
                while (true) {
                    try {
                        if (!gate.await(2 * WAIT.toSeconds(), TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the test never opened the gate");
                        }
                        return;
                    } catch (InterruptedException e) {
                        wasInterrupted = true;
                        interrupted.countDown();
                    }
                }
            } finally {
                if (wasInterrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static volatile Hold holding;

    /** An argument whose decoding (its canonical constructor, run by the server's marshaller) the test holds. */
    public record Slow(int n) {
        public Slow {
            Hold hold = holding;
            if (hold != null) {
                hold.pass();
            }
        }
    }

    public interface Decoding {
        int take(Slow slow);
    }

    /** A server {@code name} through its mailbox (and over TCP for {@code tcp}) counting its calls in {@code entered}. */
    private static RpcServer.Builder<Decoding> server(String name, String transport, AtomicInteger entered) {
        Decoding implementation = slow -> {
            entered.incrementAndGet();
            return slow.n();
        };
        RpcServer.Builder<Decoding> builder = RpcServer.builder(name, Decoding.class, implementation);
        if (transport.equals("tcp")) {
            builder.listen(new InetSocketAddress("127.0.0.1", 0));
        }
        return builder;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"mailbox, cancel", "mailbox, timeout", "mailbox, close", "mailbox, bye",
            "tcp, cancel", "tcp, timeout", "tcp, close", "tcp, bye"})
    void aCallCancelledTimedOutClosedOrForgottenWhileItsArgumentsDecodeNeverRuns(String transport, String what) throws Exception {
        String name = "decoding-" + transport + "-" + what;
        Slow argument = new Slow(7); // built here before the hold is armed: only the server's decode waits
        Hold hold = new Hold();
        AtomicInteger entered = new AtomicInteger();
        RpcServer.Builder<Decoding> builder = server(name, transport, entered);
        RpcClient.Options options = what.equals("timeout")
                ? RpcClient.Options.defaults().withCallTimeout(Duration.ofMillis(500))
                : RpcClient.Options.defaults();
        holding = hold;
        try (RpcServer<Decoding> server = builder.start();
                RpcClient<Decoding> client = transport.equals("tcp")
                        ? RpcClient.connect(URI.create("tcp://127.0.0.1:"
                                + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/" + name),
                                Decoding.class, options)
                        : RpcClient.connect(name, Decoding.class, options)) {
            switch (what) {
                case "cancel" -> {
                    CompletableFuture<Integer> call = client.async(d -> d.take(argument));
                    assertTrue(hold.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the call's decode never began");
                    call.cancel(true);
                    assertThrows(CancellationException.class, call::get);
                    // the CANCEL reached the server: it interrupted the decoding thread
                    assertTrue(hold.interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the CANCEL never arrived");
                }
                case "timeout" -> {
                    assertThrows(RpcTimeoutException.class, () -> client.stub().take(argument));
                    assertEquals(0, hold.entered.getCount(), "the call's decode never began");
                    // the call's deadline passed at the server: it interrupted the decoding thread
                    assertTrue(hold.interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "no deadline at the server");
                }
                case "close" -> {
                    CompletableFuture<Integer> call = client.async(d -> d.take(argument));
                    assertTrue(hold.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the call's decode never began");
                    server.close(); // its grace passes, it interrupts the decoding thread, tells the client, returns
                    // close() interrupted the decoding thread once its grace was over (the thread notes it now or soon)
                    assertTrue(hold.interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "close() never interrupted the call");
                    ExecutionException e = assertThrows(ExecutionException.class, call::get);
                    assertInstanceOf(RpcServerLostException.class, e.getCause());
                }
                case "bye" -> {
                    CompletableFuture<Integer> call = client.async(d -> d.take(argument));
                    assertTrue(hold.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the call's decode never began");
                    client.close(); // its pending call fails, and its BYE makes the server forget it
                    ExecutionException e = assertThrows(ExecutionException.class, call::get);
                    assertInstanceOf(RpcException.class, e.getCause());
                    // the server forgot the client: it interrupted the decoding thread
                    assertTrue(hold.interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the BYE never arrived");
                }
                default -> throw new IllegalArgumentException(what);
            }
            hold.gate.countDown(); // the decode ends now: then the call is either dropped or (the bug) run
            assertTrue(within(() -> server.droppedUnrun() > 0 || entered.get() > 0, WAIT),
                    "the server never finished the held call");
            assertEquals(0, entered.get(), "the implementation was entered after " + switch (what) {
                case "cancel" -> "the call was cancelled";
                case "timeout" -> "the call timed out";
                case "close" -> "its server closed";
                default -> "its client said BYE (the server forgot it)";
            });
            assertEquals(1, server.droppedUnrun());
        } finally {
            hold.gate.countDown();
            holding = null;
        }
    }

    /**
     * A client in a child JVM whose process dies (killed) while the arguments of its call are held in
     * decoding at the server: the server forgets it (through mailboxes by its sweep, within {@link
     * RpcServer#SWEEP_INTERVAL}; over TCP as its connection ends), interrupting the decoding thread, and
     * once the gate opens the implementation is not entered. Until 2026-12-06 it was, for a client gone.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mailbox", "tcp"})
    void aCallOfAClientThatDiesWhileItsArgumentsDecodeNeverRuns(String transport) throws Exception {
        String name = "decoding-dies-" + transport;
        Hold hold = new Hold();
        AtomicInteger entered = new AtomicInteger();
        RpcServer.Builder<Decoding> builder = server(name, transport, entered);
        holding = hold;
        try (RpcServer<Decoding> server = builder.start()) {
            String target = transport.equals("tcp")
                    ? "tcp://127.0.0.1:" + ((InetSocketAddress) server.tcpAddress().orElseThrow()).getPort() + "/" + name
                    : name;
            try (ChildJvm caller = ChildJvm.builder(DyingCaller.class).args(target).quickStart()
                    .hardTimeout(Duration.ofSeconds(110)).start()) {
                caller.awaitLine("SENT", WAIT);
                assertTrue(hold.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the call's decode never began");
                caller.kill();
                // the server forgot the dead client: it interrupted the decoding thread
                assertTrue(hold.interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the client's death went unnoticed");
            }
            hold.gate.countDown();
            assertTrue(within(() -> server.droppedUnrun() > 0 || entered.get() > 0, WAIT),
                    "the server never finished the held call");
            assertEquals(0, entered.get(), "the implementation was entered after its client had died");
            assertEquals(1, server.droppedUnrun());
            assertEquals(0, server.clientCount());
        } finally {
            hold.gate.countDown();
            holding = null;
        }
    }

    /** The dying client: connects to {@code args[0]}, sends one call, says SENT, and waits to be killed. */
    public static final class DyingCaller {
        public static void main(String[] args) throws Exception {
            RpcClient<Decoding> client = args[0].startsWith("tcp:")
                    ? RpcClient.connect(URI.create(args[0]), Decoding.class, RpcClient.Options.defaults())
                    : RpcClient.connect(args[0], Decoding.class, RpcClient.Options.defaults());
            client.async(d -> d.take(new Slow(7)));
            System.out.println("SENT");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private static boolean within(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
