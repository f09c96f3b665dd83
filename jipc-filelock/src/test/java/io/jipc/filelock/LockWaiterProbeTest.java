package io.jipc.filelock;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one-time check that blocking lock waits can be given up on, made by a thread with an interrupt pending. */
class LockWaiterProbeTest {
    @Test
    void aPendingInterruptDoesNotMakeBlockingWaitsUnavailable() {
        Thread.currentThread().interrupt();
        try {
            assertNull(LockWaiter.probe(), "the first lock wait of the process may come from such a thread");
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt is kept");
        }
    }
}
