package io.jipc.mailbox;

import io.jipc.ring.RecordHandler;

import java.lang.foreign.MemorySegment;

/**
 * Hands the messages a ring (or a mailbox's priority lanes) reads to a {@link MessageHandler}, in
 * place, as views of the ring's buffer: one reused object per receiving mailbox handle, so that an
 * in-place receive, or a poll that finds nothing, allocates no adapter.
 *
 * <p>The view of a message of a ring of up to {@link MessageViews#MAX_COVERED_BYTES} is a reused
 * one ({@link MessageViews}); that of a larger ring is a fresh slice handed to the handler at a call
 * of its own, so that where the JIT inlines the handler and the handler keeps the view to itself
 * (reads it, copies it out), escape analysis can remove the slice (the JIT's choice: likely, not
 * guaranteed). With one call for both, a handler there that passes its view on (an echo through a
 * small mailbox, whose views are reused anyway) kept every slice of the large ring's handler too: a
 * 40-byte object per message (docs/benchmarks.md, "Fresh views of large mailboxes").
 *
 * <p>A handler that closes the handle it receives on, or the process's last handle of the mailbox,
 * gets no further message in that receive ({@link #stop}, called by the close): a ring read ends with
 * {@link Stopped} after its record (the ring counts it consumed), a lanes receive loop checks
 * {@link #stopped()}.
 *
 * <p>Who may call: the thread in the mailbox's receiving role, which sets the {@linkplain
 * #handling handler} for the duration of one receive and clears it afterwards (the role's gate
 * orders one holder's use before the next's).
 */
final class InPlaceAdapter implements RecordHandler, Lanes.Receiver {
    private MessageHandler target;
    private final MessageViews views;
    /** Set when the running handler closed its handle or the last one: the receive hands no further message. */
    private boolean stopped;
    /** Messages handed through {@link #onRecord} since {@link #handling}, for a ring read that a close stopped. */
    private int handed;

    /** An adapter for a ring, or for the lanes of {@code buffers} rings (a mailbox's priority levels). */
    InPlaceAdapter(int buffers) {
        views = new MessageViews(buffers);
    }

    /** Sets the handler of the receive about to run ({@code null} afterwards); returns this adapter. */
    InPlaceAdapter handling(MessageHandler handler) {
        this.target = handler;
        this.stopped = false;
        this.handed = 0;
        return this;
    }

    /** For a close from inside the running handler: the receive hands it no further message. */
    void stop() {
        stopped = true;
    }

    /** Whether the running handler closed its handle or the last one ({@link #stop}). */
    boolean stopped() {
        return stopped;
    }

    /** Messages a ring read handed before {@link Stopped} ended it. */
    int handed() {
        return handed;
    }

    /**
     * A ring record: handed to the handler, then, if the handler closed its handle or the last one
     * ({@link #stop}), the read is ended with {@link Stopped} (the ring counts the record as consumed).
     */
    @Override
    public void onRecord(MemorySegment buffer, long offset, int length) {
        handed++;
        hand(buffer, offset, length);
        if (stopped) {
            throw Stopped.INSTANCE;
        }
    }

    /**
     * Ends a ring read after the message whose handler closed a handle of the mailbox. Thrown and
     * caught within a receive; never seen by callers.
     */
    static final class Stopped extends RuntimeException {
        static final Stopped INSTANCE = new Stopped();

        private Stopped() {
            super("a handler closed the mailbox", null, false, false);
        }
    }

    @Override
    public void onMessage(MemorySegment buffer, long envelope, long message, int length) {
        hand(buffer, message, length);
    }

    private void hand(MemorySegment buffer, long offset, int length) {
        if (buffer.byteSize() > MessageViews.MAX_COVERED_BYTES) {
            target.onMessage(buffer.asSlice(offset, length));
        } else {
            target.onMessage(views.view(buffer, offset, length));
        }
    }
}
