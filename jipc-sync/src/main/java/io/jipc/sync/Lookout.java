package io.jipc.sync;

import io.jipc.platform.Futex;
import io.jipc.platform.FutexVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which sleeping virtual thread of a handle keeps looking: the <em>lookout</em> sleeps at most
 * {@link Blocking#LIVENESS_CHECK_NANOS} at a time and then tries again (checking the holders it
 * waits for, where the object tracks them); the handle's other sleeping virtual threads sleep until
 * a wake, their deadline, or a <em>nudge</em> from a lookout that leaves.
 *
 * <p><b>Why.</b> No sleeper may rely on a wake alone: a releaser killed between its state change
 * and its {@code FUTEX_WAKE} wakes nobody, and a holder that dies releases nothing (see
 * {@link WaitWord}). Every sleeper used to look again every 100 ms; 5,000 virtual threads waiting
 * on one semaphore then cost a third of a CPU doing nothing. With a lookout a handle pays one
 * wake-up per 100 ms, whatever the number of its virtual sleepers. Platform threads do not take
 * part: they look again on their own, as before (a platform thread's futex sleep is sliced anyway,
 * {@link Futex#SLICE_NANOS}).
 *
 * <p><b>Why one lookout is enough.</b> A mutex's sleepers all wait for it to be free (or its owner
 * dead), a semaphore's for a permit (or a dead holder's permits), a latch's for zero: what the
 * lookout's try does not find, none of theirs would, and what the lookout finds (a dead owner, a
 * release nobody woke for) it takes or passes on with a wake. A condition's sleepers wait for the
 * sequence word to move from the value each read, and that word is the one they sleep on: a sleep
 * on a word that moved returns at once. A barrier's sleepers wait for their own generation, and the
 * lookout may have arrived in a later one: {@link SyncHandle#sleepersMayProceed()} covers that;
 * the lookout asks it after each of its sleeps and wakes every sleeper if it answers yes. A wake
 * reaches all of them (the watchers of {@code io.jipc.platform.VirtualFutexWaits} release every
 * virtual waiter of this process on a woken word), and a lookout that leaves nudges them all.
 *
 * <p><b>Hand-over.</b> A sleeper that does not hold the lookout counts itself in
 * ({@link #sleepUnlessTaken}), reads the nudge word, and then tries to take the lookout; a lookout
 * that leaves gives it up and then, if any sleeper counted itself in, moves the nudge word and
 * wakes it. Both sides write their own variable and then read the other's (sequentially consistent
 * atomics), so either the sleeper takes the free lookout, or the leaving lookout sees the sleeper
 * and nudges it; a nudge between the sleeper's read of the nudge word and its sleep ends that
 * sleep at once ({@code EAGAIN}). Every nudged sleeper tries its operation again, and one of those
 * that go back to sleep becomes the next lookout. So while a handle has sleeping virtual threads,
 * one of them is the lookout or about to become it.
 *
 * <p><b>Who may call:</b> {@link Blocking} and {@link ProcessCondition}, from the thread that
 * sleeps. Process-local: the nudge word is in this process's memory (shared futex operations work
 * on it within the process).
 */
final class Lookout {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    /** The virtual thread that is the lookout, or {@code null}. */
    private final AtomicReference<Thread> holder = new AtomicReference<>();
    /** Virtual threads that sleep (or are about to) without being the lookout. */
    private final AtomicInteger unwatched = new AtomicInteger();
    /**
     * Moved and woken to end the unwatched sleeps when the lookout leaves; allocated by the first
     * unwatched sleeper (most handles never have one), before it counts itself in.
     */
    private volatile MemorySegment nudge;

    /** Whether the calling thread is the lookout. */
    boolean isHeldByCurrentThread() {
        return holder.get() == Thread.currentThread();
    }

    /**
     * For a virtual thread that is not the lookout and whose try found nothing on {@code sequence}:
     * takes the lookout if nobody holds it and returns {@code false} (the caller then sleeps at most
     * {@link Blocking#LIVENESS_CHECK_NANOS} and looks again on its own), or else sleeps while the
     * sequence word holds {@code sequence} and nobody nudges, until a wake, the deadline or an
     * interrupt, and returns {@code true} (it may return early; the caller tries again).
     *
     * @throws InterruptedException if the thread is interrupted before or while it sleeps
     */
    boolean sleepUnlessTaken(WaitWord word, int sequence, long deadlineNanos) throws InterruptedException {
        MemorySegment nudge = nudge();
        unwatched.incrementAndGet(); // before the lookout is read: see "Hand-over"
        try {
            int nudged = (int) INT.getVolatile(nudge, 0L);
            Thread me = Thread.currentThread();
            if (holder.get() == me || holder.compareAndSet(null, me)) {
                return false;
            }
            FutexVector.await(new long[] {word.sequenceAddress(), nudge.address()}, new int[] {sequence, nudged},
                    deadlineNanos);
            return true;
        } finally {
            unwatched.decrementAndGet();
        }
    }

    /**
     * Gives the lookout up if the calling thread holds it, and then nudges the sleepers that are not
     * the lookout, if any, so that one of them takes it over. Call when the lookout's wait ends,
     * however it ends.
     */
    void leave() {
        if (!holder.compareAndSet(Thread.currentThread(), null)) {
            return;
        }
        if (unwatched.get() > 0) { // then the nudge word exists: allocated before the count went up
            MemorySegment nudge = this.nudge;
            INT.getAndAdd(nudge, 0L, 1);
            Futex.wakeAll(nudge.address());
        }
    }

    private MemorySegment nudge() {
        MemorySegment word = nudge;
        if (word == null) {
            synchronized (this) {
                word = nudge;
                if (word == null) {
                    word = Arena.ofAuto().allocate(4, 4);
                    nudge = word;
                }
            }
        }
        return word;
    }

    /** The lookout now, or {@code null} (for tests). */
    Thread current() {
        return holder.get();
    }
}
