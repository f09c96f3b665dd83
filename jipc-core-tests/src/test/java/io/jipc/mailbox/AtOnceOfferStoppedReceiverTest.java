package io.jipc.mailbox;

import io.jipc.platform.ProcessIdentity;
import io.jipc.platform.Signals;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.ChildMain;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An at-once {@code offer} to a rendezvous mailbox (and {@link Endpoint#offer}) whose waiting
 * receiver does not take the message — its process stopped by {@code SIGSTOP}, or its receive
 * held up by a handler running in another thread of it — waits at most the dead-sender timeout,
 * then withdraws the message and returns false; the message is never delivered afterwards. Before,
 * the offer waited for as long as the receiver stayed stopped (or the handler ran). A hang shows
 * as a call that does not finish within {@link Async#JOIN_TIMEOUT}; no duration is asserted.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AtOnceOfferStoppedReceiverTest {
    private static final Duration CHILD = Duration.ofSeconds(60);
    private static int counter;

    private Mailbox mailbox;

    @AfterEach
    void destroy() {
        if (mailbox != null) {
            mailbox.destroy();
            mailbox.close();
        }
    }

    private Mailbox createRendezvous() {
        mailbox = Mailbox.create("at-once-" + ProcessHandle.current().pid() + "-" + ++counter,
                MailboxOptions.builder().messageLimit(0).maxMessageSize(64).build());
        return mailbox;
    }

    @Test
    void anAtOnceOfferToAStoppedWaitingReceiverReturnsFalse() throws Exception {
        Mailbox m = createRendezvous();
        try (ChildJvm receiver = start(Taker.class, m.name())) {
            try {
                awaitWaitingReceiver(m);
                stop(receiver);
                Async<Boolean> offer = Async.start(Async.Kind.PLATFORM, "offer", () -> m.offer(text("hello")));
                assertFalse(offer.get(), "the stopped receiver did not take it: withdrawn");
            } finally {
                receiver.resumeIfAlive();
            }
            assertTrue(m.offer(text("after"), CHILD), "the continued receiver takes the next message");
            assertEquals("= TOOK after", result(receiver), "the withdrawn message is never delivered");
        }
    }

    @Test
    void anEndpointOfferToAStoppedReceiveReturnsFalse() throws Exception {
        try (ChildJvm receiver = start(EndpointReceiver.class);
             Endpoint endpoint = Endpoint.open()) {
            assertEquals("= OPEN", result(receiver));
            ProcessIdentity peer = ProcessIdentity.of(receiver.pid()).orElseThrow();
            try (Mailbox inbox = Mailbox.open("endpoint-" + Long.toHexString(peer.token()))) {
                try {
                    awaitWaitingReceiver(inbox);
                    stop(receiver);
                    Async<Boolean> offer = Async.start(Async.Kind.PLATFORM, "endpoint-offer",
                            () -> endpoint.offer(peer, text("hello")));
                    assertFalse(offer.get(), "the stopped receive did not take it: withdrawn");
                } finally {
                    receiver.resumeIfAlive();
                }
                endpoint.send(peer, text("after"));
                assertEquals("= RECEIVED after", result(receiver), "the withdrawn message is never received");
                endpoint.send(peer, text("stop")); // it closes (destroys) its endpoint and ends
                assertEquals(0, receiver.waitFor(CHILD), receiver.output());
            }
        }
    }

    /**
     * In one process: a receive that announced itself waiting runs a handler (it holds the
     * receiving role) when another handle's at-once offer comes: no receive can take it now.
     */
    @Test
    void anAtOnceOfferWhileTheReceiveRunsAHandlerReturnsFalse() throws Exception {
        Mailbox m = createRendezvous();
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Mailbox sender = Mailbox.open(m.name())) {
            Async<Void> handling = Async.run(Async.Kind.PLATFORM, "handler", () -> m.take(message -> {
                inHandler.countDown();
                try {
                    release.await(CHILD.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            awaitWaitingReceiver(m); // so that it announced itself before the message came
            Async<Void> first = Async.run(Async.Kind.PLATFORM, "put", () -> sender.put(text("first")));
            try {
                assertTrue(inHandler.await(CHILD.toSeconds(), TimeUnit.SECONDS), "the handler runs");
                first.get();
                Async<Boolean> offer = Async.start(Async.Kind.PLATFORM, "offer", () -> sender.offer(text("second")));
                assertFalse(offer.get(), "nobody took it while the handler ran: withdrawn");
            } finally {
                release.countDown();
            }
            handling.get();
            assertNull(m.poll(), "the withdrawn message is never delivered");
        }
    }

    /**
     * A receiver killed ({@code SIGKILL}) while it waited leaves its marks: the first at-once offer
     * after it waits the dead-sender timeout and returns false, and it clears them, so no later offer
     * waits for the dead receiver again. Until 2026-12-07 the offer's bound came before its look at
     * the receivers' liveness, which alone clears them, and every later offer waited too.
     */
    @Test
    void anAtOnceOfferClearsTheMarkOfAReceiverKilledWhileItWaited() throws Exception {
        Mailbox m = createRendezvous();
        try (ChildJvm receiver = start(Taker.class, m.name())) {
            awaitWaitingReceiver(m);
            receiver.kill();
            assertTrue(m.mapped().lanes.rendezvous.receiverWaiting(false), "the dead receiver's marks stay");
            assertFalse(m.offer(text("nobody")), "nobody took it: withdrawn");
            assertFalse(m.mapped().lanes.rendezvous.receiverWaiting(false),
                    "the offer cleared the dead receiver's marks: later offers return false at once");
            assertFalse(m.offer(text("nobody either")));
        }
        assertNull(m.poll(), "the withdrawn messages are never delivered");
    }

    /**
     * An at-once offer does not look at the interrupt status (as every verb that does not wait): with
     * the status set, it hands the message to a receiver that waits, and the status stays set. Until
     * 2026-12-07 it withdrew the message once its quick look had passed, and returned false.
     */
    @Test
    void anInterruptedAtOnceOfferStillHandsOver() throws Exception {
        // a long dead-sender timeout: the offer's bound never ends a hand-over on a loaded machine here
        mailbox = Mailbox.create("at-once-" + ProcessHandle.current().pid() + "-" + ++counter,
                MailboxOptions.builder().messageLimit(0).maxMessageSize(64)
                        .deadSenderTimeout(Duration.ofSeconds(30)).build());
        Mailbox m = mailbox;
        try (ChildJvm receiver = start(Taker.class, m.name())) {
            for (int i = 0; i < 10; i++) {
                awaitWaitingReceiver(m);
                String text = "interrupted " + i;
                Async<Boolean> offer = Async.start(Async.Kind.PLATFORM, "offer", () -> {
                    Thread.currentThread().interrupt();
                    boolean sent = m.offer(text(text));
                    if (!Thread.interrupted()) {
                        throw new AssertionError("the interrupt status was cleared");
                    }
                    return sent;
                });
                assertTrue(offer.get(), "handed over with the interrupt status set (" + i + ")");
                assertEquals("= TOOK " + text, result(receiver));
            }
        }
    }

    /** Waits until a receive of the mailbox announced itself as waiting (the header's mark). */
    private static void awaitWaitingReceiver(Mailbox m) throws InterruptedException {
        long giveUpAt = System.nanoTime() + Async.JOIN_TIMEOUT.toNanos();
        while (!m.mapped().lanes.rendezvous.receiverWaiting(false)) {
            if (System.nanoTime() - giveUpAt > 0) {
                throw new AssertionError("no receiver announced itself waiting within " + Async.JOIN_TIMEOUT);
            }
            Thread.sleep(1);
        }
    }

    private static void stop(ChildJvm child) throws InterruptedException {
        Signals.kill(child.pid(), Signals.SIGSTOP);
        ProcessStates.awaitStopped(child.pid(), CHILD);
    }

    private static ChildJvm start(Class<?> main, String... args) {
        return ChildJvm.builder(main).args(args).quickStart().hardTimeout(Duration.ofSeconds(90)).start();
    }

    /** The child's next report: a line starting with {@code "= "}. */
    private static String result(ChildJvm child) {
        return child.awaitLine("= ", CHILD);
    }

    private static byte[] text(String s) {
        return s.getBytes(UTF_8);
    }

    // ================================================================== child mains

    /** Opens the mailbox {@code args[0]} and takes messages for ever, printing {@code = TOOK <text>} for each. */
    public static final class Taker {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Mailbox mailbox = Mailbox.open(args[0])) {
                while (true) {
                    System.out.println("= TOOK " + new String(mailbox.take(), UTF_8));
                    System.out.flush();
                }
            }
        }
    }

    /**
     * Opens a rendezvous endpoint ({@code = OPEN}) and receives, printing {@code = RECEIVED <text>}
     * for each message, until the message {@code stop}; then closes the endpoint.
     */
    public static final class EndpointReceiver {
        public static void main(String[] args) throws Exception {
            ChildMain.dieWithParent();
            try (Endpoint endpoint = Endpoint.open(MailboxOptions.builder().messageLimit(0))) {
                System.out.println("= OPEN");
                System.out.flush();
                for (String text; !(text = new String(endpoint.receive().payload(), UTF_8)).equals("stop"); ) {
                    System.out.println("= RECEIVED " + text);
                    System.out.flush();
                }
            }
        }
    }
}
