package io.jipc.mailbox;

/**
 * Thrown inside a blocking send or receive when it gave up waiting for a role that another thread
 * of this process (or, with shared receivers, another process) holds: its deadline passed or it
 * was interrupted. Never leaves the mailbox: the blocking loop that catches it checks the
 * deadline and the interrupt status, and either returns or waits on. One instance, without a
 * stack trace.
 */
final class RoleBusy extends RuntimeException {
    static final RoleBusy INSTANCE = new RoleBusy();

    private RoleBusy() {
        super("a role of the mailbox is held by another thread or process", null, false, false);
    }
}
