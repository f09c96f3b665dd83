package io.jipc.sync;

import io.jipc.testkit.ChildMain;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The other processes of the synchronization tests: {@code SyncChild <mode> <area> args...}, one
 * line of output per step.
 *
 * <ul>
 * <li>{@code mutex-count <n>}: says {@code READY}, waits for the START word, then n times lock, increment counter A (plain read and write), unlock;
 *     prints {@code DONE}.</li>
 * <li>{@code sem-count <n>}: the same under the (binary) semaphore.</li>
 * <li>{@code mutex-hold}, {@code sem-hold <k>}: takes the mutex, or k permits, prints {@code HELD}
 *     and sleeps until killed.</li>
 * <li>{@code mutex-hold-release}, {@code sem-hold-release}: takes the mutex, or a permit, prints
 *     {@code HELD}, waits until the FLAG word is not 0, then unlocks or releases and prints
 *     {@code RELEASED} (meant to be killed at a fault point of the release).</li>
 * <li>{@code sem-cycle}: takes a permit and gives it back, prints {@code CYCLED} and sleeps until
 *     killed (its handle's holder entry, holding nothing, stays in use).</li>
 * <li>{@code mutex-torn <threads>}: forever, on each of the threads {@code <threads>} names
 *     ({@code platform:N} or {@code virtual:N}, all through one handle): lock; if told
 *     {@code OWNER_DIED}, repair (B = A) and mark consistent ({@code REPAIRED}); else check A == B
 *     ({@code VIOLATION} if not); A++, a pause, B++; unlock. Prints {@code RUNNING} once a thread
 *     holds the lock for the first time (before its unlock, which a fault point may stop). Meant
 *     to be killed anywhere.</li>
 * <li>{@code sem-torn <threads>}: the same with the semaphore: acquire; if told {@code OWNER_DIED},
 *     repair (inside = 0) and mark consistent; else check inside == 0; inside = 1, a pause, count A,
 *     inside = 0; release.</li>
 * <li>{@code cond-signal}: lock, FLAG = 1, signalAll, unlock; prints {@code SIGNALLED}.</li>
 * <li>{@code cond-wait}: lock, await while FLAG == 0, unlock; prints {@code WAITING} first and
 *     {@code WOKEN} at the end.</li>
 * <li>{@code count-down}: counts the latch down once; prints {@code COUNTED}.</li>
 * <li>{@code tracked-barrier-arrive}: prints {@code ARRIVING}, then waits at the tracked barrier
 *     (until killed).</li>
 * <li>{@code untracked-barrier-arrive}: prints {@code ARRIVING}, then waits at the untracked barrier
 *     and prints {@code PASSED} (meant to trip it and be killed at a fault point of its wake).</li>
 * <li>{@code barrier-arrive <name>}: opens the named barrier, prints {@code ARRIVING}, waits at it
 *     (until killed) and prints {@code PASSED} if it passes.</li>
 * <li>{@code barrier-await <name> <timeout ms, 0 = none>}: opens the named barrier (the area's
 *     untracked barrier if the name is {@code untracked}), prints
 *     {@code ARRIVING}, waits at it (untimed, or with the timeout) and prints how the wait ended:
 *     {@code ENDED PASSED <index>}, {@code ENDED BROKEN <dead pid, 0 = reset> <message>} or
 *     {@code ENDED TIMEOUT}.</li>
 * <li>{@code barrier-join <name>}: joins the named barrier, prints {@code JOINED}, and sleeps
 *     until killed (it never arrives).</li>
 * <li>{@code barrier-join-leave <name>}: joins the named barrier, prints {@code JOINED}, closes the
 *     handle, prints {@code LEFT} and ends.</li>
 * <li>{@code barrier <rounds> <first party> <tracked|untracked> <threads>}: on each of the threads
 *     {@code <threads>} names, all through one handle of the barrier (the tracked one if asked), as
 *     parties first, first + 1, ...: {@link #barrierRounds}; prints {@code DONE} once all
 *     finished ({@code VIOLATION ...} lines before if a round was not kept).</li>
 * <li>{@code truncate <file>} (no area): truncates the file to 0 bytes, as a misbehaving C program
 *     would; prints {@code TRUNCATED}.</li>
 * <li>{@code truncated-unlock <mutex name> <its file> <unlock|await>} (no area): locks the named
 *     mutex, prints {@code HELD}, waits until its file is empty (truncated by the test), then unlocks
 *     it, directly or through {@code await} of the condition {@code <mutex name>-condition}; prints
 *     {@code RELEASE <what it threw>}, closes the mutex and prints {@code CLOSE <what it threw>}.</li>
 * <li>{@code truncated-await <mutex name> <condition name>} (no area): locks the named mutex, prints
 *     {@code HELD} and waits on the named condition (timeout 2 minutes), which the test truncates
 *     meanwhile; prints {@code AWAIT <what it threw> held=<whether the mutex is held>} (with
 *     {@code suppressed=<class>} for each suppressed exception), unlocks the mutex if held and prints
 *     {@code UNLOCK returned}, then closes the condition and prints {@code CLOSE <what it threw>}.</li>
 * <li>{@code truncated-leave <barrier name> <its file>} (no area): joins the named barrier, prints
 *     {@code JOINED}, waits until its file is empty (truncated by the test), then closes the handle
 *     (leaving the membership) and prints {@code CLOSE <what it threw>}.</li>
 * </ul>
 */
public final class SyncChild {
    private SyncChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.dieWithParent();
        if (args[0].equals("truncate")) {
            try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(java.nio.file.Path.of(args[1]),
                    java.nio.file.StandardOpenOption.WRITE)) {
                file.truncate(0);
            }
            say("TRUNCATED");
            return;
        }
        if (args[0].equals("truncated-unlock")) {
            truncatedUnlock(args[1], java.nio.file.Path.of(args[2]), args[3].equals("await"));
            return;
        }
        if (args[0].equals("truncated-await")) {
            truncatedAwait(args[1], args[2]);
            return;
        }
        if (args[0].equals("truncated-leave")) {
            ProcessBarrier barrier = ProcessBarrier.join(args[1]);
            say("JOINED");
            awaitEmpty(java.nio.file.Path.of(args[2]));
            sayHowClosed(barrier);
            return;
        }
        try (SharedArea area = SharedArea.open(args[1])) {
            run(args[0], area, args);
        }
        System.out.flush();
    }

    /** {@code truncated-unlock}: the first touch of the mutex's memory after the truncation is its unlock. */
    private static void truncatedUnlock(String name, java.nio.file.Path file, boolean viaCondition) throws Exception {
        ProcessMutex mutex = ProcessMutex.open(name);
        try (ProcessCondition condition = ProcessCondition.open(name + "-condition")) {
            mutex.lock();
            say("HELD");
            awaitEmpty(file);
            try {
                if (viaCondition) {
                    condition.await(mutex, Duration.ofSeconds(1));
                } else {
                    mutex.unlock();
                }
                say("RELEASE returned");
            } catch (Throwable t) {
                say("RELEASE " + t);
            }
            sayHowClosed(mutex);
        }
    }

    /** {@code truncated-await}: the condition's memory faults under a waiter asleep in a timed await. */
    private static void truncatedAwait(String mutexName, String conditionName) {
        try (ProcessMutex mutex = ProcessMutex.open(mutexName)) {
            ProcessCondition condition = ProcessCondition.open(conditionName);
            mutex.lock();
            say("HELD");
            try {
                condition.await(mutex, Duration.ofMinutes(2));
                say("AWAIT returned held=" + mutex.isHeldByCurrentThread());
            } catch (Throwable t) {
                StringBuilder line = new StringBuilder("AWAIT " + t + " held=" + mutex.isHeldByCurrentThread());
                for (Throwable suppressed : t.getSuppressed()) {
                    line.append(" suppressed=").append(suppressed.getClass().getName());
                }
                say(line.toString());
            }
            if (mutex.isHeldByCurrentThread()) {
                mutex.unlock();
                say("UNLOCK returned");
            }
            sayHowClosed(condition);
        } catch (InterruptedException e) {
            say("INTERRUPTED");
        }
    }

    /** Polls the file's size (every millisecond) until it is 0. */
    private static void awaitEmpty(java.nio.file.Path file) throws Exception {
        while (java.nio.file.Files.size(file) != 0) {
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    /** Closes {@code handle}; prints {@code CLOSE returned} or {@code CLOSE <the class of what it threw>}. */
    private static void sayHowClosed(AutoCloseable handle) {
        try {
            handle.close();
            say("CLOSE returned");
        } catch (Throwable t) {
            say("CLOSE " + t.getClass().getName());
        }
    }

    /** Polls the FLAG word (a plain read, every millisecond) until it is not 0. */
    private static void awaitFlag(SharedArea area) throws InterruptedException {
        while (area.get(SharedArea.FLAG) == 0) {
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void run(String mode, SharedArea area, String[] args) throws Exception {
        switch (mode) {
            case "mutex-count" -> {
                try (ProcessMutex mutex = area.mutex()) {
                    int n = Integer.parseInt(args[2]);
                    awaitStart(area);
                    for (int i = 0; i < n; i++) {
                        mutex.lock();
                        area.set(SharedArea.COUNTER_A, area.get(SharedArea.COUNTER_A) + 1);
                        mutex.unlock();
                    }
                }
                say("DONE");
            }
            case "sem-count" -> {
                try (ProcessSemaphore semaphore = area.semaphore()) {
                    int n = Integer.parseInt(args[2]);
                    awaitStart(area);
                    for (int i = 0; i < n; i++) {
                        semaphore.acquire();
                        area.set(SharedArea.COUNTER_A, area.get(SharedArea.COUNTER_A) + 1);
                        semaphore.release();
                    }
                }
                say("DONE");
            }
            case "mutex-hold" -> {
                ProcessMutex mutex = area.mutex();
                say("HELD " + mutex.lock());
                TimeUnit.MINUTES.sleep(5);
            }
            case "sem-hold" -> {
                ProcessSemaphore semaphore = area.semaphore();
                int k = Integer.parseInt(args[2]);
                for (int i = 0; i < k; i++) {
                    semaphore.acquire();
                }
                say("HELD " + semaphore.heldPermits());
                TimeUnit.MINUTES.sleep(5);
            }
            case "mutex-hold-release" -> {
                ProcessMutex mutex = area.mutex();
                say("HELD " + mutex.lock());
                awaitFlag(area);
                mutex.unlock();
                say("RELEASED");
            }
            case "sem-hold-release" -> {
                ProcessSemaphore semaphore = area.semaphore();
                say("HELD " + semaphore.acquire());
                awaitFlag(area);
                semaphore.release();
                say("RELEASED");
            }
            case "sem-cycle" -> {
                ProcessSemaphore semaphore = area.semaphore();
                semaphore.acquire();
                semaphore.release();
                say("CYCLED");
                TimeUnit.MINUTES.sleep(5);
            }
            case "mutex-torn" -> {
                ProcessMutex mutex = area.mutex();
                runForever(args[2], told -> mutexTornRound(area, mutex, told, SyncChild::say));
            }
            case "sem-torn" -> {
                ProcessSemaphore semaphore = area.semaphore();
                runForever(args[2], told -> semaphoreTornRound(area, semaphore, told, SyncChild::say));
            }
            case "cond-signal" -> {
                try (ProcessMutex mutex = area.mutex(); ProcessCondition condition = area.condition()) {
                    mutex.lock();
                    area.set(SharedArea.FLAG, 1);
                    condition.signalAll();
                    mutex.unlock();
                }
                say("SIGNALLED");
            }
            case "cond-wait" -> {
                try (ProcessMutex mutex = area.mutex(); ProcessCondition condition = area.condition()) {
                    mutex.lock();
                    say("WAITING");
                    while (area.get(SharedArea.FLAG) == 0) {
                        condition.await(mutex);
                    }
                    mutex.unlock();
                }
                say("WOKEN");
            }
            case "count-down" -> {
                try (ProcessCountDownLatch latch = area.latch()) {
                    latch.countDown();
                }
                say("COUNTED");
            }
            case "tracked-barrier-arrive" -> {
                ProcessBarrier barrier = area.trackedBarrier();
                say("ARRIVING");
                barrier.await();
                say("PASSED");
            }
            case "untracked-barrier-arrive" -> {
                ProcessBarrier barrier = area.barrier();
                say("ARRIVING");
                barrier.await();
                say("PASSED");
            }
            case "barrier-arrive" -> {
                ProcessBarrier barrier = ProcessBarrier.open(args[2]);
                say("ARRIVING");
                barrier.await();
                say("PASSED");
            }
            case "barrier-await" -> {
                long timeoutMillis = Long.parseLong(args[3]);
                try (ProcessBarrier barrier = args[2].equals("untracked") ? area.barrier() : ProcessBarrier.open(args[2])) {
                    say("ARRIVING");
                    int index = timeoutMillis == 0 ? barrier.await() : barrier.await(Duration.ofMillis(timeoutMillis));
                    say("ENDED PASSED " + index);
                } catch (BarrierBrokenException e) {
                    say("ENDED BROKEN " + e.deadPid().orElse(0) + " " + e.getMessage());
                } catch (java.util.concurrent.TimeoutException e) {
                    say("ENDED TIMEOUT");
                }
            }
            case "barrier-join" -> {
                ProcessBarrier.join(args[2]);
                say("JOINED");
                TimeUnit.MINUTES.sleep(5);
            }
            case "barrier-join-leave" -> {
                try (ProcessBarrier ignored = ProcessBarrier.join(args[2])) {
                    say("JOINED");
                }
                say("LEFT");
            }
            case "barrier" -> {
                int rounds = Integer.parseInt(args[2]);
                int first = Integer.parseInt(args[3]);
                boolean tracked = args[4].equals("tracked");
                try (ProcessBarrier barrier = tracked ? area.trackedBarrier() : area.barrier()) {
                    int[] party = {first};
                    for (Thread thread : threads(args[5], () -> {
                        try {
                            barrierRounds(area, barrier, rounds, nextParty(party), SyncChild::say);
                        } catch (Throwable t) {
                            say("VIOLATION " + t);
                        }
                    })) {
                        thread.join();
                    }
                }
                say("DONE");
            }
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    /** One round of a torn mode; {@code told} says whether {@code RUNNING} was reported already. */
    @FunctionalInterface
    interface Round {
        void run(AtomicBoolean told) throws InterruptedException;
    }

    /**
     * Starts the threads {@code spec} names ({@code platform:N} or {@code virtual:N}), each running
     * {@code round} for ever, and waits for ever; a thread whose round throws reports it as a
     * {@code VIOLATION} line and ends.
     */
    static void runForever(String spec, Round round) throws InterruptedException {
        AtomicBoolean told = new AtomicBoolean();
        for (Thread thread : threads(spec, () -> {
            try {
                while (true) {
                    round.run(told);
                }
            } catch (Throwable t) {
                say("VIOLATION " + t);
            }
        })) {
            thread.join();
        }
    }

    /** Starts {@code spec}'s threads ({@code platform:N}, daemons, or {@code virtual:N}) running {@code body}. */
    static List<Thread> threads(String spec, Runnable body) {
        String[] parts = spec.split(":");
        Thread.Builder builder = switch (parts[0]) {
            case "platform" -> Thread.ofPlatform().daemon();
            case "virtual" -> Thread.ofVirtual();
            default -> throw new IllegalArgumentException("not platform:N or virtual:N: " + spec);
        };
        List<Thread> threads = new ArrayList<>();
        for (int i = Integer.parseInt(parts[1]); i > 0; i--) {
            threads.add(builder.name(parts[0] + "-" + i).start(body));
        }
        return threads;
    }

    /**
     * One round of {@code mutex-torn} on {@code mutex}; what there is to report ({@code REPAIRED},
     * {@code VIOLATION ...}, the first {@code RUNNING}) goes to {@code report}.
     */
    static void mutexTornRound(SharedArea area, ProcessMutex mutex, AtomicBoolean told, Consumer<String> report)
            throws InterruptedException {
        if (mutex.lock() == Acquisition.OWNER_DIED) {
            area.set(SharedArea.COUNTER_B, area.get(SharedArea.COUNTER_A));
            mutex.markConsistent();
            report.accept("REPAIRED");
        } else if (area.get(SharedArea.COUNTER_A) != area.get(SharedArea.COUNTER_B)) {
            report.accept("VIOLATION A=" + area.get(SharedArea.COUNTER_A) + " B=" + area.get(SharedArea.COUNTER_B));
        }
        if (!told.get() && told.compareAndSet(false, true)) {
            report.accept("RUNNING");
        }
        area.set(SharedArea.COUNTER_A, area.get(SharedArea.COUNTER_A) + 1);
        pause();
        area.set(SharedArea.COUNTER_B, area.get(SharedArea.COUNTER_B) + 1);
        mutex.unlock();
    }

    /** One round of {@code sem-torn} on {@code semaphore}, reporting as {@link #mutexTornRound} does. */
    static void semaphoreTornRound(SharedArea area, ProcessSemaphore semaphore, AtomicBoolean told,
                                   Consumer<String> report) throws InterruptedException {
        if (semaphore.acquire() == Acquisition.OWNER_DIED) {
            area.set(SharedArea.INSIDE, 0);
            semaphore.markConsistent();
            report.accept("REPAIRED");
        } else if (area.get(SharedArea.INSIDE) != 0) {
            report.accept("VIOLATION inside=" + area.get(SharedArea.INSIDE));
        }
        if (!told.get() && told.compareAndSet(false, true)) {
            report.accept("RUNNING");
        }
        area.set(SharedArea.INSIDE, 1);
        pause();
        area.set(SharedArea.COUNTER_A, area.get(SharedArea.COUNTER_A) + 1);
        area.set(SharedArea.INSIDE, 0);
        semaphore.release();
    }

    /** The party number of the calling thread: the next of {@code counter}'s. */
    private static int nextParty(int[] counter) {
        synchronized (counter) {
            return counter[0]++;
        }
    }

    /**
     * {@code rounds} rounds at {@code barrier} as party {@code party}: per round r, ROUNDS[party] = r,
     * await, then every party's ROUNDS word must be at least r (else a {@code VIOLATION ...} line
     * goes to {@code report}: a party passed before all arrived).
     */
    static void barrierRounds(SharedArea area, ProcessBarrier barrier, int rounds, int party, Consumer<String> report)
            throws InterruptedException {
        for (int r = 1; r <= rounds; r++) {
            area.set(SharedArea.ROUNDS + party, r);
            barrier.await();
            for (int p = 0; p < barrier.parties(); p++) {
                long seen = area.get(SharedArea.ROUNDS + p);
                if (seen < r) {
                    report.accept("VIOLATION party " + p + " at round " + seen + " after barrier round " + r);
                }
            }
        }
    }

    /** Says {@code READY}, then waits until the parent sets the START word, so that all contend at once. */
    private static void awaitStart(SharedArea area) throws InterruptedException {
        say("READY");
        while (area.getVolatile(SharedArea.START) == 0) {
            Thread.sleep(1);
        }
    }

    /** A short pause inside the critical section, so that kills land there often. */
    private static void pause() {
        long until = System.nanoTime() + 20_000;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }
}
