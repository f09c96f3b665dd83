package io.jipc.cli;

import io.jipc.Timeouts;
import io.jipc.cli.bench.Durations;
import io.jipc.sync.Acquisition;
import io.jipc.sync.BarrierBrokenException;
import io.jipc.sync.ProcessBarrier;
import io.jipc.sync.ProcessCondition;
import io.jipc.sync.ProcessCountDownLatch;
import io.jipc.sync.ProcessMutex;
import io.jipc.sync.SyncObjects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/**
 * {@code jipc sync await NAME}: waits at a named barrier, for a named latch, or on a named condition
 * (with its mutex), from the shell. A stop by Ctrl-C or {@code SIGTERM} withdraws a barrier arrival
 * ({@link InterruptOnShutdown}); {@code kill -9} of a process waiting at a (named, so tracked)
 * barrier breaks it: the other waiters fail with the barrier's {@code BarrierBrokenException}
 * (one line, exit code 1, telling to destroy the barrier and create it again: no verb resets it) until
 * a program resets it (see {@link ProcessBarrier}).
 */
@Command(name = "await", mixinStandardHelpOptions = true,
        description = {"Wait at a named barrier until all its parties have arrived, for a named latch to reach 0, "
                + "or on a named condition until signalled (its --mutex is held, then released while asleep).",
                "Exit code 1 if --timeout passed first (a barrier arrival is then withdrawn)."})
final class SyncAwaitCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "a barrier, a latch or a condition (jipc sync create)")
    String name;

    @Option(names = "--timeout", description = "wait at most this long, e.g. 5s (default: as long as it takes)")
    String timeoutText;

    @Option(names = "--mutex", description = "condition (required there): the mutex that guards what the condition is about")
    String mutexName;

    @Override
    public Integer call() throws Exception {
        Duration timeout = timeoutText == null ? null : Durations.timeout(timeoutText);
        try (InterruptOnShutdown stop = new InterruptOnShutdown()) { // closed once the wait has ended and printed
            return await(timeout);
        }
    }

    private int await(Duration timeout) throws Exception {
        try (AutoCloseable object = SyncObjects.open(name)) {
            if (mutexName != null && !(object instanceof ProcessCondition)) {
                throw new IllegalArgumentException("--mutex goes with a condition; '" + name + "' is " + object);
            }
            return switch (object) {
                case ProcessBarrier barrier -> await(barrier, timeout);
                case ProcessCountDownLatch latch -> await(latch, timeout);
                case ProcessCondition condition -> await(condition, timeout);
                default -> throw new IllegalArgumentException("'" + name + "' is not a barrier, a latch or a condition: "
                        + "it is " + object + " (jipc sync hold takes a mutex or a semaphore)");
            };
        } catch (InterruptedException stopped) {
            System.err.println("jipc sync await: stopped while waiting on '" + name + "'");
            return 130;
        }
    }

    private int await(ProcessBarrier barrier, Duration timeout) throws InterruptedException {
        int parties = barrier.parties();
        int index;
        try {
            index = timeout == null ? barrier.await() : barrier.await(timeout);
        } catch (TimeoutException late) {
            System.err.println("jipc sync await: barrier '" + name + "' did not trip within " + Timeouts.text(timeout)
                    + " (" + barrier.arrived() + " of " + parties + " parties waiting; this arrival is withdrawn)");
            return 1;
        } catch (BarrierBrokenException broken) { // the library's advice is reset(), which no verb does
            System.err.println("jipc sync await: " + broken.getMessage().replace(" (reset() makes it usable again)", "")
                    + "; destroy the barrier and create it again (jipc sync destroy " + name
                    + ", jipc sync create barrier " + name + " --parties " + parties + ")");
            return 1;
        }
        System.out.println("passed barrier '" + name + "' (arrival " + (parties - index) + " of " + parties + ")");
        return 0;
    }

    private int await(ProcessCountDownLatch latch, Duration timeout) throws InterruptedException {
        if (timeout == null) {
            latch.await();
        } else if (!latch.await(timeout)) {
            System.err.println("jipc sync await: latch '" + name + "' still at " + latch.count() + " after " + Timeouts.text(timeout));
            return 1;
        }
        System.out.println("latch '" + name + "' is open");
        return 0;
    }

    private int await(ProcessCondition condition, Duration timeout) throws InterruptedException {
        if (mutexName == null) {
            throw new IllegalArgumentException("'" + name + "' is a condition: name its mutex with --mutex");
        }
        try (ProcessMutex mutex = SyncCommand.open(mutexName, ProcessMutex.class, "a mutex")) {
            Acquisition locked = mutex.lock();
            Acquisition relocked;
            long start = System.nanoTime();
            try {
                note(locked);
                System.out.println("waiting on condition '" + name + "' (mutex '" + mutexName + "' released while asleep)");
                System.out.flush();
                relocked = timeout == null ? condition.await(mutex) : condition.await(mutex, timeout);
            } finally {
                if (mutex.isHeldByCurrentThread()) { // not after a fault of the mutex's memory: then await's InternalError goes on
                    mutex.unlock();
                }
            }
            note(relocked);
            if (timeout != null && System.nanoTime() - start >= Timeouts.nanos(timeout)) {
                System.err.println("jipc sync await: condition '" + name + "' not signalled within " + Timeouts.text(timeout));
                return 1;
            }
            System.out.println("condition '" + name + "' signalled");
            return 0;
        }
    }

    private void note(Acquisition acquisition) {
        if (acquisition == Acquisition.OWNER_DIED) {
            System.out.println("mutex '" + mutexName + "': a holder died holding it (jipc sync hold " + mutexName
                    + " --mark-consistent marks it repaired)");
        }
    }
}
