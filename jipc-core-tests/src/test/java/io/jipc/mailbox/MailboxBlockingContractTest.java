package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocking verbs between threads of one process, platform and virtual: hand-off, interruption,
 * and {@link Mailbox#close()} from another thread.
 */
class MailboxBlockingContractTest extends MailboxContractTest {
    /** Messages of this size take 128 bytes each in every layout: 32 fill a 4 KiB ring exactly. */
    private static int size(MailboxConfig config) {
        return config.sizeForRecord(128);
    }

    private static final int CAPACITY = 4096;

    private Mailbox createSmall(MailboxConfig config) {
        return create(config, b -> b.capacityBytes(CAPACITY).maxMessageSize(1000));
    }

    // ------------------------------------------------------------------ the blocking verbs

    @FunctionalInterface
    interface BlockingReceive {
        byte[] receive(Mailbox mailbox) throws Exception;
    }

    record Receive(String name, BlockingReceive call) {
    }

    @FunctionalInterface
    interface BlockingSend {
        void send(Mailbox mailbox, byte[] message) throws Exception;
    }

    record Send(String name, BlockingSend call) {
    }

    private static byte[] copy(MemorySegment segment) {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Every receive that waits for a message; each returns the message (or null if it timed out). */
    static List<Receive> blockingReceives() {
        return List.of(
                new Receive("take()", Mailbox::take),
                new Receive("poll(Duration)", m -> m.poll(LONG)),
                new Receive("take(ByteBuffer)", m -> {
                    ByteBuffer buffer = ByteBuffer.allocate(1000);
                    int length = m.take(buffer);
                    return Arrays.copyOf(buffer.array(), length);
                }),
                new Receive("poll(ByteBuffer, Duration)", m -> {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(1000);
                    int length = m.poll(buffer, LONG);
                    return length < 0 ? null : copy(MemorySegment.ofBuffer(buffer.flip()));
                }),
                new Receive("take(MessageHandler)", m -> {
                    byte[][] got = new byte[1][];
                    m.take(segment -> got[0] = copy(segment));
                    return got[0];
                }),
                new Receive("poll(MessageHandler, Duration)", m -> {
                    byte[][] got = new byte[1][];
                    return m.poll(segment -> got[0] = copy(segment), LONG) ? got[0] : null;
                }));
    }

    /** Every send that waits for room. */
    static List<Send> blockingSends() {
        return List.of(
                new Send("put(byte[])", Mailbox::put),
                new Send("put(ByteBuffer)", (m, msg) -> m.put(ByteBuffer.wrap(msg))),
                new Send("put(MemorySegment)", (m, msg) -> m.put(MemorySegment.ofArray(msg))),
                new Send("offer(byte[], Duration)", (m, msg) -> assertTrue(m.offer(msg, LONG), "timed out")),
                new Send("offer(ByteBuffer, Duration)", (m, msg) -> assertTrue(m.offer(ByteBuffer.wrap(msg), LONG))),
                new Send("offer(MemorySegment, Duration)", (m, msg) ->
                        assertTrue(m.offer(MemorySegment.ofArray(msg), LONG))),
                new Send("claim(int)", (m, msg) -> {
                    MailboxClaim claim = m.claim(msg.length);
                    claim.segment().copyFrom(MemorySegment.ofArray(msg));
                    claim.commit();
                }),
                new Send("claim(int, Duration)", (m, msg) -> {
                    MailboxClaim claim = m.claim(msg.length, LONG);
                    assertNotNull(claim, "timed out");
                    claim.segment().copyFrom(MemorySegment.ofArray(msg));
                    claim.commit();
                }));
    }

    // ================================================================== hand-off

    @ContractTest
    void blockedReceivesReturnOnceAnotherThreadSends(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        for (Async.Kind kind : Async.Kind.values()) {
            // every form waits at once on the same mailbox; each gets one whole message
            List<Async<byte[]>> receivers = new ArrayList<>();
            for (Receive receive : blockingReceives()) {
                receivers.add(Async.start(kind, receive.name() + " on a " + kind + " thread",
                        () -> receive.call().receive(mailbox)));
            }
            Async.assertAllBlocked(receivers);
            Set<String> sent = new HashSet<>();
            for (int i = 0; i < receivers.size(); i++) {
                byte[] message = message(size(config), i);
                sent.add(Arrays.toString(message));
                assertTrue(mailbox.offer(message));
            }
            Set<String> received = new HashSet<>();
            for (Async<byte[]> receiver : receivers) {
                received.add(Arrays.toString(receiver.get()));
            }
            assertEquals(sent, received, "each blocked receiver got one of the messages, each message once");
            assertNull(mailbox.poll());
        }
    }

    @ContractTest
    void blockedSendsReturnOnceAnotherThreadReceives(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        for (Async.Kind kind : Async.Kind.values()) {
            int sent = fill(mailbox, size(config));
            // every form waits at once for room in the same full mailbox
            List<Async<Void>> senders = new ArrayList<>();
            Set<String> blocked = new HashSet<>();
            int seed = 1000;
            for (Send send : blockingSends()) {
                byte[] message = message(size(config), seed++);
                blocked.add(Arrays.toString(message));
                senders.add(Async.run(kind, send.name() + " on a " + kind + " thread",
                        () -> send.call().send(mailbox, message)));
            }
            Async.assertAllBlocked(senders);
            // receiving makes room for them one by one; they come after what filled the mailbox
            for (int i = 0; i < sent; i++) {
                assertMessage(message(size(config), i), mailbox.take());
            }
            Set<String> late = new HashSet<>();
            for (int i = 0; i < senders.size(); i++) {
                late.add(Arrays.toString(mailbox.take()));
            }
            for (Async<Void> sender : senders) {
                sender.get();
            }
            assertEquals(blocked, late, "each blocked sender sent its message once");
            assertNull(mailbox.poll());
        }
    }

    @ContractTest
    void aTimedReceiveAndATimedSendSucceedWhenTheOtherSideActsInTime(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        for (Async.Kind kind : Async.Kind.values()) {
            Async<byte[]> receiver = Async.start(kind, "poll(Duration)", () -> mailbox.poll(LONG)).assertBlocked();
            mailbox.put(message(7, 1));
            assertMessage(message(7, 1), receiver.get());

            int sent = fill(mailbox, size(config));
            Async<Boolean> sender = Async.start(kind, "offer(Duration)", () -> mailbox.offer(message(size(config), -1), LONG))
                    .assertBlocked();
            for (int i = 0; i < sent; i++) {
                assertMessage(message(size(config), i), mailbox.take());
            }
            assertTrue(sender.get());
            assertMessage(message(size(config), -1), mailbox.take());
        }
    }

    @ContractTest
    void enormousTimeoutsWaitLikeTheUntimedVerbs(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        for (Async.Kind kind : Async.Kind.values()) {
            Async<byte[]> receiver = Async.start(kind, "poll(forever)", () -> mailbox.poll(forever)).assertBlocked();
            mailbox.put(message(5, 1));
            assertMessage(message(5, 1), receiver.get());

            int sent = fill(mailbox, size(config));
            Async<Boolean> sender = Async.start(kind, "offer(forever)", () -> mailbox.offer(message(size(config), -1), forever))
                    .assertBlocked();
            assertMessage(message(size(config), 0), mailbox.poll());
            assertTrue(sender.get());
            for (int i = 1; i < sent; i++) {
                assertMessage(message(size(config), i), mailbox.poll());
            }
            assertMessage(message(size(config), -1), mailbox.poll());
        }
    }

    @FunctionalInterface
    private interface Take<T> {
        T take() throws InterruptedException;
    }

    /**
     * A take from {@code mailbox}; if that finds a corrupt record, the failure also tells what the same
     * record reads as a moment later: a good message then means its bytes became visible after its
     * commit word (a publication race), a corrupt one that they were written wrong. The ping-pong
     * below failed once in CI with an envelope that held another message's clock, and once hung
     * with its player waiting for an echo that never came: both were a ring slot that stale bytes
     * made read as committed, fixed by mixing the commit words (see {@code StaleCommitWordTest} in
     * jipc-segment). Kept so that any future failure of the kind says what the record held.
     */
    private static <T> T explained(Mailbox mailbox, int round, Take<T> take) throws InterruptedException {
        try {
            return take.take();
        } catch (CorruptSegmentException first) {
            Thread.sleep(10);
            String later;
            try {
                byte[] again = mailbox.poll();
                later = again == null ? "no message" : again.length + " bytes starting "
                        + Arrays.toString(Arrays.copyOf(again, Math.min(again.length, 8)));
            } catch (RuntimeException second) {
                later = second.toString();
            }
            throw new AssertionError("round " + round + ": " + first.getMessage() + "; 10 ms later the record read as: "
                    + later, first);
        }
    }

    @ContractTest
    void threadsPlayPingPongThroughTwoMailboxes(MailboxConfig config) throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            Mailbox ping = createSmall(config);
            Mailbox pong = createSmall(config);
            // many rounds where a lost wake-up would hang; fewer where spinners fight for 2 cores
            int rounds = config.sleeps() ? 1000 : 300;
            Async<Void> echo = Async.run(kind, "echo", () -> {
                ByteBuffer buffer = ByteBuffer.allocate(64);
                for (int i = 0; i < rounds; i++) {
                    buffer.clear();
                    explained(ping, i, () -> ping.take(buffer));
                    pong.put(buffer.flip());
                }
            });
            Async<Void> player = Async.run(kind, "player", () -> {
                for (int i = 0; i < rounds; i++) {
                    byte[] ball = message(1 + i % 60, i);
                    ping.put(ball);
                    assertArrayEquals(ball, explained(pong, i, pong::take), "round " + i);
                }
            });
            Async.getAll(player, echo);
            assertEquals(rounds, ping.receivedCount());
            assertEquals(rounds, pong.receivedCount());
        }
    }

    /**
     * The same with both roles bound to the playing threads, whose waits then reuse one idle state
     * per mailbox: every wait (after a hand-off, and after a timed wait that ran out) starts afresh.
     */
    @ContractTest
    void threadsWithBoundRolesPlayPingPongAndWaitAgainAfterATimeout(MailboxConfig config) throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            Mailbox ping = createSmall(config);
            Mailbox pong = createSmall(config);
            int rounds = config.sleeps() ? 500 : 200;
            Async<Void> echo = Async.run(kind, "echo", () -> {
                try (RoleBinding receiving = ping.bindReceiver(); RoleBinding sending = pong.bindSender()) {
                    for (int i = 0; i <= rounds; i++) {
                        byte[][] got = new byte[1][];
                        switch (i % 3) {
                            case 0 -> got[0] = ping.take();
                            case 1 -> ping.take(segment -> got[0] = copy(segment));
                            default -> got[0] = ping.poll(LONG);
                        }
                        pong.put(got[0]);
                    }
                }
            });
            Async<Void> player = Async.run(kind, "player", () -> {
                try (RoleBinding receiving = pong.bindReceiver(); RoleBinding sending = ping.bindSender()) {
                    for (int i = 0; i < rounds; i++) {
                        byte[] ball = message(1 + i % 60, i);
                        ping.put(ball);
                        assertArrayEquals(ball, explained(pong, i, pong::take), "round " + i);
                    }
                    assertNull(pong.poll(Duration.ofMillis(30)), "nothing was sent: the timed wait runs out");
                    byte[] last = message(7, -1);
                    ping.put(last);
                    assertArrayEquals(last, pong.take(), "a wait after the timed-out one");
                }
            });
            Async.getAll(player, echo);
            assertEquals(rounds + 1, ping.receivedCount());
        }
    }

    // ================================================================== interruption

    /** Starts every blocking verb on an empty and on a full mailbox. */
    private static List<Async<?>> startBlockedCalls(MailboxConfig config, Async.Kind kind, Mailbox empty, Mailbox full) {
        List<Async<?>> calls = new ArrayList<>();
        for (Receive receive : blockingReceives()) {
            calls.add(Async.start(kind, receive.name() + " on a " + kind + " thread", () -> receive.call().receive(empty)));
        }
        for (Send send : blockingSends()) {
            calls.add(Async.run(kind, send.name() + " on a " + kind + " thread",
                    () -> send.call().send(full, message(size(config), -1))));
        }
        return calls;
    }

    /** The mailboxes are as before: nothing was received from the empty one nor sent to the full one. */
    private static void assertUntouched(MailboxConfig config, Mailbox empty, Mailbox full, int sent) {
        assertEquals(0, empty.receivedCount());
        assertEquals(0, empty.pendingBytes());
        assertEquals(CAPACITY, full.pendingBytes());
        for (int i = 0; i < sent; i++) {
            assertMessage(message(size(config), i), full.poll());
        }
        assertNull(full.poll(), "an interrupted or closed send must not send");
        assertTrue(empty.offer(message(3, 3)));
        assertMessage(message(3, 3), empty.poll());
    }

    @ContractTest
    void blockedCallsThrowInterruptedExceptionWhenInterrupted(MailboxConfig config) throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            Mailbox empty = createSmall(config);
            Mailbox full = createSmall(config);
            int sent = fill(full, size(config));
            List<Async<?>> calls = startBlockedCalls(config, kind, empty, full);
            Async.assertAllBlocked(calls);
            calls.forEach(Async::interrupt);
            for (Async<?> call : calls) {
                call.failure(InterruptedException.class);
                assertFalse(call.interruptedAtEnd(), "InterruptedException clears the interrupt status");
            }
            assertUntouched(config, empty, full, sent);
        }
    }

    @ContractTest
    void anInterruptedThreadThatCallsABlockingVerbThrowsAtOnce(MailboxConfig config) throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            Mailbox empty = createSmall(config);
            Mailbox full = createSmall(config);
            int sent = fill(full, size(config));
            Async.callOn(kind, () -> {
                for (Receive receive : blockingReceives()) {
                    Thread.currentThread().interrupt();
                    assertThrows(InterruptedException.class, () -> receive.call().receive(empty), receive.name());
                    assertFalse(Thread.currentThread().isInterrupted(), receive.name());
                }
                for (Send send : blockingSends()) {
                    Thread.currentThread().interrupt();
                    assertThrows(InterruptedException.class, () -> send.call().send(full, message(size(config), -1)),
                            send.name());
                    assertFalse(Thread.currentThread().isInterrupted(), send.name());
                }
                return null;
            });
            assertUntouched(config, empty, full, sent);
        }
    }

    /** Every receive with a timeout, given {@code timeout}; each returns the message or null. */
    static List<Receive> timedReceives(Duration timeout) {
        return List.of(
                new Receive("poll(Duration)", m -> m.poll(timeout)),
                new Receive("poll(ByteBuffer, Duration)", m -> {
                    ByteBuffer buffer = ByteBuffer.allocate(1000);
                    int length = m.poll(buffer, timeout);
                    return length < 0 ? null : Arrays.copyOf(buffer.array(), length);
                }),
                new Receive("pollTruncating(ByteBuffer, Duration)", m -> {
                    ByteBuffer buffer = ByteBuffer.allocate(1000);
                    int length = m.pollTruncating(buffer, timeout);
                    return length < 0 ? null : Arrays.copyOf(buffer.array(), length);
                }),
                new Receive("poll(MessageHandler, Duration)", m -> {
                    byte[][] got = new byte[1][];
                    return m.poll(segment -> got[0] = copy(segment), timeout) ? got[0] : null;
                }));
    }

    /** Every send with a timeout, given {@code timeout}; each returns whether it sent. */
    static List<TimedSend> timedSends(Duration timeout) {
        return List.of(
                new TimedSend("offer(byte[], Duration)", (m, msg) -> m.offer(msg, timeout)),
                new TimedSend("offer(ByteBuffer, Duration)", (m, msg) -> m.offer(ByteBuffer.wrap(msg), timeout)),
                new TimedSend("offer(MemorySegment, Duration)", (m, msg) -> m.offer(MemorySegment.ofArray(msg), timeout)),
                new TimedSend("claim(int, Duration)", (m, msg) -> {
                    MailboxClaim claim = m.claim(msg.length, timeout);
                    if (claim == null) {
                        return false;
                    }
                    claim.segment().copyFrom(MemorySegment.ofArray(msg));
                    claim.commit();
                    return true;
                }));
    }

    @FunctionalInterface
    interface TimedSendCall {
        boolean send(Mailbox mailbox, byte[] message) throws Exception;
    }

    record TimedSend(String name, TimedSendCall call) {
    }

    /**
     * The library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") with a zero or
     * negative timeout: an interrupted thread's timed call that cannot complete at once throws and
     * clears the status (it does not just return null or false); one that can completes and keeps it.
     */
    @ContractTest
    void aZeroOrNegativeTimeoutOfAnInterruptedThreadThrowsOnlyWhenTheCallCannotCompleteAtOnce(MailboxConfig config)
            throws Exception {
        for (Duration timeout : List.of(Duration.ZERO, Duration.ofNanos(-1))) {
            for (Async.Kind kind : Async.Kind.values()) {
                Mailbox empty = createSmall(config);
                Mailbox full = createSmall(config);
                int sent = fill(full, size(config));
                Async.callOn(kind, () -> {
                    for (Receive receive : timedReceives(timeout)) {
                        Thread.currentThread().interrupt();
                        assertThrows(InterruptedException.class, () -> receive.call().receive(empty), receive.name());
                        assertFalse(Thread.interrupted(), receive.name() + ": the throw clears the status");
                    }
                    for (TimedSend send : timedSends(timeout)) {
                        Thread.currentThread().interrupt();
                        assertThrows(InterruptedException.class,
                                () -> send.call().send(full, message(size(config), -1)), send.name());
                        assertFalse(Thread.interrupted(), send.name() + ": the throw clears the status");
                    }
                    return null;
                });
                assertUntouched(config, empty, full, sent);
                Mailbox mailbox = createSmall(config);
                Async.callOn(kind, () -> {
                    for (TimedSend send : timedSends(timeout)) {
                        Thread.currentThread().interrupt();
                        assertTrue(send.call().send(mailbox, message(5, 9)), send.name());
                        assertTrue(Thread.interrupted(), send.name() + ": completed, the status is kept");
                    }
                    for (Receive receive : timedReceives(timeout)) {
                        Thread.currentThread().interrupt();
                        assertMessage(message(5, 9), receive.call().receive(mailbox));
                        assertTrue(Thread.interrupted(), receive.name() + ": completed, the status is kept");
                    }
                    return null;
                });
            }
        }
    }

    @ContractTest
    void nonBlockingVerbsIgnoreAndKeepTheInterruptStatus(MailboxConfig config) throws Exception {
        Mailbox mailbox = createSmall(config);
        for (Async.Kind kind : Async.Kind.values()) {
            Async.callOn(kind, () -> {
                Thread.currentThread().interrupt();
                assertTrue(mailbox.offer(message(5, 1)));
                MailboxClaim claim = mailbox.tryClaim(2);
                claim.commit();
                assertMessage(message(5, 1), mailbox.poll());
                assertEquals(1, mailbox.drain(segment -> { }));
                assertNull(mailbox.poll());
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
                Thread.interrupted();
                return null;
            });
        }
    }

    // ================================================================== a role held by another thread

    /** Every receive with a timeout, given {@link #SHORT}; each returns the message or null. */
    static List<Receive> shortTimedReceives() {
        return List.of(
                new Receive("poll(Duration)", m -> m.poll(SHORT)),
                new Receive("poll(ByteBuffer, Duration)", m -> {
                    ByteBuffer buffer = ByteBuffer.allocate(1000);
                    int length = m.poll(buffer, SHORT);
                    return length < 0 ? null : Arrays.copyOf(buffer.array(), length);
                }),
                new Receive("pollTruncating(ByteBuffer, Duration)", m -> {
                    ByteBuffer buffer = ByteBuffer.allocate(1000);
                    int length = m.pollTruncating(buffer, SHORT);
                    return length < 0 ? null : Arrays.copyOf(buffer.array(), length);
                }),
                new Receive("poll(MessageHandler, Duration)", m -> {
                    byte[][] got = new byte[1][];
                    return m.poll(segment -> got[0] = copy(segment), SHORT) ? got[0] : null;
                }),
                new Receive("poll(Duration.ZERO)", m -> m.poll(Duration.ZERO)));
    }

    @ContractTest
    void blockingReceivesWaitingWhileAnotherThreadsHandlerRunsEndAtTheirTimeoutOrInterrupt(MailboxConfig config)
            throws Exception {
        // the receiving role is held by a thread whose handler does not return: a receive of
        // another thread may wait for it, but not past its own timeout, and not past an interrupt
        for (Async.Kind kind : Async.Kind.values()) {
            Mailbox mailbox = createSmall(config);
            assertTrue(mailbox.offer(message(size(config), 1)));
            assertTrue(mailbox.offer(message(size(config), 2)));
            CountDownLatch handling = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Async<byte[]> holder = Async.start(Async.Kind.PLATFORM, "handler that holds the role", () -> {
                byte[][] got = new byte[1][];
                mailbox.take(segment -> {
                    got[0] = copy(segment);
                    handling.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                return got[0];
            });
            assertTrue(handling.await(Async.JOIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            try {
                for (Receive receive : shortTimedReceives()) {
                    // before the fix each of these waited until the handler returned: for ever here
                    assertNull(Async.callOn(kind, () -> receive.call().receive(mailbox)),
                            receive.name() + " on a " + kind + " thread gives up at its timeout");
                }
                List<Async<byte[]>> blocked = new ArrayList<>();
                for (Receive receive : blockingReceives()) {
                    blocked.add(Async.start(kind, receive.name() + " on a " + kind + " thread",
                            () -> receive.call().receive(mailbox)));
                }
                Async.assertAllBlocked(blocked);
                blocked.forEach(Async::interrupt);
                for (Async<byte[]> call : blocked) {
                    call.failure(InterruptedException.class);
                    assertFalse(call.interruptedAtEnd(), "InterruptedException clears the interrupt status");
                }
            } finally {
                release.countDown();
            }
            assertMessage(message(size(config), 1), holder.get());
            assertMessage(message(size(config), 2), mailbox.poll(LONG));
            assertNull(mailbox.poll());
        }
    }

    @ContractTest
    void blockingSendsWaitingBehindAnotherThreadsOpenClaimEndAtTheirTimeoutOrInterrupt(MailboxConfig config)
            throws Exception {
        // an open claim holds a single sender's sending role; on a many-sender mailbox claims are
        // independent, and every send goes through at once
        for (Async.Kind kind : Async.Kind.values()) {
            Mailbox mailbox = createSmall(config);
            MailboxClaim claim = mailbox.tryClaim(size(config)); // this thread holds the claim
            claim.segment().copyFrom(MemorySegment.ofArray(message(size(config), 0)));
            byte[] other = message(size(config), 7);
            try {
                assertEquals(!config.singleSender(), Async.callOn(kind, () -> mailbox.offer(other, SHORT)),
                        "offer(byte[], Duration) on a " + kind + " thread");
                assertEquals(!config.singleSender(), Async.callOn(kind, () -> mailbox.offer(other, Duration.ZERO)),
                        "offer(byte[], Duration.ZERO) on a " + kind + " thread");
                MailboxClaim second = Async.callOn(kind, () -> mailbox.claim(size(config), SHORT));
                assertEquals(!config.singleSender(), second != null, "claim(int, Duration) on a " + kind + " thread");
                if (second != null) {
                    second.abort();
                }
                if (config.singleSender()) {
                    List<Async<Void>> blocked = new ArrayList<>();
                    for (Send send : blockingSends()) {
                        blocked.add(Async.run(kind, send.name() + " on a " + kind + " thread",
                                () -> send.call().send(mailbox, other)));
                    }
                    Async.assertAllBlocked(blocked);
                    blocked.forEach(Async::interrupt);
                    for (Async<Void> call : blocked) {
                        call.failure(InterruptedException.class);
                    }
                }
            } finally {
                claim.commit();
            }
            assertMessage(message(size(config), 0), mailbox.poll());
            if (!config.singleSender()) {
                assertMessage(other, mailbox.poll());
                assertMessage(other, mailbox.poll());
            }
            assertNull(mailbox.poll(), "a send that gave up sent nothing");
            assertTrue(mailbox.offer(other, SHORT), "the role is free again");
            assertMessage(other, mailbox.poll());
        }
    }

    // ================================================================== close from another thread

    @ContractTest
    void closeEndsBlockedCallsWithClosedException(MailboxConfig config) throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            Mailbox empty = createSmall(config);
            Mailbox full = createSmall(config);
            int sent = fill(full, size(config));
            Mailbox emptyHandle = open(empty);
            Mailbox fullHandle = open(full);
            List<Async<?>> calls = startBlockedCalls(config, kind, emptyHandle, fullHandle);
            Async.assertAllBlocked(calls);
            emptyHandle.close();
            fullHandle.close();
            for (Async<?> call : calls) {
                call.failure(ClosedException.class);
            }
            // the other handles of the same mailboxes are not affected
            assertUntouched(config, empty, full, sent);
        }
    }

    @ContractTest
    void closingTheLastHandleEndsBlockedCallsWithClosedException(MailboxConfig config) throws Exception {
        for (Async.Kind kind : Async.Kind.values()) {
            Mailbox empty = createSmall(config);
            Mailbox full = createSmall(config);
            int sent = fill(full, size(config));
            List<Async<?>> calls = startBlockedCalls(config, kind, empty, full);
            Async.assertAllBlocked(calls);
            empty.close(); // unmaps the mailbox in this process
            full.close();
            for (Async<?> call : calls) {
                call.failure(ClosedException.class);
            }
            Mailbox emptyAgain = track(Mailbox.open(empty.name()));
            Mailbox fullAgain = track(Mailbox.open(full.name()));
            assertUntouched(config, emptyAgain, fullAgain, sent);
        }
    }

    @ContractTest
    void closeRacingWithABlockingCallNeverStrandsIt(MailboxConfig config) throws Exception {
        // whatever the interleaving, the call ends with ClosedException: a close between the call's
        // last check and its sleep must not leave it asleep forever
        for (int i = 0; i < 100; i++) {
            Mailbox mailbox = createSmall(config);
            Mailbox handle = open(mailbox);
            Async.Kind kind = i % 4 == 3 ? Async.Kind.VIRTUAL : Async.Kind.PLATFORM;
            Async<byte[]> taker = Async.start(kind, "take-" + i, handle::take);
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(200_000));
            handle.close();
            taker.failure(ClosedException.class);
            mailbox.close();
            mailbox.destroy();
        }
    }
}
