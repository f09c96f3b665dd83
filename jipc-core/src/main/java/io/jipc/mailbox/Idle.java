package io.jipc.mailbox;

import io.jipc.WaitStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * The idle phases of one blocking call under a {@link WaitStrategy}: {@link #idle()} spins or
 * yields, and says when the caller should sleep in the kernel instead. One instance per call.
 *
 * <p>Spinning polls back to back for the first {@value #PAUSE_FREE_SPINS} idles of a call, and
 * only then with the CPU's spin-wait hint ({@link Thread#onSpinWait()}, {@code PAUSE} on x86)
 * between polls. A hand-off under steady traffic completes within those first idles, and a
 * {@code PAUSE} takes tens of nanoseconds on recent CPUs (about 25 ns on AMD Zen 5): a message
 * that arrives during one waits for it to end (on the dev machine the spinning round trip's median
 * went from 0.16 to 0.14–0.15 µs without them). A longer wait still spins politely, leaving the
 * core's other hardware thread its share and saving power.
 *
 * <p>A caller with a cheap poll (the bound receiver's in-place take of a mailbox without envelopes)
 * makes those first idles in {@linkplain #burstAllowed() bursts}: {@value #BURST} polls with only a
 * short {@linkplain #gap() gap} between them, and the checks of the call (closed, interrupted,
 * deadline) once per burst.
 *
 * <p>A virtual thread never keeps its carrier for long: under {@link WaitStrategy#SPIN} and
 * {@link WaitStrategy#YIELD} (which never sleep in the kernel) it naps with
 * {@link LockSupport#parkNanos} once it has idled {@value #VIRTUAL_SPINS} times, a little longer
 * each time up to {@value #VIRTUAL_NAP_MAX_NANOS} ns. {@link Thread#yield()} is not enough: a
 * carrier runs the virtual threads queued on it until its queue is empty, so virtual threads that
 * keep yielding starve those started or unparked from outside the carrier.
 */
final class Idle {
    /** How long {@link WaitStrategy#SPIN_THEN_FUTEX} spins before it sleeps. */
    static final long SPIN_NANOS = Long.getLong("jipc.spinNanos", 20_000L);
    private static final int SPINS_BEFORE_YIELD = 100;
    /** Idles of a call that spin without the spin-wait hint (see above). */
    static final int PAUSE_FREE_SPINS = 1024;
    private static final int CLOCK_FREE_SPINS = 256;

    /** Idles of a virtual thread under SPIN or YIELD before it naps instead. */
    private static final int VIRTUAL_SPINS = 1024;
    private static final long VIRTUAL_NAP_MIN_NANOS = 10_000;
    private static final long VIRTUAL_NAP_MAX_NANOS = 1_000_000;
    /** The first and the longest nap of a send waiting for a sender slot ({@link #slotNap()}). */
    private static final long SLOT_NAP_MIN_NANOS = 10_000;
    private static final long SLOT_NAP_MAX_NANOS = 1_000_000;

    /** Polls in one burst (see {@link #burstAllowed()}). */
    static final int BURST = 64;
    /**
     * Polls a wait that would make a new {@code Idle} makes first, back to back, when
     * {@link #quickPollsFirst} says so: a hand-off under traffic (a ping-pong's reply, a receiver
     * already waiting for a rendezvous) completes within them, and the wait then allocates nothing.
     */
    static final int QUICK_POLLS = 64;

    /** Whether a wait under {@code strategy} makes {@link #QUICK_POLLS} first: not under FUTEX, which sleeps at once. */
    static boolean quickPollsFirst(WaitStrategy strategy) {
        return strategy != WaitStrategy.FUTEX;
    }
    /** Steps of a {@link #gap()}; not final, see there. */
    private static int gapSteps = Integer.getInteger("jipc.pollGapSteps", 16);
    private static long gapSink;

    private final WaitStrategy strategy;
    /** Idles of a wait that may be made in bursts: those before the spin-wait hint or the yields. */
    private final int burstLimit;
    /** Whether this call, on a virtual thread, naps once it has spun for a while. */
    private boolean naps;
    private long napNanos = VIRTUAL_NAP_MIN_NANOS;
    private int iterations;
    private long spinStart;
    private boolean sleeping;
    private long slotNapNanos = SLOT_NAP_MIN_NANOS;

    Idle(WaitStrategy strategy) {
        this.strategy = strategy;
        this.burstLimit = switch (strategy) {
            case FUTEX -> 0;
            case YIELD -> SPINS_BEFORE_YIELD;
            default -> PAUSE_FREE_SPINS;
        };
        reset();
    }

    /** Starts a new wait of the calling thread with this state: as a new {@code Idle} would. */
    Idle reset() {
        sleeping = strategy == WaitStrategy.FUTEX;
        naps = !strategy.sleeps() && Thread.currentThread().isVirtual();
        napNanos = VIRTUAL_NAP_MIN_NANOS;
        slotNapNanos = SLOT_NAP_MIN_NANOS;
        iterations = 0;
        spinStart = 0;
        return this;
    }

    private boolean napping() {
        return naps && iterations >= VIRTUAL_SPINS; // napping, iterations stop counting
    }

    /** Idles once; returns true when the caller should now sleep on the futex. */
    boolean idle() {
        if (sleeping) {
            return true;
        }
        if (napping()) {
            LockSupport.parkNanos(napNanos);
            napNanos = Math.min(2 * napNanos, VIRTUAL_NAP_MAX_NANOS);
            return false;
        }
        int n = iterations++;
        switch (strategy) {
            case SPIN -> spin(n);
            case YIELD -> {
                if (n >= 0 && n < SPINS_BEFORE_YIELD) { // n wraps negative after 2^31 idles: keep yielding
                    spin(n);
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
                spin(n);
            }
        }
        return false;
    }

    /**
     * Whether the caller may now make a burst: {@value #BURST} polls, each followed by only a
     * {@link #gap()}, then {@link #burstDone()}. Bursts are the first idles of a spinning wait,
     * before the spin-wait hint (or {@link Thread#yield()}) would start; never when this wait sleeps.
     */
    boolean burstAllowed() {
        int n = iterations;
        return !sleeping && n >= 0 && n <= burstLimit - BURST;
    }

    /** Counts a burst's {@value #BURST} polls as idles of this wait. */
    void burstDone() {
        int before = iterations;
        iterations = before + BURST;
        if (before <= CLOCK_FREE_SPINS && iterations > CLOCK_FREE_SPINS) {
            spinStart = System.nanoTime(); // as idle() does when it passes the clock-free spins
        }
    }

    /**
     * The pause between two polls of a burst: a short chain of dependent multiplies and adds
     * ({@link #gapSteps} steps, 16 by default; property {@code jipc.pollGapSteps}), touching no
     * shared memory. A consumer that polls back to back keeps taking the line of the next record
     * back from a producer that is still writing it. On the dev machine, bursts with this gap made
     * the mailbox's round trip about 10 ns shorter in the VM's fast vCPU placement and 50–100 ns
     * shorter in the slow one; bursts without it gained nothing ({@code docs/benchmarks.md}). The
     * step count is read from a non-final field: with a constant the compiler folds the chain away.
     */
    static void gap() {
        int steps = gapSteps;
        long x = steps;
        for (int i = 0; i < steps; i++) {
            x = x * 31 + i;
        }
        if (x == 42) {
            gapSink = x; // keeps the chain alive
        }
    }

    /**
     * Messages a receiver must have taken without waiting, since it last found the ring empty, for
     * its next empty poll to count as catching up with a stream ({@link #streamPause}).
     */
    static final int STREAM_BACKLOG = 64;
    /**
     * How long a receiver that caught up with a stream pauses before it polls again, in
     * nanoseconds (property {@code jipc.streamPauseNanos}; 0: never).
     */
    static final long STREAM_PAUSE_NANOS = Long.getLong("jipc.streamPauseNanos", 5_000L);

    /**
     * Whether a receive under {@code strategy} that found the ring empty after a backlog of
     * {@code backlog} messages should first {@linkplain #streamPause pause}: only under a spinning
     * strategy (a FUTEX wait sleeps at once, which batches by itself).
     */
    static boolean pausesAfterStream(WaitStrategy strategy, int backlog) {
        return backlog >= STREAM_BACKLOG && STREAM_PAUSE_NANOS > 0 && strategy != WaitStrategy.FUTEX;
    }

    /**
     * The pause of a receiver that has just caught up with a sender that streams: it spins for
     * {@link #STREAM_PAUSE_NANOS} (at most until {@code deadline}, a {@link System#nanoTime()}
     * value, or {@link Long#MAX_VALUE} for none) without touching shared memory. A receiver that
     * polls the record the sender is writing takes its cache line away on every poll, and the
     * sender must take it back for each of its stores: with the two processes on far-apart cores,
     * that cut the one-way rate to a third ({@code docs/benchmarks.md}, "A receiver that caught up
     * pauses").
     * After the pause the sender is a few kilobytes ahead and the receiver takes them in one go.
     * The cost: a message sent right after the stream ends waits up to the pause.
     */
    static void streamPause(long deadline) {
        long end = System.nanoTime() + STREAM_PAUSE_NANOS;
        if (deadline != Long.MAX_VALUE && deadline - end < 0) {
            end = deadline;
        }
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    /** The {@code n}th spin of this call: nothing at first, then the spin-wait hint. */
    private static void spin(int n) {
        if (n < 0 || n >= PAUSE_FREE_SPINS) { // n wraps negative after 2^31 idles
            Thread.onSpinWait();
        }
    }

    /**
     * The next nap of a send that found room but every sender slot held: {@value
     * #SLOT_NAP_MIN_NANOS} ns, doubling up to {@value #SLOT_NAP_MAX_NANOS} ns. A slot comes back
     * without a signal (see {@link io.jipc.ring.RecordRing#awaitSlot}).
     */
    long slotNap() {
        long nap = slotNapNanos;
        slotNapNanos = Math.min(2 * nap, SLOT_NAP_MAX_NANOS);
        return nap;
    }

    /**
     * Whether the caller should check its deadline and interrupt status in this iteration: every
     * 64th spin, and before every sleep or nap (the very first iteration is not a checkpoint, so
     * that a hand-off that completes within a few spins reads no clock).
     */
    boolean checkpoint() {
        return sleeping || (iterations & 63) == 63 || napping();
    }
}
