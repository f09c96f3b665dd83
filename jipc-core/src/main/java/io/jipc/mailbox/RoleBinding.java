package io.jipc.mailbox;

/**
 * A role of a mailbox bound to one thread of this process (see {@link Mailbox#bindSender()} and
 * {@link Mailbox#bindReceiver()}): while it is open, that thread's sends or receives take no lock,
 * and other threads' wait. {@link #close()} (by the binding thread) gives the role back to the
 * process, which keeps it among processes until its last handle of the mailbox is closed.
 */
public final class RoleBinding implements AutoCloseable {
    private final ProcessRole role;
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    /** @param role the bound role, or null for a role that needs no binding (many senders) */
    RoleBinding(ProcessRole role) {
        this.role = role;
    }

    /** The thread the role is bound to. */
    public Thread thread() {
        return thread;
    }

    /**
     * Gives the role back. Idempotent.
     *
     * @throws WrongThreadException if called by another thread than the binding one
     */
    @Override
    public void close() {
        if (Thread.currentThread() != thread) {
            throw new WrongThreadException("a role binding is closed by the thread that made it");
        }
        if (!closed) {
            closed = true;
            if (role != null) {
                role.unbind();
            }
        }
    }
}
