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
 * throws goes to the thread's uncaught-exception handler and the listener keeps listening.
 *
 * <p>{@link #close()} stops listening: the doorbell closes (the signal's previous handler comes back
 * with the last one), a handler call in progress is interrupted and awaited, unless {@code close}
 * is called from the handler itself.
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
            } catch (InterruptedException stop) {
                if (doorbell.isClosed()) {
                    return;
                }
            } catch (Throwable t) {
                Thread self = Thread.currentThread();
                self.getUncaughtExceptionHandler().uncaughtException(self, t);
            }
        }
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

    /** Stops listening and waits for a running handler call to end (see the class comment). Idempotent. */
    @Override
    public void close() {
        doorbell.close();
        if (Thread.currentThread() == thread) {
            return;
        }
        thread.interrupt();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
