package io.jipc.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets a command that holds or waits on a shared object end cleanly when the JVM is stopped
 * (Ctrl-C, {@code SIGTERM}, {@code SIGHUP}): a shutdown hook interrupts the thread that opened this
 * scope and lets the JVM go on exiting only once the scope is closed (or after {@link #GRACE}), so the
 * command's {@code finally} and {@code try}-with-resources run first. A mutex is unlocked by its owner
 * instead of being left to the next acquirer as "owner died"; a barrier arrival is withdrawn instead
 * of counting for a process that is gone.
 *
 * <p>Open it on the thread that does the waiting, and close it only after the resources it guards
 * are released and the command has printed its last line: once it is closed the JVM may halt at any
 * moment. (A {@code catch} of the {@code try}-with-resources that opened it runs after the close, too
 * late: keep the printing catch in an inner {@code try}.) The waits inside must be interruptible; a
 * read of standard input is not, so commands wait for the end of their input on another thread.
 */
final class InterruptOnShutdown implements AutoCloseable {
    /** How long the shutdown waits for the interrupted command to release what it holds. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread hook;

    InterruptOnShutdown() {
        Thread waiter = Thread.currentThread();
        hook = new Thread(() -> {
            waiter.interrupt();
            try {
                closed.await(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jipc-interrupt-on-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, or ran: it returns now that the scope is closed
        }
    }
}
