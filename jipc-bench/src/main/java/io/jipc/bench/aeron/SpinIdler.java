package io.jipc.bench.aeron;

/**
 * How the Aeron side idles between empty polls and refused offers. By default the same way as
 * jipc's SPIN wait strategy ({@code io.jipc.mailbox.Idle}), so that both libraries are measured
 * with one discipline: the first {@value #JIPC_PAUSE_FREE_IDLES} idles of a wait poll back to back,
 * later ones call {@link Thread#onSpinWait()} ({@code PAUSE} on x86) first. With 0 pause-free idles
 * it is Aeron's stock {@code BusySpinIdleStrategy}: {@link Thread#onSpinWait()} after every empty
 * poll. One instance per loop, reset when the loop makes progress. Not thread-safe.
 */
final class SpinIdler {
    /** Idles of a wait without the spin-wait hint in jipc's SPIN strategy ({@code Idle.PAUSE_FREE_SPINS}). */
    static final int JIPC_PAUSE_FREE_IDLES = 1024;

    private final int pauseFreeIdles;
    private int idles;

    /** @param pauseFreeIdles idles of a wait before the spin-wait hint: {@link #JIPC_PAUSE_FREE_IDLES} or 0 */
    SpinIdler(int pauseFreeIdles) {
        this.pauseFreeIdles = pauseFreeIdles;
    }

    /** The wait is over (a poll found something, an offer went through). */
    void reset() {
        idles = 0;
    }

    /** Called after an empty poll or a refused offer. */
    void idle() {
        if (idles >= pauseFreeIdles) {
            Thread.onSpinWait();
        } else {
            idles++;
        }
    }
}
