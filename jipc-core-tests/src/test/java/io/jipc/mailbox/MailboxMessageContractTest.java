package io.jipc.mailbox;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Messages arrive whole, with their boundaries, exactly once and in order, through every way of
 * sending and every way of receiving; sizes are enforced and nothing is truncated, unless the
 * receiver asks for it (the truncating receives).
 */
class MailboxMessageContractTest extends MailboxContractTest {
    private static final int MAX = 1000;
    /** Boundary sizes: around the 8- and 16-byte steps of the record layout, the copy loop, and the maximum. */
    private static final int[] SIZES = {0, 1, 7, 8, 15, 16, 17, 255, 256, 257, MAX};
    private static final byte JUNK = (byte) 0xEE;

    private Mailbox create(MailboxConfig config, long capacity) {
        return create(config, b -> b.capacityBytes(capacity).maxMessageSize(MAX));
    }

    // ================================================================== send and receive forms

    @FunctionalInterface
    interface SendForm {
        void send(Mailbox mailbox, byte[] message) throws Exception;
    }

    record Sender(String name, SendForm form) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface ReceiveForm {
        /** Receives {@code expected.size()} messages (the expected ones are given to size buffers). */
        List<byte[]> receive(Mailbox mailbox, List<byte[]> expected) throws Exception;
    }

    record Receiver(String name, ReceiveForm form) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code message} surrounded by junk: {@code before} bytes in front, 5 behind. */
    private static byte[] framed(byte[] message, int before) {
        byte[] framed = new byte[before + message.length + 5];
        Arrays.fill(framed, JUNK);
        System.arraycopy(message, 0, framed, before, message.length);
        return framed;
    }

    /** A buffer whose remaining bytes are {@code message}, with junk before its position and after its limit. */
    private static ByteBuffer windowed(ByteBuffer buffer, byte[] message) {
        byte[] framed = framed(message, 3);
        buffer.put(framed).position(3).limit(3 + message.length);
        return buffer;
    }

    /** Sends through a buffer and checks that exactly its remaining bytes were consumed. */
    private static void sendBuffer(ByteBuffer buffer, byte[] message, BufferSend send) throws Exception {
        int position = buffer.position();
        int limit = buffer.limit();
        send.send(buffer);
        assertEquals(position + message.length, buffer.position(), "position advanced past the message");
        assertEquals(limit, buffer.limit(), "limit untouched");
    }

    @FunctionalInterface
    interface BufferSend {
        void send(ByteBuffer buffer) throws Exception;
    }

    private static MemorySegment nativeCopy(Arena arena, byte[] message) {
        MemorySegment segment = arena.allocate(Math.max(1, message.length)).asSlice(0, message.length);
        segment.copyFrom(MemorySegment.ofArray(message));
        return segment;
    }

    static List<Sender> senders() {
        return List.of(
                new Sender("offer(byte[])", (m, msg) -> assertTrue(m.offer(msg))),
                new Sender("offer(byte[], offset, length)", (m, msg) -> assertTrue(m.offer(framed(msg, 3), 3, msg.length))),
                new Sender("offer(heap ByteBuffer)", (m, msg) -> sendBuffer(windowed(ByteBuffer.allocate(msg.length + 8), msg),
                        msg, b -> assertTrue(m.offer(b)))),
                new Sender("offer(heap ByteBuffer slice)", (m, msg) -> {
                    ByteBuffer slice = ByteBuffer.wrap(framed(msg, 7), 4, msg.length + 8).slice(); // array offset 4
                    slice.position(3).limit(3 + msg.length);
                    sendBuffer(slice, msg, b -> assertTrue(m.offer(b)));
                }),
                new Sender("offer(direct ByteBuffer)", (m, msg) -> sendBuffer(windowed(ByteBuffer.allocateDirect(msg.length + 8), msg),
                        msg, b -> assertTrue(m.offer(b)))),
                new Sender("offer(read-only ByteBuffer)", (m, msg) -> sendBuffer(
                        windowed(ByteBuffer.allocateDirect(msg.length + 8), msg).asReadOnlyBuffer(), msg,
                        b -> assertTrue(m.offer(b)))),
                new Sender("offer(heap MemorySegment)", (m, msg) ->
                        assertTrue(m.offer(MemorySegment.ofArray(framed(msg, 3)).asSlice(3, msg.length)))),
                new Sender("offer(native MemorySegment)", (m, msg) -> {
                    try (Arena arena = Arena.ofConfined()) {
                        assertTrue(m.offer(nativeCopy(arena, msg)));
                    }
                }),
                new Sender("put(byte[])", Mailbox::put),
                new Sender("put(heap ByteBuffer)", (m, msg) -> sendBuffer(windowed(ByteBuffer.allocate(msg.length + 8), msg),
                        msg, m::put)),
                new Sender("put(direct ByteBuffer)", (m, msg) -> sendBuffer(windowed(ByteBuffer.allocateDirect(msg.length + 8), msg),
                        msg, m::put)),
                new Sender("put(MemorySegment)", (m, msg) -> {
                    try (Arena arena = Arena.ofConfined()) {
                        m.put(nativeCopy(arena, msg));
                    }
                }),
                new Sender("offer(byte[], Duration)", (m, msg) -> assertTrue(m.offer(msg, LONG))),
                new Sender("offer(ByteBuffer, Duration)", (m, msg) -> sendBuffer(windowed(ByteBuffer.allocate(msg.length + 8), msg),
                        msg, b -> assertTrue(m.offer(b, LONG)))),
                new Sender("offer(MemorySegment, Duration)", (m, msg) ->
                        assertTrue(m.offer(MemorySegment.ofArray(framed(msg, 3)).asSlice(3, msg.length), LONG))),
                new Sender("tryClaim", (m, msg) -> {
                    MailboxClaim claim = m.tryClaim(msg.length);
                    assertEquals(msg.length, claim.segment().byteSize());
                    claim.segment().copyFrom(MemorySegment.ofArray(msg));
                    claim.commit();
                }),
                new Sender("claim", (m, msg) -> {
                    try (MailboxClaim claim = m.claim(msg.length)) {
                        claim.segment().copyFrom(MemorySegment.ofArray(msg));
                        claim.commit();
                    }
                }),
                new Sender("claim(Duration)", (m, msg) -> {
                    MailboxClaim claim = m.claim(msg.length, LONG);
                    claim.segment().copyFrom(MemorySegment.ofArray(msg));
                    claim.commit();
                }));
    }

    /** Receives into a buffer with junk before its position; checks the buffer's bookkeeping. */
    private static byte[] receiveBuffer(ByteBuffer buffer, byte[] expected, BufferReceive receive) throws Exception {
        int start = 5;
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, JUNK);
        }
        buffer.position(start);
        int limit = buffer.limit();
        int length = receive.receive(buffer);
        assertEquals(expected.length, length, "returned length");
        assertEquals(start + length, buffer.position(), "position advanced by the message");
        assertEquals(limit, buffer.limit(), "limit untouched");
        for (int i = 0; i < start; i++) {
            assertEquals(JUNK, buffer.get(i), "byte before the position overwritten");
        }
        for (int i = start + length; i < buffer.capacity(); i++) {
            assertEquals(JUNK, buffer.get(i), "byte after the message overwritten");
        }
        byte[] bytes = new byte[length];
        buffer.get(start, bytes);
        return bytes;
    }

    @FunctionalInterface
    interface BufferReceive {
        int receive(ByteBuffer buffer) throws Exception;
    }

    @FunctionalInterface
    interface OneReceive {
        byte[] receive(Mailbox mailbox, byte[] expected) throws Exception;
    }

    /** A form that receives one message per call. */
    private static Receiver one(String name, OneReceive receive) {
        return new Receiver(name, (m, expected) -> {
            List<byte[]> got = new ArrayList<>();
            for (byte[] e : expected) {
                got.add(receive.receive(m, e));
            }
            return got;
        });
    }

    private static MessageHandler collector(List<byte[]> into) {
        return segment -> into.add(segment.toArray(ValueLayout.JAVA_BYTE));
    }

    private static byte[] single(List<byte[]> got) {
        assertEquals(1, got.size(), "messages handed to the handler");
        return got.getFirst();
    }

    static List<Receiver> receivers() {
        return List.of(
                one("poll()", (m, e) -> m.poll()),
                one("take()", (m, e) -> m.take()),
                one("poll(Duration)", (m, e) -> m.poll(LONG)),
                one("poll(heap ByteBuffer)", (m, e) -> receiveBuffer(ByteBuffer.allocate(e.length + 20), e, m::poll)),
                one("poll(direct ByteBuffer)", (m, e) -> receiveBuffer(ByteBuffer.allocateDirect(e.length + 20), e, m::poll)),
                one("poll(ByteBuffer of exactly the size)", (m, e) -> {
                    ByteBuffer exact = ByteBuffer.allocate(e.length);
                    assertEquals(e.length, m.poll(exact));
                    assertEquals(0, exact.remaining());
                    return exact.array();
                }),
                one("take(ByteBuffer)", (m, e) -> receiveBuffer(ByteBuffer.allocate(e.length + 20), e, m::take)),
                one("poll(ByteBuffer, Duration)", (m, e) -> receiveBuffer(ByteBuffer.allocateDirect(e.length + 20), e,
                        b -> m.poll(b, LONG))),
                one("poll(MessageHandler)", (m, e) -> {
                    List<byte[]> got = new ArrayList<>();
                    assertTrue(m.poll(collector(got)));
                    return single(got);
                }),
                one("take(MessageHandler)", (m, e) -> {
                    List<byte[]> got = new ArrayList<>();
                    m.take(collector(got));
                    return single(got);
                }),
                one("poll(MessageHandler, Duration)", (m, e) -> {
                    List<byte[]> got = new ArrayList<>();
                    assertTrue(m.poll(collector(got), LONG));
                    return single(got);
                }),
                new Receiver("drain(MessageHandler)", (m, expected) -> {
                    List<byte[]> got = new ArrayList<>();
                    assertEquals(expected.size(), m.drain(collector(got)), "drain hands every message available");
                    return got;
                }),
                new Receiver("drain(MessageHandler, 3)", (m, expected) -> {
                    List<byte[]> got = new ArrayList<>();
                    while (got.size() < expected.size()) {
                        int before = got.size();
                        int n = m.drain(collector(got), 3);
                        assertEquals(Math.min(3, expected.size() - before), n, "drain(limit) hands min(limit, available)");
                        assertEquals(before + n, got.size(), "drain returns the number it handed out");
                    }
                    return got;
                }));
    }

    @ContractTest
    void everySendFormAndEveryReceiveFormDeliverWholeMessagesInOrder(MailboxConfig config) throws Exception {
        // a small ring, so that the pairs together wrap around it many times
        Mailbox mailbox = create(config, 8192);
        long received = 0;
        int seed = 0;
        for (Sender sender : senders()) {
            for (Receiver receiver : receivers()) {
                String pair = "sent with " + sender + ", received with " + receiver;
                List<byte[]> sent = new ArrayList<>();
                for (int size : SIZES) {
                    byte[] message = message(size, seed++);
                    sender.form().send(mailbox, message);
                    sent.add(message);
                }
                List<byte[]> got = receiver.form().receive(mailbox, sent);
                assertEquals(sent.size(), got.size(), pair);
                for (int i = 0; i < sent.size(); i++) {
                    int index = i;
                    assertArrayEquals(sent.get(i), got.get(i), () -> pair + ": message #" + index + " of "
                            + SIZES[index] + " bytes");
                }
                assertNull(mailbox.poll(), pair + ": nothing more");
                received += sent.size();
                assertEquals(received, mailbox.receivedCount(), pair);
                assertEquals(0, mailbox.pendingBytes(), pair);
            }
        }
    }

    @ContractTest
    void messagesOfEverySizeKeepTheirBoundariesAndOrderAcrossManyWraps(MailboxConfig config) {
        Mailbox mailbox = create(config, 2048);
        int max = mailbox.maxMessageSize();
        SplittableRandom random = new SplittableRandom(config.hashCode());
        List<byte[]> pending = new ArrayList<>();
        int next = 0;
        int received = 0;
        for (int i = 0; i < 6000; i++) {
            // sizes sweep 0..max, then random
            int size = i <= max ? i : random.nextInt(0, max + 1);
            byte[] message = message(size, i);
            while (!mailbox.offer(message)) {
                int batch = random.nextInt(1, 4);
                for (int j = 0; j < batch && received < pending.size(); j++) {
                    byte[] got = mailbox.poll();
                    assertMessage(pending.get(received), got);
                    received++;
                }
            }
            pending.add(message);
            next++;
        }
        byte[] got;
        while ((got = mailbox.poll()) != null) {
            assertMessage(pending.get(received), got);
            received++;
        }
        assertEquals(next, received);
        assertEquals(next, mailbox.receivedCount());
    }

    @ContractTest
    void inPlaceViewsShowEachMessageAcrossManyWrapsThoughTheyAreReused(MailboxConfig config) throws Exception {
        // a small ring, so that messages come back to the same offsets with the same and with other
        // lengths: the reused views (MessageViews) must always show the current message's bytes
        Mailbox mailbox = create(config, 2048);
        SplittableRandom random = new SplittableRandom(config.hashCode() ^ 0x5EED);
        byte[][] seen = new byte[1][];
        MessageHandler copy = message -> seen[0] = message.toArray(ValueLayout.JAVA_BYTE);
        for (int i = 0; i < 20_000; i++) {
            // runs of one size (the views are reused) with a change of size now and then
            int size = (i / 500) % 3 == 0 ? 64 : random.nextInt(0, 200);
            byte[] message = message(size, i);
            mailbox.put(message);
            if (i % 3 == 2) { // sometimes a second one before receiving, so offsets shift
                byte[] extra = message(size, -i);
                mailbox.put(extra);
                mailbox.take(copy);
                assertMessage(message, seen[0]);
                mailbox.take(copy);
                assertMessage(extra, seen[0]);
            } else {
                assertTrue(mailbox.poll(copy, LONG));
                assertMessage(message, seen[0]);
            }
        }
        assertNull(mailbox.poll());
    }

    @ContractTest
    void inPlaceViewsOfAMailboxLargerThanTheReusedOnesCoverShowEachMessageAcrossWraps(MailboxConfig config)
            throws Exception {
        // larger than MessageViews covers: every view is a fresh slice, handed to the handler at a
        // call of its own (InPlaceAdapter), through take, timed poll and drain alike
        long capacity = 4 * MessageViews.MAX_COVERED_BYTES;
        Mailbox mailbox = create(config, capacity);
        SplittableRandom random = new SplittableRandom(config.hashCode() ^ 0x1A26E);
        List<byte[]> seen = new ArrayList<>();
        MessageHandler copy = message -> seen.add(message.toArray(ValueLayout.JAVA_BYTE));
        long sentBytes = 0;
        for (int i = 0; sentBytes < 3 * capacity; i++) { // the ring wraps about three times
            int size = random.nextInt(0, 300);
            sentBytes += size + 64; // at most a record's header and alignment more
            byte[] message = message(size, i);
            byte[] second = message(size / 2, -i);
            mailbox.put(message);
            mailbox.put(second);
            seen.clear();
            switch (i % 3) {
                case 0 -> {
                    mailbox.take(copy);
                    mailbox.take(copy);
                }
                case 1 -> {
                    assertTrue(mailbox.poll(copy, LONG));
                    assertTrue(mailbox.poll(copy, LONG));
                }
                default -> assertEquals(2, mailbox.drain(copy));
            }
            assertEquals(2, seen.size());
            assertMessage(message, seen.get(0));
            assertMessage(second, seen.get(1));
        }
        assertNull(mailbox.poll());
    }

    @ContractTest
    void aMessageIsACopyOfWhatWasSent(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, 8192);
        byte[] original = message(40, 1);
        byte[] sent = original.clone();
        mailbox.put(sent);
        Arrays.fill(sent, (byte) 0);
        byte[] first = mailbox.take();
        assertMessage(original, first);
        mailbox.put(original);
        byte[] second = mailbox.take();
        assertMessage(original, second);
        second[0]++;
        assertEquals(original[0] + 1, second[0]);
        assertEquals(original[0], first[0], "each receive returns its own array");
    }

    // ================================================================== sizes

    @ContractTest
    void aMessageAboveTheMaximumIsRefusedByEverySendForm(MailboxConfig config) {
        Mailbox mailbox = create(config, 8192);
        int max = mailbox.maxMessageSize();
        byte[] tooLarge = new byte[max + 1];
        ByteBuffer heap = ByteBuffer.allocate(max + 11).position(5).limit(max + 6);
        ByteBuffer direct = ByteBuffer.allocateDirect(max + 1);
        List<Sender> forms = List.of(
                new Sender("offer(byte[])", (m, msg) -> m.offer(tooLarge)),
                new Sender("offer(byte[], offset, length)", (m, msg) -> m.offer(new byte[max + 10], 3, max + 1)),
                new Sender("offer(heap ByteBuffer)", (m, msg) -> m.offer(heap)),
                new Sender("offer(direct ByteBuffer)", (m, msg) -> m.offer(direct)),
                new Sender("offer(MemorySegment)", (m, msg) -> m.offer(MemorySegment.ofArray(tooLarge))),
                new Sender("put(byte[])", (m, msg) -> m.put(tooLarge)),
                new Sender("put(ByteBuffer)", (m, msg) -> m.put(heap)),
                new Sender("put(MemorySegment)", (m, msg) -> m.put(MemorySegment.ofArray(tooLarge))),
                new Sender("offer(byte[], Duration)", (m, msg) -> m.offer(tooLarge, LONG)),
                new Sender("offer(ByteBuffer, Duration)", (m, msg) -> m.offer(direct, LONG)),
                new Sender("offer(MemorySegment, Duration)", (m, msg) -> m.offer(MemorySegment.ofArray(tooLarge), LONG)),
                new Sender("tryClaim", (m, msg) -> m.tryClaim(max + 1)),
                new Sender("claim", (m, msg) -> m.claim(max + 1)),
                new Sender("claim(Duration)", (m, msg) -> m.claim(max + 1, LONG)),
                new Sender("tryClaim(MAX_VALUE)", (m, msg) -> m.tryClaim(Integer.MAX_VALUE)));
        for (Sender form : forms) {
            MessageTooLargeException e = assertThrows(MessageTooLargeException.class,
                    () -> form.form().send(mailbox, null), form.name());
            assertAll(form.name(),
                    () -> assertTrue(e.length() > max, "length " + e.length()),
                    () -> assertEquals(max, e.limit()),
                    () -> assertTrue(e.getMessage().contains(mailbox.name()), e.getMessage()));
        }
        assertEquals(5, heap.position(), "a refused buffer keeps its position");
        assertEquals(0, direct.position(), "a refused buffer keeps its position");
        assertEquals(0, mailbox.pendingBytes(), "nothing was sent");
        assertNull(mailbox.poll());
        // the maximum itself goes through
        assertTrue(mailbox.offer(message(max, 3)));
        assertMessage(message(max, 3), mailbox.poll());
    }

    @ContractTest
    void badArgumentsAreRejectedWithoutSendingOrReceiving(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, 8192);
        byte[] bytes = new byte[10];
        assertThrows(IndexOutOfBoundsException.class, () -> mailbox.offer(bytes, -1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> mailbox.offer(bytes, 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> mailbox.offer(bytes, 2, -1));
        assertThrows(NullPointerException.class, () -> mailbox.offer((byte[]) null));
        assertThrows(NullPointerException.class, () -> mailbox.put((ByteBuffer) null));
        assertThrows(NullPointerException.class, () -> mailbox.offer((MemorySegment) null, LONG));
        assertThrows(NullPointerException.class, () -> mailbox.offer(bytes, (Duration) null));
        assertEquals(0, mailbox.pendingBytes(), "nothing was sent");
        mailbox.put(message(3, 1));
        assertThrows(NullPointerException.class, () -> mailbox.poll((ByteBuffer) null));
        assertThrows(NullPointerException.class, () -> mailbox.poll((Duration) null));
        assertThrows(NullPointerException.class, () -> mailbox.take((MessageHandler) null));
        assertEquals(0, mailbox.receivedCount(), "nothing was received");
        assertMessage(message(3, 1), mailbox.poll());
    }

    @ContractTest
    void aNegativeClaimLengthIsRejected(MailboxConfig config) {
        Mailbox mailbox = create(config, 8192);
        assertThrows(IllegalArgumentException.class, () -> mailbox.tryClaim(-1));
        assertThrows(IllegalArgumentException.class, () -> mailbox.claim(-1, SHORT));
        // the mailbox is still usable (no lock or slot was left behind)
        assertTrue(mailbox.offer(message(3, 1)));
        assertMessage(message(3, 1), mailbox.poll());
    }

    @ContractTest
    void aMessageLargerThanTheReceiveBufferStaysInTheMailbox(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, 8192);
        byte[] first = message(100, 1);
        byte[] second = message(0, 2);
        mailbox.put(first);
        mailbox.put(second);
        List<BufferReceive> tooSmall = List.of(
                mailbox::poll,
                mailbox::take,
                b -> mailbox.poll(b, LONG));
        for (BufferReceive form : tooSmall) {
            ByteBuffer small = ByteBuffer.allocate(120).position(30); // 90 bytes remaining
            MessageTooLargeException e = assertThrows(MessageTooLargeException.class, () -> form.receive(small));
            assertEquals(100, e.length());
            assertEquals(90, e.limit());
            assertEquals(30, small.position(), "the buffer is untouched");
            ByteBuffer none = ByteBuffer.allocateDirect(0);
            assertThrows(MessageTooLargeException.class, () -> form.receive(none));
        }
        assertEquals(0, mailbox.receivedCount());
        // a big enough buffer gets it, then the next message
        ByteBuffer exact = ByteBuffer.allocate(100);
        assertEquals(100, mailbox.poll(exact));
        assertArrayEquals(first, exact.array());
        ByteBuffer empty = ByteBuffer.allocate(0);
        assertEquals(0, mailbox.poll(empty), "a message of 0 bytes fits in a buffer with no room");
        assertEquals(-1, mailbox.poll(empty));
        assertEquals(2, mailbox.receivedCount());
    }

    /** Lecture 004's receive(from, msg, sz): only on request, the end of a message too long is discarded. */
    @ContractTest
    void aTruncatingReceiveCopiesWhatFitsReportsTheWholeLengthAndDiscardsTheRest(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, 8192);
        List<BufferReceive> truncating = List.of(
                mailbox::pollTruncating,
                mailbox::takeTruncating,
                b -> mailbox.pollTruncating(b, LONG));
        int round = 0;
        for (BufferReceive form : truncating) {
            byte[] longer = message(100, ++round);
            byte[] fitting = message(90, ++round);
            byte[] empty = message(0, ++round);
            mailbox.put(longer);
            mailbox.put(fitting);
            mailbox.put(empty);
            mailbox.put(longer);

            byte[] backing = new byte[120];
            Arrays.fill(backing, JUNK);
            ByteBuffer buffer = ByteBuffer.wrap(backing).position(30); // 90 bytes remaining
            assertEquals(100, form.receive(buffer), "the whole length");
            assertEquals(120, buffer.position(), "advanced by the 90 bytes copied");
            assertArrayEquals(Arrays.copyOf(longer, 90), Arrays.copyOfRange(backing, 30, 120));
            for (int i = 0; i < 30; i++) {
                assertEquals(JUNK, backing[i], "nothing before the position is written");
            }

            ByteBuffer exact = ByteBuffer.allocateDirect(90);
            assertEquals(90, form.receive(exact), "the rest of the first message was discarded: the next one");
            byte[] got = new byte[90];
            exact.flip().get(got);
            assertArrayEquals(fitting, got);

            ByteBuffer none = ByteBuffer.allocate(0);
            assertEquals(0, form.receive(none), "a message of 0 bytes");
            assertEquals(100, form.receive(none), "no room at all: every byte discarded, the length reported");
            assertEquals(0, none.position());
        }
        assertEquals(-1, mailbox.pollTruncating(ByteBuffer.allocate(8)), "empty");
        assertEquals(-1, mailbox.pollTruncating(ByteBuffer.allocate(8), SHORT), "nothing came in time");
        assertEquals(4L * truncating.size(), mailbox.receivedCount());
        ByteBuffer readOnly = ByteBuffer.allocate(64).asReadOnlyBuffer();
        mailbox.put(message(10, 99));
        assertThrows(ReadOnlyBufferException.class, () -> mailbox.pollTruncating(readOnly));
        assertThrows(ReadOnlyBufferException.class, () -> mailbox.takeTruncating(readOnly));
        assertThrows(ReadOnlyBufferException.class, () -> mailbox.pollTruncating(readOnly, LONG));
        assertMessage(message(10, 99), mailbox.poll());
    }

    @ContractTest
    void receivingIntoAReadOnlyBufferFailsAndTheMessageStays(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, 8192);
        byte[] message = message(10, 1);
        mailbox.put(message);
        ByteBuffer readOnly = ByteBuffer.allocate(64).asReadOnlyBuffer();
        assertThrows(ReadOnlyBufferException.class, () -> mailbox.poll(readOnly));
        assertThrows(ReadOnlyBufferException.class, () -> mailbox.take(readOnly));
        assertThrows(ReadOnlyBufferException.class, () -> mailbox.poll(readOnly, LONG));
        assertEquals(0, readOnly.position());
        assertEquals(0, mailbox.receivedCount());
        assertMessage(message, mailbox.poll());
    }

    @ContractTest
    void aHandlerSeesExactlyTheMessageAndItsExceptionPropagates(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, 8192);
        mailbox.put(message(33, 1));
        mailbox.put(message(34, 2));
        mailbox.put(message(35, 3));
        List<Long> sizes = new ArrayList<>();
        assertTrue(mailbox.poll(segment -> sizes.add(segment.byteSize())));
        assertEquals(List.of(33L), sizes);

        IllegalStateException thrown = new IllegalStateException("handler failure");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mailbox.drain(segment -> {
            throw thrown;
        }));
        assertSame(thrown, e);
        // documented: the message handed to the failing handler counts as received; the rest stay
        assertEquals(2, mailbox.receivedCount());
        assertMessage(message(35, 3), mailbox.poll());
        assertNull(mailbox.poll());
    }

    @ContractTest
    void aHandlerMustNotReceiveFromItsMailboxButMaySendToIt(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, 8192);
        Mailbox other = open(mailbox);
        for (int i = 0; i < 4; i++) {
            mailbox.put(message(10, i));
        }
        List<Receiver> nested = List.of(
                new Receiver("poll()", (m, e) -> List.of(m.poll())),
                new Receiver("poll(ByteBuffer)", (m, e) -> {
                    m.poll(ByteBuffer.allocate(100));
                    return List.of();
                }),
                new Receiver("drain() through another handle", (m, e) -> {
                    other.drain(segment -> { });
                    return List.of();
                }));
        int received = 0;
        for (Receiver receive : nested) {
            List<byte[]> handled = new ArrayList<>();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> mailbox.drain(segment -> {
                handled.add(segment.toArray(ValueLayout.JAVA_BYTE));
                try {
                    receive.form().receive(mailbox, List.of());
                } catch (RuntimeException runtime) {
                    throw runtime;
                } catch (Exception checked) {
                    throw new AssertionError(checked);
                }
            }), receive.name());
            assertTrue(e.getMessage().contains("must not receive"), e.getMessage());
            // the handled message counts as received (documented for a throwing handler), and only once
            assertEquals(1, handled.size());
            assertArrayEquals(message(10, received), handled.getFirst(), receive.name());
            received++;
            assertEquals(received, mailbox.receivedCount(), receive.name() + ": no message handed out twice");
        }
        // sending from a handler is fine, to the same mailbox too
        assertEquals(1, mailbox.drain(segment -> assertTrue(mailbox.offer(segment)), 1));
        assertMessage(message(10, 3), mailbox.poll());
        assertNull(mailbox.poll());
    }

    @ContractTest
    void drainHandsOutAtMostItsLimitAndOnlyWhatIsThere(MailboxConfig config) throws Exception {
        Mailbox mailbox = create(config, 64 * 1024);
        MessageHandler never = segment -> fail("empty mailbox handed out a message");
        assertEquals(0, mailbox.drain(never));
        assertEquals(0, mailbox.drain(never, 10));
        assertThrows(NullPointerException.class, () -> mailbox.drain(null));
        for (int i = 0; i < 300; i++) {
            mailbox.put(message(4, i));
        }
        List<byte[]> got = new ArrayList<>();
        assertEquals(0, mailbox.drain(collector(got), 0));
        assertEquals(256, mailbox.drain(collector(got)), "drain() hands at most 256 per call");
        assertEquals(44, mailbox.drain(collector(got), 1000));
        assertEquals(0, mailbox.drain(collector(got), 1000));
        assertEquals(300, got.size());
        IntStream.range(0, 300).forEach(i -> assertArrayEquals(message(4, i), got.get(i), "message " + i));
    }
}
