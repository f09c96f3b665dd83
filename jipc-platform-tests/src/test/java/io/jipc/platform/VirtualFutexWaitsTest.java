package io.jipc.platform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VirtualFutexWaits}: virtual threads parked on futex words, with watchers that sleep on up
 * to 127 words each ({@code futex_waitv}), or on one word each ({@code FUTEX_WAIT}, kernels before
 * 5.16: the tests that take {@code wordsPerWatcher} run both). Each test has its own instance, so
 * counts of watchers are its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualFutexWaitsTest {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long JOIN_MILLIS = TimeUnit.SECONDS.toMillis(20); // a hang guard, not a duration asserted

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    /** The loop of every caller: wait while the word holds {@code expected}. */
    private static void awaitChange(VirtualFutexWaits waits, MappedFile file, long offset, int expected) {
        while ((int) INT.getVolatile(file.memory, offset) == expected) {
            waits.await(file.address(offset), expected, Long.MAX_VALUE);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    private static void setAndWake(MappedFile file, long offset, int value) {
        INT.setVolatile(file.memory, offset, value);
        Futex.wakeAll(file.address(offset));
    }

    /** Waits until every thread is parked (or done), so the test knows they all registered. */
    private static void awaitParked(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
        for (Thread thread : threads) {
            while (thread.isAlive() && thread.getState() != Thread.State.WAITING) {
                assertTrue(System.nanoTime() - deadline < 0, thread + " never parked");
                Thread.sleep(1);
            }
        }
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(JOIN_MILLIS);
            assertFalse(thread.isAlive(), thread + " still waits");
        }
    }

    /** Waits (bounded) until the instance's watchers have all ended. */
    private static void awaitNoWatchers(VirtualFutexWaits waits) throws InterruptedException {
        long deadline = System.nanoTime() + 4 * (VirtualFutexWaits.SLICE_NANOS + VirtualFutexWaits.LINGER_NANOS);
        while (waits.watchers() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        assertEquals(0, waits.watchers(), "watchers alive after their waiters left");
    }

    /**
     * 1,000 virtual threads, each waiting on its own word, take 8 watcher threads (127 words each),
     * not 1,000; each one's wake-up releases it and only it.
     */
    @Test
    void aThousandVirtualThreadsOnTheirOwnWordsTakeEightWatchersAndEveryWakeArrives() throws Exception {
        VirtualFutexWaits waits = new VirtualFutexWaits(VirtualFutexWaits.WORDS_PER_WATCHER, 2, "test-waits-");
        int count = 1000;
        try (MappedFile file = MappedFile.create(dir.resolve("words"), 64L * count)) {
            List<Thread> threads = new ArrayList<>();
            AtomicInteger released = new AtomicInteger();
            for (int i = 0; i < count; i++) {
                long offset = 64L * i;
                threads.add(Thread.ofVirtual().start(() -> {
                    awaitChange(waits, file, offset, 0);
                    released.incrementAndGet();
                }));
            }
            awaitParked(threads);
            assertEquals(0, released.get(), "released before any word changed");
            assertEquals(8, waits.watchers(), "watchers for " + count + " words");
            assertEquals(8, waits.watcherStarts());
            // release every other one: the others stay parked
            for (int i = 0; i < count; i += 2) {
                setAndWake(file, 64L * i, 1);
            }
            for (int i = 0; i < count; i += 2) {
                threads.get(i).join(JOIN_MILLIS);
                assertFalse(threads.get(i).isAlive(), "waiter " + i + " was not released by its wake-up");
            }
            assertEquals(count / 2, released.get());
            for (int i = 1; i < count; i += 2) {
                assertTrue(threads.get(i).isAlive(), "waiter " + i + " was released without a change");
                setAndWake(file, 64L * i, 1);
            }
            joinAll(threads);
            assertEquals(count, released.get());
            awaitNoWatchers(waits);
        }
    }

    /**
     * A waiter whose expected value is stale returns at once although the word's watcher already
     * sleeps on the word for an earlier waiter with the current value: the watcher's sleep would
     * not end before the next change.
     */
    @ParameterizedTest
    @ValueSource(ints = {VirtualFutexWaits.WORDS_PER_WATCHER, 1})
    void aWaiterWithAStaleValueReturnsAtOnceThoughTheWatcherSleepsOnTheCurrentOne(int wordsPerWatcher)
            throws Exception {
        VirtualFutexWaits waits = new VirtualFutexWaits(wordsPerWatcher, 2, "test-waits-");
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            INT.setVolatile(file.memory, 0L, 5);
            Thread current = Thread.ofVirtual().start(() -> awaitChange(waits, file, 0, 5));
            awaitParked(List.of(current));
            Thread.sleep(50); // the watcher is asleep on the word with 5
            Thread stale = Thread.ofVirtual().start(() -> waits.await(file.address(0), 4, Long.MAX_VALUE));
            stale.join(JOIN_MILLIS);
            assertFalse(stale.isAlive(), "a waiter expecting 4 of a word holding 5 still waits");
            assertTrue(current.isAlive(), "the waiter with the current value was released without a change");
            setAndWake(file, 0, 6);
            joinAll(List.of(current));
            awaitNoWatchers(waits);
        }
    }

    /**
     * Many words of one watcher changed and woken at once from two threads: {@code futex_waitv}
     * reports one word per return, so the others' changes must be found at the next sleep (which
     * the kernel refuses with {@code EAGAIN}); every waiter sees every round.
     */
    @ParameterizedTest
    @ValueSource(ints = {VirtualFutexWaits.WORDS_PER_WATCHER, 1})
    void wordsChangedAndWokenTogetherReleaseEveryWaiterInEveryRound(int wordsPerWatcher) throws Exception {
        VirtualFutexWaits waits = new VirtualFutexWaits(wordsPerWatcher, 2, "test-waits-");
        int count = wordsPerWatcher == 1 ? 16 : 100;
        int rounds = 200;
        try (MappedFile file = MappedFile.create(dir.resolve("words"), 64L * (count + 1))) {
            long doneOffset = 64L * count; // how many waiters finished the current round
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long offset = 64L * i;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int round = 0; round < rounds; round++) {
                            awaitChange(waits, file, offset, round);
                            INT.getAndAdd(file.memory, doneOffset, 1);
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                }));
            }
            for (int round = 0; round < rounds; round++) {
                int next = round + 1;
                Thread[] wakers = new Thread[2];
                for (int w = 0; w < 2; w++) {
                    int half = w;
                    wakers[w] = Thread.ofPlatform().start(() -> {
                        for (int i = half; i < count; i += 2) {
                            setAndWake(file, 64L * i, next);
                        }
                    });
                }
                for (Thread waker : wakers) {
                    waker.join();
                }
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
                while ((int) INT.getVolatile(file.memory, doneOffset) < count * next) {
                    assertTrue(System.nanoTime() - deadline < 0, "round " + next + ": only "
                            + ((int) INT.getVolatile(file.memory, doneOffset) - count * round) + " of " + count
                            + " waiters saw their word change");
                    Thread.sleep(1);
                }
            }
            joinAll(threads);
            assertNull(failure.get());
            awaitNoWatchers(waits);
        }
    }

    /** One wait on several words ends with a change of any of them, and leaves the others' lists. */
    @ParameterizedTest
    @ValueSource(ints = {VirtualFutexWaits.WORDS_PER_WATCHER, 1})
    void aWaitOnSeveralWordsEndsWhenAnyChanges(int wordsPerWatcher) throws Exception {
        VirtualFutexWaits waits = new VirtualFutexWaits(wordsPerWatcher, 2, "test-waits-");
        try (MappedFile file = MappedFile.create(dir.resolve("words"), 4096)) {
            long[] addresses = {file.address(0), file.address(64), file.address(128), file.address(64)};
            int[] expected = {0, 0, 0, 0};
            Thread waiter = Thread.ofVirtual().start(() -> waits.await(addresses, expected, Long.MAX_VALUE));
            awaitParked(List.of(waiter));
            setAndWake(file, 128, 1);
            joinAll(List.of(waiter));
            // the words the waiter left keep working for the next waiter
            Thread next = Thread.ofVirtual().start(() -> awaitChange(waits, file, 64, 0));
            awaitParked(List.of(next));
            setAndWake(file, 64, 1);
            joinAll(List.of(next));
            awaitNoWatchers(waits);
        }
    }

    /** An interrupt unparks the waiter, which returns with its interrupt status set; a deadline ends a wait. */
    @ParameterizedTest
    @ValueSource(ints = {VirtualFutexWaits.WORDS_PER_WATCHER, 1})
    void anInterruptOrTheDeadlineEndsAWait(int wordsPerWatcher) throws Exception {
        VirtualFutexWaits waits = new VirtualFutexWaits(wordsPerWatcher, 2, "test-waits-");
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            AtomicReference<Boolean> interrupted = new AtomicReference<>();
            Thread waiter = Thread.ofVirtual().start(() -> {
                waits.await(file.address(0), 0, Long.MAX_VALUE);
                interrupted.set(Thread.currentThread().isInterrupted());
            });
            awaitParked(List.of(waiter));
            waiter.interrupt();
            joinAll(List.of(waiter));
            assertEquals(Boolean.TRUE, interrupted.get());
            Thread timed = Thread.ofVirtual().start(() ->
                    waits.await(file.address(0), 0, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100)));
            joinAll(List.of(timed));
            awaitNoWatchers(waits);
        }
    }

    /**
     * A word that is not mapped (here below the lowest address a process may map) ends its wait:
     * the kernel says {@code EFAULT}, never harming the process; the live words that share the
     * watcher's sleep keep their waiters.
     */
    @ParameterizedTest
    @ValueSource(ints = {VirtualFutexWaits.WORDS_PER_WATCHER, 1})
    void anUnmappedWordEndsItsWaitAndOnlyIts(int wordsPerWatcher) throws Exception {
        VirtualFutexWaits waits = new VirtualFutexWaits(wordsPerWatcher, 2, "test-waits-");
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            Thread live = Thread.ofVirtual().start(() -> awaitChange(waits, file, 0, 0));
            awaitParked(List.of(live));
            long unmapped = 4096; // below vm.mmap_min_addr: never mapped
            Thread lost = Thread.ofVirtual().start(() -> waits.await(unmapped, 0, Long.MAX_VALUE));
            joinAll(List.of(lost));
            Thread.sleep(50);
            assertTrue(live.isAlive(), "the live word's waiter was released without a change");
            setAndWake(file, 0, 1);
            joinAll(List.of(live));
            awaitNoWatchers(waits);
        }
    }

    /**
     * A wake of one sleeper that reaches a watcher after its word's waiters all left (an interrupt,
     * a deadline) goes on to the word's next sleeper: here a platform thread in {@code FUTEX_WAIT}
     * without a timeout, as a waiter of another process (or another process's watcher) sleeps. The
     * watcher sleeps on the word before the waiter leaves, so the kernel, which wakes the oldest
     * sleeper first, gives the wake to it; before the watcher passed such a wake on, the platform
     * thread slept on with its word changed (a semaphore's free permit) until something else woke
     * it, here never. Odd rounds leave by the deadline, even ones by an interrupt.
     */
    @ParameterizedTest
    @ValueSource(ints = {VirtualFutexWaits.WORDS_PER_WATCHER, 1})
    void aWakeOfOneThatReachesAWatcherWhoseWaitersLeftGoesOnToTheNextSleeper(int wordsPerWatcher)
            throws Exception {
        String prefix = "test-passon-";
        VirtualFutexWaits waits = new VirtualFutexWaits(wordsPerWatcher, 2, prefix);
        try (MappedFile file = MappedFile.create(dir.resolve("word"), 4096)) {
            long address = file.address(0);
            for (int round = 0; round < 6; round++) {
                int value = round;
                long deadline = round % 2 == 1 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300) : Long.MAX_VALUE;
                Thread left = Thread.ofVirtual().start(() -> waits.await(address, value, deadline));
                awaitTrue(() -> waits.sleepsOn(address) || !left.isAlive(), "no watcher took the word");
                awaitTrue(() -> !left.isAlive() || sleepsInTheKernel(threadNamed(prefix)),
                        "the watcher never slept on the word");
                left.interrupt(); // in odd rounds its deadline ends it first
                joinAll(List.of(left));

                AtomicInteger tid = new AtomicInteger();
                AtomicInteger rc = new AtomicInteger(-1);
                Thread sleeper = Thread.ofPlatform().start(() -> {
                    tid.set(Signals.gettid());
                    rc.set(Libc.futexWait(address, value, -1));
                });
                awaitTrue(() -> tid.get() != 0 && sleepsInTheKernel(OptionalInt.of(tid.get())),
                        "the platform thread never slept on the word");
                INT.setVolatile(file.memory, 0L, value + 1);
                Libc.futexWake(address, 1);
                sleeper.join(JOIN_MILLIS);
                if (sleeper.isAlive()) {
                    Futex.wakeAll(address);
                    sleeper.join(JOIN_MILLIS);
                    fail("round " + round + ": the wake of one went to the watcher of a waiter that had left,"
                            + " and no further");
                }
                assertEquals(Libc.FUTEX_WOKEN, rc.get(), "round " + round);
            }
            awaitNoWatchers(waits);
        }
    }

    private interface Condition {
        boolean holds() throws IOException;
    }

    /** Polls {@code condition} until it holds (a hang guard of {@link #JOIN_MILLIS}). */
    private static void awaitTrue(Condition condition, String failure) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
        while (!condition.holds()) {
            assertTrue(System.nanoTime() - deadline < 0, failure);
            Thread.sleep(1);
        }
    }

    /** The kernel id of this process's thread whose name starts with {@code prefix}, if one runs. */
    private static OptionalInt threadNamed(String prefix) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).startsWith(prefix)) {
                        return OptionalInt.of(Integer.parseInt(task.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // a thread that ended meanwhile
                }
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Whether the thread sleeps in a futex call ({@code wchan} names one; where the kernel hides
     * wchan, whether it sleeps at all).
     */
    private static boolean sleepsInTheKernel(OptionalInt tid) {
        if (tid.isEmpty()) {
            return false;
        }
        Path task = Path.of("/proc/self/task/" + tid.getAsInt());
        try {
            String wchan = Files.readString(task.resolve("wchan")).strip();
            String stat = Files.readString(task.resolve("stat"));
            boolean sleeping = stat.charAt(stat.lastIndexOf(')') + 2) == 'S';
            return sleeping && (wchan.contains("futex") || wchan.equals("0") || wchan.isEmpty());
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * Virtual threads waiting (timed and untimed) on random words of three watchers' worth while
     * two platform threads change and wake random words: every wait ends, and afterwards every
     * watcher does.
     */
    @Test
    void randomWaitsChangesAndTimeoutsAcrossWatchersAllEnd() throws Exception {
        VirtualFutexWaits waits = new VirtualFutexWaits(VirtualFutexWaits.WORDS_PER_WATCHER, 2, "test-waits-");
        int words = 300;
        try (MappedFile file = MappedFile.create(dir.resolve("words"), 64L * words)) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            List<Thread> threads = new ArrayList<>();
            AtomicInteger waitsDone = new AtomicInteger();
            for (int t = 0; t < 200; t++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (System.nanoTime() - until < 0) {
                        int n = 1 + random.nextInt(3);
                        long[] addresses = new long[n];
                        int[] expected = new int[n];
                        for (int i = 0; i < n; i++) {
                            long offset = 64L * random.nextInt(words);
                            addresses[i] = file.address(offset);
                            expected[i] = (int) INT.getVolatile(file.memory, offset);
                        }
                        long deadline = random.nextBoolean() ? Long.MAX_VALUE
                                : System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(random.nextInt(1, 2000));
                        waits.await(addresses, expected, deadline);
                        waitsDone.incrementAndGet();
                    }
                }));
            }
            List<Thread> changers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                changers.add(Thread.ofPlatform().start(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (System.nanoTime() - until < 0) {
                        long offset = 64L * random.nextInt(words);
                        INT.getAndAdd(file.memory, offset, 1);
                        Futex.wakeAll(file.address(offset));
                        Thread.onSpinWait();
                    }
                }));
            }
            joinAll(changers);
            // the last untimed waits end with changes of every word (a waiter may still be reading its
            // values when one round of changes passes, so there are rounds until all have ended)
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
            while (threads.stream().anyMatch(Thread::isAlive)) {
                assertTrue(System.nanoTime() - deadline < 0, "waits that never ended");
                for (int i = 0; i < words; i++) {
                    INT.getAndAdd(file.memory, 64L * i, 1);
                    Futex.wakeAll(file.address(64L * i));
                }
                Thread.sleep(10);
            }
            assertTrue(waitsDone.get() > 0);
            awaitNoWatchers(waits);
        }
    }
}
