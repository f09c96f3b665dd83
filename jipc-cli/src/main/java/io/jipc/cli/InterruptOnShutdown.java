package io.jipc.cli;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Lets a command that holds or waits on a shared object end cleanly when the JVM is stopped
 * (Ctrl-C, {@code SIGTERM}, {@code SIGHUP}): a shutdown hook interrupts the thread that opened this
 * scope and, while the scope is <em>armed</em>, lets the JVM go on exiting only once it is disarmed
 * or closed (or after {@link #GRACE}), so the command's {@code finally} and {@code try}-with-resources
 * run first. A mutex is unlocked by its owner instead of being left to the next acquirer as "owner
 * died"; a barrier arrival is withdrawn instead of counting for a process that is gone.
 *
 * <p>Open it on the thread that does the waiting, and close it only after the resources it guards
 * are released and the command has printed its last line: once it is closed the JVM may halt at any
 * moment. (A {@code catch} of the {@code try}-with-resources that opened it runs after the close, too
 * late: keep the printing catch in an inner {@code try}.) The waits inside must be interruptible; a
 * read of standard input is not, so commands wait for the end of their input on another thread, or
 * stay {@linkplain #disarmed() disarmed} while they read it (a stop then ends the JVM at once).
 */
final class InterruptOnShutdown implements AutoCloseable {
    /** How long the shutdown waits for the interrupted command to release what it holds. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private final Thread waiter = Thread.currentThread();
    private final Thread hook;
    private boolean armed;    // guarded by this
    private boolean stopping; // guarded by this

    /** A scope armed from the start: the whole command waits on something that must end cleanly. */
    InterruptOnShutdown() {
        this(true);
    }

    private InterruptOnShutdown(boolean armed) {
        this.armed = armed;
        hook = new Thread(this::stop, "jipc-interrupt-on-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A scope armed only around the waits that must end cleanly ({@link #arm()}, {@link #disarm()}). */
    static InterruptOnShutdown disarmed() {
        return new InterruptOnShutdown(false);
    }

    /**
     * Arms the scope before a wait: a stop from now on interrupts the waiter and waits for it.
     *
     * @throws InterruptedException if the JVM is already stopping: the wait must not begin
     */
    synchronized void arm() throws InterruptedException {
        if (stopping) {
            throw new InterruptedException("the JVM is stopping");
        }
        armed = true;
    }

    /** Disarms the scope once the wait has ended and its outcome is printed: a stop may go on at once. */
    synchronized void disarm() {
        armed = false;
        notifyAll();
    }

    /**
     * The shutdown hook: interrupts an armed waiter and gives it {@link #GRACE} to disarm. A waiter
     * still armed then cannot print its own last line, so the hook says that the command is cut off.
     */
    private synchronized void stop() {
        stopping = true;
        if (!armed) {
            return;
        }
        waiter.interrupt();
        long deadline = System.nanoTime() + GRACE.toNanos();
        try {
            for (long left = GRACE.toNanos(); armed && left > 0; left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (armed) {
            System.err.println(CUT_OFF);
            System.err.flush();
        }
    }

    /**
     * What the hook says when the waiter did not end within {@link #GRACE} of the stop: a wait that
     * an interrupt does not reach, such as a condition's wait taking its mutex back (which waits for
     * the mutex's holder, uninterruptibly, as {@code java.util.concurrent}'s conditions do), or a
     * platform thread asleep on a futex word in a part of a shared file that another process truncated
     * (docs/shared-memory.md, "Truncation").
     */
    static final String CUT_OFF = "jipc: stopped; the command's wait did not end within " + GRACE.toSeconds()
            + " s of the stop (a wait an interrupt cannot reach: a condition taking its mutex back while another"
            + " process holds it, or a wait on a shared file truncated under it),"
            + " so it ends without its last line or its cleanup";

    @Override
    public void close() {
        disarm();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, or ran: it returns now that the scope is disarmed
        }
    }
}
