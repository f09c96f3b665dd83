package io.jipc.mailbox;

import io.jipc.CorruptSegmentException;
import io.jipc.platform.ProcessIdentity;
import io.jipc.ring.AscendingCopy;
import io.jipc.ring.RecordHandler;
import io.jipc.ring.RecordRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

import static io.jipc.mailbox.EnvelopeDescriptor.MESSAGE_LENGTH_OFFSET;
import static io.jipc.mailbox.EnvelopeDescriptor.PRIORITY_OFFSET;
import static io.jipc.mailbox.EnvelopeDescriptor.SENDER_OFFSET;
import static io.jipc.mailbox.EnvelopeDescriptor.SENT_AT_OFFSET;
import static io.jipc.mailbox.EnvelopeDescriptor.SEQUENCE_OFFSET;
import static io.jipc.mailbox.EnvelopeDescriptor.TICKET_OFFSET;

/**
 * The rings of a mailbox with message headers: one <em>lane</em> per priority level, each a
 * {@link RecordRing} whose records start with an {@link EnvelopeDescriptor envelope}.
 *
 * <h2>Design</h2>
 * Priorities follow POSIX message queues: a receive takes the oldest message of the highest level
 * that has one. One ring per level keeps every send the ring's plain claim-and-commit (crash-safe as
 * before) and FIFO within a level; the receiver looks at the levels from the highest down (an empty
 * level costs one load of its head's commit word). All lanes' producers ring the doorbell of lane 0
 * (see {@link RecordRing#attach(MemorySegment, String, MemorySegment)}), so a receiver sleeps on
 * one futex word for all levels.
 *
 * <p>A level whose head is claimed but not committed counts as empty ({@link #peekLevel()} moves
 * on to the next level down), although messages committed after that claim wait behind it: an
 * open claim, or a sender stopped mid-send, lets lower levels be delivered before the higher
 * level's committed messages, for as long as its claimer lives; a dead claimer's claim is skipped
 * when a receive that found nothing ready checks for stalls ({@link #checkStall()}).
 *
 * <p>With a message limit every record has the length of one slot ({@link
 * EnvelopeDescriptor#slotLength}) and each ring's limit is {@code n} slots, so a level holds exactly
 * {@code n} messages.
 *
 * <p>Senders call the sending methods under the mailbox's sending rules; receiving methods are
 * called by the thread in this process's receiving role only.
 */
final class Lanes {
    private final String name;
    private final RecordRing[] rings;
    private final int maxMessageSize;
    /** Payload length of every record (message limit), or -1 when records fit their messages. */
    private final int slotPayload;
    /** The tickets through which senders learn that (and which) receiver took their message. */
    final Rendezvous rendezvous;
    private final long self = ProcessIdentity.current().token();
    private final AtomicLong sequence = new AtomicLong();
    private final Unwrap unwrap = new Unwrap();
    private final Peek peek = new Peek();
    private final Hold hold = new Hold();

    Lanes(String name, RecordRing[] rings, int maxMessageSize, int slotPayload, Rendezvous rendezvous) {
        this.name = name;
        this.rings = rings;
        this.maxMessageSize = maxMessageSize;
        this.slotPayload = slotPayload;
        this.rendezvous = rendezvous;
    }

    int levels() {
        return rings.length;
    }

    /** The ring of a priority level. */
    RecordRing ring(int priority) {
        if (priority < 0 || priority >= rings.length) {
            throw new IllegalArgumentException("priority " + priority + " outside 0.." + (rings.length - 1)
                    + " of mailbox '" + name + "'");
        }
        return rings[priority];
    }

    RecordRing[] rings() {
        return rings;
    }

    /** The ring payload a message of {@code length} bytes takes. */
    int claimLength(int length) {
        return slotPayload >= 0 ? slotPayload : EnvelopeDescriptor.LENGTH + length;
    }

    // ================================================================== sending

    /**
     * Sends {@code length} bytes of {@code source} from {@code offset} at {@code priority}; false if
     * its level is full. If the copy throws (the source's arena closed meanwhile), the claim is
     * aborted before the exception propagates: nothing was sent.
     */
    boolean offer(MemorySegment source, long offset, int length, int priority, long ticket) {
        RecordRing ring = ring(priority);
        long position = ring.tryClaim(claimLength(length));
        if (position == RecordRing.FULL) {
            return false;
        }
        long at = ring.payloadOffset(position);
        try {
            AscendingCopy.copy(source, offset, ring.buffer(), at + EnvelopeDescriptor.LENGTH, length);
        } catch (Throwable e) {
            ring.abort(position);
            throw e;
        }
        seal(ring.buffer(), at, length, priority, ticket);
        ring.commit(position);
        return true;
    }

    /** Claims room for a message of {@code length} bytes at {@code priority}; {@link RecordRing#FULL} if none. */
    long tryClaim(int length, int priority) {
        if (length < 0) {
            throw new IllegalArgumentException("negative message length " + length);
        }
        return ring(priority).tryClaim(claimLength(length));
    }

    /** The message bytes of the claim at {@code position}. */
    MemorySegment claimed(int priority, long position, int length) {
        RecordRing ring = rings[priority];
        return ring.buffer().asSlice(ring.payloadOffset(position) + EnvelopeDescriptor.LENGTH, length);
    }

    /** Commits (with its envelope) or aborts the claim at {@code position}. */
    void finish(int priority, long position, int length, boolean commit) {
        RecordRing ring = rings[priority];
        if (commit) {
            seal(ring.buffer(), ring.payloadOffset(position), length, priority, 0);
            ring.commit(position);
        } else {
            ring.abort(position);
        }
    }

    private void seal(MemorySegment buffer, long at, int length, int priority, long ticket) {
        buffer.set(ValueLayout.JAVA_LONG, at + SENDER_OFFSET, self);
        buffer.set(ValueLayout.JAVA_LONG, at + SEQUENCE_OFFSET, sequence.incrementAndGet());
        buffer.set(ValueLayout.JAVA_LONG, at + SENT_AT_OFFSET, EpochClock.nanos());
        buffer.set(ValueLayout.JAVA_LONG, at + TICKET_OFFSET, ticket);
        buffer.set(ValueLayout.JAVA_INT, at + PRIORITY_OFFSET, priority);
        buffer.set(ValueLayout.JAVA_INT, at + MESSAGE_LENGTH_OFFSET, length);
    }

    // ================================================================== receiving

    /** Receives a message's envelope and bytes, in place, for the duration of the call. */
    interface Receiver {
        void onMessage(MemorySegment buffer, long envelope, long message, int length);
    }

    /** Hands the next message (highest level first) to {@code receiver}; false if there is none. */
    boolean receive(Receiver receiver) {
        while (true) {
            int level = peekLevel();
            if (level < 0) {
                return false;
            }
            if (receiveFrom(level, receiver)) {
                return true;
            }
            // withdrawn by its rendezvous sender between the peek and the read: look again
        }
    }

    /**
     * The length of the message the next {@link #receive} hands out, or -1 if there is none; the
     * level is remembered for {@link #receiveFrom}. Messages withdrawn by their senders are dropped.
     */
    int peekLength() {
        int level = peekLevel();
        return level < 0 ? -1 : peek.length;
    }

    /** The level of the next message to receive (found by {@link #peekLevel()}). */
    int peekedLevel() {
        return peek.level;
    }

    /**
     * Copies the next message of {@code level} with its header to {@code receiver} without
     * consuming it; false (and the message dropped) if it was withdrawn by its rendezvous sender.
     * A rendezvous message is taken (its sender released) here: a delivery counts as taken.
     */
    boolean peekLive(int level, Receiver receiver) {
        RecordRing ring = rings[level];
        boolean[] live = {false};
        ring.peek((buffer, offset, recordLength) -> {
            int length = checkedMessageLength(buffer, offset, recordLength, level);
            if (takeTicket(buffer, offset)) { // the record stays: its ticket must not be taken again at the ack
                live[0] = true;
                receiver.onMessage(buffer, offset, offset + EnvelopeDescriptor.LENGTH, length);
            }
        });
        if (!live[0]) {
            ring.read(unwrap.skipping(level), 1);
            rendezvous.countWithdrawn();
        }
        return live[0];
    }

    private int peekLevel() {
        for (int level = rings.length - 1; level >= 0; level--) {
            RecordRing ring = rings[level];
            peek.level = level;
            while (ring.peek(peek)) {
                if (peek.live) {
                    return level;
                }
                ring.read(unwrap.skipping(level), 1); // withdrawn rendezvous message: drop it
                rendezvous.countWithdrawn();
            }
        }
        return -1;
    }

    /** Hands the next message of {@code level} to {@code receiver}; false if it was withdrawn (dropped). */
    boolean receiveFrom(int level, Receiver receiver) {
        unwrap.level = level;
        rings[level].read(unwrap.to(receiver), 1);
        return unwrap.delivered;
    }

    /**
     * {@link #receiveFrom} for a receiver that copies the message out: if it throws, the message
     * stays in the ring (a rendezvous message then counts as taken, its sender released, and is
     * delivered to the next receive like any other).
     */
    boolean receiveCopyFrom(int level, Receiver receiver) {
        unwrap.level = level;
        rings[level].readIfHandled(unwrap.to(receiver));
        return unwrap.delivered;
    }

    /**
     * Hands the next message (highest level first) to {@code receiver} and consumes it, but leaves
     * its rendezvous ticket pending: its sender goes on waiting until the ticket is {@linkplain
     * Rendezvous#take taken} (or it withdraws it). The receiver reads the ticket with {@link
     * #ticket}. False if there is none. Messages withdrawn by their senders are dropped.
     */
    boolean receiveHeld(Receiver receiver) {
        while (true) {
            int level = peekLevel();
            if (level < 0) {
                return false;
            }
            hold.level = level;
            hold.target = receiver;
            hold.delivered = false;
            rings[level].read(hold, 1);
            hold.target = null;
            if (hold.delivered) {
                return true;
            }
            // withdrawn by its rendezvous sender between the peek and the read: look again
        }
    }

    /** The rendezvous ticket in the envelope at {@code envelope} (0: its sender does not wait). */
    static long ticket(MemorySegment buffer, long envelope) {
        return buffer.get(ValueLayout.JAVA_LONG, envelope + TICKET_OFFSET);
    }

    /**
     * Takes the ticket of the record at {@code offset} (if it has one) and clears it there, so that
     * a record left in place (a receiver that threw, an unacknowledged delivery) is not taken again;
     * false if its sender withdrew it (the caller drops it). A ticket taken by a receiver killed
     * before its clear ({@link Rendezvous#takenUncleared}) counts as taken: that receiver never
     * handed the message out, so it is delivered now (its sender has the dead receiver's receipt).
     */
    private boolean takeTicket(MemorySegment buffer, long offset) {
        long ticket = buffer.get(ValueLayout.JAVA_LONG, offset + TICKET_OFFSET);
        if (ticket == 0) {
            return true;
        }
        if (!rendezvous.takeInRecord(ticket) && !rendezvous.takenUncleared(ticket)) {
            return false;
        }
        buffer.set(ValueLayout.JAVA_LONG, offset + TICKET_OFFSET, 0L);
        rendezvous.recordCleared(ticket); // its release store orders the clear before it
        return true;
    }

    /** Validates the envelope at {@code at} of a record of {@code length} payload bytes; returns the message length. */
    private int checkedMessageLength(MemorySegment buffer, long at, int length, int level) {
        if (length < EnvelopeDescriptor.LENGTH) {
            throw new CorruptSegmentException(name + ": record of " + length + " bytes has no envelope");
        }
        int messageLength = buffer.get(ValueLayout.JAVA_INT, at + MESSAGE_LENGTH_OFFSET);
        int priority = buffer.get(ValueLayout.JAVA_INT, at + PRIORITY_OFFSET);
        long ticket = buffer.get(ValueLayout.JAVA_LONG, at + TICKET_OFFSET);
        if (messageLength < 0 || messageLength > maxMessageSize || messageLength > length - EnvelopeDescriptor.LENGTH) {
            throw new CorruptSegmentException(name + ": envelope at offset " + at + " of level " + level
                    + " claims a message of " + messageLength + " bytes in a record of " + length + " (max message "
                    + maxMessageSize + ")");
        }
        if (priority != level) {
            throw new CorruptSegmentException(name + ": message of priority " + priority + " in level " + level);
        }
        return messageLength;
    }

    /** Looks at the next record without consuming it: its message length, and whether it is still to be delivered. */
    private final class Peek implements RecordHandler {
        int level;
        int length;
        boolean live;

        @Override
        public void onRecord(MemorySegment buffer, long offset, int recordLength) {
            length = checkedMessageLength(buffer, offset, recordLength, level);
            long ticket = buffer.get(ValueLayout.JAVA_LONG, offset + TICKET_OFFSET);
            live = ticket == 0 || rendezvous.pending(ticket) || rendezvous.takenUncleared(ticket);
        }
    }

    /** Consumes one record: takes its ticket (if any) and hands the message to the receiver. */
    private final class Unwrap implements RecordHandler {
        int level;
        private Receiver target;
        boolean delivered;

        Unwrap to(Receiver receiver) {
            target = receiver;
            delivered = false;
            return this;
        }

        /** Drops a record of {@code level} (checked as one of that level: not the level last received from). */
        Unwrap skipping(int level) {
            this.level = level;
            return to(null);
        }

        @Override
        public void onRecord(MemorySegment buffer, long offset, int recordLength) {
            int length = checkedMessageLength(buffer, offset, recordLength, level);
            if (target == null) {
                return;
            }
            if (!takeTicket(buffer, offset)) {
                rendezvous.countWithdrawn(); // withdrawn by its sender
                return;
            }
            delivered = true;
            target.onMessage(buffer, offset, offset + EnvelopeDescriptor.LENGTH, length);
        }
    }

    /** Consumes one record without taking its ticket (see {@link #receiveHeld}); drops a withdrawn one. */
    private final class Hold implements RecordHandler {
        int level;
        Receiver target;
        boolean delivered;

        @Override
        public void onRecord(MemorySegment buffer, long offset, int recordLength) {
            int length = checkedMessageLength(buffer, offset, recordLength, level);
            long ticket = ticket(buffer, offset);
            if (ticket != 0 && !rendezvous.pending(ticket)) {
                if (!rendezvous.takenUncleared(ticket)) {
                    rendezvous.countWithdrawn(); // withdrawn by its sender
                    return;
                }
                // taken by a receiver killed before its clear: handed out as a message nobody waits for
                buffer.set(ValueLayout.JAVA_LONG, offset + TICKET_OFFSET, 0L);
                rendezvous.recordCleared(ticket);
            }
            delivered = true;
            target.onMessage(buffer, offset, offset + EnvelopeDescriptor.LENGTH, length);
        }
    }

    // ================================================================== waiting and statistics

    boolean hasCommitted() {
        for (RecordRing ring : rings) {
            if (ring.hasCommitted()) {
                return true;
            }
        }
        return false;
    }

    /** Resolves dead senders' claims in every level; whether any was skipped. */
    boolean checkStall() {
        boolean skipped = false;
        for (RecordRing ring : rings) {
            skipped |= ring.checkStall();
        }
        return skipped;
    }

    boolean claimPending() {
        for (RecordRing ring : rings) {
            if (ring.claimPending()) {
                return true;
            }
        }
        return false;
    }

    long sum(java.util.function.ToLongFunction<RecordRing> counter) {
        long sum = 0;
        for (RecordRing ring : rings) {
            sum += counter.applyAsLong(ring);
        }
        return sum;
    }

    /** Reads a message's envelope into a {@link Message} with a copy of its bytes. */
    static Message message(MemorySegment buffer, long envelope, long message, int length) {
        byte[] payload = new byte[length];
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, message, payload, 0, length);
        return new Message(payload, buffer.get(ValueLayout.JAVA_LONG, envelope + SENDER_OFFSET),
                buffer.get(ValueLayout.JAVA_LONG, envelope + SEQUENCE_OFFSET),
                buffer.get(ValueLayout.JAVA_LONG, envelope + SENT_AT_OFFSET),
                buffer.get(ValueLayout.JAVA_INT, envelope + PRIORITY_OFFSET));
    }
}
