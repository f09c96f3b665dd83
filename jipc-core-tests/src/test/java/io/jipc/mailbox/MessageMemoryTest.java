package io.jipc.mailbox;

import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A send whose message memory cannot be read (a segment of a closed arena, of a confined arena of
 * another thread, or such a segment's {@code asByteBuffer()}) fails with the JDK's exception and
 * sends nothing, on every mailbox kind and with every copying verb. Before, it claimed room first
 * and threw in the copy, before the commit: the mailbox's later messages never arrived while the
 * sending process lived, and each such send kept one of the ring's 16 sender slots, so the 17th
 * send of any kind (even an at-once offer) waited for ever. Here 20 failed sends come before a good
 * one, which must be sent at once and be the only message received.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS) // hang guard; each call has its own (Async)
class MessageMemoryTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final int FAILED_SENDS = 20;

    /** The mailbox kinds, each with the copying sends it has. */
    enum Kind {
        PLAIN(MailboxOptions.builder()),
        SINGLE_SENDER(MailboxOptions.builder().singleSender(true)),
        HEADERS(MailboxOptions.builder().headers(true)),
        HEADERS_SINGLE_SENDER(MailboxOptions.builder().headers(true).singleSender(true)),
        PRIORITIES(MailboxOptions.builder().priorities(4).messageLimit(8)),
        RENDEZVOUS(MailboxOptions.builder().messageLimit(0)),
        UNBOUNDED(MailboxOptions.builder());

        final MailboxOptions options;

        Kind(MailboxOptions.Builder builder) {
            this.options = builder.capacityBytes(4096).maxMessageSize(256).build();
        }
    }

    /** Memory the sending thread cannot read, made by the test thread. */
    enum Bad {
        CLOSED_SEGMENT(IllegalStateException.class),
        OTHER_THREADS_SEGMENT(WrongThreadException.class),
        CLOSED_BUFFER(IllegalStateException.class),
        OTHER_THREADS_BUFFER(WrongThreadException.class);

        final Class<? extends RuntimeException> expected;

        Bad(Class<? extends RuntimeException> expected) {
            this.expected = expected;
        }

        boolean buffer() {
            return this == CLOSED_BUFFER || this == OTHER_THREADS_BUFFER;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(Kind.values()).flatMap(kind -> Stream.of(Bad.values()).map(bad -> Arguments.of(kind, bad)));
    }

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        names.forEach(Mailbox::destroy);
        names.forEach(UnboundedMailbox::destroy);
    }

    @FunctionalInterface
    interface Send {
        void to(Object mailbox, MemorySegment segment, ByteBuffer buffer) throws Exception;
    }

    /** The copying sends of {@code kind} that take a segment or a buffer. */
    private static List<Send> sends(Kind kind, boolean buffer) {
        if (kind == Kind.UNBOUNDED) {
            return buffer ? List.of((m, s, b) -> ((UnboundedMailbox) m).offer(b), (m, s, b) -> ((UnboundedMailbox) m).put(b))
                    : List.of((m, s, b) -> ((UnboundedMailbox) m).offer(s), (m, s, b) -> ((UnboundedMailbox) m).put(s));
        }
        List<Send> sends = new ArrayList<>(buffer
                ? List.of((m, s, b) -> ((Mailbox) m).offer(b), (m, s, b) -> ((Mailbox) m).put(b),
                        (m, s, b) -> ((Mailbox) m).offer(b, Duration.ofSeconds(5)))
                : List.of((m, s, b) -> ((Mailbox) m).offer(s), (m, s, b) -> ((Mailbox) m).put(s),
                        (m, s, b) -> ((Mailbox) m).offer(s, Duration.ofSeconds(5)),
                        (m, s, b) -> ((Mailbox) m).offer(s, 0), (m, s, b) -> ((Mailbox) m).put(s, 0)));
        if (kind == Kind.PRIORITIES && !buffer) {
            sends.add((m, s, b) -> ((Mailbox) m).offer(s, 3));
            sends.add((m, s, b) -> ((Mailbox) m).put(s, 2));
            sends.add((m, s, b) -> ((Mailbox) m).offer(s, 1, Duration.ofSeconds(5)));
        }
        return sends;
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void aSendFromUnreadableMemorySendsNothingAndBlocksNothing(Kind kind, Bad bad) throws Exception {
        String name = "message-memory-" + NAMES.incrementAndGet();
        names.add(name);
        Object mailbox = kind == Kind.UNBOUNDED ? UnboundedMailbox.create(name, kind.options, 1 << 20)
                : Mailbox.create(name, kind.options);
        toClose.add((AutoCloseable) mailbox);
        MemorySegment segment;
        if (bad == Bad.CLOSED_SEGMENT || bad == Bad.CLOSED_BUFFER) {
            Arena arena = Arena.ofShared();
            segment = arena.allocate(16);
            arena.close();
        } else {
            Arena arena = Arena.ofConfined(); // this thread's; the sends run on another
            toClose.add(arena);
            segment = arena.allocate(16);
        }
        ByteBuffer buffer = segment.asByteBuffer();
        List<Send> sends = sends(kind, bad.buffer());
        Async.callOn(Async.Kind.PLATFORM, () -> {
            for (int i = 0; i < FAILED_SENDS; i++) {
                Send send = sends.get(i % sends.size());
                int position = buffer.position();
                assertThrows(bad.expected, () -> send.to(mailbox, segment, buffer), "send " + i);
                assertEquals(position, buffer.position(), "a failed send does not advance the buffer");
            }
            return null;
        });
        byte[] good = "good".getBytes(UTF_8);
        if (kind == Kind.UNBOUNDED) {
            UnboundedMailbox unbounded = (UnboundedMailbox) mailbox;
            assertTrue(Async.callOn(Async.Kind.PLATFORM, () -> unbounded.offer(good)));
            assertEquals("good", text(unbounded.poll(Duration.ofSeconds(10))));
            assertNull(unbounded.poll());
            return;
        }
        Mailbox bounded = (Mailbox) mailbox;
        if (kind == Kind.RENDEZVOUS) {
            Async<byte[]> taker = Async.start(Async.Kind.PLATFORM, "taker", bounded::take);
            Async.callOn(Async.Kind.PLATFORM, () -> {
                bounded.put(good);
                return null;
            });
            assertEquals("good", text(taker.get()));
        } else {
            assertTrue(Async.callOn(Async.Kind.PLATFORM, () -> bounded.offer(good)), "an at-once send after them");
            assertEquals("good", text(bounded.poll(Duration.ofSeconds(10))));
        }
        assertNull(bounded.poll());
        assertEquals(1, bounded.receivedCount());
    }

    /** A receive into a buffer of closed or another thread's memory, with the verb it is made with. */
    @FunctionalInterface
    interface Receive {
        void into(Mailbox mailbox, ByteBuffer buffer) throws Exception;
    }

    static Stream<Arguments> receiveCases() {
        List<Receive> receives = List.of(Mailbox::poll, Mailbox::pollTruncating, Mailbox::take,
                (m, b) -> m.poll(b, Duration.ofSeconds(5)), Mailbox::takeTruncating);
        return Stream.of(Kind.PLAIN, Kind.HEADERS, Kind.PRIORITIES)
                .flatMap(kind -> Stream.of(Bad.CLOSED_BUFFER, Bad.OTHER_THREADS_BUFFER)
                        .flatMap(bad -> receives.stream().map(receive -> Arguments.of(kind, bad, receive))));
    }

    /**
     * A receive into a buffer the receiving thread cannot write fails before it consumes the message,
     * as one into a read-only buffer does: the next receive gets it, and it is counted once. Before,
     * the message was consumed and lost (the next poll() null, receivedCount counting it).
     */
    @ParameterizedTest(name = "{0}, {1}, receive {index}")
    @MethodSource("receiveCases")
    void aReceiveIntoUnwritableMemoryLeavesTheMessage(Kind kind, Bad bad, Receive receive) throws Exception {
        String name = "message-memory-" + NAMES.incrementAndGet();
        names.add(name);
        Mailbox mailbox = Mailbox.create(name, kind.options);
        toClose.add(mailbox);
        MemorySegment segment;
        if (bad == Bad.CLOSED_BUFFER) {
            Arena arena = Arena.ofShared();
            segment = arena.allocate(16);
            arena.close();
        } else {
            Arena arena = Arena.ofConfined();
            toClose.add(arena);
            segment = arena.allocate(16);
        }
        ByteBuffer buffer = segment.asByteBuffer();
        assertTrue(mailbox.offer("kept".getBytes(UTF_8), kind == Kind.PRIORITIES ? 2 : 0));
        Async.callOn(Async.Kind.PLATFORM, () -> {
            assertThrows(bad.expected, () -> receive.into(mailbox, buffer));
            assertThrows(bad.expected, () -> receive.into(mailbox, buffer));
            return null;
        });
        assertEquals(0, buffer.position());
        assertEquals(0, mailbox.receivedCount(), "nothing was received");
        assertEquals("kept", text(mailbox.poll()));
        assertNull(mailbox.poll());
        assertEquals(1, mailbox.receivedCount());
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, UTF_8);
    }
}
