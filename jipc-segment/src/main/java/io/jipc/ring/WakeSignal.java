package io.jipc.ring;

import io.jipc.platform.AsymmetricFence;
import io.jipc.platform.Futex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A waiting flag and a futex signal word in shared memory: an event count for sleeping waiters in
 * any process (see {@link RingDescriptor}, "Waiting").
 *
 * <p>Waiter: {@code s = prepare(); if (!condition) await(s, deadline);} and loop. Publisher: make
 * the condition true with a volatile store, then {@link #signalIfWaiting()}. Because both sides do
 * a volatile store followed by a volatile load of the other side's word, either the waiter sees the
 * condition or the publisher sees the flag (and then the signal word changes, so the waiter's
 * {@code futex} wait returns at once or is woken).
 *
 * <p>Besides the rings' own words, a mailbox uses one for senders that wait until a receiver took
 * their message (rendezvous). The words are plain {@code int}s at 4-byte aligned offsets.
 */
public final class WakeSignal {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment segment;
    private final long flagOffset;
    private final long signalOffset;
    private final long signalAddress;
    /** Whether publishers may publish without a full fence, so that a waiter needs a heavy one. */
    private final boolean asymmetric;

    /**
     * @param asymmetric whether publishers use {@link #signalIfWaitingLight()} (no fence) and
     *                   waiters therefore call {@link AsymmetricFence#heavy()} before sleeping
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
        INT.setVolatile(segment, flagOffset, 1);
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

    /** Sleeps until the signal word moves past {@code signal} (or a slice, deadline or interrupt ends the sleep). */
    public void await(int signal, long deadlineNanos) throws InterruptedException {
        Futex.await(signalAddress, signal, sleepDeadline(deadlineNanos));
    }

    /** Wakes the sleepers if any announced themselves. Call after the publishing volatile store. */
    public void signalIfWaiting() {
        if ((int) INT.getVolatile(segment, flagOffset) != 0) {
            wakeAnnounced();
        }
    }

    /**
     * Wakes the sleepers if any announced themselves, after a publishing <em>release</em> store (no
     * fence): correct only when waiters use the heavy fence ({@code asymmetric}) and this process
     * is registered ({@link AsymmetricFence#registerLight()}).
     */
    void signalIfWaitingLight() {
        if ((int) INT.getAcquire(segment, flagOffset) != 0) {
            wakeAnnounced();
        }
    }

    private void wakeAnnounced() {
        if (INT.compareAndSet(segment, flagOffset, 1, 0)) {
            INT.getAndAdd(segment, signalOffset, 1);
            Futex.wakeAll(signalAddress);
        }
    }

    /**
     * Moves the signal word on and wakes every sleeper, whether or not one announced itself: a
     * waiter that read the word before this call does not fall asleep on it afterwards (its
     * {@code futex} wait returns at once).
     */
    public void wakeAll() {
        INT.getAndAdd(segment, signalOffset, 1);
        Futex.wakeAll(signalAddress);
    }

    /** Forgets a waiter that died (used when a lease is taken over). */
    public void reset() {
        INT.setVolatile(segment, flagOffset, 0);
    }
}
