package io.jipc.mailbox;

/**
 * The sending role of a single-sender mailbox, bound to one thread of this process (see
 * {@link Mailbox#bindSender()}): while it is open, that thread's sends on the mailbox take no
 * lock, and other threads' sends wait. {@link #close()} (by the binding thread) gives the role back.
 */
public final class SenderBinding implements AutoCloseable {
    private final Mailbox mailbox;
    private final Thread thread = Thread.currentThread();
    private final boolean holdsGate;
    private boolean closed;

    SenderBinding(Mailbox mailbox, boolean holdsGate) {
        this.mailbox = mailbox;
        this.holdsGate = holdsGate;
    }

    /** The thread the role is bound to. */
    public Thread thread() {
        return thread;
    }

    /**
     * Gives the sending role back. Idempotent.
     *
     * @throws WrongThreadException if called by another thread than the binding one
     */
    @Override
    public void close() {
        if (Thread.currentThread() != thread) {
            throw new WrongThreadException("a sender binding is closed by the thread that made it");
        }
        if (!closed) {
            closed = true;
            if (holdsGate) {
                mailbox.unbindSender();
            }
        }
    }
}
