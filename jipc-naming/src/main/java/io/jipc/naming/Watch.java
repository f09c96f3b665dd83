package io.jipc.naming;

/**
 * A running watch of a name or prefix ({@link NameService#watch}); closing it stops the events. The
 * listener is called from one thread of the watch, one event at a time, in the order observed.
 */
public interface Watch extends AutoCloseable {
    /** The watched prefix. */
    String prefix();

    /** Stops the watch; after it returns the listener is not called again. Idempotent. */
    @Override
    void close();
}
