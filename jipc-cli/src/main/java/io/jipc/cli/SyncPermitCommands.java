package io.jipc.cli;

import io.jipc.Timeouts;
import io.jipc.cli.bench.Durations;
import io.jipc.sync.Acquisition;
import io.jipc.sync.ProcessSemaphore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * P and V from the shell: {@code jipc sync acquire} takes a permit of an untracked semaphore and
 * keeps it after exiting, {@code jipc sync release} gives permits back. A tracked semaphore is
 * refused: its permits belong to processes ({@link SyncHoldCommand} holds one while it runs).
 */
final class SyncPermitCommands {
    private SyncPermitCommands() {
    }

    /** Opens {@code name}: an untracked semaphore, or a usage error. */
    static ProcessSemaphore untracked(String name) {
        ProcessSemaphore semaphore = SyncCommand.open(name, ProcessSemaphore.class, "a semaphore");
        if (semaphore.tracked()) {
            semaphore.close();
            throw new IllegalArgumentException("'" + name + "' is a tracked semaphore: its permits go back only from "
                    + "their holders (jipc sync hold holds one; create it with --holders 0 for acquire and release)");
        }
        return semaphore;
    }

    @Command(name = "acquire", mixinStandardHelpOptions = true,
            description = {"Take a permit of a named untracked semaphore (created with --holders 0) and keep it: "
                    + "the P operation; waits while none is available.",
                    "Exit code 1 if none came within --timeout."})
    static final class Acquire implements Callable<Integer> {
        @Parameters(index = "0", description = "an untracked semaphore")
        String name;

        @Option(names = "--timeout", description = "wait at most this long, e.g. 5s; 0: try once "
                + "(default: as long as it takes)")
        String timeoutText;

        @Override
        public Integer call() {
            Duration timeout = timeoutText == null ? null : Durations.timeout(timeoutText);
            try (InterruptOnShutdown stop = new InterruptOnShutdown()) { // closed once the wait has ended and printed
                return acquire(timeout);
            }
        }

        private int acquire(Duration timeout) {
            try (ProcessSemaphore semaphore = untracked(name)) {
                Acquisition taken = timeout == null ? semaphore.acquire()
                        : timeout.isZero() ? semaphore.tryAcquire() : semaphore.tryAcquire(timeout);
                if (!taken.acquired()) {
                    System.err.println("jipc sync acquire: no permit of '" + name + "' "
                            + (timeout.isZero() ? "available" : "within " + Timeouts.text(timeout)));
                    return 1;
                }
                System.out.println("acquired a permit of '" + name + "': " + semaphore.availablePermits() + " available");
                return 0;
            } catch (InterruptedException stopped) {
                System.err.println("jipc sync acquire: stopped while waiting for '" + name + "'; nothing was taken");
                return 130;
            }
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = {"Give permits back to a named untracked semaphore (created with --holders 0), "
                    + "waking as many waiters: the V operation.",
                    "A tracked semaphore's permit goes back when its holder (jipc sync hold) ends or dies."})
    static final class Release implements Callable<Integer> {
        @Parameters(index = "0", description = "an untracked semaphore")
        String name;

        @Option(names = "--permits", description = "how many (default: ${DEFAULT-VALUE})")
        int permits = 1;

        @Override
        public Integer call() {
            if (permits <= 0) {
                throw new IllegalArgumentException("--permits " + permits + " is not positive");
            }
            try (ProcessSemaphore semaphore = untracked(name)) {
                try {
                    semaphore.release(permits);
                } catch (IllegalStateException overflow) {
                    System.err.println("jipc sync release: '" + name + "': " + overflow.getMessage());
                    return 1;
                }
                System.out.println("released " + permits + " permit(s) of '" + name + "': "
                        + semaphore.availablePermits() + " available");
            }
            return 0;
        }
    }
}
