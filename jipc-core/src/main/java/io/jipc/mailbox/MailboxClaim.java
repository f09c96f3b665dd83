package io.jipc.mailbox;

import io.jipc.ClosedException;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Room for one message, claimed in a mailbox's shared memory so that the sender writes the
 * message in place (zero copy). Obtained from {@link Mailbox#tryClaim}, {@link Mailbox#claim}.
 *
 * <p>The message is invisible to receivers until {@link #commit()}; {@link #abort()} gives the room
 * back. {@link #close()} aborts a claim that was neither committed nor aborted, so a
 * try-with-resources block never leaves a claim behind; so does closing the {@link Mailbox} handle
 * it was made through (then {@link #segment()} and {@link #commit()} throw {@link ClosedException},
 * and the thread that made it must stop writing: the room may already be another message's). A
 * claim must be finished by the thread that made it; while it is open the receiver cannot get past
 * it: the messages committed after it at its priority level (by any sender) wait behind it, however
 * long it stays open, and with {@linkplain MailboxOptions.Builder#priorities priorities} receives
 * meanwhile deliver the lower levels' messages, so a lower-priority message can be received before
 * a higher-priority one committed earlier. If the sending process dies with the claim open (or is
 * killed while stopped), the receiver skips it after the mailbox's dead-sender timeout, once its
 * death is confirmed, when a receive finds no message ready at any level.
 *
 * <p>The claim's segment must not be written after {@link #commit()} or {@link #abort()}: a
 * reference to it kept from before still writes into the mailbox's shared memory, into the record
 * being delivered (or, once the receiver passed it, into another sender's message). This is inherent
 * to writing in place; nothing can revoke the segment. If writing the message fails, abort the
 * claim (try-with-resources, or {@code abort()} in a {@code finally}).
 */
public final class MailboxClaim implements AutoCloseable {
    private final Mailbox mailbox;
    private final long position;
    private final MemorySegment segment;
    /** Whether the claim took the single-sender gate, to be released when it finishes. */
    private final boolean tookGate;
    private final int priority;
    /** Committed or aborted: exactly once, by its thread or by the handle's close. */
    private final AtomicBoolean finished = new AtomicBoolean();
    /** Aborted because the handle was closed. */
    private volatile boolean abortedByClose;

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

    /**
     * Publishes the message to receivers.
     *
     * @throws ClosedException       if the mailbox handle was closed (the claim was aborted then)
     * @throws IllegalStateException if the claim was already committed or aborted
     */
    public void commit() {
        finish(true);
    }

    /** Gives the room back; receivers never see the message. */
    public void abort() {
        finish(false);
    }

    /** Aborts the claim unless it was committed or aborted. */
    @Override
    public void close() {
        if (!finished.get()) {
            try {
                finish(false);
            } catch (IllegalStateException finishedMeanwhile) {
                // by the handle's close: nothing left to give back
            }
        }
    }

    /** By {@link Mailbox#close()}: aborts the claim if it is still open. */
    void abortForClose() {
        if (finished.compareAndSet(false, true)) {
            abortedByClose = true;
            mailbox.finishClaim(this, position, false, tookGate, priority, (int) segment.byteSize());
        }
    }

    private void finish(boolean commit) {
        mailbox.beginFinish(); // the handle's close() waits for this before it unmaps
        try {
            if (!finished.compareAndSet(false, true)) {
                throw finished();
            }
            mailbox.finishClaim(this, position, commit, tookGate, priority, (int) segment.byteSize());
        } finally {
            mailbox.endFinish();
        }
    }

    private void check() {
        if (finished.get()) {
            throw finished();
        }
    }

    private RuntimeException finished() {
        return abortedByClose ? new ClosedException("the mailbox handle was closed: the claim was aborted")
                : new IllegalStateException("claim already committed or aborted");
    }
}
