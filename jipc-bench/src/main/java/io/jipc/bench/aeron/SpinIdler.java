package io.jipc.bench.aeron;

/**
 * How the Aeron side idles between empty polls and refused offers. By default the same way as
 * jipc's SPIN wait strategy ({@code io.jipc.mailbox.Idle}), so that both libraries are measured
 * with one discipline: the first {@value #JIPC_PAUSE_FREE_IDLES} idles of a wait poll back to back,
 * later ones call {@link Thread#onSpinWait()} ({@code PAUSE} on x86) first. With 0 pause-free idles
 * it is Aeron's stock {@code BusySpinIdleStrategy}: {@link Thread#onSpinWait()} after every empty
 * poll. With gap steps, each pause-free idle also runs the short computed gap that jipc's bound
 * in-place take has between its polls. One instance per loop, reset when the loop makes progress. Not thread-safe.
 */
final class SpinIdler {
    /** Idles of a wait without the spin-wait hint in jipc's SPIN strategy ({@code Idle.PAUSE_FREE_SPINS}). */
    static final int JIPC_PAUSE_FREE_IDLES = 1024;

    /** Steps of the gap of jipc's bound in-place take ({@code Idle.gap}, property {@code jipc.pollGapSteps}). */
    static final int JIPC_GAP_STEPS = 16;

    private final int pauseFreeIdles;
    /** Steps of a busy gap after each pause-free idle (0: none); an instance field, so not folded. */
    private final int gapSteps;
    private int idles;

    /** @param pauseFreeIdles idles of a wait before the spin-wait hint: {@link #JIPC_PAUSE_FREE_IDLES} or 0 */
    SpinIdler(int pauseFreeIdles) {
        this(pauseFreeIdles, 0);
    }

    /**
     * @param pauseFreeIdles idles of a wait before the spin-wait hint
     * @param gapSteps       steps of the dependent multiply-add chain after each of those idles, as
     *                       jipc's bound in-place take has between the polls of a burst (0: none)
     */
    SpinIdler(int pauseFreeIdles, int gapSteps) {
        this.pauseFreeIdles = pauseFreeIdles;
        this.gapSteps = gapSteps;
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
            if (gapSteps > 0) {
                InterleavedTransport.busyDelay(gapSteps);
            }
        }
    }
}
