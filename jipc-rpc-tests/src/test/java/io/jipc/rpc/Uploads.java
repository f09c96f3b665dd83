package io.jipc.rpc;

/** The interface of the cancel-under-back-pressure test: calls with large arguments, and a call that holds the server's slot. */
public interface Uploads {
    /** Blocks until the serving process releases it (the test, in process); returns 1. */
    int hold();

    /**
     * As {@link #hold}, but an interrupt (the caller's cancel, the call's deadline) does not end it: it holds the
     * server's slot until the serving process releases it; returns 1.
     */
    int holdThroughInterrupts();

    /** The length of {@code data}. */
    int length(byte[] data);
}
