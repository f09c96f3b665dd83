package io.jipc.testkit;

import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks of the library's interrupt rule (docs/architecture.md, "Interrupts and timeouts") on the
 * calling thread: a call that can complete at once completes and leaves the interrupt status set;
 * one that cannot throws {@link InterruptedException} and clears it.
 */
public final class InterruptRule {
    private InterruptRule() {
    }

    /** Interrupts the current thread, runs {@code call}, and checks it threw and cleared the status. */
    public static void throwsInterrupted(Callable<?> call) {
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, call::call);
        assertFalse(Thread.interrupted(), "the interrupt status must be cleared by the throw");
    }

    /** Interrupts the current thread, runs {@code call}, and checks it completed with the status still set. */
    public static <T> T completesInterrupted(Callable<T> call) throws Exception {
        Thread.currentThread().interrupt();
        T result = call.call();
        assertTrue(Thread.interrupted(), "the interrupt status must stay set");
        return result;
    }
}
