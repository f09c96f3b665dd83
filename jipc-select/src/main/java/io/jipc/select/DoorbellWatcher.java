package io.jipc.select;

import io.jipc.JipcException;
import io.jipc.platform.Futex;
import io.jipc.platform.FutexVector;
import io.jipc.platform.Readiness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * Turns futex doorbells into a readable descriptor: one platform thread per selector (started on
 * the first mailbox registration) sleeps in {@code futex_waitv(2)} on the doorbells the selecting
 * thread armed it with, plus a private word of its own, and writes the selector's eventfd when a
 * doorbell rings.
 *
 * <p>Protocol with the selecting thread: the selector announces itself on every doorbell
 * ({@code prepareWait}), checks them, and only then calls {@link #arm} with the expected values; any
 * commit after the announcement moves its doorbell, so the watcher's {@code futex_waitv} returns at
 * once or is woken. {@link #arm}, {@link #disarm} and {@link #close} move the private word, which
 * ends the watcher's current sleep so that it picks up the new request. A request fires the eventfd
 * at most once, so a mailbox that stays ready does not make the watcher spin.
 *
 * <p>The watcher sleeps in single {@code futex_waitv} calls without timeout ({@link
 * FutexVector#awaitOnce}): while nothing rings it uses no CPU at all. It never reads a doorbell
 * itself (a mailbox closed meanwhile may be unmapped); it only wakes the selector, which re-checks.
 *
 * <p>A failure is not lost. The selector checks {@link FutexVector#ensureAvailability()} before it
 * starts a watcher, so a kernel without {@code futex_waitv} (before 5.16, or a seccomp filter
 * refusing it) fails the first mailbox's registration. Should the thread still meet an exception
 * (a {@code futex_waitv} that fails on a request, a failed eventfd write, a bug), it keeps it as
 * its {@linkplain #failure() failure}, writes the eventfd once more so that a select asleep now
 * wakes, and ends; the selector then throws on that select and every later one ({@link
 * #checkAlive()}). Until 2026-12-06 the thread died silently and a select slept until its timeout,
 * or for ever, while registered mailboxes held messages.
 *
 * <p>Memory effects: the failure is written (volatile) before the eventfd, so a selecting thread
 * that woke from it sees the failure.
 */
final class DoorbellWatcher implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    /** Doorbells and their expected values. */
    private record Request(long[] addresses, int[] expected) {
    }

    /**
     * One sleep of the watcher: {@link FutexVector#awaitOnce} without deadline in production; a seam
     * for tests, which inject a failure.
     */
    @FunctionalInterface
    interface Sleep {
        /** Sleeps while every word holds its expected value (may return early). */
        void await(long[] addresses, int[] expected);
    }

    /** The production sleep: one {@code futex_waitv} call without timeout. */
    static final Sleep FUTEX_WAITV =
            (addresses, expected) -> FutexVector.awaitOnce(addresses, expected, Long.MAX_VALUE);

    private final MemorySegment word = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
    private final long wordAddress = word.address();
    private final int eventFd;
    private final String subject;
    private final Sleep sleep;
    private final Thread thread;
    private volatile Request request;
    private volatile boolean closed;
    /** What ended the thread other than {@link #close()}; written before the eventfd. */
    private volatile Throwable failure;

    /** A watcher sleeping in {@code futex_waitv}; the caller checked {@link FutexVector#ensureAvailability()}. */
    DoorbellWatcher(int eventFd, String subject) {
        this(eventFd, subject, FUTEX_WAITV);
    }

    /** A watcher sleeping with {@code sleep} (tests inject failures). */
    DoorbellWatcher(int eventFd, String subject, Sleep sleep) {
        this.eventFd = eventFd;
        this.subject = subject;
        this.sleep = Objects.requireNonNull(sleep, "sleep");
        this.thread = Thread.ofPlatform().daemon().name("jipc-selector-doorbells").start(this::run);
    }

    /** Starts watching {@code addresses} (at most {@link #MAX_DOORBELLS}) for a move away from {@code expected}. */
    void arm(long[] addresses, int[] expected) {
        request = new Request(addresses, expected);
        moveWord();
    }

    /** Stops watching (the selecting thread's wait is over). */
    void disarm() {
        request = null;
        moveWord();
    }

    /** Most doorbells one watcher sleeps on: {@code futex_waitv}'s limit less the private word. */
    static final int MAX_DOORBELLS = FutexVector.MAX_WORDS - 1;

    /** Ends the thread and waits for it (briefly). */
    @Override
    public void close() {
        closed = true;
        moveWord();
        boolean interrupted = false;
        while (thread.isAlive()) { // it must not write the eventfd once the selector closed it
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** What ended the watcher's thread other than {@link #close()}, or null while it runs (or was closed). */
    Throwable failure() {
        return failure;
    }

    /**
     * Throws if the watcher's thread ended on a {@linkplain #failure() failure}: its mailboxes are no
     * longer watched. Any thread.
     *
     * @throws JipcException naming the failure, which is its cause
     */
    void checkAlive() {
        Throwable f = failure;
        if (f != null) {
            throw new JipcException("the selector's mailbox watcher (futex_waitv on the doorbells) failed, so"
                    + " mailboxes are no longer watched; close the selector: " + f, f);
        }
    }

    private void moveWord() {
        INT.getAndAdd(word, 0L, 1);
        Futex.wakeAll(wordAddress);
    }

    /** The thread's body: the loop, and on a failure, keeping it and waking the selector. */
    private void run() {
        try {
            watch();
        } catch (Throwable t) {
            if (closed) {
                return; // e.g. the eventfd was closed under us
            }
            failure = t;
            try {
                Readiness.signal(eventFd, subject); // a select asleep now wakes and finds the failure
            } catch (RuntimeException e) {
                t.addSuppressed(e); // a select asleep now finds the failure at its timeout
            }
        }
    }

    private void watch() {
        Request fired = null;
        while (true) {
            // the word before the flag: close() sets the flag before it moves the word, so a close
            // after this read makes the sleep below return at once (read the other way round, a
            // close between the two reads left the watcher asleep on the moved word for ever)
            int generation = (int) INT.getVolatile(word, 0L);
            if (closed) {
                return;
            }
            Request current = request;
            if (current == null || current == fired) {
                sleep.await(new long[] {wordAddress}, new int[] {generation});
                continue;
            }
            int n = current.addresses.length;
            long[] addresses = new long[n + 1];
            int[] expected = new int[n + 1];
            System.arraycopy(current.addresses, 0, addresses, 0, n);
            System.arraycopy(current.expected, 0, expected, 0, n);
            addresses[n] = wordAddress;
            expected[n] = generation;
            sleep.await(addresses, expected);
            if (request == current && (int) INT.getVolatile(word, 0L) == generation) {
                // a doorbell moved or was woken (rarely: a signal, or a closed mailbox's
                // unmapped page); the selector re-checks every doorbell
                fired = current;
                Readiness.signal(eventFd, subject);
            }
        }
    }
}
