package io.jipc.sync;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What every handle of this package has: the slot it works on, the file that holds the slot if the
 * object is named, how its threads wait, and whether it is closed.
 */
abstract sealed class SyncHandle<H extends SyncHandle<H>> implements AutoCloseable
        permits ProcessMutex, ProcessSemaphore, ProcessCondition, ProcessBarrier, ProcessCountDownLatch {
    final MemorySegment slot;
    /** The sleepers' words of the object. */
    final WaitWord word;
    /** The named object's file, or {@code null} for an object in a caller's slot. */
    private final SharedSegment file;
    private final String what;
    /** {@code what} and, for a named object, its name: how exceptions name the object. */
    final String label;
    private volatile WaitStrategy waitStrategy = WaitStrategy.SPIN_THEN_FUTEX;
    private volatile boolean closed;
    /** Orders {@link #close()} against what a subclass must not do on a closed handle. */
    final Object lifecycle = new Object();
    /**
     * Threads inside {@link #await} (the low 31 bits), and {@link #UNMAP_PENDING} once {@link #close()}
     * has run: the file is unmapped by whoever brings the count to zero after that, so a waiter that
     * close woke still finds the memory mapped while it leaves (it takes back its sleeper count, or
     * gives back what it took as close ran).
     */
    private final AtomicInteger waiters = new AtomicInteger();
    private static final int UNMAP_PENDING = Integer.MIN_VALUE;

    SyncHandle(MemorySegment slot, SharedSegment file, String what, long waitersOffset, long sequenceOffset) {
        this.slot = slot;
        this.word = new WaitWord(slot, waitersOffset, sequenceOffset);
        this.file = file;
        this.what = what;
        this.label = file == null ? what : what + " '" + file.path().getFileName() + "'";
    }

    /**
     * Sets how this handle's threads wait (default {@link WaitStrategy#SPIN_THEN_FUTEX}: about
     * 20 µs of spinning, then a {@code futex} sleep) and returns this handle. A per-handle choice:
     * it is not stored in shared memory, and releasers check for sleepers whatever their waiters
     * chose.
     */
    @SuppressWarnings("unchecked")
    public final H waitStrategy(WaitStrategy strategy) {
        this.waitStrategy = Objects.requireNonNull(strategy, "strategy");
        return (H) this;
    }

    /**
     * A {@link CorruptSegmentException} for what this handle found wrong in the object's memory:
     * {@code message} after the named object's file path, or alone for an object in a caller's slot.
     */
    final CorruptSegmentException corrupt(String message) {
        return new CorruptSegmentException(file == null ? message : file.path() + ": " + message);
    }

    final boolean isClosed() {
        return closed;
    }

    final void ensureOpen() {
        if (closed) {
            throw new ClosedException(label + ": handle is closed");
        }
    }

    /**
     * Waits as {@link Blocking#await} does with this handle's wait strategy; a wait ended by
     * {@link #close()} from another thread throws {@link ClosedException}.
     */
    final <T> T await(Blocking.Attempt<T> attempt, long deadlineNanos, boolean checksHolders)
            throws InterruptedException {
        return await(attempt, deadlineNanos, checksHolders, true);
    }

    /**
     * As {@link #await(Blocking.Attempt, long, boolean)}; an interrupted call checks the holders before it
     * throws only if {@code interruptChecksHolders} (see {@link Blocking}).
     */
    final <T> T await(Blocking.Attempt<T> attempt, long deadlineNanos, boolean checksHolders,
                      boolean interruptChecksHolders) throws InterruptedException {
        enter();
        try {
            return Blocking.await(attempt, word, waitStrategy, deadlineNanos, checksHolders, interruptChecksHolders,
                    this::sleepersMayProceed);
        } catch (IllegalStateException unmapped) {
            throw closedDuring(unmapped);
        } finally {
            leave();
        }
    }

    /**
     * Runs {@code body}, which may wait without going through {@link #await} (e.g. a try that gives
     * back a dead holder's permits), counted as {@link #await} counts its waiters: a {@link #close()}
     * from another thread leaves the memory mapped until it returns, and an access that finds it
     * unmapped throws {@link ClosedException}.
     */
    final <T> T counted(Supplier<T> body) {
        enter();
        try {
            return body.get();
        } catch (IllegalStateException unmapped) {
            throw closedDuring(unmapped);
        } finally {
            leave();
        }
    }

    /** {@link #counted(Supplier)} of a body that returns nothing. */
    final void counted(Runnable body) {
        counted(() -> {
            body.run();
            return null;
        });
    }

    /** Counts the caller in before the memory is touched, unless close() has run. */
    private void enter() {
        int current;
        do {
            current = waiters.get();
            if (current < 0) {
                throw new ClosedException(label + ": handle is closed");
            }
        } while (!waiters.compareAndSet(current, current + 1));
    }

    private void leave() {
        if (waiters.decrementAndGet() == UNMAP_PENDING) {
            unmap(); // the last waiter out after close()
        }
    }

    /** The exception for a wait that touched the memory after another thread closed the handle. */
    final RuntimeException closedDuring(IllegalStateException unmapped) {
        if (closed) {
            ClosedException e = new ClosedException(label + ": handle was closed while waiting");
            e.initCause(unmapped);
            return e;
        }
        return unmapped;
    }

    /** {@code what [state, n sleepers]}, or {@code what [closed]}: the state as the subclass describes it. */
    @Override
    public final String toString() {
        if (closed) {
            return what + " [closed]";
        }
        try {
            int sleepers = word.waiters();
            return what + " [" + describeState() + ", " + sleepers + (sleepers == 1 ? " sleeper]" : " sleepers]");
        } catch (IllegalStateException unmapped) {
            return what + " [closed]";
        }
    }

    /**
     * Whether a sleeper of this handle other than the caller could go on now although the caller
     * cannot, without a wake on its way: asked by the handle's {@link Lookout} after each of its
     * sleeps that found nothing for itself, which then wakes every sleeper. The default, {@code false},
     * is right for objects whose sleepers wait for the same thing (a free mutex, a permit, a count of
     * zero): what the lookout's own try does not find, none of theirs would. Read-only; may take
     * {@link #lifecycle}.
     */
    boolean sleepersMayProceed() {
        return false;
    }

    /** The object's state for {@link #toString()}. */
    abstract String describeState();

    /** Whether this handle maps a named object's file (rather than working on a caller's slot). */
    final boolean isNamed() {
        return file != null;
    }

    /**
     * Closes the handle: later calls throw {@link ClosedException}, and so do waits of other
     * threads of this handle (their sleepers are woken; sleepers of other handles and processes
     * wake spuriously and sleep again). A wait that close overtook ends with {@link ClosedException}
     * and leaves nothing taken, or returns what it had taken before (a mutex a thread of this handle
     * holds is given up, as if its process had died). A named object's file is unmapped (the object
     * itself stays until {@code destroy}) once the woken waits have left it. Idempotent.
     *
     * <p>If another process truncated a named object's file, close still closes the handle and
     * releases the mapping, and then reports it: giving up what the handle holds or waking its
     * sleepers faults on the memory beyond the file's new end, and close throws
     * {@link CorruptSegmentException} naming the object, with the fault ({@link InternalError}) as its
     * cause. A second close returns at once.
     *
     * @throws CorruptSegmentException after closing, if the object's memory faulted (its file was
     *                                  truncated by another process)
     */
    @Override
    public void close() {
        InternalError fault = null;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                afterClosing();
            } catch (InternalError truncated) { // SIGBUS beyond the file's end, as HotSpot reports it
                fault = truncated;
            }
        }
        try {
            word.wakeIfWaiting(Integer.MAX_VALUE);
        } catch (InternalError truncated) {
            fault = fault == null ? truncated : fault;
        }
        if (waiters.getAndUpdate(n -> n | UNMAP_PENDING) == 0) {
            unmap(); // no waiter inside: now; else the last one out does
        }
        if (fault != null) {
            CorruptSegmentException e = new CorruptSegmentException(label + ": its memory faulted at close (was its"
                    + " file truncated by another process?); this handle is closed and its mapping released");
            e.initCause(fault);
            throw e;
        }
    }

    private void unmap() {
        if (file != null) {
            file.close();
        }
    }

    /**
     * What a subclass does once the handle is marked closed, before anything is unmapped (e.g. give
     * up what it holds); runs holding {@link #lifecycle}.
     */
    void afterClosing() {
    }
}
