package io.jipc.mailbox;

import io.jipc.WaitStrategy;

/**
 * The idle phases of one blocking call under a {@link WaitStrategy}: {@link #idle()} spins or
 * yields, and says when the caller should sleep in the kernel instead. One instance per call.
 */
final class Idle {
    /** How long {@link WaitStrategy#SPIN_THEN_FUTEX} spins before it sleeps. */
    static final long SPIN_NANOS = Long.getLong("jipc.spinNanos", 20_000L);
    private static final int SPINS_BEFORE_YIELD = 100;
    private static final int CLOCK_FREE_SPINS = 256;

    /** How often a spinning virtual thread lets the other virtual threads of its carrier run (a power of two). */
    private static final int VIRTUAL_SPINS_BEFORE_YIELD = 1024;

    private final WaitStrategy strategy;
    /** A virtual thread must not spin forever: its carrier is shared by many threads. */
    private final boolean virtual = Thread.currentThread().isVirtual();
    private int iterations;
    private long spinStart;
    private boolean sleeping;

    Idle(WaitStrategy strategy) {
        this.strategy = strategy;
        this.sleeping = strategy == WaitStrategy.FUTEX;
    }

    /** Idles once; returns true when the caller should now sleep on the futex. */
    boolean idle() {
        if (sleeping) {
            return true;
        }
        int n = iterations++;
        switch (strategy) {
            case SPIN -> {
                if (virtual && (n & (VIRTUAL_SPINS_BEFORE_YIELD - 1)) == VIRTUAL_SPINS_BEFORE_YIELD - 1) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
            case YIELD -> {
                if (n >= 0 && n < SPINS_BEFORE_YIELD) { // n wraps negative after 2^31 idles: keep yielding
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            default -> {
                // the first spins read no clock: a hand-off usually completes within them
                if (n == CLOCK_FREE_SPINS) {
                    spinStart = System.nanoTime();
                } else if (n > CLOCK_FREE_SPINS && (n & 63) == 0 && System.nanoTime() - spinStart > SPIN_NANOS) {
                    sleeping = true;
                    return true;
                }
                Thread.onSpinWait();
            }
        }
        return false;
    }

    /**
     * Whether the caller should check its deadline and interrupt status in this iteration: every
     * 64th spin, and before every sleep (the very first iteration is not a checkpoint, so that a
     * hand-off that completes within a few spins reads no clock).
     */
    boolean checkpoint() {
        return sleeping || (iterations & 63) == 63;
    }
}
