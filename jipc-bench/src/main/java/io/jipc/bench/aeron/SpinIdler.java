package io.jipc.bench.aeron;

/**
 * How the Aeron side idles between empty polls and refused offers: the same way as jipc's SPIN
 * wait strategy ({@code io.jipc.mailbox.Idle}), so that both libraries are measured with one
 * discipline. The first {@value #PAUSE_FREE_IDLES} idles of a wait poll back to back; later ones
 * call {@link Thread#onSpinWait()} ({@code PAUSE} on x86) first. One instance per loop, reset when
 * the loop makes progress. Not thread-safe.
 */
final class SpinIdler {
    /** Idles of a wait without the spin-wait hint; jipc's {@code Idle.PAUSE_FREE_SPINS}. */
    static final int PAUSE_FREE_IDLES = 1024;

    private int idles;

    /** The wait is over (a poll found something, an offer went through). */
    void reset() {
        idles = 0;
    }

    /** Called after an empty poll or a refused offer. */
    void idle() {
        if (idles >= PAUSE_FREE_IDLES) {
            Thread.onSpinWait();
        } else {
            idles++;
        }
    }
}
