package io.jipc.platform;

import io.jipc.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Futex waits of virtual threads: the waiting virtual thread parks, and a few daemon platform
 * threads (<em>watchers</em>) sleep in the kernel on its behalf, each on up to
 * {@link #WORDS_PER_WATCHER} words at once with {@code futex_waitv(2)}, and unpark the virtual
 * threads of a word that changed or was woken. A virtual thread must not sleep in a native call
 * itself: that would pin its carrier, and a few such waits would starve every other virtual thread.
 *
 * <p><b>Who may call:</b> any thread (meant for virtual ones; {@link Futex} and {@link FutexVector}
 * send them here). A call registers the caller on its words and parks until a watcher releases it,
 * its deadline, or an interrupt (parking is interruptible, so nothing is sliced); it may return
 * early, and callers re-check their condition in a loop, as with {@link Futex#await}. A wait of a
 * virtual thread costs no platform thread of its own: 5,000 virtual threads waiting on 5,000
 * words take 40 watchers.
 *
 * <p><b>What wakes a waiter.</b> Every word is a shared futex word, woken from any process with
 * {@code FUTEX_WAKE}; a watcher counts as one waiter of each of its words (a wake of one waiter
 * that reaches it releases all of this process's virtual threads on that word, and they re-check).
 * It stays queued in the kernel on a word whose waiters left without a wake (deadline, interrupt,
 * a stale value) until its sleep ends, and the kernel gives a wake of one to its oldest sleeper: so
 * a watcher that a wake reaches on a word without waiters passes it on ({@code FUTEX_WAKE} of one),
 * to a sleeper of another process or another process's watcher, and then drops the word (before
 * 2026-12-07 it passed nothing on, and for up to {@link #SLICE_NANOS} after a timed-out wait of a
 * virtual thread the next semaphore release, mutex unlock or condition signal reached nobody).
 * The protocol every caller follows: whoever makes a waiter's condition true changes the word,
 * then wakes it. A watcher sleeps on the value its word's oldest waiter expects; the kernel
 * compares it when the sleep begins ({@code EAGAIN} if any word differs: the watcher then asks
 * the kernel about each word alone, {@link Libc#futexHolds}), and a wake ends the sleep. A
 * {@code futex_waitv} that two wakes reach says only one word (the highest): the other word's
 * change is found the same way on the next sleep, and a word below it without waiters whose value
 * changed gets a wake passed on at once, as it may have taken one. A waiter that expects another value than the one its word's
 * watcher sleeps on asks the word itself before parking, and returns at once if its value is
 * stale. So no change of a word is missed, and no watcher reads another process's memory itself:
 * a word whose page was unmapped ends the waits on it ({@code EFAULT}), never the process.
 *
 * <p><b>Watchers' lives.</b> A watcher takes new words while it has room (a registration changes
 * its control word and wakes it, so it sleeps on the new set at once); it drops a word when the
 * word has no waiters left, at its next sleep (waiters that time out or are interrupted do not
 * wake it: up to {@link #SLICE_NANOS} later, passing on a wake that reached it meanwhile), and
 * ends {@link #LINGER_NANOS} after its last word left unless a new one comes: a virtual thread that waits again soon (the next receive of a
 * ping-pong) finds it running. Where the kernel lacks {@code futex_waitv} (before Linux 5.16), each
 * watcher sleeps on one word with {@code FUTEX_WAIT}.
 *
 * <p><b>Memory consistency:</b> a waiter's release happens-before its return; actions of the
 * process that changed and woke the word are visible through the word's own memory (acquire
 * loads by the caller), not through this class.
 */
final class VirtualFutexWaits {
    /** Words one watcher sleeps on: {@code futex_waitv}'s 128 less the watcher's control word. */
    static final int WORDS_PER_WATCHER = FutexVector.MAX_WORDS - 1;

    /**
     * Longest single sleep of a watcher in the kernel. Waiters' wake-ups do not depend on it (every
     * change they wait for comes with a wake, and interrupts unpark them); it bounds how long a
     * watcher sleeps on words whose waiters all left, and so how late it ends. Short slices here
     * cost a wake-up per watcher many times a second.
     */
    static final long SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How long a watcher without words stays for the next one (starting a thread per wait is slow). */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private static final class Shared {
        static final VirtualFutexWaits INSTANCE = new VirtualFutexWaits(FutexVector.isAvailable() ? WORDS_PER_WATCHER : 1,
                Math.max(2, Runtime.getRuntime().availableProcessors()), "jipc-futex-waiters-");
    }

    private final int wordsPerWatcher;
    private final int spread;
    private final String threadPrefix;
    /** Guards every field below and every {@link Word}'s and {@link Watcher}'s mutable state. */
    private final Object lock = new Object();
    private final HashMap<Long, Word> words = new HashMap<>();
    private final List<Watcher> watchers = new ArrayList<>();
    private final AtomicLong watcherStarts = new AtomicLong();
    private long nextId;

    /**
     * @param wordsPerWatcher {@link #WORDS_PER_WATCHER} with {@code futex_waitv}; 1 to sleep with
     *                        {@code FUTEX_WAIT} alone (kernels before 5.16, and tests of that path)
     * @param spread          how many watchers the words are spread over before a watcher takes a
     *                        second word (the process's CPUs: busy words, such as the two of a
     *                        ping-pong, then have a watcher each instead of taking turns at one)
     */
    VirtualFutexWaits(int wordsPerWatcher, int spread, String threadPrefix) {
        if (wordsPerWatcher < 1 || wordsPerWatcher > WORDS_PER_WATCHER) {
            throw new IllegalArgumentException("words per watcher " + wordsPerWatcher + " not in 1.."
                    + WORDS_PER_WATCHER);
        }
        if (spread < 1) {
            throw new IllegalArgumentException("spread " + spread + " < 1");
        }
        this.wordsPerWatcher = wordsPerWatcher;
        this.spread = spread;
        this.threadPrefix = threadPrefix;
    }

    /** The process's instance, used by {@link Futex} and {@link FutexVector}. */
    static VirtualFutexWaits shared() {
        return Shared.INSTANCE;
    }

    /** Watcher threads started so far (for tests). */
    long watcherStarts() {
        return watcherStarts.get();
    }

    /** Whether a watcher took the word at {@code address} into its current (or next) sleep (for tests). */
    boolean sleepsOn(long address) {
        synchronized (lock) {
            Word word = words.get(address);
            return word != null && word.sleptOn;
        }
    }

    /** Watchers alive now (for tests). */
    int watchers() {
        synchronized (lock) {
            return watchers.size();
        }
    }

    /**
     * Parks while every word {@code addresses[i]} holds {@code expected[i]}, until a watcher releases
     * the caller (a word changed or was woken), the deadline ({@link System#nanoTime()} based;
     * {@link Long#MAX_VALUE} for none) or an interrupt, which is left set for the caller to see.
     * May return early. The same word may appear more than once.
     */
    void await(long[] addresses, int[] expected, long deadlineNanos) {
        Waiter waiter = new Waiter(Thread.currentThread(), addresses.length);
        List<Watcher> toStart = null;
        List<Watcher> toRing = null;
        boolean ask = false;
        synchronized (lock) {
            for (int i = 0; i < addresses.length; i++) {
                Word word = words.get(addresses[i]);
                if (word == null) {
                    Watcher watcher = watcherWithRoom();
                    if (watcher == null) {
                        watcher = new Watcher(nextId++);
                        watchers.add(watcher);
                        toStart = add(toStart, watcher);
                    } else if (watcher.asleep) {
                        toRing = add(toRing, watcher);
                    }
                    word = new Word(addresses[i]);
                    words.put(addresses[i], word);
                    watcher.words.add(word);
                    watcher.changed();
                } else if (word.differsFrom(expected[i])) {
                    ask = true;
                }
                word.waiters.add(waiter);
                waiter.words[i] = word;
                waiter.expected[i] = expected[i];
            }
        }
        try {
            if (toStart != null) {
                for (Watcher watcher : toStart) {
                    start(watcher);
                }
            }
            if (toRing != null) {
                for (Watcher watcher : toRing) {
                    watcher.ring();
                }
            }
            if (ask && anyStale(addresses, expected)) {
                return;
            }
            while (!waiter.released && !Thread.currentThread().isInterrupted()) {
                if (deadlineNanos == Long.MAX_VALUE) {
                    LockSupport.park(this);
                    continue;
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                LockSupport.parkNanos(this, left);
            }
        } finally {
            leave(waiter);
        }
    }

    private void start(Watcher watcher) {
        watcherStarts.incrementAndGet();
        try {
            Thread.ofPlatform().daemon().name(threadPrefix + watcher.id).start(watcher);
        } catch (Throwable t) { // no thread (out of memory or of threads): nobody must wait for it
            abandon(watcher);
            throw t;
        }
    }

    /** Takes a watcher without a thread (any more) out, and releases the waiters of its words. */
    private void abandon(Watcher watcher) {
        List<Thread> unpark = new ArrayList<>();
        synchronized (lock) {
            if (!watchers.remove(watcher)) {
                return;
            }
            for (Word word : watcher.words) {
                release(word, unpark);
                words.remove(word.address, word);
            }
            watcher.words.clear();
        }
        unpark.forEach(LockSupport::unpark);
    }

    /** {@link #await(long[], int[], long)} on one word. */
    void await(long address, int expected, long deadlineNanos) {
        await(new long[] {address}, new int[] {expected}, deadlineNanos);
    }

    private static <T> List<T> add(List<T> list, T item) {
        List<T> result = list == null ? new ArrayList<>(2) : list;
        if (!result.contains(item)) {
            result.add(item);
        }
        return result;
    }

    /**
     * The watcher with the fewest words if it has room, or {@code null} for a new one: also while
     * fewer than {@code spread} watchers run and none is free. Under the lock.
     */
    private Watcher watcherWithRoom() {
        Watcher least = null;
        for (Watcher watcher : watchers) {
            if (least == null || watcher.words.size() < least.words.size()) {
                least = watcher;
            }
        }
        if (least == null || least.words.size() >= wordsPerWatcher
                || (!least.words.isEmpty() && watchers.size() < spread)) {
            return null;
        }
        return least;
    }

    /**
     * Whether a word no longer holds what the caller expects (or is unmapped): each word asked
     * alone in the kernel ({@link Libc#futexHolds}), never by reading it here.
     */
    private static boolean anyStale(long[] addresses, int[] expected) {
        for (int i = 0; i < addresses.length; i++) {
            if (!Libc.futexHolds(addresses[i], expected[i])) {
                return true;
            }
        }
        return false;
    }

    private void leave(Waiter waiter) {
        synchronized (lock) {
            for (Word word : waiter.words) {
                if (word != null) {
                    word.waiters.remove(waiter); // the watcher drops a word left without waiters
                }
            }
        }
    }

    /** Unparks the waiters of {@code word} and takes them off their other words. Under the lock. */
    private static void release(Word word, List<Thread> unpark) {
        for (Waiter waiter : word.waiters) {
            waiter.released = true;
            unpark.add(waiter.thread);
            for (Word other : waiter.words) {
                if (other != word) {
                    other.waiters.remove(waiter);
                }
            }
        }
        word.waiters.clear();
    }

    /** A waiting (virtual) thread and the words it waits on. */
    private static final class Waiter {
        final Thread thread;
        final Word[] words;
        final int[] expected;
        volatile boolean released;

        Waiter(Thread thread, int words) {
            this.thread = thread;
            this.words = new Word[words];
            this.expected = new int[words];
        }

        int expectedFor(Word word) {
            for (int i = 0; i < words.length; i++) {
                if (words[i] == word) {
                    return expected[i];
                }
            }
            throw new IllegalStateException("not a waiter of the word at 0x" + Long.toHexString(word.address));
        }
    }

    /** A futex word with waiting threads of this process (in one watcher's set: it sleeps on it). */
    private static final class Word {
        final long address;
        /** In registration order (the oldest's value is the one slept on). */
        final LinkedHashSet<Waiter> waiters = new LinkedHashSet<>();
        /** The value of the watcher's current sleep on this word, once it took the word into one. */
        int slept;
        boolean sleptOn;

        Word(long address) {
            this.address = address;
        }

        /**
         * Whether {@code expected} is not the value the watcher sleeps on, or will sleep on next (the
         * oldest waiter's; a word without waiters takes the next waiter's). Under the lock.
         */
        boolean differsFrom(int expected) {
            if (sleptOn) {
                return slept != expected;
            }
            return !waiters.isEmpty() && waiters.getFirst().expectedFor(this) != expected;
        }
    }

    /** A platform thread that sleeps on up to {@code wordsPerWatcher} words for their waiters. */
    private final class Watcher implements Runnable {
        final long id;
        final LinkedHashSet<Word> words = new LinkedHashSet<>();
        /**
         * Changed, under the lock, whenever a word joins; part of every sleep, so a sleep that began
         * before the change ends at once ({@code EAGAIN}) or with the wake that follows it. Memory of
         * this process only, freed by the collector once nobody refers to the watcher.
         */
        final MemorySegment control = Arena.ofAuto().allocate(4, 4);
        /**
         * Whether the thread took its words for a sleep and has not come back for the lock since: a
         * word that joins meanwhile must wake it; otherwise its next sleep takes the word anyway.
         */
        boolean asleep;

        Watcher(long id) {
            this.id = id;
        }

        /** Marks a change of the word set. Under the lock. */
        void changed() {
            INT.getAndAdd(control, 0L, 1);
        }

        /** Wakes the thread's sleep after {@link #changed()}, so it sleeps on the new words. */
        void ring() {
            Libc.futexWake(control.address(), 1);
        }

        @Override
        public void run() {
            List<Word> slept = new ArrayList<>(wordsPerWatcher);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment vector = arena.allocate(FutexVector.entryBytes() * (wordsPerWatcher + 1), 8);
                MemorySegment timespec = arena.allocate(16, 8);
                long idleSince = 0;
                while (true) {
                    int control;
                    long lingerLeft = 0;
                    synchronized (lock) {
                        slept.clear();
                        takeWords(slept);
                        asleep = true;
                        if (slept.isEmpty()) {
                            long now = System.nanoTime();
                            if (idleSince == 0) {
                                idleSince = now;
                            }
                            lingerLeft = LINGER_NANOS - (now - idleSince);
                            if (lingerLeft <= 0) {
                                watchers.remove(this); // no word can join now
                                return;
                            }
                        } else {
                            idleSince = 0;
                        }
                        control = (int) INT.getVolatile(this.control, 0L);
                    }
                    if (slept.isEmpty()) {
                        Libc.futexWait(this.control.address(), control, lingerLeft);
                    } else if (wordsPerWatcher == 1) {
                        sleepOnOne(slept.getFirst());
                    } else {
                        sleepOnAll(slept, control, vector, timespec);
                    }
                }
            } finally {
                abandon(this); // nothing when it retired; after a failure its waiters must not wait for it
            }
        }

        /**
         * Drops the words without waiters and puts the others, with the oldest waiter's value, into
         * {@code slept}. Under the lock.
         */
        private void takeWords(List<Word> slept) {
            for (Iterator<Word> it = words.iterator(); it.hasNext(); ) {
                Word word = it.next();
                if (word.waiters.isEmpty()) {
                    it.remove();
                    VirtualFutexWaits.this.words.remove(word.address, word);
                    continue;
                }
                word.slept = word.waiters.getFirst().expectedFor(word);
                word.sleptOn = true;
                slept.add(word);
            }
        }

        private void sleepOnOne(Word word) {
            int rc = Libc.futexWait(word.address, word.slept, SLICE_NANOS);
            if (rc == Libc.FUTEX_WOKEN) {
                release(List.of(word), true);
            } else if (rc != Errno.ETIMEDOUT && rc != Errno.EINTR) { // changed (EAGAIN) or unmapped (EFAULT)
                release(List.of(word), false);
            }
        }

        private void sleepOnAll(List<Word> slept, int control, MemorySegment vector, MemorySegment timespec) {
            FutexVector.entry(vector, 0, this.control.address(), control);
            for (int i = 0; i < slept.size(); i++) {
                Word word = slept.get(i);
                FutexVector.entry(vector, i + 1, word.address, word.slept);
            }
            long rc = FutexVector.waitv(vector, slept.size() + 1, System.nanoTime() + SLICE_NANOS, timespec);
            if (rc > 0) {
                release(mayHoldWakes(slept, (int) rc - 1), true);
                return;
            }
            if (rc == 0 || rc == -Errno.ETIMEDOUT || rc == -Errno.EINTR) {
                return; // the word set changed, or nothing happened: sleep again on the current set
            }
            if (rc != -Errno.EAGAIN && rc != -Errno.EFAULT) {
                throw Errno.exception((int) -rc, "futex_waitv", (slept.size() + 1) + " words");
            }
            if ((int) INT.getVolatile(this.control, 0L) != control) {
                return; // the set changed: the next sleep tells whether a word did too
            }
            List<Word> changed = new ArrayList<>();
            for (Word word : slept) {
                if (!Libc.futexHolds(word.address, word.slept)) {
                    changed.add(word);
                }
            }
            release(changed, false); // EAGAIN: the sleep began on none of them, so it took no wake
        }

        /**
         * The word {@code futex_waitv} named as woken ({@code slept[woken]}), and those of the words
         * below it that may have taken a wake too and that no waiter of this process would pass on:
         * the kernel names the highest woken entry only (those above were not woken). A wake always
         * follows a change of its word, so of those below only words without waiters that changed
         * count; a word with waiters is released when the next sleep finds its change, and a waiter
         * that leaves before without what it waited for passes a wake on itself (the rule of every
         * caller that wakes one sleeper of a word, such as jipc-sync's waiters).
         */
        private List<Word> mayHoldWakes(List<Word> slept, int woken) {
            List<Word> left = new ArrayList<>();
            synchronized (lock) {
                for (int i = 0; i < woken; i++) {
                    if (slept.get(i).waiters.isEmpty()) {
                        left.add(slept.get(i));
                    }
                }
            }
            List<Word> result = new ArrayList<>(left.size() + 1);
            for (Word word : left) {
                if (!Libc.futexHolds(word.address, word.slept)) {
                    result.add(word);
                }
            }
            result.add(slept.get(woken));
            return result;
        }

        /**
         * Releases the waiters of words that changed or were woken. A word {@code woken} (or that may
         * have been) whose waiters all left meanwhile gets its wake passed on: the kernel counted this
         * watcher as one sleeper of the word, so a wake of one sleeper (a semaphore's release, a
         * mutex's unlock, a condition's signal) may have been given to it instead of to a sleeper of
         * another process (or another process's watcher) that waits for it. The watcher drops such a
         * word before its next sleep (unless a waiter joined meanwhile), so the wake it passes on
         * does not come back to it, and two watchers without waiters cannot hand one wake back and
         * forth.
         */
        private void release(List<Word> released, boolean woken) {
            List<Thread> unpark = new ArrayList<>();
            List<Word> passOn = null;
            synchronized (lock) {
                asleep = false;
                for (Word word : released) {
                    word.sleptOn = false; // its next sleep takes its next oldest waiter's value
                    if (woken && word.waiters.isEmpty()) {
                        passOn = add(passOn, word);
                    }
                    VirtualFutexWaits.release(word, unpark);
                }
            }
            for (Thread thread : unpark) {
                LockSupport.unpark(thread);
            }
            if (passOn != null) {
                for (Word word : passOn) {
                    passOn(word.address);
                }
            }
        }

        /** {@code FUTEX_WAKE} of one sleeper; a word unmapped meanwhile ({@code EFAULT}) has none to wake here. */
        private void passOn(long address) {
            try {
                Libc.futexWake(address, 1);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EFAULT) {
                    throw e;
                }
            }
        }
    }
}
