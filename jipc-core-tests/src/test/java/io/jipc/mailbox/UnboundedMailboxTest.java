package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.WaitStrategy;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.ThreadAllocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unbounded mailbox within one process: senders never wait, storage grows by segments and
 * shrinks back when drained, the ceiling fails clearly, and the usual verbs behave.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UnboundedMailboxTest {
    /** 4 KiB segment rings, messages up to 512 bytes. */
    static final MailboxOptions SMALL = small(WaitStrategy.SPIN_THEN_FUTEX);

    static MailboxOptions small(WaitStrategy strategy) {
        return MailboxOptions.builder().capacityBytes(4096).maxMessageSize(512).waitStrategy(strategy).build();
    }

    static byte[] message(int i, int length) {
        byte[] m = new byte[length];
        for (int k = 0; k < length; k++) {
            m[k] = (byte) (i * 31 + k);
        }
        if (length >= 4) {
            m[0] = (byte) (i >>> 24);
            m[1] = (byte) (i >>> 16);
            m[2] = (byte) (i >>> 8);
            m[3] = (byte) i;
        }
        return m;
    }

    static long segmentFiles(String name) throws IOException {
        try (Stream<Path> files = Files.list(JipcRoot.path(UnboundedMailboxDescriptor.DIRECTORY))) {
            return files.filter(f -> f.getFileName().toString().startsWith(name + "@")).count();
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void growsWithoutWaitingAndShrinksBackWhenDrained(WaitStrategy strategy) throws Exception {
        try (UnboundedMailbox box = UnboundedMailbox.create("grow", small(strategy), 1 << 20)) {
            assertEquals(1, box.segmentCount());
            int n = 1000; // ~100 KiB of records: far beyond one 4 KiB segment
            for (int i = 0; i < n; i++) {
                assertTrue(box.offer(message(i, 80)));
            }
            assertTrue(box.segmentCount() > 10, "segments: " + box.segmentCount());
            assertEquals(box.segmentCount(), segmentFiles("grow"));
            for (int i = 0; i < n; i++) {
                assertArrayEquals(message(i, 80), box.poll(), "message " + i);
            }
            assertNull(box.poll());
            assertEquals(1, box.segmentCount());
            assertEquals(1, segmentFiles("grow"));
            box.put(message(7, 9));
            assertArrayEquals(message(7, 9), box.take());
        } finally {
            UnboundedMailbox.destroy("grow");
        }
        assertEquals(0, segmentFiles("grow"));
        assertFalse(UnboundedMailbox.exists("grow"));
    }

    @Test
    void theCeilingFailsClearlyAndDrainingMakesRoomAgain() {
        try (UnboundedMailbox box = UnboundedMailbox.create("ceiling", SMALL, 0)) {
            throw new AssertionError("a ceiling below one segment was accepted");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("below one segment"), expected.getMessage());
        }
        long segment;
        try (UnboundedMailbox probe = UnboundedMailbox.create("probe", SMALL, 1 << 20)) {
            segment = probe.segmentFileBytes();
        } finally {
            UnboundedMailbox.destroy("probe");
        }
        try (UnboundedMailbox box = UnboundedMailbox.create("ceiling", SMALL, 3 * segment)) {
            int sent = 0;
            while (box.offer(message(sent, 100))) {
                sent++;
            }
            assertEquals(3, box.segmentCount());
            MailboxCeilingException e = assertThrows(MailboxCeilingException.class, () -> box.put(message(0, 100)));
            assertEquals(3 * segment, e.ceilingBytes());
            assertEquals(3 * segment, e.usedBytes());
            assertTrue(e.getMessage().contains("ceiling"), e.getMessage());
            for (int i = 0; i < sent; i++) {
                assertArrayEquals(message(i, 100), box.poll());
            }
            assertNull(box.poll());
            assertEquals(1, box.segmentCount());
            assertTrue(box.offer(message(1, 100)));
        } finally {
            UnboundedMailbox.destroy("ceiling");
        }
    }

    @Test
    void verbsForEveryPayloadKind() throws Exception {
        try (UnboundedMailbox box = UnboundedMailbox.create("verbs", SMALL, 1 << 20)) {
            assertNull(box.poll());
            assertNull(box.poll(Duration.ofMillis(20)));
            assertFalse(box.poll(m -> { }, Duration.ofMillis(20)));
            assertTrue(box.offer(new byte[]{1, 2, 3, 4, 5}, 1, 3));
            ByteBuffer buffer = ByteBuffer.wrap(new byte[]{9, 8, 7});
            box.put(buffer);
            assertEquals(3, buffer.position());
            box.put(MemorySegment.ofArray(new byte[]{6}));
            box.put(new byte[0]);
            assertArrayEquals(new byte[]{2, 3, 4}, box.poll());
            List<byte[]> got = new ArrayList<>();
            assertTrue(box.poll(m -> got.add(m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))));
            assertEquals(2, box.drain(m -> got.add(m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))));
            assertArrayEquals(new byte[]{9, 8, 7}, got.get(0));
            assertArrayEquals(new byte[]{6}, got.get(1));
            assertArrayEquals(new byte[0], got.get(2));
            MessageTooLargeException tooLarge = assertThrows(MessageTooLargeException.class,
                    () -> box.offer(new byte[513]));
            assertEquals(512, tooLarge.limit());
            assertThrows(IllegalStateException.class, () -> {
                box.put(new byte[1]);
                box.take(m -> box.poll());
            });
        } finally {
            UnboundedMailbox.destroy("verbs");
        }
    }

    @Test
    void refusesWhatAnUnboundedMailboxDoesNotHave() {
        for (MailboxOptions options : List.of(
                MailboxOptions.builder().singleSender(true).build(),
                MailboxOptions.builder().priorities(2).build(),
                MailboxOptions.builder().messageLimit(3).build(),
                MailboxOptions.builder().headers(true).build(),
                MailboxOptions.builder().receivePolicy(ReceivePolicy.SHARED).build())) {
            assertThrows(IllegalArgumentException.class, () -> UnboundedMailbox.create("refused", options, 1 << 30));
        }
        assertFalse(UnboundedMailbox.exists("refused"));
        assertThrows(IllegalArgumentException.class, () -> UnboundedMailbox.create("../x"));
        assertThrows(MailboxNotFoundException.class, () -> UnboundedMailbox.open("missing"));
        assertFalse(UnboundedMailbox.destroy("missing"));
    }

    @Test
    void existsOnceAndRefusesASecondReceiverHandle() {
        try (UnboundedMailbox box = UnboundedMailbox.create("once");
             UnboundedMailbox again = UnboundedMailbox.open("once")) {
            assertThrows(MailboxExistsException.class, () -> UnboundedMailbox.create("once"));
            assertEquals(box.id(), again.id());
            assertTrue(again.offer(new byte[]{42}));
            assertArrayEquals(new byte[]{42}, box.poll());
            assertThrows(MailboxBusyException.class, again::poll);
        } finally {
            UnboundedMailbox.destroy("once");
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void aBlockedTakeWakesForAMessageInANewSegmentAndEndsOnClose(WaitStrategy strategy) throws Exception {
        UnboundedMailbox box = UnboundedMailbox.create("wake", small(strategy), 1 << 20);
        try (UnboundedMailbox sender = UnboundedMailbox.open("wake")) {
            AtomicReference<Object> got = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Thread receiver = Thread.ofPlatform().start(() -> {
                try {
                    List<byte[]> all = new ArrayList<>();
                    for (int i = 0; i < 300; i++) {
                        all.add(box.take());
                    }
                    got.set(all);
                } catch (Throwable t) {
                    got.set(t);
                } finally {
                    done.countDown();
                }
            });
            Thread.sleep(50);
            for (int i = 0; i < 300; i++) {
                sender.put(message(i, 200)); // ~15 per segment: many appends while the receiver sleeps
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
            @SuppressWarnings("unchecked") List<byte[]> all = (List<byte[]>) got.get();
            for (int i = 0; i < 300; i++) {
                assertArrayEquals(message(i, 200), all.get(i));
            }
            Thread blocked = Thread.ofPlatform().start(() -> {
                try {
                    box.take();
                    got.set("returned");
                } catch (Throwable t) {
                    got.set(t);
                }
            });
            Thread.sleep(50);
            box.close();
            blocked.join(10_000);
            assertTrue(got.get() instanceof ClosedException, String.valueOf(got.get()));
            receiver.join();
        } finally {
            box.close();
            UnboundedMailbox.destroy("wake");
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    @Timeout(60)
    void receivesWaitingWhileAnotherThreadsHandlerRunsEndAtTheirTimeoutOrInterrupt(WaitStrategy strategy)
            throws Exception {
        try (UnboundedMailbox box = UnboundedMailbox.create("held", small(strategy), 1 << 20)) {
            box.offer(message(1, 10));
            box.offer(message(2, 10));
            CountDownLatch handling = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<byte[]> handled = new AtomicReference<>();
            Thread holder = Thread.ofPlatform().start(() -> {
                try {
                    box.take(segment -> {
                        handled.set(segment.toArray(ValueLayout.JAVA_BYTE));
                        handling.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                assertTrue(handling.await(30, TimeUnit.SECONDS));
                // before the fix these waited until the handler returned (here: for ever)
                for (Thread.Builder builder : List.of(Thread.ofPlatform(), Thread.ofVirtual())) {
                    AtomicReference<Object> timed = new AtomicReference<>();
                    builder.start(() -> {
                        try {
                            timed.set(List.of(String.valueOf(box.poll(Duration.ofMillis(20))),
                                    box.poll(segment -> { }, Duration.ofMillis(20))));
                        } catch (Throwable t) {
                            timed.set(t);
                        }
                    }).join(30_000);
                    assertEquals(List.of("null", false), timed.get(), "the timed receives gave up at their timeouts");
                    AtomicReference<Object> taken = new AtomicReference<>();
                    Thread taker = builder.start(() -> {
                        try {
                            taken.set(box.take());
                        } catch (Throwable t) {
                            taken.set(t);
                        }
                    });
                    Thread.sleep(50);
                    taker.interrupt();
                    taker.join(30_000);
                    assertTrue(taken.get() instanceof InterruptedException, String.valueOf(taken.get()));
                }
            } finally {
                release.countDown();
                holder.join(30_000);
            }
            assertArrayEquals(message(1, 10), handled.get());
            assertArrayEquals(message(2, 10), box.poll(Duration.ofSeconds(30)));
            assertNull(box.poll());
        } finally {
            UnboundedMailbox.destroy("held");
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void manySenderThreadsKeepTheirOrderThroughRetirements(WaitStrategy strategy) throws Exception {
        int threads = 4;
        int perThread = 20_000;
        try (UnboundedMailbox box = UnboundedMailbox.create("threads", small(strategy), 64 << 20)) {
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                senders.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        box.put(message(id << 24 | i, 8 + i % 120));
                    }
                }));
            }
            int[] next = new int[threads];
            int received = 0;
            while (received < threads * perThread) {
                byte[] m = box.poll(Duration.ofSeconds(30));
                assertTrue(m != null, "timed out after " + received);
                int tag = (m[0] & 0xff) << 24 | (m[1] & 0xff) << 16 | (m[2] & 0xff) << 8 | (m[3] & 0xff);
                int sender = tag >>> 24;
                int i = tag & 0xffffff;
                assertEquals(next[sender], i, "sender " + sender);
                assertArrayEquals(message(tag, 8 + i % 120), m);
                next[sender]++;
                received++;
            }
            for (Thread s : senders) {
                s.join();
            }
            assertNull(box.poll());
            assertEquals(1, box.segmentCount());
        } finally {
            UnboundedMailbox.destroy("threads");
        }
    }

    @Test
    void aQuietSenderKeepsNoMappingOfARemovedSegment() throws Exception {
        try (UnboundedMailbox sender = UnboundedMailbox.create("quiet", SMALL, 8 << 20);
             UnboundedMailbox receiver = UnboundedMailbox.open("quiet")) {
            for (int i = 0; i < 2000; i++) {
                sender.put(message(i, 100));
            }
            assertTrue(sender.segmentCount() > 20);
            for (int i = 0; i < 2000; i++) {
                assertArrayEquals(message(i, 100), receiver.poll());
            }
            assertEquals(1, receiver.segmentCount());
            // the sender sends no more: still no mapping of an unlinked segment may be left
            List<String> stale = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.contains("/unbounded/quiet@") && line.endsWith("(deleted)")).toList();
            assertEquals(List.of(), stale);
        } finally {
            UnboundedMailbox.destroy("quiet");
        }
    }

    @Test
    void aNewReceiverRemovesSegmentFilesBelowTheChain() throws Exception {
        try (UnboundedMailbox sender = UnboundedMailbox.create("leftover", SMALL, 8 << 20)) {
            try (UnboundedMailbox receiver = UnboundedMailbox.open("leftover")) {
                for (int i = 0; i < 300; i++) {
                    sender.put(message(i, 100));
                }
                for (int i = 0; i < 300; i++) {
                    assertArrayEquals(message(i, 100), receiver.poll());
                }
                assertNull(receiver.poll());
            }
            // what a sender killed while it slowly created an already retired segment leaves behind
            Path dir = JipcRoot.path(UnboundedMailboxDescriptor.DIRECTORY);
            Path leftover = dir.resolve("leftover@1");
            Files.createFile(leftover);
            Path unrelated = dir.resolve("leftover@x");
            Files.createFile(unrelated);
            try (UnboundedMailbox receiver = UnboundedMailbox.open("leftover")) {
                assertNull(receiver.poll()); // takes the receiver role
                assertFalse(Files.exists(leftover));
                assertTrue(Files.exists(unrelated), "not a segment file name: left alone");
                assertEquals(2, segmentFiles("leftover"), "the chain's one segment and the unrelated file");
            } finally {
                Files.deleteIfExists(unrelated);
            }
        } finally {
            UnboundedMailbox.destroy("leftover");
        }
    }

    /**
     * Polls in place of an empty mailbox and in-place receives of messages allocate nothing in
     * steady state (a spinning {@code take} polls many times a microsecond): the handler reaches the
     * ring through one reused adapter, not a new capturing object per call (32 bytes per poll and
     * receive before). The segments here are 4 KiB, whose views are reused ({@link MessageViews}):
     * nothing is left to the JIT's escape analysis.
     */
    @Test
    void inPlacePollsAndReceivesAllocateNothingPerCall() throws Exception {
        try (UnboundedMailbox box = UnboundedMailbox.create("quiet", small(WaitStrategy.SPIN), 1 << 20)) {
            MemorySegment message = Arena.ofAuto().allocate(64, 8);
            long[] last = {-1};
            MessageHandler keep = view -> last[0] = view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            int calls = 100_000;
            long least = ThreadAllocation.leastPerWindow(20, calls, window -> {
                for (int i = 0; i < calls; i++) {
                    if (box.poll(keep)) {
                        throw new AssertionError("a message in an empty mailbox");
                    }
                    message.set(ValueLayout.JAVA_LONG, 0, i);
                    box.put(message);
                    assertEquals(1, box.drain(keep));
                    if (last[0] != i) {
                        throw new AssertionError("received " + last[0] + ", sent " + i);
                    }
                }
            });
            assertTrue(least < calls, "allocated at least " + least + " bytes for " + calls
                    + " empty polls and as many messages, in every window");
        } finally {
            UnboundedMailbox.destroy("quiet");
        }
    }

    /**
     * A receive that waits briefly for its message (a ping-pong's reply from another thread)
     * allocates nothing: it polls a while before it takes idle state (an {@code Idle} per wait
     * before: 40-odd bytes per round trip). A wait that is longer (the echoing thread was
     * descheduled) may allocate, so the best of several windows is what counts.
     */
    @Test
    void aReceiveThatWaitsBrieflyAllocatesNothing() throws Exception {
        try (UnboundedMailbox ping = UnboundedMailbox.create("ping", small(WaitStrategy.SPIN), 1 << 20);
             UnboundedMailbox pong = UnboundedMailbox.create("pong", small(WaitStrategy.SPIN), 1 << 20)) {
            MessageHandler echo = view -> pong.offer(view);
            Thread echoer = Thread.ofPlatform().name("echo").start(() -> {
                try {
                    while (true) {
                        ping.take(echo);
                    }
                } catch (InterruptedException | IllegalStateException e) {
                    // stopped
                }
            });
            try {
                MemorySegment message = Arena.ofAuto().allocate(64, 8);
                long[] last = {-1};
                MessageHandler keep = view -> last[0] = view.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                int roundTrips = 20_000;
                long least = ThreadAllocation.leastPerWindow(30, roundTrips, window -> {
                    for (int i = 0; i < roundTrips; i++) {
                        message.set(ValueLayout.JAVA_LONG, 0, i);
                        ping.put(message);
                        pong.take(keep);
                        if (last[0] != i) {
                            throw new AssertionError("received " + last[0] + ", sent " + i);
                        }
                    }
                });
                assertTrue(least < roundTrips, "allocated at least " + least + " bytes for " + roundTrips
                        + " round trips in every window");
            } finally {
                echoer.interrupt();
                echoer.join();
            }
        } finally {
            UnboundedMailbox.destroy("ping");
            UnboundedMailbox.destroy("pong");
        }
    }

    /**
     * A first receive entering after the close has given the receiver's leases up (the moment
     * between that give-up and the unmapping) takes none: it ends with ClosedException and the
     * control file's receiver lease stays free, so another process can receive. Before, it took the
     * lease after the give-up, and this live process kept it in the file for its life.
     */
    @Test
    void aFirstReceiveEnteringAfterTheCloseGaveTheLeasesUpTakesNone() throws Exception {
        try (UnboundedMailbox mailbox = UnboundedMailbox.create("given-up");
             UnboundedMailbox sender = UnboundedMailbox.open("given-up")) {
            sender.offer(new byte[] {1});
            mailbox.closeReceiver(); // as close() does, before it unmaps
            assertThrows(ClosedException.class, mailbox::poll);
            try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(UnboundedMailbox.path("given-up"))) {
                ByteBuffer lease = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
                f.read(lease, UnboundedMailboxDescriptor.RECEIVER_LEASE_OFFSET);
                assertEquals(0, lease.getLong(0), "the receiver lease stays free");
            }
            try (UnboundedMailbox receiver = UnboundedMailbox.open("given-up")) {
                assertArrayEquals(new byte[] {1}, receiver.poll(), "another handle receives");
            }
        } finally {
            UnboundedMailbox.destroy("given-up");
        }
    }

    @Test
    void aHandlerThatClosesItsHandleHasReceivedItsMessage() throws Exception {
        try (UnboundedMailbox sender = UnboundedMailbox.create("closing-handler", SMALL, 1 << 20)) {
            for (int i = 1; i <= 3; i++) {
                sender.put(message(i, 20));
            }
            List<byte[]> seen = new ArrayList<>();
            UnboundedMailbox first = UnboundedMailbox.open("closing-handler");
            first.take(m -> {
                seen.add(m.toArray(ValueLayout.JAVA_BYTE));
                first.close();
            });
            assertTrue(first.isClosed());
            // a drain stops at the message whose handler closed the handle
            UnboundedMailbox second = UnboundedMailbox.open("closing-handler");
            assertEquals(1, second.drain(m -> {
                seen.add(m.toArray(ValueLayout.JAVA_BYTE));
                second.close();
            }, 10));
            assertEquals(2, seen.size());
            assertArrayEquals(message(1, 20), seen.get(0));
            assertArrayEquals(message(2, 20), seen.get(1));
            // neither comes again: the next receive gets the third
            assertArrayEquals(message(3, 20), sender.poll(Duration.ofSeconds(30)));
            assertNull(sender.poll());
            assertThrows(ClosedException.class, () -> first.poll());
        } finally {
            UnboundedMailbox.destroy("closing-handler");
        }
    }

    /**
     * A receive of another thread waiting for the handle's receiving role while a handler closes the
     * handle ends with {@link ClosedException}: the close is finished before the handler's receive
     * leaves the role, so the waiting receive cannot take (and the unmapping cut off) the next
     * message. 10 rounds.
     */
    @Test
    void aReceiveWaitingForTheRoleWhileAHandlerClosesTheHandleEndsClosed() throws Exception {
        try (UnboundedMailbox sender = UnboundedMailbox.create("closing-waiter", SMALL, 1 << 20)) {
            for (int round = 0; round < 10; round++) {
                sender.put(message(1, 20));
                sender.put(message(2, 20));
                List<byte[]> seen = java.util.Collections.synchronizedList(new ArrayList<>());
                UnboundedMailbox box = UnboundedMailbox.open("closing-waiter");
                CountDownLatch inHandler = new CountDownLatch(1);
                CountDownLatch waiterParked = new CountDownLatch(1);
                AtomicReference<Throwable> closingFailure = new AtomicReference<>();
                Thread closing = Thread.ofPlatform().start(() -> {
                    try {
                        box.take(m -> {
                            seen.add(m.toArray(ValueLayout.JAVA_BYTE));
                            inHandler.countDown();
                            io.jipc.testkit.Latches.awaitUninterruptibly(waiterParked);
                            box.close();
                        });
                    } catch (Throwable t) {
                        closingFailure.set(t);
                    }
                });
                io.jipc.testkit.Latches.awaitUninterruptibly(inHandler);
                AtomicReference<Object> outcome = new AtomicReference<>();
                Thread waiting = Thread.ofPlatform().start(() -> {
                    try {
                        box.take(m -> seen.add(m.toArray(ValueLayout.JAVA_BYTE)));
                        outcome.set("received");
                    } catch (Throwable t) {
                        outcome.set(t);
                    }
                });
                while (waiting.getState() != Thread.State.WAITING && waiting.getState() != Thread.State.TIMED_WAITING
                        && waiting.isAlive()) {
                    Thread.onSpinWait();
                }
                waiterParked.countDown();
                closing.join(Duration.ofSeconds(30));
                waiting.join(Duration.ofSeconds(30));
                assertNull(closingFailure.get(), () -> "the closing take failed: " + closingFailure.get());
                assertTrue(outcome.get() instanceof ClosedException, () -> "the waiting take: " + outcome.get());
                assertEquals(1, seen.size(), "round " + round);
                assertArrayEquals(message(1, 20), seen.get(0));
                try (UnboundedMailbox check = UnboundedMailbox.open("closing-waiter")) {
                    assertArrayEquals(message(2, 20), check.poll(Duration.ofSeconds(30)), "round " + round);
                    assertNull(check.poll());
                }
            }
        } finally {
            UnboundedMailbox.destroy("closing-waiter");
        }
    }
}
