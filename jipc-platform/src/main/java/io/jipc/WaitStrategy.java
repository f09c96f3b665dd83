package io.jipc;

/**
 * How a thread waits for a shared-memory object (a mailbox, a ring) to become ready: data to
 * receive, or room to send.
 *
 * <table class="striped">
 * <caption>Strategies</caption>
 * <tr><th>strategy</th><th>latency</th><th>CPU while waiting</th></tr>
 * <tr><td>{@link #SPIN}</td><td>lowest</td><td>one full core per waiting thread</td></tr>
 * <tr><td>{@link #YIELD}</td><td>low</td><td>one core, shared with other runnable threads</td></tr>
 * <tr><td>{@link #SPIN_THEN_FUTEX}</td><td>like spin under steady traffic</td><td>near zero when idle</td></tr>
 * <tr><td>{@link #FUTEX}</td><td>one kernel wake-up per hand-off</td><td>near zero</td></tr>
 * </table>
 *
 * <p>The strategy is a property of the shared object, fixed when it is created: with {@link #SPIN}
 * and {@link #YIELD} no waiter ever sleeps in the kernel, so the other side never pays for a wake-up
 * check; with the futex strategies every publication checks whether somebody sleeps, and wakes it
 * with {@code FUTEX_WAKE} on the shared word. With {@link #SPIN_THEN_FUTEX} that check needs no
 * fence on the publisher's side (a waiter about to sleep pays with {@code membarrier}, see
 * {@code io.jipc.platform.AsymmetricFence}); with {@link #FUTEX} each publication fences.
 */
public enum WaitStrategy {
    /**
     * Busy-spin: polls without the spin-wait hint at first (back to back, or, for a bound
     * receiver's in-place take, in bursts with a gap of some ten nanoseconds between polls), then
     * with {@link Thread#onSpinWait()} between polls once a wait grows long (about a thousand
     * polls); never sleeps.
     */
    SPIN(false),
    /** Spin, then {@link Thread#yield()} in a loop; never sleeps. */
    YIELD(false),
    /**
     * Spin for a short while (default 20 µs; the first polls back to back, as {@link #SPIN}), then
     * sleep in {@code futex(FUTEX_WAIT)}. The default.
     */
    SPIN_THEN_FUTEX(true),
    /** Sleep in {@code futex(FUTEX_WAIT)} at once. */
    FUTEX(true);

    private final boolean sleeps;

    WaitStrategy(boolean sleeps) {
        this.sleeps = sleeps;
    }

    /** Whether waiters may sleep in the kernel, so that publishers must check for sleepers. */
    public boolean sleeps() {
        return sleeps;
    }

    /** The stable code stored in shared files. */
    public int code() {
        return ordinal() + 1;
    }

    /** The strategy for a {@link #code()}, or {@code null} if the code is unknown. */
    public static WaitStrategy ofCode(int code) {
        WaitStrategy[] all = values();
        return code >= 1 && code <= all.length ? all[code - 1] : null;
    }
}
