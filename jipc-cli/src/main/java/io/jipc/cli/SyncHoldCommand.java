package io.jipc.cli;

import io.jipc.Timeouts;
import io.jipc.cli.bench.Durations;
import io.jipc.sync.Acquisition;
import io.jipc.sync.ProcessMutex;
import io.jipc.sync.ProcessSemaphore;
import io.jipc.sync.SyncObjects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jipc sync hold NAME}: takes a named mutex, or one permit of a named semaphore, and holds it
 * while a person (or a script) looks on: for {@code --for} if given (the end of standard input then
 * changes nothing), else until standard input ends. A
 * stop by Ctrl-C or {@code SIGTERM} releases it ({@link InterruptOnShutdown}); {@code kill -9}
 * leaves the release to the next acquirer, which is told that a holder died.
 */
@Command(name = "hold", mixinStandardHelpOptions = true,
        description = {"Take a named mutex, or a permit of a named semaphore, print 'acquired', hold it for --for "
                + "or until standard input ends, then release it and print 'released'.",
                "Ctrl-C releases it too; after kill -9 the next acquirer is told that a holder died.",
                "Exit code 1 if it was not acquired within --timeout."})
final class SyncHoldCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "a mutex or a semaphore (jipc sync create)")
    String name;

    @Option(names = "--timeout", description = "wait at most this long to acquire, e.g. 5s; 0: try once "
            + "(default: as long as it takes)")
    String timeoutText;

    @Option(names = "--for", description = "hold this long, e.g. 10s (default: until standard input ends)")
    String holdText;

    @Option(names = "--mark-consistent", description = "if a holder had died, mark the object consistent once "
            + "acquired: what it guards is repaired (or needs no repair), later acquirers are not told again")
    boolean markConsistent;

    /** What hold does with a mutex or a semaphore. */
    private interface Holdable {
        Acquisition take(Duration timeout) throws InterruptedException;

        void release();

        void markConsistent();
    }

    @Override
    public Integer call() throws Exception {
        Duration timeout = timeoutText == null ? null : Durations.timeout(timeoutText);
        Duration hold = holdText == null ? null : Durations.nonNegative("--for", holdText);
        try (InterruptOnShutdown stop = new InterruptOnShutdown()) { // closed once hold(...) has released and printed
            return hold(timeout, hold);
        }
    }

    /** Opens the object and holds it; the checked exception is {@link AutoCloseable#close()}'s. */
    private int hold(Duration timeout, Duration hold) throws Exception {
        try (AutoCloseable object = SyncObjects.open(name)) {
            Holdable holdable = switch (object) {
                case ProcessMutex mutex -> mutex(mutex);
                case ProcessSemaphore semaphore -> semaphore(semaphore);
                default -> throw new IllegalArgumentException("'" + name + "' is not a mutex or a semaphore: it is " + object
                        + " (jipc sync await waits at a barrier, a latch or a condition)");
            };
            return hold(holdable, object, timeout, hold);
        } catch (InterruptedException stopped) {
            System.err.println("jipc sync hold: stopped while waiting for '" + name + "'; nothing was taken");
            return 130;
        }
    }

    private int hold(Holdable holdable, AutoCloseable object, Duration timeout, Duration hold)
            throws InterruptedException {
        Acquisition acquisition = holdable.take(timeout);
        if (!acquisition.acquired()) {
            System.err.println("jipc sync hold: '" + name + "' not acquired " + (timeout.isZero() ? "at once"
                    : "within " + Timeouts.text(timeout)) + "; it is " + object);
            return 1;
        }
        boolean stopped = false;
        try {
            if (acquisition == Acquisition.OWNER_DIED) {
                System.out.println("acquired '" + name + "', but a holder died holding it: what it guards may be "
                        + "half-updated");
                if (markConsistent) {
                    holdable.markConsistent();
                    System.out.println("marked '" + name + "' consistent");
                }
            } else {
                System.out.println("acquired '" + name + "'");
            }
            System.out.flush();
            try {
                awaitEnd(hold);
            } catch (InterruptedException e) {
                stopped = true;
            }
        } finally {
            holdable.release();
        }
        System.out.println("released '" + name + "'" + (stopped ? " (stopped)" : ""));
        return stopped ? 130 : 0;
    }

    /** Sleeps for {@code hold}, or (null) until standard input ends; interruptible either way. */
    static void awaitEnd(Duration hold) throws InterruptedException {
        if (hold != null) {
            Thread.sleep(hold);
            return;
        }
        InputStream in = System.in;
        CountDownLatch ended = new CountDownLatch(1);
        Thread.ofPlatform().daemon().name("jipc-sync-hold-stdin").start(() -> {
            try {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException closed) {
                // the end of the input, as far as holding is concerned
            }
            ended.countDown();
        });
        ended.await(); // a read of System.in is not interruptible, this wait is
    }

    private static Holdable mutex(ProcessMutex mutex) {
        return new Holdable() {
            @Override
            public Acquisition take(Duration timeout) throws InterruptedException {
                return timeout == null ? mutex.lock() : timeout.isZero() ? mutex.tryLock() : mutex.tryLock(timeout);
            }

            @Override
            public void release() {
                mutex.unlock();
            }

            @Override
            public void markConsistent() {
                mutex.markConsistent();
            }
        };
    }

    private static Holdable semaphore(ProcessSemaphore semaphore) {
        return new Holdable() {
            @Override
            public Acquisition take(Duration timeout) throws InterruptedException {
                return timeout == null ? semaphore.acquire()
                        : timeout.isZero() ? semaphore.tryAcquire() : semaphore.tryAcquire(timeout);
            }

            @Override
            public void release() {
                semaphore.release();
            }

            @Override
            public void markConsistent() {
                semaphore.markConsistent();
            }
        };
    }
}
