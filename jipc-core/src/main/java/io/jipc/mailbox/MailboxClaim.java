package io.jipc.mailbox;

import java.lang.foreign.MemorySegment;

/**
 * Room for one message, claimed in a mailbox's shared memory so that the sender writes the
 * message in place (zero copy). Obtained from {@link Mailbox#tryClaim}, {@link Mailbox#claim}.
 *
 * <p>The message is invisible to receivers until {@link #commit()}; {@link #abort()} gives the room
 * back. {@link #close()} aborts a claim that was neither committed nor aborted, so a
 * try-with-resources block never leaves a claim behind. A claim must be finished by the thread
 * that made it; while it is open the receiver cannot get past it (other messages queue behind it).
 * If the sending process dies with the claim open, the receiver skips it after the mailbox's
 * dead-sender timeout.
 */
public final class MailboxClaim implements AutoCloseable {
    private final Mailbox mailbox;
    private final long position;
    private final MemorySegment segment;
    /** Whether the claim took the single-sender gate, to be released when it finishes. */
    private final boolean tookGate;
    private final int priority;
    private boolean finished;

    MailboxClaim(Mailbox mailbox, long position, MemorySegment segment, boolean tookGate, int priority) {
        this.mailbox = mailbox;
        this.position = position;
        this.segment = segment;
        this.tookGate = tookGate;
        this.priority = priority;
    }

    /** The message's bytes, exactly the claimed length, to be written before {@link #commit()}. */
    public MemorySegment segment() {
        check();
        return segment;
    }

    /** Publishes the message to receivers. */
    public void commit() {
        check();
        finished = true;
        mailbox.finishClaim(position, true, tookGate, priority, (int) segment.byteSize());
    }

    /** Gives the room back; receivers never see the message. */
    public void abort() {
        check();
        finished = true;
        mailbox.finishClaim(position, false, tookGate, priority, (int) segment.byteSize());
    }

    /** Aborts the claim unless it was committed or aborted. */
    @Override
    public void close() {
        if (!finished) {
            abort();
        }
    }

    private void check() {
        if (finished) {
            throw new IllegalStateException("claim already committed or aborted");
        }
    }
}
