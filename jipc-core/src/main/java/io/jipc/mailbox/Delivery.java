package io.jipc.mailbox;

/**
 * A message received in acknowledged mode ({@link Mailbox#takeDelivery()}): it stays in the mailbox
 * until {@link #ack()}. If the receiving process dies before acknowledging (even by
 * {@code SIGKILL}), the message is delivered again to the next receiver: nothing is lost (it may be
 * handled twice: at-least-once).
 *
 * <p>One delivery at a time per mailbox and process: until it is acknowledged (or
 * {@linkplain #release() released}), the message blocks the mailbox's head, and other receives of
 * this process fail with {@link IllegalStateException}. Not for {@linkplain ReceivePolicy#SHARED
 * shared receivers}. On a rendezvous mailbox the sender's send completes when the message is
 * delivered (not when it is acknowledged); a receiver killed in the instant between taking a
 * rendezvous message and recording the take in the record loses that one message.
 */
public final class Delivery {
    private final Mailbox mailbox;
    private final byte[] payload;
    private final Message message;
    /** The priority level the message waits in (0 without priorities). */
    final int level;
    private boolean finished;

    Delivery(Mailbox mailbox, byte[] payload, Message message, int level) {
        this.mailbox = mailbox;
        this.payload = payload;
        this.message = message;
        this.level = level;
    }

    /** The message's bytes (a copy). */
    public byte[] payload() {
        return payload;
    }

    /**
     * The priority level the message was sent at, {@code 0..priorities()-1} of the mailbox (0 in a
     * mailbox without priorities). Known for every delivery, with headers or without.
     */
    public int priority() {
        return level;
    }

    /** The message with its header, or null in a mailbox without headers. */
    public Message message() {
        return message;
    }

    /**
     * Removes the message from the mailbox: it was handled. Through a handle closed meanwhile it
     * throws {@link io.jipc.ClosedException} and releases the delivery instead (it will come again),
     * so that the process's other handles can receive.
     */
    public void ack() {
        finish(true);
    }

    /** Gives the message back without removing it: the next receive gets it again. */
    public void release() {
        finish(false);
    }

    private void finish(boolean consume) {
        if (finished) {
            throw new IllegalStateException("delivery already acknowledged or released");
        }
        finished = true;
        mailbox.finishDelivery(this, consume);
    }
}
