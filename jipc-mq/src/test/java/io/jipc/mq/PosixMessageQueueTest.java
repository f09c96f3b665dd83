package io.jipc.mq;

import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue's contract within one process (the kernel object is the same one other processes see). */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PosixMessageQueueTest {
    private static final Duration SAFETY = Duration.ofSeconds(30);

    @RegisterExtension
    static final QueueNames NAMES = new QueueNames(PosixMessageQueueTest.class);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(MqMessage m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    private static PosixMessageQueue fresh(int maxMessages, int maxMessageSize) {
        String name = NAMES.next();
        PosixMessageQueue queue = PosixMessageQueue.create(name, MqAttributes.of(maxMessages, maxMessageSize));
        PosixMessageQueue.unlink(name); // the handle keeps the queue alive; nothing can be left behind
        return queue;
    }

    @Test
    void highestPriorityFirstAndFifoWithinAPriority() {
        try (PosixMessageQueue queue = fresh(10, 64)) {
            assertTrue(queue.offer(bytes("a"), 0));
            assertTrue(queue.offer(bytes("b"), 5));
            assertTrue(queue.offer(bytes("c"), 5));
            assertTrue(queue.offer(bytes("d"), 1));
            assertTrue(queue.offer(bytes("e"), 32767));
            List<String> order = List.of(queue.poll(), queue.poll(), queue.poll(), queue.poll(), queue.poll()).stream()
                    .map(m -> m.priority() + ":" + text(m)).toList();
            assertEquals(List.of("32767:e", "5:b", "5:c", "1:d", "0:a"), order);
            assertNull(queue.poll());
        }
    }

    @Test
    void offerSaysFullAndPollSaysEmptyAtOnce() {
        try (PosixMessageQueue queue = fresh(2, 16)) {
            assertNull(queue.poll());
            assertTrue(queue.offer(bytes("1")));
            assertTrue(queue.offer(bytes("2")));
            assertFalse(queue.offer(bytes("3")));
            assertEquals(new MqAttributes(2, 16, 2), queue.attributes());
        }
    }

    @Test
    void timedVariantsGiveUpAfterTheirTimeout() throws InterruptedException {
        try (PosixMessageQueue queue = fresh(1, 16)) {
            assertNull(queue.poll(Duration.ofMillis(20)));
            assertTrue(queue.offer(bytes("x"), 3, Duration.ofMillis(20)));
            assertFalse(queue.offer(bytes("y"), 3, Duration.ofMillis(20)));
            assertFalse(queue.offer(bytes("y"), Duration.ofSeconds(-1)));
            assertEquals("x", text(queue.poll(Duration.ZERO)));
        }
    }

    @Test
    void messagesKeepTheirBoundariesAndBytesEmptyAndFullSizeIncluded() throws InterruptedException {
        try (PosixMessageQueue queue = fresh(4, 300)) {
            byte[] full = new byte[300];
            for (int i = 0; i < full.length; i++) {
                full[i] = (byte) (i * 7);
            }
            queue.put(new byte[0]);
            queue.put(full, 2);
            MqMessage first = queue.take();
            assertArrayEquals(full, first.payload());
            assertEquals(2, first.priority());
            assertEquals(0, queue.take().payload().length);
            MqMessageTooLargeException e = assertThrows(MqMessageTooLargeException.class, () -> queue.offer(new byte[301]));
            assertTrue(e.getMessage().contains("301 bytes is longer than the 300 bytes"), e.getMessage());
        }
    }

    @Test
    void putWaitsForRoomAndTakeWaitsForAMessage() throws Exception {
        try (PosixMessageQueue queue = fresh(1, 16)) {
            queue.put(bytes("first"));
            CompletableFuture<Void> blockedPut = CompletableFuture.runAsync(() -> {
                try {
                    queue.put(bytes("second"), 9);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            assertEquals("first", text(queue.take()));
            blockedPut.get(SAFETY.toSeconds(), TimeUnit.SECONDS);
            CompletableFuture<MqMessage> blockedTake = new CompletableFuture<>();
            queue.take(); // "second"
            Thread taker = Thread.ofPlatform().start(() -> {
                try {
                    blockedTake.complete(queue.take());
                } catch (Throwable t) {
                    blockedTake.completeExceptionally(t);
                }
            });
            queue.put(bytes("third"), 4);
            MqMessage third = blockedTake.get(SAFETY.toSeconds(), TimeUnit.SECONDS);
            assertEquals("third", text(third));
            assertEquals(4, third.priority());
            taker.join();
        }
    }

    @Test
    void aBlockedTakeEndsWithInterruptedExceptionWhenInterrupted() throws Exception {
        try (PosixMessageQueue queue = fresh(1, 16)) {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread taker = Thread.ofPlatform().start(() -> {
                try {
                    queue.take();
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            awaitBlocked(taker);
            taker.interrupt();
            taker.join(SAFETY.toMillis());
            assertFalse(taker.isAlive(), "take() did not notice the interrupt");
            assertInstanceOf(InterruptedException.class, outcome.get());
        }
    }

    @Test
    void closeFromAnotherThreadEndsBlockedCallsWithClosedException() throws Exception {
        PosixMessageQueue queue = fresh(1, 16);
        queue.put(bytes("fills it"));
        CompletableFuture<Object> putter = new CompletableFuture<>();
        Thread a = Thread.ofPlatform().start(() -> {
            try {
                queue.put(bytes("no room"));
                putter.complete("sent");
            } catch (Throwable t) {
                putter.complete(t);
            }
        });
        awaitBlocked(a);
        queue.close();
        assertInstanceOf(ClosedException.class, putter.get(SAFETY.toSeconds(), TimeUnit.SECONDS));
        assertThrows(ClosedException.class, queue::poll);
        assertTrue(queue.isClosed());
        queue.close(); // idempotent
        a.join();
    }

    @Test
    void createOpenUnlinkAndTheirErrors() {
        String name = NAMES.next();
        assertThrows(MqNotFoundException.class, () -> PosixMessageQueue.open(name));
        assertFalse(PosixMessageQueue.exists(name));
        try (PosixMessageQueue created = PosixMessageQueue.create(name, MqAttributes.of(3, 100))) {
            assertThrows(MqExistsException.class, () -> PosixMessageQueue.create(name, MqAttributes.of(3, 100)));
            try (PosixMessageQueue opened = PosixMessageQueue.openOrCreate(name, MqAttributes.of(7, 7));
                 PosixMessageQueue sender = PosixMessageQueue.open(name, MqAccess.SEND)) {
                assertEquals(3, opened.maxMessages(), "an existing queue keeps its attributes");
                assertEquals(100, opened.maxMessageSize());
                assertTrue(sender.offer(bytes("hi"), 1));
                assertThrows(IllegalStateException.class, sender::poll);
                assertEquals("hi", text(created.poll()));
            }
            assertTrue(PosixMessageQueue.exists(name));
            assertTrue(PosixMessageQueue.unlink(name));
            assertFalse(PosixMessageQueue.unlink(name));
            assertTrue(created.offer(bytes("still works after unlink")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "orders", "/a/b", "/.", "/..", "//x"})
    void invalidNamesAreRefusedClearly(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PosixMessageQueue.open(name));
        assertTrue(e.getMessage().contains("invalid POSIX message queue name"), e.getMessage());
    }

    @Test
    void aNameOfMoreThan255BytesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PosixMessageQueue.open("/" + "x".repeat(255)));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 32768, Integer.MAX_VALUE})
    void prioritiesOutsideZeroTo32767AreRefused(int priority) {
        try (PosixMessageQueue queue = fresh(1, 8)) {
            assertThrows(IllegalArgumentException.class, () -> queue.offer(bytes("x"), priority));
        }
    }

    @Test
    void aQueueBeyondTheKernelsCeilingIsRefusedNamingTheLimitAndBothValues() {
        MqLimits limits = MqLimits.current();
        int asked = (int) limits.maxMessagesAllowed() + 1;
        MqLimitException e = assertThrows(MqLimitException.class,
                () -> PosixMessageQueue.create(NAMES.next(), MqAttributes.of(asked, 16)));
        assertEquals(asked, e.asked());
        assertEquals(limits.maxMessagesAllowed(), e.allowed());
        assertTrue(e.getMessage().contains(asked + " messages asked, more than"), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(limits.maxMessagesAllowed())), e.getMessage());
        assertInstanceOf(ErrnoException.class, e.getCause());
        assertEquals(Errno.EINVAL, ((ErrnoException) e.getCause()).errno());

        int askedSize = (int) limits.maxMessageSizeAllowed() + 1;
        MqLimitException size = assertThrows(MqLimitException.class,
                () -> PosixMessageQueue.create(NAMES.next(), MqAttributes.of(1, askedSize)));
        assertEquals(askedSize, size.asked());
        assertTrue(size.getMessage().contains("messages of " + askedSize + " bytes asked"), size.getMessage());
    }

    @Test
    void aListenerGetsEachArrivingMessageOnAVirtualThread() throws Exception {
        try (PosixMessageQueue queue = fresh(4, 32)) {
            BlockingQueue<String> seen = new LinkedBlockingQueue<>();
            try (MqSubscription subscription = queue.subscribe(m ->
                    seen.add(text(m) + "@" + m.priority() + (Thread.currentThread().isVirtual() ? " virtual" : " platform")))) {
                for (int i = 0; i < 20; i++) {
                    queue.put(bytes("m" + i), i % 3);
                }
                for (int i = 0; i < 20; i++) {
                    String s = seen.poll(SAFETY.toSeconds(), TimeUnit.SECONDS);
                    assertTrue(s != null && s.endsWith(" virtual"), "message " + i + ": " + s);
                }
                assertTrue(subscription.isActive());
            }
            assertTrue(queue.offer(bytes("after close")));
            assertEquals("after close", text(queue.poll()), "a closed subscription receives nothing more");
        }
    }

    @Test
    void aListenerThatThrowsEndsItsSubscriptionWithTheFailure() throws Exception {
        try (PosixMessageQueue queue = fresh(4, 32)) {
            MqSubscription subscription = queue.subscribe(m -> {
                throw new IllegalStateException("listener refuses " + text(m));
            });
            queue.put(bytes("poison"));
            long deadline = System.nanoTime() + SAFETY.toNanos();
            while (subscription.isActive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertFalse(subscription.isActive());
            assertEquals("listener refuses poison", subscription.failure().orElseThrow().getMessage());
            subscription.close();
        }
    }

    @Test
    void closingTheQueueEndsItsSubscriptions() throws ExecutionException, InterruptedException {
        PosixMessageQueue queue = fresh(4, 32);
        MqSubscription subscription = queue.subscribe(m -> { });
        queue.close();
        assertFalse(subscription.isActive());
        assertTrue(subscription.failure().isEmpty());
    }

    /** Waits until {@code thread} is blocked (waiting in the kernel shows as RUNNABLE, so give it a moment). */
    private static void awaitBlocked(Thread thread) throws InterruptedException {
        Thread.sleep(200);
        assertTrue(thread.isAlive());
    }
}
