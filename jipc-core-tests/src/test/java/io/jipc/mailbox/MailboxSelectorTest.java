package io.jipc.mailbox;

import io.jipc.testkit.BackgroundCall;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static io.jipc.testkit.Latches.awaitUninterruptibly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A selector over mailboxes whose handles are closed while registered, or whose receiving role
 * another thread of this process holds.
 */
class MailboxSelectorTest extends MailboxContractTest {
    /**
     * A closed mailbox is dropped at the next select, as io.jipc.select.Selector drops closed
     * channels; every select threw ClosedException for good, and the closed ones kept their places
     * (after 128 of them, register failed).
     */
    @ContractTest
    void aMailboxClosedWhileRegisteredIsDropped(MailboxConfig config) throws Exception {
        Mailbox open = create(config);
        try (MailboxSelector selector = MailboxSelector.open().register(open)) {
            for (int i = 0; i < 200; i++) {
                Mailbox closing = create(config);
                selector.register(closing);
                closing.close();
            }
            assertEquals(List.of(), selector.selectNow());
            assertTrue(open.offer(new byte[] {1}));
            assertEquals(List.of(open), selector.select(LONG));
            open.poll();
        }
    }

    @ContractTest
    void aSelectWaitingWhenARegisteredMailboxIsClosedGoesOnWithTheOthers(MailboxConfig config) throws Exception {
        Mailbox open = create(config);
        Mailbox closing = create(config);
        try (MailboxSelector selector = MailboxSelector.open().register(open).register(closing)) {
            CompletableFuture<Object> selected = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    // longer than the guard below: a select that sees the message only at its timeout fails
                    // (with a SPIN or YIELD mailbox, whose senders never ring, it did on a virtual thread)
                    selected.complete(selector.select(Duration.ofMinutes(5)));
                } catch (Throwable t) {
                    selected.complete(t);
                }
            });
            Thread.sleep(50);
            closing.close();
            Thread.sleep(50);
            assertTrue(open.offer(new byte[] {1}));
            assertEquals(List.of(open), selected.get(30, TimeUnit.SECONDS));
        }
    }

    @ContractTest
    void aSelectorWhoseMailboxesAreAllClosedSaysSo(MailboxConfig config) throws Exception {
        Mailbox closing = create(config);
        try (MailboxSelector selector = MailboxSelector.open().register(closing)) {
            closing.close();
            assertThrows(IllegalStateException.class, () -> selector.select(Duration.ofMillis(10)));
            assertThrows(io.jipc.ClosedException.class, () -> selector.register(closing));
        }
    }

    /** The hang guard of a select that must end: far beyond its own timeout. */
    private static final long GUARD_SECONDS = 30;

    /** Runs {@code select} on a new platform thread; the future holds its result or what it threw. */
    private static CompletableFuture<Object> selecting(Thread[] thread, BackgroundCall.Call select) {
        BackgroundCall call = BackgroundCall.start(select);
        thread[0] = call.thread();
        return call.outcome();
    }


    /** A listener whose handler holds the receiving role until {@code release}; returns once it does. */
    private static MailboxListener holdingListener(Mailbox mailbox, CountDownLatch release) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        MailboxListener listener = mailbox.listen(message -> {
            entered.countDown();
            awaitUninterruptibly(release);
        });
        assertTrue(mailbox.offer(new byte[] {1}));
        assertTrue(entered.await(GUARD_SECONDS, TimeUnit.SECONDS), "the handler runs");
        return listener;
    }

    /**
     * A listener's handler that holds the receiving role for long in another thread does not hold
     * a timed select past its timeout: the mailbox is not ready for that round (its message waits
     * for the role). The readiness check waited for the holder, as an at-once poll does.
     */
    @ContractTest
    void aTimedSelectReturnsWhileAHandlerOfAnotherThreadHoldsTheRole(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config);
        CountDownLatch release = new CountDownLatch(1);
        MailboxListener listener = holdingListener(mailbox, release);
        Thread[] thread = new Thread[1];
        try (MailboxSelector selector = MailboxSelector.open().register(mailbox)) {
            assertTrue(mailbox.offer(new byte[] {2}));
            // on another thread: without the fix the look waited, uninterruptibly, for the holder
            CompletableFuture<Object> selected = selecting(thread,
                    () -> List.of(selector.selectNow(), selector.select(Duration.ofMillis(200))));
            assertEquals(List.of(List.of(), List.of()), selected.get(GUARD_SECONDS, TimeUnit.SECONDS),
                    "not ready (now, nor within the timeout) while the role is held");
        } finally {
            release.countDown();
            listener.close();
            if (thread[0] != null) {
                thread[0].join();
            }
        }
    }

    /**
     * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") with the
     * interrupt status set before the call: a select with a mailbox ready returns it and keeps the
     * status; with none it throws and clears it, also with a zero or negative timeout (a zero one
     * returned an empty list); selectNow never looks at it. A 30 s timeout returns at once because
     * it throws.
     */
    @ContractTest
    void anInterruptedSelectFollowsTheInterruptRule(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config);
        try (MailboxSelector selector = MailboxSelector.open().register(mailbox)) {
            for (Duration timeout : List.of(Duration.ZERO, Duration.ofNanos(-1), LONG)) {
                try {
                    throwsInterrupted(() -> selector.select(timeout));
                    throwsInterrupted(selector::select);
                    assertEquals(List.of(), completesInterrupted(selector::selectNow));
                    assertTrue(mailbox.offer(new byte[] {1}));
                    assertEquals(List.of(mailbox), completesInterrupted(() -> selector.select(timeout)));
                    assertEquals(List.of(mailbox), completesInterrupted(selector::select));
                    assertEquals(List.of(mailbox), completesInterrupted(selector::selectNow));
                } finally {
                    Thread.interrupted();
                }
                mailbox.poll();
            }
        }
    }

    /** An interrupt ends an untimed select whose mailbox's receiving role another thread holds. */
    @ContractTest
    void anInterruptEndsASelectWhileAHandlerOfAnotherThreadHoldsTheRole(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config);
        CountDownLatch release = new CountDownLatch(1);
        MailboxListener listener = holdingListener(mailbox, release);
        Thread[] thread = new Thread[1];
        try (MailboxSelector selector = MailboxSelector.open().register(mailbox)) {
            CompletableFuture<Object> selected = selecting(thread, selector::select);
            Thread.sleep(50); // most likely asleep in the select by now; an earlier interrupt ends it too
            thread[0].interrupt();
            assertInstanceOf(InterruptedException.class, selected.get(GUARD_SECONDS, TimeUnit.SECONDS));
        } finally {
            release.countDown();
            listener.close();
            if (thread[0] != null) {
                thread[0].join();
            }
        }
    }

    /**
     * A message that waited while another thread held the receiving role (a binding) is selected
     * once the holder lets go, though no commit rings the doorbell then: the selector looks again
     * at a busy mailbox.
     */
    @ContractTest
    void aMessageLeftWhenTheHolderLetsGoIsSelected(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config);
        CountDownLatch bound = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            try (RoleBinding binding = mailbox.bindReceiver()) {
                bound.countDown();
                awaitUninterruptibly(release);
            }
        });
        Thread[] thread = new Thread[1];
        try (MailboxSelector selector = MailboxSelector.open().register(mailbox)) {
            assertTrue(bound.await(GUARD_SECONDS, TimeUnit.SECONDS));
            assertTrue(mailbox.offer(new byte[] {1}));
            CompletableFuture<Object> selected = selecting(thread, selector::select);
            Thread.sleep(50); // the select most likely found the mailbox busy by now
            release.countDown();
            holder.join();
            assertEquals(List.of(mailbox), selected.get(GUARD_SECONDS, TimeUnit.SECONDS));
            assertTrue(mailbox.poll() != null);
        } finally {
            release.countDown();
            holder.join();
            if (thread[0] != null) {
                thread[0].interrupt();
                thread[0].join();
            }
        }
    }

    /** toString names the registered mailboxes in registration order, or says the selector is closed. */
    @ContractTest
    void toStringNamesTheMailboxes(MailboxConfig config) throws Exception {
        Mailbox first = create(config);
        Mailbox second = create(config);
        MailboxSelector selector = MailboxSelector.open();
        assertEquals("MailboxSelector[]", selector.toString());
        selector.register(first).register(second);
        assertEquals("MailboxSelector[" + first.name() + ", " + second.name() + "]", selector.toString());
        selector.close();
        assertEquals("MailboxSelector[closed]", selector.toString());
    }
}
