package io.jipc.signals;

import io.jipc.ClosedException;

import java.util.Objects;

/**
 * Runs a {@link SignalHandler} on a virtual thread of its own, named {@code "jipc-signal-SIGxxx"},
 * each time its signal rings (a {@link SignalDoorbell} underneath).
 *
 * <p>Rings that arrive while the handler runs are coalesced into the next call, which reports how
 * many deliveries it covers; so the handler never runs concurrently with itself and never falls
 * behind by more than one call. The handler may block (it is a virtual thread); an exception it
 * throws, an {@link InterruptedException} included, goes to the thread's uncaught-exception handler
 * and the listener keeps listening. Only an {@code InterruptedException} thrown once the listener is
 * closing (by {@link #close()}, which interrupts the call) is the expected end of the call and is
 * not reported.
 *
 * <p>{@link #close()} stops listening: the doorbell closes (the signal's previous handler comes back
 * with the last one), a handler call in progress is interrupted and awaited, unless {@code close}
 * is called from the handler itself, or while the JVM is shutting down (from a shutdown hook, or
 * once {@code System.exit} has begun): then it interrupts the call and returns without waiting.
 * A handler that calls {@code System.exit} (the usual {@code SIGTERM} handler) waits in it for the
 * shutdown hooks to finish, so a hook that closes its listener and waited for the call would wait
 * for ever, and the JVM with it.
 */
public final class SignalListener implements AutoCloseable {
    private final SignalDoorbell doorbell;
    private final Thread thread;

    private SignalListener(SignalDoorbell doorbell, SignalHandler handler) {
        this.doorbell = doorbell;
        this.thread = Thread.ofVirtual().name("jipc-signal-" + doorbell.signal()).unstarted(() -> listen(handler));
    }

    /**
     * Starts listening for {@code signal}.
     *
     * @throws IllegalArgumentException if this JVM cannot handle the signal (see {@link SignalDoorbell#open})
     * @throws IllegalStateException    if the signal's disposition is not the JVM's handler after installing
     *                                  it (see {@link SignalDoorbell#open})
     */
    public static SignalListener start(Signal signal, SignalHandler handler) {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(handler, "handler");
        SignalListener listener = new SignalListener(SignalDoorbell.open(signal), handler);
        listener.thread.start();
        return listener;
    }

    private void listen(SignalHandler handler) {
        Signal signal = doorbell.signal();
        while (true) {
            long deliveries;
            try {
                deliveries = doorbell.take();
            } catch (ClosedException stop) {
                return;
            } catch (InterruptedException interrupted) {
                continue;   // only close() stops the listener; take() sees the closed doorbell next
            }
            try {
                handler.handle(signal, deliveries);
            } catch (InterruptedException e) {
                if (doorbell.isClosed()) {
                    return;     // close() interrupted the call
                }
                report(e);
            } catch (Throwable t) {
                report(t);
            }
        }
    }

    private static void report(Throwable t) {
        Thread self = Thread.currentThread();
        self.getUncaughtExceptionHandler().uncaughtException(self, t);
    }

    /** The signal listened for. */
    public Signal signal() {
        return doorbell.signal();
    }

    /** Deliveries since the listener started (see {@link SignalDoorbell#deliveries()}). */
    public long deliveries() {
        return doorbell.deliveries();
    }

    /** The virtual thread the handler runs on. */
    public Thread thread() {
        return thread;
    }

    /**
     * Stops listening: closes the doorbell, interrupts a running handler call and waits for it to
     * end, but returns without waiting when called from the handler itself or while the JVM is
     * shutting down (see the class comment). Any thread may call it, a shutdown hook included.
     * Idempotent.
     */
    @Override
    public void close() {
        doorbell.close();
        if (Thread.currentThread() == thread) {
            return;
        }
        thread.interrupt();
        if (jvmShuttingDown()) {
            return;     // the handler may be the thread in System.exit, which waits for the hooks
        }
        io.jipc.Uninterruptibly.join(thread);
    }

    /**
     * Whether the JVM has begun to shut down: the JDK refuses new shutdown hooks from then on (there
     * is no other public way to ask). The probe hook is never started, and is removed at once.
     */
    private static boolean jvmShuttingDown() {
        Thread probe = Thread.ofPlatform().unstarted(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException shutdownInProgress) {
            return true;
        }
    }
}
