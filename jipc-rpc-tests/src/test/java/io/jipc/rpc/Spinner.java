package io.jipc.rpc;

/**
 * The interface of the CPU-bound call tests (calls that compute without blocking, and a quick call
 * that ends them) and of the close tests (a call that makes a value of its interrupt).
 */
public interface Spinner {
    /**
     * Computes, never blocking and deaf to interrupts, until {@link #release()} is called or
     * {@code maxMillis} have passed; returns 1 if released, 0 if the time ran out.
     */
    int spin(long maxMillis);

    /** Calls of {@link #spin} running now. */
    int spinning();

    /** Ends every {@link #spin}, running or later. */
    void release();

    /** Sleeps {@code millis} and returns them, or returns -1 at once when interrupted (a value made of the interrupt). */
    long nap(long millis);
}
