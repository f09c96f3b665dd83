package io.jipc.sync;

import io.jipc.platform.Futex;
import io.jipc.ring.FaultInjection;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The two adjacent 32-bit words through which the waiters of a synchronization object sleep: a
 * count of sleepers and a sequence number, the {@code futex} word.
 *
 * <p>Sleeper: {@link #register()}, read {@link #sequence()}, try the object once more, then
 * {@link #sleep} on that sequence value; {@link #deregister()} afterwards. Releaser: change the
 * object's state with an atomic read-modify-write, then {@link #wakeIfWaiting}. Both sides do a
 * read-modify-write (a full fence) before reading the other side's word, so either the sleeper's
 * last try sees the release or the releaser sees the sleeper; in the latter case the sequence moves
 * on and the sleeper's {@code futex} wait returns at once or is woken.
 *
 * <p>A process killed while registered leaves the count too high: releasers then enter the kernel
 * for a wake-up nobody needs (about a microsecond each), nothing worse. A releaser killed after its
 * state change but before its {@code FUTEX_WAKE} wakes nobody, and nobody else may ever release
 * again (the count-down to zero, the arrival that trips a barrier, the unlock of a mutex): so a
 * platform thread never sleeps longer than {@link Blocking#LIVENESS_CHECK_NANOS} at a time, and it
 * tries once more after each sleep ({@link Blocking#sleepUntil}); of a handle's sleeping virtual
 * threads one does so, the handle's {@link Lookout}, for all of them.
 */
final class WaitWord {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment slot;
    private final long waitersOffset;
    private final long sequenceOffset;
    private final long sequenceAddress;
    /** Which of this handle's sleeping virtual threads looks again every 100 ms (process-local). */
    private final Lookout lookout = new Lookout();

    WaitWord(MemorySegment slot, long waitersOffset, long sequenceOffset) {
        this.slot = slot;
        this.waitersOffset = waitersOffset;
        this.sequenceOffset = sequenceOffset;
        this.sequenceAddress = slot.address() + sequenceOffset;
    }

    void register() {
        INT.getAndAdd(slot, waitersOffset, 1);
    }

    void deregister() {
        INT.getAndAdd(slot, waitersOffset, -1);
    }

    /** The registered sleepers (a snapshot; too high by one per sleeper that died). */
    int waiters() {
        return (int) INT.getVolatile(slot, waitersOffset);
    }

    int sequence() {
        return (int) INT.getVolatile(slot, sequenceOffset);
    }

    /** The address of the sequence word, the {@code futex} word. */
    long sequenceAddress() {
        return sequenceAddress;
    }

    /** The handle's {@link Lookout}. */
    Lookout lookout() {
        return lookout;
    }

    /** Sleeps while the sequence is {@code sequence}, at most until the deadline (spurious returns happen). */
    void sleep(int sequence, long deadlineNanos) throws InterruptedException {
        Futex.await(slot, sequenceAddress, sequence, deadlineNanos);
    }

    /** Wakes up to {@code count} sleepers if any registered. Call after the releasing read-modify-write. */
    void wakeIfWaiting(int count) {
        if ((int) INT.getVolatile(slot, waitersOffset) != 0) {
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.RELEASE_BEFORE_SEQUENCE);
            }
            INT.getAndAdd(slot, sequenceOffset, 1);
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.RELEASE_BEFORE_WAKE);
            }
            Futex.wake(sequenceAddress, count);
        }
    }
}
