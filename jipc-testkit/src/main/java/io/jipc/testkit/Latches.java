package io.jipc.testkit;

import java.util.concurrent.CountDownLatch;

/** Latch waits for test threads that must not be ended by an interrupt (a handler the test holds). */
public final class Latches {
    private Latches() {
    }

    /** Waits until {@code latch} is open, through interrupts, and keeps the interrupt status for the caller. */
    public static void awaitUninterruptibly(CountDownLatch latch) {
        io.jipc.Uninterruptibly.await(latch);
    }
}
