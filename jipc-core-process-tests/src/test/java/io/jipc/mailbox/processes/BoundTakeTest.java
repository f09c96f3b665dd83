package io.jipc.mailbox.processes;

import io.jipc.ClosedException;
import io.jipc.WaitStrategy;
import io.jipc.mailbox.Delivery;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageHandler;
import io.jipc.mailbox.RoleBinding;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-place receives of the thread bound to the receiving role ({@code take(handler)},
 * {@code poll(handler, timeout)} after {@link Mailbox#bindReceiver()}), which poll the ring
 * directly in bursts: each keeps the contract of a blocking receive under every wait strategy, on
 * platform and virtual threads.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class BoundTakeTest {
    private static final String NAME = "bound-take";

    @AfterEach
    void destroy() {
        Mailbox.destroy(NAME);
    }

    private static Mailbox create(WaitStrategy strategy) {
        return Mailbox.create(NAME, MailboxOptions.builder().waitStrategy(strategy).maxMessageSize(64)
                .capacityBytes(64 * 1024).build());
    }

    private static byte[] copy(MemorySegment message) {
        return message.toArray(ValueLayout.JAVA_BYTE);
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void aTimedPollRunsOutThenALongWaitGetsALateMessage(WaitStrategy strategy) throws Exception {
        try (Mailbox mailbox = create(strategy); RoleBinding receiving = mailbox.bindReceiver()) {
            AtomicReference<byte[]> got = new AtomicReference<>();
            MessageHandler keep = m -> got.set(copy(m));
            assertFalse(mailbox.poll(keep, Duration.ofMillis(30)), "nothing was sent");
            assertEquals(null, got.get());
            // a sender that comes well after the bursts: the wait has moved on to its later phases
            CompletableFuture<Void> late = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(80);
                    mailbox.put(new byte[] {7, 8});
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            mailbox.take(keep);
            assertArrayEquals(new byte[] {7, 8}, got.get());
            late.get(1, TimeUnit.MINUTES);
            assertFalse(mailbox.poll(keep, Duration.ofMillis(1)), "exactly one message arrived");
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void interruptEndsABoundTakeOnPlatformAndVirtualThreads(WaitStrategy strategy) throws Exception {
        try (Mailbox mailbox = create(strategy)) {
            for (boolean virtual : new boolean[] {false, true}) {
                BlockedTake take = BlockedTake.start(mailbox, virtual);
                take.thread.interrupt();
                assertInstanceOf(InterruptedException.class, take.end("the interrupt"),
                        (virtual ? "virtual" : "platform") + " thread");
            }
            // the mailbox is intact: a message sent now is received
            mailbox.put(new byte[] {1});
            try (RoleBinding receiving = mailbox.bindReceiver()) {
                AtomicReference<byte[]> got = new AtomicReference<>();
                mailbox.take(m -> got.set(copy(m)));
                assertArrayEquals(new byte[] {1}, got.get());
            }
        }
    }

    /** An interrupted thread gets a message that is there, and an InterruptedException once it has to wait. */
    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void anInterruptedThreadTakesWhatIsThereThenStopsAtItsFirstCheck(WaitStrategy strategy) throws Exception {
        try (Mailbox mailbox = create(strategy); RoleBinding receiving = mailbox.bindReceiver()) {
            mailbox.put(new byte[] {3});
            AtomicReference<byte[]> got = new AtomicReference<>();
            Thread.currentThread().interrupt();
            try {
                mailbox.take(m -> got.set(copy(m)));
                assertArrayEquals(new byte[] {3}, got.get());
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is still pending");
                assertThrows(InterruptedException.class, () -> mailbox.take(m -> got.set(null)));
                assertFalse(Thread.currentThread().isInterrupted(), "the exception cleared the interrupt");
            } finally {
                Thread.interrupted();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void closeFromAnotherThreadEndsABoundTake(WaitStrategy strategy) throws Exception {
        Mailbox mailbox = create(strategy);
        BlockedTake take = BlockedTake.start(mailbox, false);
        mailbox.close();
        assertInstanceOf(ClosedException.class, take.end("the close"));
    }

    /** A thread that binds the receiving role and blocks in {@code take(handler)} on an empty mailbox. */
    private record BlockedTake(Thread thread, AtomicReference<Throwable> ended) {
        static BlockedTake start(Mailbox mailbox, boolean virtual) throws InterruptedException {
            AtomicReference<Throwable> ended = new AtomicReference<>();
            CountDownLatch bound = new CountDownLatch(1);
            Thread thread = (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                try (RoleBinding receiving = mailbox.bindReceiver()) {
                    bound.countDown();
                    mailbox.take(m -> { });
                    ended.set(new AssertionError("take returned without a message"));
                } catch (Throwable t) {
                    ended.set(t);
                }
            });
            bound.await();
            Thread.sleep(20); // into the wait, past its first bursts
            return new BlockedTake(thread, ended);
        }

        /** Waits for the take to end after {@code cause}; returns how it ended. */
        Throwable end(String cause) throws InterruptedException {
            thread.join(TimeUnit.MINUTES.toMillis(1));
            assertFalse(thread.isAlive(), "the take did not end after " + cause);
            return ended.get();
        }
    }

    @Test
    void aHandlerThatThrowsConsumesItsMessageAndTheNextTakeGetsTheNext() throws Exception {
        try (Mailbox mailbox = create(WaitStrategy.SPIN); RoleBinding receiving = mailbox.bindReceiver()) {
            mailbox.put(new byte[] {1});
            mailbox.put(new byte[] {2});
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                    () -> mailbox.take(m -> {
                        throw new IllegalArgumentException("handler failed on " + m.get(ValueLayout.JAVA_BYTE, 0));
                    }));
            assertEquals("handler failed on 1", thrown.getMessage());
            AtomicReference<byte[]> got = new AtomicReference<>();
            mailbox.take(m -> got.set(copy(m)));
            assertArrayEquals(new byte[] {2}, got.get(), "the first message counts as received");
            assertEquals(2, mailbox.receivedCount());
        }
    }

    @Test
    void aHandlerOfABoundTakeMayNotReceiveFromItsMailbox() throws Exception {
        try (Mailbox mailbox = create(WaitStrategy.SPIN); RoleBinding receiving = mailbox.bindReceiver()) {
            mailbox.put(new byte[] {1});
            mailbox.put(new byte[] {2});
            assertThrows(IllegalStateException.class, () -> mailbox.take(m -> mailbox.poll(inner -> { })));
            assertArrayEquals(new byte[] {2}, mailbox.poll(), "the first message counts as received");
        }
    }

    @Test
    void aBoundTakeWaitsForNoDeliveryButRefusesWhileOneIsUnacknowledged() throws Exception {
        try (Mailbox mailbox = create(WaitStrategy.SPIN); RoleBinding receiving = mailbox.bindReceiver()) {
            mailbox.put(new byte[] {1});
            mailbox.put(new byte[] {2});
            Delivery delivery = mailbox.pollDelivery();
            assertThrows(IllegalStateException.class, () -> mailbox.take(m -> { }));
            delivery.ack();
            AtomicReference<byte[]> got = new AtomicReference<>();
            mailbox.take(m -> got.set(copy(m)));
            assertArrayEquals(new byte[] {2}, got.get());
        }
    }
}
