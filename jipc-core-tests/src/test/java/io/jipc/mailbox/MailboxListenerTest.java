package io.jipc.mailbox;

import io.jipc.ClosedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.jipc.testkit.Latches.awaitUninterruptibly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a listener keeps when its handler throws, and what its close() waits for. */
class MailboxListenerTest extends MailboxContractTest {
    /**
     * A handler that throws {@link ClosedException} (of another mailbox it uses) stops the listener
     * with that failure: it is not taken for the listener's own mailbox being closed.
     */
    @ContractTest
    void aClosedExceptionOfTheHandlerIsItsFailure(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config);
        Mailbox elsewhere = create(config);
        elsewhere.close();
        MailboxListener listener = mailbox.listen(message -> elsewhere.offer(new byte[1]));
        assertTrue(mailbox.offer(new byte[] {1}));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (listener.isRunning() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(listener.isRunning(), "the handler's exception stops it");
        assertInstanceOf(ClosedException.class, listener.failure().orElseThrow(), "kept as its failure");
        assertEquals(0, listener.handled());
        listener.close();
    }

    /** Longer than the 10 s that close() waited at most before; the handler runs that long. */
    private static final Duration LONGER_THAN_THE_OLD_CAP = Duration.ofSeconds(11);
    /** Hang guard of a wait that must end. */
    private static final long GUARD_SECONDS = 60;

    private Mailbox plainMailbox() {
        return create(MailboxConfig.plain().findFirst().orElseThrow());
    }

    /**
     * close() returns only after the handler call in progress has returned, however long it runs
     * (it ignores the interrupt here), so the receiving role is free then: an at-once poll() right
     * after close() takes the next message. Before, close() gave up after 10 s and the poll waited
     * for the handler.
     */
    @Test
    void closeWaitsForTheRunningHandlerSoThatAPollAfterItDoesNotWait() throws Exception {
        Mailbox mailbox = plainMailbox();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean returned = new AtomicBoolean();
        MailboxListener listener = mailbox.listen(message -> {
            entered.countDown();
            awaitUninterruptibly(release);
            returned.set(true);
        });
        try {
            assertTrue(mailbox.offer(new byte[] {1}));
            assertTrue(entered.await(GUARD_SECONDS, TimeUnit.SECONDS), "the handler runs");
            assertTrue(mailbox.offer(new byte[] {2}));
            CompletableFuture<Object[]> afterClose = new CompletableFuture<>();
            Thread closer = Thread.ofPlatform().start(() -> {
                listener.close();
                boolean handlerReturned = returned.get();
                afterClose.complete(new Object[] {handlerReturned, mailbox.poll()});
            });
            closer.join(LONGER_THAN_THE_OLD_CAP); // the handler runs this long, or until close() returned
            release.countDown();
            Object[] outcome = afterClose.get(GUARD_SECONDS, TimeUnit.SECONDS);
            assertEquals(true, outcome[0], "close() returned after the handler");
            assertArrayEquals(new byte[] {2}, (byte[]) outcome[1], "the next message, for the poll after close()");
            assertFalse(listener.isRunning());
            assertEquals(1, listener.handled());
        } finally {
            release.countDown();
            listener.close();
        }
    }

    /**
     * An interrupt of the closing thread ends close()'s wait at once (its status stays set); the
     * listener stops when its handler returns.
     */
    @Test
    void anInterruptEndsTheWaitOfClose() throws Exception {
        Mailbox mailbox = plainMailbox();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MailboxListener listener = mailbox.listen(message -> {
            entered.countDown();
            awaitUninterruptibly(release);
        });
        try {
            assertTrue(mailbox.offer(new byte[] {1}));
            assertTrue(entered.await(GUARD_SECONDS, TimeUnit.SECONDS), "the handler runs");
            CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                Thread.currentThread().interrupt();
                listener.close();
                stillInterrupted.complete(Thread.currentThread().isInterrupted());
            });
            assertTrue(stillInterrupted.get(GUARD_SECONDS, TimeUnit.SECONDS), "close() returned, interrupt status kept");
            assertTrue(listener.isRunning(), "the handler still runs");
        } finally {
            release.countDown();
        }
        listener.close();
        assertFalse(listener.isRunning());
    }

    /** A handler may close its own listener: close() returns at once, the listener stops after the handler. */
    @Test
    void aHandlerMayCloseItsOwnListener() throws Exception {
        Mailbox mailbox = plainMailbox();
        AtomicReference<MailboxListener> self = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch closedItself = new CountDownLatch(1);
        MailboxListener listener = mailbox.listen(message -> {
            awaitUninterruptibly(started);
            self.get().close();
            closedItself.countDown();
        });
        self.set(listener);
        started.countDown();
        assertTrue(mailbox.offer(new byte[] {1}));
        assertTrue(closedItself.await(GUARD_SECONDS, TimeUnit.SECONDS), "close() from the handler returned");
        listener.close();
        assertFalse(listener.isRunning());
        assertEquals(1, listener.handled());
        assertTrue(listener.failure().isEmpty());
    }

    /** toString names the mailbox, the messages handled and the state, running, failed or closed. */
    @Test
    void toStringNamesTheMailboxTheCountAndTheState() throws Exception {
        Mailbox mailbox = plainMailbox();
        CountDownLatch handled = new CountDownLatch(1);
        MailboxListener listener = mailbox.listen(message -> handled.countDown());
        assertTrue(mailbox.offer(new byte[] {1}));
        assertTrue(handled.await(GUARD_SECONDS, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (listener.handled() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals("MailboxListener[" + mailbox.name() + ", handled 1, running]", listener.toString());
        listener.close();
        assertEquals("MailboxListener[" + mailbox.name() + ", handled 1, closed]", listener.toString());

        MailboxListener failing = mailbox.listen(message -> {
            throw new IllegalStateException("refused");
        });
        assertTrue(mailbox.offer(new byte[] {2}));
        while (failing.isRunning() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals("MailboxListener[" + mailbox.name() + ", handled 0, failed: IllegalStateException]",
                failing.toString());
        failing.close();
    }
}
