package io.jipc.cli;

import io.jipc.sync.Acquisition;
import io.jipc.sync.ProcessCondition;
import io.jipc.sync.ProcessCountDownLatch;
import io.jipc.sync.ProcessMutex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** The {@code jipc sync} verbs that never wait for another process: count a latch down, signal a condition. */
final class SyncPostCommands {
    private SyncPostCommands() {
    }

    @Command(name = "count-down", mixinStandardHelpOptions = true,
            description = "Count a named latch down by one (at 0 it opens: every waiter goes on; below 0 it never goes).")
    static final class CountDown implements Callable<Integer> {
        @Parameters(index = "0", description = "a latch")
        String name;

        @Override
        public Integer call() {
            try (ProcessCountDownLatch latch = SyncCommand.open(name, ProcessCountDownLatch.class, "a latch")) {
                latch.countDown();
                int count = latch.count();
                System.out.println("latch '" + name + "' " + (count == 0 ? "is open" : "at " + count));
            }
            return 0;
        }
    }

    @Command(name = "signal", mixinStandardHelpOptions = true,
            description = {"Wake one waiter of a named condition (--all: every waiter).",
                    "With --mutex the signal is sent holding the mutex, as a monitor does: a waiter that printed "
                            + "'waiting' cannot miss it."})
    static final class Signal implements Callable<Integer> {
        @Parameters(index = "0", description = "a condition")
        String name;

        @Option(names = "--all", description = "wake every waiter")
        boolean all;

        @Option(names = "--mutex", description = "hold this mutex while signalling (the waiters' mutex)")
        String mutexName;

        @Override
        public Integer call() throws InterruptedException {
            try (ProcessCondition condition = SyncCommand.open(name, ProcessCondition.class, "a condition")) {
                if (mutexName == null) {
                    signal(condition);
                    return 0;
                }
                try (ProcessMutex mutex = SyncCommand.open(mutexName, ProcessMutex.class, "a mutex")) {
                    Acquisition locked = mutex.lock();
                    try {
                        if (locked == Acquisition.OWNER_DIED) {
                            System.out.println("mutex '" + mutexName + "': a holder died holding it (jipc sync hold "
                                    + mutexName + " --mark-consistent marks it repaired)");
                        }
                        signal(condition);
                    } finally {
                        mutex.unlock();
                    }
                }
            }
            return 0;
        }

        private void signal(ProcessCondition condition) {
            if (all) {
                condition.signalAll();
            } else {
                condition.signal();
            }
            System.out.println("signalled condition '" + name + "'" + (all ? " (all waiters)" : ""));
        }
    }
}
