package io.jipc.ring;

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
 */
final class WakeSignal {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment segment;
    private final long flagOffset;
    private final long signalOffset;
    private final long signalAddress;

    WakeSignal(MemorySegment segment, long flagOffset, long signalOffset) {
        this.segment = segment;
        this.flagOffset = flagOffset;
        this.signalOffset = signalOffset;
        this.signalAddress = segment.address() + signalOffset;
    }

    /** Announces a waiter; returns the signal value to pass to {@link #await}. */
    int prepare() {
        int signal = (int) INT.getVolatile(segment, signalOffset);
        INT.setVolatile(segment, flagOffset, 1);
        return signal;
    }

    /** Sleeps until the signal word moves past {@code signal} (or a slice, deadline or interrupt ends the sleep). */
    void await(int signal, long deadlineNanos) throws InterruptedException {
        Futex.await(signalAddress, signal, deadlineNanos);
    }

    /** Wakes the sleepers if any announced themselves. Call after the publishing volatile store. */
    void signalIfWaiting() {
        if ((int) INT.getVolatile(segment, flagOffset) != 0 && INT.compareAndSet(segment, flagOffset, 1, 0)) {
            INT.getAndAdd(segment, signalOffset, 1);
            Futex.wakeAll(signalAddress);
        }
    }

    /**
     * Moves the signal word on and wakes every sleeper, whether or not one announced itself: a
     * waiter that read the word before this call does not fall asleep on it afterwards (its
     * {@code futex} wait returns at once).
     */
    void wakeAll() {
        INT.getAndAdd(segment, signalOffset, 1);
        Futex.wakeAll(signalAddress);
    }

    /** Forgets a waiter that died (used when a lease is taken over). */
    void reset() {
        INT.setVolatile(segment, flagOffset, 0);
    }
}
