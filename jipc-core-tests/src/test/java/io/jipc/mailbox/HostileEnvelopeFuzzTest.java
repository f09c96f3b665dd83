package io.jipc.mailbox;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.ring.RecordRing;
import io.jipc.ring.RingConfig;
import io.jipc.ring.RingDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A receiver of a mailbox with headers whose envelopes were written by something hostile or broken
 * either hands out messages that lie inside their records or throws
 * {@link CorruptSegmentException}: never another exception, never a slice outside the record,
 * never an allocation sized by a length it did not check.
 *
 * <p>{@link #hostileEnvelopes(byte[])} is a Jazzer fuzz target (regression mode in every build;
 * {@code JAZZER_FUZZ=1 mvn -pl jipc-core-tests -am test -Dtest=HostileEnvelopeFuzzTest} fuzzes for real):
 * the input is a sequence of raw record payloads committed straight into the priority rings,
 * bypassing the envelope writer. {@link #mutatedEnvelopes(long)} mutates valid envelopes at random.
 */
class HostileEnvelopeFuzzTest {
    private static final int MAX_MESSAGE = 200;
    private static final int LEVELS = 2;
    private static final RingConfig CONFIG = new RingConfig(4096, MAX_MESSAGE + EnvelopeDescriptor.LENGTH, 2, false,
            WaitStrategy.SPIN, 1_000_000L);

    /** Two priority rings and a rendezvous header in private memory: the receiving side under test. */
    private static final class Fixture implements AutoCloseable {
        final Arena arena = Arena.ofConfined();
        final RecordRing[] rings = new RecordRing[LEVELS];
        final Lanes lanes;

        Fixture() {
            MemorySegment header = arena.allocate(MailboxDescriptor.RING_OFFSET, RingDescriptor.PAGE);
            long length = RingDescriptor.length(CONFIG);
            MemorySegment memory = arena.allocate(LEVELS * length, RingDescriptor.PAGE);
            for (int level = 0; level < LEVELS; level++) {
                RingDescriptor.format(memory.asSlice(level * length, length), CONFIG);
                rings[level] = RecordRing.attach(memory.asSlice(level * length, length), "level" + level,
                        memory.asSlice(0, length));
                rings[level].acquireConsumer();
            }
            lanes = new Lanes("fuzzed", rings, MAX_MESSAGE, -1, new Rendezvous(header, "fuzzed"));
            lanes.rendezvous.registerReceiver();
        }

        /** Commits {@code payload} as a raw record (envelope included) at {@code level}; false if full. */
        boolean raw(int level, byte[] payload) {
            return rings[level].offer(MemorySegment.ofArray(payload), 0, payload.length);
        }

        /** Receives everything with every receiving call, checking each hand-out's bounds. */
        void receiveAll() {
            Lanes.Receiver inBounds = (buffer, envelope, message, length) -> {
                if (length < 0 || length > MAX_MESSAGE || message != envelope + EnvelopeDescriptor.LENGTH
                        || message + length > buffer.byteSize()) {
                    throw new AssertionError("message outside its record: " + message + "+" + length);
                }
                Lanes.message(buffer, envelope, message, length);
            };
            try {
                for (int i = 0; i < 200; i++) {
                    int length = lanes.peekLength();
                    if (length < 0) {
                        return;
                    }
                    assertTrue(length <= MAX_MESSAGE, "peeked length " + length);
                    if (i % 2 == 0) {
                        lanes.receiveFrom(lanes.peekedLevel(), inBounds);
                    } else {
                        lanes.receive(inBounds);
                    }
                }
            } catch (CorruptSegmentException expected) {
                // reported, not followed
            }
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    @FuzzTest(maxDuration = "60s")
    void hostileEnvelopes(byte[] input) {
        try (Fixture fixture = new Fixture()) {
            ByteBuffer in = ByteBuffer.wrap(input);
            if (in.hasRemaining()) {
                in.get();
            }
            while (in.remaining() >= 2) {
                int level = in.get() & 1;
                int length = Math.min(Math.min(in.get() & 0xFF, in.remaining()), CONFIG.maxPayload());
                byte[] payload = new byte[length];
                in.get(payload);
                if (!fixture.raw(level, payload)) {
                    break;
                }
            }
            fixture.receiveAll();
        }
    }

    static LongStream seeds() {
        return LongStream.range(0, 2000);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void mutatedEnvelopes(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        try (Fixture fixture = new Fixture()) {
            int messages = 1 + random.nextInt(12);
            for (int i = 0; i < messages; i++) {
                int level = random.nextInt(LEVELS);
                byte[] message = new byte[random.nextInt(MAX_MESSAGE + 1)];
                long ticket = random.nextBoolean()
                        ? fixture.lanes.rendezvous.issue(random.nextInt(MailboxDescriptor.TICKETS), false) : 0;
                byte[] record = new byte[EnvelopeDescriptor.LENGTH + message.length];
                MemorySegment envelope = MemorySegment.ofArray(record);
                envelope.set(ValueLayout.JAVA_LONG_UNALIGNED, EnvelopeDescriptor.TICKET_OFFSET, ticket);
                envelope.set(ValueLayout.JAVA_INT_UNALIGNED, EnvelopeDescriptor.PRIORITY_OFFSET, level);
                envelope.set(ValueLayout.JAVA_INT_UNALIGNED, EnvelopeDescriptor.MESSAGE_LENGTH_OFFSET, message.length);
                // damage one field of the envelope
                int[] nasty = {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, MAX_MESSAGE + 1, message.length + 1, 1 << 20};
                switch (random.nextInt(4)) {
                    case 0 -> envelope.set(ValueLayout.JAVA_INT_UNALIGNED, EnvelopeDescriptor.MESSAGE_LENGTH_OFFSET,
                            nasty[random.nextInt(nasty.length)]);
                    case 1 -> envelope.set(ValueLayout.JAVA_INT_UNALIGNED, EnvelopeDescriptor.PRIORITY_OFFSET,
                            nasty[random.nextInt(nasty.length)]);
                    case 2 -> envelope.set(ValueLayout.JAVA_LONG_UNALIGNED, EnvelopeDescriptor.TICKET_OFFSET,
                            random.nextLong());
                    default -> record = java.util.Arrays.copyOf(record, random.nextInt(EnvelopeDescriptor.LENGTH));
                }
                if (!fixture.raw(level, record)) {
                    break;
                }
            }
            fixture.receiveAll();
        }
    }

    // ------------------------------------------------------------------ explicit hostile lengths

    private static byte[] envelope(int messageLength, int priority, long ticket, int recordLength) {
        byte[] record = new byte[recordLength];
        MemorySegment s = MemorySegment.ofArray(record);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, EnvelopeDescriptor.TICKET_OFFSET, ticket);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, EnvelopeDescriptor.PRIORITY_OFFSET, priority);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, EnvelopeDescriptor.MESSAGE_LENGTH_OFFSET, messageLength);
        return record;
    }

    private static CorruptSegmentException refused(int level, byte[] record) {
        try (Fixture fixture = new Fixture()) {
            assertTrue(fixture.raw(level, record));
            CorruptSegmentException e = assertThrows(CorruptSegmentException.class, fixture.lanes::peekLength);
            assertThrows(CorruptSegmentException.class, () -> fixture.lanes.receive((b, en, m, l) -> { }));
            return e;
        }
    }

    @Test
    void hostileLengthsPrioritiesAndTicketsAreReported() {
        for (int hostile : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, MAX_MESSAGE + 1, 11}) {
            CorruptSegmentException e = refused(0, envelope(hostile, 0, 0, EnvelopeDescriptor.LENGTH + 10));
            assertTrue(e.getMessage().contains("claims a message of " + hostile), e.getMessage());
        }
        CorruptSegmentException e = refused(0, new byte[EnvelopeDescriptor.LENGTH - 1]);
        assertTrue(e.getMessage().contains("has no envelope"), e.getMessage());
        e = refused(1, envelope(0, 0, 0, EnvelopeDescriptor.LENGTH));
        assertTrue(e.getMessage().contains("priority 0 in level 1"), e.getMessage());
        e = refused(0, envelope(0, 0, 65L << 48 | 1, EnvelopeDescriptor.LENGTH));
        assertTrue(e.getMessage().contains("names no rendezvous slot"), e.getMessage());
    }

    @Test
    void aMessageOfAnEarlierTicketGenerationIsSkipped() {
        try (Fixture fixture = new Fixture()) {
            long stale = fixture.lanes.rendezvous.issue(3, false);
            long current = fixture.lanes.rendezvous.issue(3, false);
            assertTrue(fixture.raw(0, envelope(1, 0, stale, EnvelopeDescriptor.LENGTH + 1)));
            assertTrue(fixture.raw(0, envelope(2, 0, current, EnvelopeDescriptor.LENGTH + 2)));
            assertEquals(2, fixture.lanes.peekLength(), "the stale one is dropped");
            assertTrue(fixture.lanes.receive((b, en, m, l) -> assertEquals(2, l)));
            assertEquals(-1, fixture.lanes.peekLength());
        }
    }

    /**
     * An at-once offer's mark names its generation: a receiver may decline that ticket (once; the
     * sender then sees it declined, not taken), but never a later blocking send's ticket of the same
     * slot, nor a ticket that was taken.
     */
    @Test
    void onlyAnAtOnceTicketIsDeclinedAndItsMarkDoesNotOutliveItsGeneration() {
        try (Fixture fixture = new Fixture()) {
            Rendezvous tickets = fixture.lanes.rendezvous;
            long atOnce = tickets.issue(5, true);
            assertTrue(tickets.decline(atOnce), "an at-once offer is declined");
            assertFalse(tickets.pending(atOnce));
            assertTrue(tickets.declined(atOnce), "its sender sees it declined");
            assertFalse(tickets.decline(atOnce), "once");
            long blocking = tickets.issue(5, false);
            assertFalse(tickets.decline(blocking), "the slot's next (blocking) send is not marked");
            assertTrue(tickets.pending(blocking));
            assertFalse(tickets.declined(blocking));
            long taken = tickets.issue(5, true);
            assertTrue(tickets.take(taken));
            assertFalse(tickets.decline(taken), "a taken ticket stays taken");
            assertFalse(tickets.declined(taken));
        }
    }
}
