package io.jipc.naming;

/**
 * A running watch of a name or prefix ({@link NameService#watch}); closing it stops the events. The
 * listener is called from one thread of the watch, one event at a time, in the order observed.
 */
public interface Watch extends AutoCloseable {
    /** The watched prefix. */
    String prefix();

    /**
     * Stops the watch; after it returns the listener is not called again. A call of the listener in
     * progress on the watch's thread is waited for, however long it takes and whatever interrupts the
     * caller (they are kept); called from the listener itself, it does not wait for its own call, and
     * the listener is not called again after that call returns. Idempotent; any thread. A listener
     * that waits for a thread blocked in this close never returns, and neither does the close.
     */
    @Override
    void close();
}
