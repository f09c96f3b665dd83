package io.jipc.mailbox;

/**
 * The receiving role of a mailbox, bound to one thread of this process (see
 * {@link Mailbox#bindReceiver()}): while it is open, that thread's receives take no lock, and other
 * threads' receives wait. {@link #close()} (by the binding thread) gives the role back to the
 * process; the process keeps the mailbox's receiver role until its last handle is closed.
 */
public final class ReceiverBinding implements AutoCloseable {
    private final Mailbox mailbox;
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    ReceiverBinding(Mailbox mailbox) {
        this.mailbox = mailbox;
    }

    /** The thread the role is bound to. */
    public Thread thread() {
        return thread;
    }

    /**
     * Gives the receiving role back. Idempotent.
     *
     * @throws WrongThreadException if called by another thread than the binding one
     */
    @Override
    public void close() {
        if (Thread.currentThread() != thread) {
            throw new WrongThreadException("a receiver binding is closed by the thread that made it");
        }
        if (!closed) {
            closed = true;
            mailbox.unbindReceiver();
        }
    }
}
