package io.jipc.mq;

import io.jipc.testkit.JipcTestExtension;
import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.testkit.DirectMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.jipc.testkit.InterruptRule.completesInterrupted;
import static io.jipc.testkit.InterruptRule.throwsInterrupted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue's contract within one process (the kernel object is the same one other processes see). */
@ExtendWith(JipcTestExtension.class)
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

    @ParameterizedTest
    @EnumSource(Blocked.Kind.class)
    void putWaitsForRoomAndTakeWaitsForAMessage(Blocked.Kind kind) throws Exception {
        try (PosixMessageQueue queue = fresh(1, 16)) {
            queue.put(bytes("first"));
            Blocked<Boolean> put = Blocked.start(kind, () -> {
                queue.put(bytes("second"), 9);
                return true;
            });
            assertFalse(put.isDone(), "put() returned although the queue was full");
            assertEquals("first", text(queue.take()));
            assertEquals(true, put.outcome());
            assertEquals(9, queue.take().priority());

            Blocked<MqMessage> take = Blocked.start(kind, queue::take);
            assertFalse(take.isDone(), "take() returned although the queue was empty");
            queue.put(bytes("third"), 4);
            MqMessage third = (MqMessage) take.outcome();
            assertEquals("third", text(third));
            assertEquals(4, third.priority());
        }
    }

    /**
     * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") with the
     * status set before the call: a timed or blocking call that cannot complete at once throws and
     * clears it, also with a zero or negative timeout; one that can completes and keeps it; the
     * at-once verbs never look at it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-0.000000001S", "PT30S"})
    void anInterruptedThreadThrowsOnlyWhenTheCallCannotCompleteAtOnce(String timeoutText) throws Exception {
        Duration timeout = Duration.parse(timeoutText);
        try (PosixMessageQueue queue = fresh(2, 16)) {
            try {
                throwsInterrupted(() -> queue.poll(timeout));
                throwsInterrupted(queue::take);
                assertNull(completesInterrupted(queue::poll));
                assertTrue(completesInterrupted(() -> queue.offer(bytes("1"), timeout)));
                assertTrue(completesInterrupted(() -> queue.offer(bytes("2"), 3, timeout)));
                throwsInterrupted(() -> queue.offer(bytes("3"), timeout));
                throwsInterrupted(() -> queue.offer(bytes("3"), 3, timeout));
                throwsInterrupted(() -> {
                    queue.put(bytes("3"));
                    return null;
                });
                assertFalse(completesInterrupted(() -> queue.offer(bytes("3"))));
                assertEquals("2", text(completesInterrupted(() -> queue.poll(timeout))));
                completesInterrupted(() -> {
                    queue.put(bytes("4"));
                    return null;
                });
                assertEquals("1", text(completesInterrupted(queue::take)));
                assertEquals("4", text(queue.poll()));
                assertNull(queue.poll(), "nothing was sent by the interrupted calls");
            } finally {
                Thread.interrupted();
            }
        }
    }


    @ParameterizedTest
    @EnumSource(Blocked.Kind.class)
    void aBlockedCallEndsWithInterruptedExceptionWhenInterrupted(Blocked.Kind kind) throws Exception {
        try (PosixMessageQueue queue = fresh(1, 16)) {
            Blocked<MqMessage> take = Blocked.start(kind, queue::take);
            take.interrupt();
            assertInstanceOf(InterruptedException.class, take.outcome());
            queue.put(bytes("fills it"));
            Blocked<MqMessage> put = Blocked.start(kind, () -> {
                queue.put(bytes("no room"));
                return null;
            });
            put.interrupt();
            assertInstanceOf(InterruptedException.class, put.outcome());
        }
    }

    @ParameterizedTest
    @EnumSource(Blocked.Kind.class)
    void closeFromAnotherThreadEndsBlockedCallsWithClosedException(Blocked.Kind kind) throws Exception {
        PosixMessageQueue queue = fresh(1, 16);
        queue.put(bytes("fills it"));
        Blocked<Void> put = Blocked.start(kind, () -> {
            queue.put(bytes("no room"));
            return null;
        });
        PosixMessageQueue.unlink(queue.name());
        queue.close();
        assertInstanceOf(ClosedException.class, put.outcome());
        assertThrows(ClosedException.class, queue::poll);
        assertTrue(queue.isClosed());
        queue.close(); // idempotent
    }

    @ParameterizedTest
    @EnumSource(Blocked.Kind.class)
    void timedCallsOnAnyThreadGiveUpAfterTheirTimeout(Blocked.Kind kind) throws Exception {
        try (PosixMessageQueue queue = fresh(1, 16)) {
            assertNull(Blocked.start(kind, () -> queue.poll(Duration.ofMillis(30))).outcome());
            assertEquals(true, Blocked.start(kind, () -> queue.offer(bytes("x"), 3, Duration.ofMillis(30))).outcome());
            assertEquals(false, Blocked.start(kind, () -> queue.offer(bytes("y"), 2, Duration.ofMillis(30))).outcome());
            assertFalse(queue.offer(bytes("y"), Duration.ofSeconds(-1)), "a negative timeout is no wait");
            // minus centuries too (their nanoseconds overflow a long): no wait, no ArithmeticException
            assertFalse(queue.offer(bytes("y"), Duration.ofSeconds(Long.MIN_VALUE)));
            assertFalse(queue.offer(bytes("y"), Duration.ofDays(-365L * 300)));
            assertEquals("x", text(queue.poll(Duration.ZERO)));
            assertNull(queue.poll(Duration.ofSeconds(Long.MIN_VALUE)));
            assertNull(queue.poll(Duration.ofDays(-365L * 300)));
        }
    }

    @Test
    void manyMoreBlockedVirtualTakersThanCarriersLeaveRoomForASender() throws Exception {
        int takers = Runtime.getRuntime().availableProcessors() * 8 + 8;
        try (PosixMessageQueue queue = fresh(4, 16)) {
            List<Blocked<MqMessage>> blocked = new ArrayList<>();
            for (int i = 0; i < takers; i++) {
                blocked.add(Blocked.start(Blocked.Kind.VIRTUAL, queue::take));
            }
            // were their carriers pinned in the kernel, this virtual sender could never run
            Blocked<Void> sender = Blocked.start(Blocked.Kind.VIRTUAL, () -> {
                for (int i = 0; i < takers; i++) {
                    queue.put(bytes("m" + i), i % 7);
                }
                return null;
            });
            assertNull(sender.outcome());
            Set<String> received = new HashSet<>();
            for (Blocked<MqMessage> b : blocked) {
                received.add(text((MqMessage) b.outcome()));
            }
            assertEquals(takers, received.size());
        }
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

    /** As a mailbox's: permissions without the owner's read and write would lock the creator's own user out. */
    @ParameterizedTest
    @ValueSource(ints = {0, 0400, 0200, 0066, 01600})
    void permissionsMustBeBitsThatIncludeTheOwnersReadAndWrite(int permissions) {
        String name = NAMES.next();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PosixMessageQueue.create(name, MqAttributes.of(1, 8), permissions));
        assertEquals("permissions must be within 0777 and include 0600: 0" + Integer.toOctalString(permissions),
                e.getMessage());
        assertFalse(PosixMessageQueue.exists(name), "nothing was created");
    }

    @Test
    void aNameOfMoreThan255BytesAfterTheSlashIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PosixMessageQueue.open("/" + "x".repeat(256)));
        // counted in bytes of UTF-8, not in chars: 130 x 'é' is 260 bytes (was a raw ENAMETOOLONG)
        String accents = "/" + "\u00e9".repeat(130);
        assertThrows(IllegalArgumentException.class, () -> PosixMessageQueue.create(accents, MqAttributes.of(1, 8)));
        assertThrows(IllegalArgumentException.class, () -> PosixMessageQueue.exists(accents));
        assertThrows(IllegalArgumentException.class, () -> PosixMessageQueue.unlink(accents));
        assertEquals("/" + "\u00e9".repeat(127) + "x", PosixMessageQueue.checkName("/" + "\u00e9".repeat(127) + "x"),
                "255 bytes");
    }

    /** The kernel's limit is NAME_MAX (255) bytes after the slash, which C's mq_open strips: all of them work. */
    @Test
    void aNameOf255BytesAfterTheSlashIsAQueue() {
        String name = "/" + getClass().getSimpleName() + "-" + ProcessHandle.current().pid() + "-";
        name += "q".repeat(256 - name.length());
        assertEquals(256, name.length());
        try (PosixMessageQueue queue = PosixMessageQueue.create(name, MqAttributes.of(1, 8))) {
            assertTrue(queue.offer(bytes("x")));
            try (PosixMessageQueue again = PosixMessageQueue.open(name)) {
                assertArrayEquals(bytes("x"), again.poll().payload());
            }
        } finally {
            PosixMessageQueue.unlink(name);
        }
        assertFalse(PosixMessageQueue.exists(name));
    }

    /** An unpaired surrogate would become '?' in UTF-8: '/a\uD800' and '/a?' would be one queue. */
    @Test
    void aNameWithAnUnpairedSurrogateIsRefused() {
        for (String name : new String[] {"/a\uD800", "/a\uDFFF", "/\uDC00b"}) {
            assertThrows(IllegalArgumentException.class, () -> PosixMessageQueue.checkName(name), name);
        }
        assertEquals("/a\uD83D\uDE00", PosixMessageQueue.checkName("/a\uD83D\uDE00"), "a pair is a character");
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

    /**
     * A thread's kept copy buffer is as large as the messages it moved, not the 64 KiB it may grow to:
     * 2,000 live virtual threads that each send and receive one 16-byte message on a queue of 64-byte
     * messages hold a few hundred bytes of direct memory each (an early cut of 2026-12-07 kept 64 KiB
     * per thread: 128 MB here, and thousands of threads ran out of direct memory).
     */
    @Test
    void threadsThatMoveSmallMessagesKeepSmallBuffers() throws Exception {
        try (PosixMessageQueue queue = fresh(10, 64)) {
            int threads = 2_000;
            long before = DirectMemory.used();
            CountDownLatch done = new CountDownLatch(threads);
            CountDownLatch hold = new CountDownLatch(1);
            List<Thread> live = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                live.add(Thread.ofVirtual().start(() -> {
                    try {
                        queue.put(bytes("16 bytes, small."));
                        queue.take();
                        done.countDown();
                        hold.await(); // alive: its thread-local buffer stays reachable
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            assertTrue(done.await(SAFETY.toSeconds(), TimeUnit.SECONDS));
            long grown = DirectMemory.used() - before;
            hold.countDown();
            for (Thread thread : live) {
                thread.join();
            }
            assertTrue(grown < 8L << 20, "direct memory grew by " + grown + " bytes for " + threads + " threads");
        }
    }

    @Test
    void aListenerThatLeavesItsInterruptStatusSetKeepsItsSubscription() throws Exception {
        try (PosixMessageQueue queue = fresh(4, 32)) {
            BlockingQueue<String> seen = new LinkedBlockingQueue<>();
            try (MqSubscription subscription = queue.subscribe(m -> {
                seen.add(text(m));
                Thread.currentThread().interrupt(); // as code that caught an InterruptedException and restored it
            })) {
                for (int i = 0; i < 5; i++) {
                    queue.put(bytes("m" + i)); // each into an empty queue: the listener's thread takes it waiting
                    assertEquals("m" + i, seen.poll(SAFETY.toSeconds(), TimeUnit.SECONDS));
                    Thread.sleep(20); // the thread back in its take, on the empty queue, with the status set
                }
                assertTrue(subscription.isActive());
                assertTrue(subscription.failure().isEmpty());
            }
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

    @ParameterizedTest
    @CsvSource({"PLATFORM, put", "VIRTUAL, put", "PLATFORM, take", "VIRTUAL, take"})
    void closeEndsAListenersCallBlockedOnTheHandleBeforeWaitingForTheListener(Blocked.Kind closer, String call)
            throws Exception {
        String name = NAMES.next();
        PosixMessageQueue queue = PosixMessageQueue.create(name, MqAttributes.of(1, 16));
        try (PosixMessageQueue other = PosixMessageQueue.open(name)) {
            PosixMessageQueue.unlink(name);
            CountDownLatch inListener = new CountDownLatch(1);
            CompletableFuture<Object> blockedCall = new CompletableFuture<>();
            MqSubscription subscription = queue.subscribe(m -> {
                if (call.equals("put")) {
                    queue.put(bytes("reply")); // the request was taken: there was room for one
                }
                inListener.countDown();
                try { // put: the queue is full; take: it is empty, and this listener is its only receiver
                    if (call.equals("put")) {
                        queue.put(bytes("reply2"));
                        blockedCall.complete("sent");
                    } else {
                        blockedCall.complete(queue.take());
                    }
                } catch (Throwable t) {
                    blockedCall.complete(t);
                }
            });
            queue.put(bytes("request"));
            assertTrue(inListener.await(SAFETY.toSeconds(), TimeUnit.SECONDS));

            Blocked<Void> close = Blocked.start(closer, () -> {
                queue.close(); // hung before: it waited for the listener, which waited for the close
                return null;
            });
            assertNull(close.outcome(), "close returned");
            assertInstanceOf(ClosedException.class, blockedCall.get(SAFETY.toSeconds(), TimeUnit.SECONDS));
            assertFalse(subscription.isActive(), "close returned after the listener ended");
            assertTrue(subscription.failure().isEmpty());
            assertTrue(queue.isClosed());
            if (call.equals("put")) {
                assertEquals("reply", text(other.poll()), "the message the listener sent is in the queue");
            }
            assertNull(other.poll());
        }
    }

    @ParameterizedTest
    @EnumSource(Blocked.Kind.class)
    void listenersThatEachCloseTheirCommonHandleDoNotWaitForEachOther(Blocked.Kind outerCloser) throws Exception {
        String name = NAMES.next();
        PosixMessageQueue queue = PosixMessageQueue.create(name, MqAttributes.of(10, 16));
        try (PosixMessageQueue other = PosixMessageQueue.open(name)) {
            PosixMessageQueue.unlink(name);
            CountDownLatch bothHoldStop = new CountDownLatch(2);
            BlockingQueue<Object> closes = new LinkedBlockingQueue<>();
            MqListener onStop = m -> { // "a STOP message closes the queue"
                bothHoldStop.countDown();
                bothHoldStop.await(); // each closes while the other is in its listener call
                try {
                    queue.close(); // deadlocked before: each waited for the other's listener
                    closes.add(text(m) + " closed");
                } catch (Throwable t) {
                    closes.add(t);
                }
            };
            // all sent first (a put after a listener's close would fail): FIFO, each listener holds a STOP until
            // it closed, and takes nothing after
            queue.put(bytes("STOP"));
            queue.put(bytes("STOP"));
            queue.put(bytes("left"));
            MqSubscription first = queue.subscribe(onStop);
            MqSubscription second = queue.subscribe(onStop);
            assertEquals("STOP closed", closes.poll(SAFETY.toSeconds(), TimeUnit.SECONDS));
            assertEquals("STOP closed", closes.poll(SAFETY.toSeconds(), TimeUnit.SECONDS));
            assertTrue(queue.isClosed());

            Blocked<Void> close = Blocked.start(outerCloser, () -> {
                queue.close(); // outside the listeners: returns once they have ended
                return null;
            });
            assertNull(close.outcome(), "close returned");
            assertFalse(first.isActive());
            assertFalse(second.isActive());
            assertTrue(first.failure().isEmpty());
            assertTrue(second.failure().isEmpty());
            assertThrows(ClosedException.class, queue::poll);
            assertEquals("left", text(other.poll()), "the message nobody took is still in the queue");
            assertNull(other.poll());
        }
    }

    /**
     * Closes each of {@code closeables} in turn on another thread, failing if that does not end
     * (a close waiting for a stuck listener ignores interrupts: done here, it would hang the test).
     */
    private static void closeGuarded(AutoCloseable... closeables) throws Exception {
        Blocked<Void> close = Blocked.start(Blocked.Kind.PLATFORM, () -> {
            for (AutoCloseable closeable : closeables) {
                closeable.close();
            }
            return null;
        });
        assertNull(close.outcome(), "the closes returned");
    }

    @Test
    void listenersThatCloseEachOthersSubscriptionDoNotWaitForEachOther() throws Exception {
        PosixMessageQueue queue = fresh(10, 16);
        CountDownLatch bothInListener = new CountDownLatch(2);
        CountDownLatch bothClosed = new CountDownLatch(2);
        CompletableFuture<MqSubscription> firstRef = new CompletableFuture<>();
        CompletableFuture<MqSubscription> secondRef = new CompletableFuture<>();
        BlockingQueue<String> closes = new LinkedBlockingQueue<>();
        MqSubscription first = queue.subscribe(m -> {
            bothInListener.countDown();
            bothInListener.await();
            secondRef.get().close();
            closes.add("first closed second");
            bothClosed.countDown();
            bothClosed.await(); // neither returns (and takes again) before it is stopped
        });
        firstRef.complete(first);
        MqSubscription second = queue.subscribe(m -> {
            bothInListener.countDown();
            bothInListener.await();
            firstRef.get().close();
            closes.add("second closed first");
            bothClosed.countDown();
            bothClosed.await();
        });
        secondRef.complete(second);
        queue.put(bytes("1"));
        queue.put(bytes("2"));
        queue.put(bytes("left"));
        Set<String> done = new HashSet<>();
        done.add(closes.poll(SAFETY.toSeconds(), TimeUnit.SECONDS));
        done.add(closes.poll(SAFETY.toSeconds(), TimeUnit.SECONDS));
        assertEquals(Set.of("first closed second", "second closed first"), done);
        closeGuarded(first, second); // outside the listeners: each waits until its subscription has ended
        assertFalse(first.isActive());
        assertFalse(second.isActive());
        assertEquals("left", text(queue.poll()), "stopped subscriptions took nothing more");
        closeGuarded(queue);
    }

    /**
     * A close racing a subscribe of the same handle: the subscribe returns a subscription or throws
     * ClosedException, the close returns normally, and no subscription is active afterwards for long.
     * Before, the close could find the new subscription before its thread was made and threw
     * NullPointerException (about 1 round in 11), skipping the waits for the other subscriptions. 500 rounds.
     */
    @Test
    void aCloseRacingASubscribeReturnsNormally() throws Exception {
        for (int round = 0; round < 500; round++) { // the NPE came in about 1 round in 11
            PosixMessageQueue queue = fresh(2, 16);
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            CompletableFuture<Object> subscribed = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    subscribed.complete(queue.subscribe(m -> { }));
                } catch (ClosedException e) {
                    subscribed.complete(e);
                } catch (Throwable e) {
                    subscribed.completeExceptionally(e);
                }
            });
            start.await();
            queue.close(); // threw NullPointerException before
            Object outcome = subscribed.get(SAFETY.toSeconds(), TimeUnit.SECONDS);
            if (outcome instanceof MqSubscription subscription) {
                subscription.close(); // its thread ends without taking a message: the handle is closed
                assertFalse(subscription.isActive(), "round " + round);
            }
        }
    }

    @Test
    void aListenerThatClosesItsOwnSubscriptionEndsItAndTheQueueKeepsTheRest() throws Exception {
        PosixMessageQueue queue = fresh(4, 16);
        CompletableFuture<MqSubscription> self = new CompletableFuture<>();
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        MqSubscription subscription = queue.subscribe(m -> {
            self.get().close(); // returns at once: it does not wait for its own call
            seen.add(text(m));
        });
        self.complete(subscription);
        queue.put(bytes("a"));
        queue.put(bytes("b"));
        assertEquals("a", seen.poll(SAFETY.toSeconds(), TimeUnit.SECONDS));
        closeGuarded(subscription); // waits until the thread has ended
        assertFalse(subscription.isActive());
        assertTrue(subscription.failure().isEmpty());
        assertEquals(List.of(), List.copyOf(seen));
        assertEquals("b", text(queue.poll()), "the closed subscription took nothing more");
        assertTrue(queue.offer(bytes("c")), "the handle stays open");
        assertEquals("c", text(queue.poll()));
        closeGuarded(queue);
    }

}
