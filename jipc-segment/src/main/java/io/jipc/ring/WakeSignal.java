package io.jipc.ring;

import io.jipc.platform.AsymmetricFence;
import io.jipc.platform.Futex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A waiting flag and a futex signal word in shared memory: an event count for sleeping waiters in
 * any process (see {@link RingDescriptor}, "Waiting").
 *
 * <p>Waiter: {@code s = prepare(); if (!condition) await(s, deadline);} and loop. Publisher: make
 * the condition true with a volatile store, then {@link #signalIfWaiting()}. Because both sides do
 * a volatile store followed by a volatile load of the other side's word, either the waiter sees the
 * condition or the publisher sees the flag (and then the signal word changes, so the waiter's
 * {@code futex} wait returns at once or is woken). A side whose store or load is weaker puts a
 * full fence in its place: a publisher between its release store and {@code signalIfWaiting()}, a
 * waiter whose condition is an acquire load between {@code prepare()} and that load.
 *
 * <p>With {@code asymmetric}, publishers of a process registered with
 * {@link AsymmetricFence#registerLight()} may publish with no fence at all: a release store, then
 * {@link #signalIfWaitingLight()} (or {@code signalIfWaiting()}, whose volatile load is at least as
 * strong). The waiter's {@code prepare()} then runs {@link AsymmetricFence#heavy()}, which forces a
 * full barrier on every CPU running a registered process; where that is unavailable, {@code await}
 * bounds the sleep to a millisecond, since a fence-free publisher may have missed the flag. Other
 * publishers of the same signal fence as above.
 *
 * <p>The flag is 0 (nobody announced), {@link #WAITING} (a waiter announced itself), or a
 * publisher's <em>wake mark</em> (any other value, unique per wake): the publisher that finds
 * {@code WAITING} replaces it with its mark, moves the signal word, calls {@code FUTEX_WAKE}, and
 * only then clears its mark. So a publisher killed between taking the wake and waking (its process
 * gets {@code SIGKILL} there) leaves its mark up, and the next publisher, finding a mark, wakes the
 * waiter itself; had the flag been cleared first, every later publisher would find nobody announced
 * and a waiter asleep without a deadline would sleep on with messages waiting (an RPC server's
 * leader stopped taking requests). A dead publisher's own publication waits for the next
 * publisher's wake, or the waiter's next look (its deadline or a slice). Where no next publisher
 * may come, the waiter bounds its sleep: a ring's producers waiting for space (a dead consumer may
 * have emptied the ring, and the producer that would refill it sleeps; {@link RecordRing#awaitSpace})
 * and a rendezvous sender waiting for the take.
 *
 * <p>Besides the rings' own words, a mailbox uses one for senders that wait until a receiver took
 * their message (rendezvous), and jipc-shm's circular buffer uses two (asymmetric: its publishers
 * fence or not as their process registered, and its sleepers, whose re-check reads with acquire,
 * fence after {@code prepare()}). The words are plain {@code int}s at 4-byte aligned offsets.
 */
public final class WakeSignal {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** The flag's value while a waiter is announced; 0 is nobody, any other value a publisher's wake mark. */
    static final int WAITING = 1;
    /**
     * The next wake mark of this process: negative (never 0 or {@link #WAITING}), unique within the
     * process for 2^31 wakes, and started from a hash of the pid so that two processes' marks do
     * not follow each other.
     */
    private static final AtomicInteger MARKS = new AtomicInteger((int) (ProcessHandle.current().pid() * 0x9E3779B9L));

    private final MemorySegment segment;
    private final long flagOffset;
    private final long signalOffset;
    private final long signalAddress;
    /** Whether publishers may publish without a full fence, so that a waiter needs a heavy one. */
    private final boolean asymmetric;

    /**
     * @param asymmetric whether some publishers, in any process, may publish without a fence
     *                   (only where registered, see the class comment), so that waiters call
     *                   {@link AsymmetricFence#heavy()} before sleeping and bound their sleep where
     *                   it is unavailable
     */
    public WakeSignal(MemorySegment segment, long flagOffset, long signalOffset, boolean asymmetric) {
        this.segment = segment;
        this.flagOffset = flagOffset;
        this.signalOffset = signalOffset;
        this.signalAddress = segment.address() + signalOffset;
        this.asymmetric = asymmetric;
    }

    /** Address of the futex word, for a waiter that sleeps on several words at once. */
    public long address() {
        return signalAddress;
    }

    /** Announces a waiter; returns the signal value to pass to {@link #await}. */
    public int prepare() {
        int signal = (int) INT.getVolatile(segment, signalOffset);
        INT.setVolatile(segment, flagOffset, WAITING); // over a publisher's mark too: this waiter looks again now
        if (asymmetric) {
            AsymmetricFence.heavy();
        }
        return signal;
    }

    /**
     * The latest a waiter may sleep until: its deadline, unless fence-free publishers may exist and
     * the heavy fence is not available here, in which case a wake-up may be missed and the sleep is
     * bounded to a millisecond.
     */
    long sleepDeadline(long deadlineNanos) {
        if (asymmetric && !AsymmetricFence.heavyAvailable()) {
            long bound = System.nanoTime() + 1_000_000L;
            return deadlineNanos - bound > 0 ? bound : deadlineNanos;
        }
        return deadlineNanos;
    }

    /**
     * Sleeps until the signal word moves past {@code signal} (or a slice, deadline or interrupt ends the sleep).
     *
     * @throws IllegalStateException if interrupted once the memory was closed (unmapped by another
     *                               thread): the close, not an interruption; the status is left set
     *                               ({@link Futex#await(MemorySegment, long, int, long)})
     */
    public void await(int signal, long deadlineNanos) throws InterruptedException {
        Futex.await(segment, signalAddress, signal, sleepDeadline(deadlineNanos));
    }

    /** Wakes the sleepers if any announced themselves. Call after the publishing volatile store. */
    public void signalIfWaiting() {
        int flag = (int) INT.getVolatile(segment, flagOffset);
        if (flag != 0) {
            wakeAnnounced(flag);
        }
    }

    /**
     * Wakes the sleepers if any announced themselves, after a publishing <em>release</em> store (no
     * fence): correct only when waiters use the heavy fence ({@code asymmetric}) and this process
     * is registered ({@link AsymmetricFence#registerLight()}).
     */
    void signalIfWaitingLight() {
        int flag = (int) INT.getAcquire(segment, flagOffset);
        if (flag != 0) {
            wakeAnnounced(flag);
        }
    }

    /**
     * Wakes the waiters after a publication that found the flag at {@code flag} (not 0). On
     * {@link #WAITING}, the publisher that replaces it with its mark wakes; one that loses that race
     * leaves it to the winner, or to the waiter's re-check if it has announced itself again since.
     * On a mark (another wake under way, or left by a publisher killed before its {@code
     * FUTEX_WAKE}), it wakes as well. Then it clears the mark it acted on: whoever set that mark
     * had published before, and the waiter woke after, so it sees that publication; a mark is never
     * reused, so no later wake's mark is cleared.
     */
    private void wakeAnnounced(int flag) {
        if (flag == WAITING) {
            int mark = MARKS.getAndIncrement() | Integer.MIN_VALUE;
            if (INT.compareAndSet(segment, flagOffset, WAITING, mark)) {
                flag = mark;
            } else {
                flag = (int) INT.getVolatile(segment, flagOffset);
                if (flag == 0 || flag == WAITING) {
                    return;
                }
            }
        }
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.BEFORE_WAKE);
        }
        INT.getAndAdd(segment, signalOffset, 1);
        Futex.wakeAll(signalAddress);
        INT.compareAndSet(segment, flagOffset, flag, 0);
    }

    /**
     * Moves the signal word on and wakes every sleeper, whether or not one announced itself: a
     * waiter that read the word before this call does not fall asleep on it afterwards (its
     * {@code futex} wait returns at once).
     */
    public void wakeAll() {
        INT.getAndAdd(segment, signalOffset, 1);
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.WAKE_ALL_BEFORE_FUTEX);
        }
        Futex.wakeAll(signalAddress);
    }

    /** Forgets a waiter that died (used when a lease is taken over). */
    public void reset() {
        INT.setVolatile(segment, flagOffset, 0);
    }
}
