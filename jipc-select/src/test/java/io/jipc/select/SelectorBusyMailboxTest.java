package io.jipc.select;

import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxListener;
import io.jipc.mailbox.RoleBinding;
import io.jipc.testkit.BackgroundCall;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.Latches.awaitUninterruptibly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A selector over a mailbox whose receiving role another thread of this process holds (a
 * listener's handler, a receiver binding): the readiness check does not wait for the holder.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SelectorBusyMailboxTest {
    /** The hang guard of a select that must end: far beyond its own timeout. */
    private static final long GUARD_SECONDS = 30;

    private final String name = "busy-" + UUID.randomUUID().toString().substring(0, 8);
    private final Mailbox mailbox = Mailbox.create(name);
    private final CountDownLatch release = new CountDownLatch(1);
    private Thread selecting;

    @AfterEach
    void cleanUp() throws InterruptedException {
        release.countDown();
        if (selecting != null) {
            selecting.interrupt();
            selecting.join();
        }
        Mailbox.destroy(name); // the static form also removes the name
        mailbox.close();
    }

    /**
     * Runs {@code select} on a new platform thread (without the fix a look waited, uninterruptibly,
     * for the holder: the test's own thread must not); the future holds its result or what it threw.
     */
    private CompletableFuture<Object> selecting(BackgroundCall.Call select) {
        BackgroundCall call = BackgroundCall.start(select);
        selecting = call.thread();
        return call.outcome();
    }


    /** A listener whose handler holds the receiving role until {@link #release}; returns once it does. */
    private MailboxListener holdingListener() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        MailboxListener listener = mailbox.listen(message -> {
            entered.countDown();
            awaitUninterruptibly(release);
        });
        assertTrue(mailbox.offer(new byte[] {1}));
        assertTrue(entered.await(GUARD_SECONDS, TimeUnit.SECONDS), "the handler runs");
        return listener;
    }

    /** A timed select returns by its timeout (empty: the mailbox is busy) while a handler holds the role. */
    @Test
    void aTimedSelectReturnsWhileAHandlerOfAnotherThreadHoldsTheRole() throws Exception {
        MailboxListener listener = holdingListener();
        Selector selector = Selector.open(); // closed after the release: close() waits for a select in progress
        try {
            selector.register(mailbox, Selector.OP_READ);
            assertTrue(mailbox.offer(new byte[] {2}));
            Object selected = selecting(() -> List.of(selector.selectNow(), selector.select(Duration.ofMillis(200))))
                    .get(GUARD_SECONDS, TimeUnit.SECONDS);
            assertEquals(List.of(List.of(), List.of()), selected,
                    "not ready (now, nor within the timeout) while the role is held");
        } finally {
            release.countDown();
            listener.close();
            selector.close();
        }
    }

    /** An interrupt ends an untimed select while a handler holds the mailbox's receiving role. */
    @Test
    void anInterruptEndsASelectWhileAHandlerOfAnotherThreadHoldsTheRole() throws Exception {
        MailboxListener listener = holdingListener();
        Selector selector = Selector.open(); // closed after the release: close() waits for a select in progress
        try {
            selector.register(mailbox, Selector.OP_READ);
            CompletableFuture<Object> selected = selecting(selector::select);
            Thread.sleep(50); // most likely asleep in the select by now; an earlier interrupt ends it too
            selecting.interrupt();
            assertInstanceOf(InterruptedException.class, selected.get(GUARD_SECONDS, TimeUnit.SECONDS));
        } finally {
            release.countDown();
            listener.close();
            selector.close();
        }
    }

    /**
     * A message that waited while a binding held the receiving role is selected once the binding
     * is closed, though no commit rings the doorbell then: the selector looks again at a busy mailbox.
     */
    @Test
    void aMessageLeftWhenTheHolderLetsGoIsSelected() throws Exception {
        CountDownLatch bound = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            try (RoleBinding binding = mailbox.bindReceiver()) {
                bound.countDown();
                awaitUninterruptibly(release);
            }
        });
        Selector selector = Selector.open(); // closed after the release: close() waits for a select in progress
        try {
            SelectionKey key = selector.register(mailbox, Selector.OP_READ);
            assertTrue(bound.await(GUARD_SECONDS, TimeUnit.SECONDS));
            assertTrue(mailbox.offer(new byte[] {1}));
            CompletableFuture<Object> selected = selecting(selector::select);
            Thread.sleep(50); // the select most likely found the mailbox busy by now
            release.countDown();
            holder.join();
            assertEquals(List.of(key), selected.get(GUARD_SECONDS, TimeUnit.SECONDS));
            assertNotNull(mailbox.poll());
        } finally {
            release.countDown();
            holder.join();
            selector.close();
        }
    }
}
