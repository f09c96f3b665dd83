package io.jipc.cli;

import io.jipc.Timeouts;
import io.jipc.cli.bench.Durations;
import io.jipc.filelock.FileLock;
import io.jipc.filelock.LockMode;
import io.jipc.filelock.LockableFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code jipc filelock}: take an advisory lock on a file from the shell. */
@Command(name = "filelock", mixinStandardHelpOptions = true,
        description = "Take a shared or exclusive advisory lock (open file description lock) on a file.",
        subcommands = {FileLockCommand.Hold.class})
final class FileLockCommand {

    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = "Lock FILE, print 'locked', hold the lock for --for or until standard input ends.")
    static final class Hold implements Callable<Integer> {
        @Parameters(index = "0", description = "the file (created if missing)")
        Path file;

        @Option(names = "--shared", description = "a shared (reader) lock instead of an exclusive one")
        boolean shared;

        @Option(names = "--timeout", description = "wait at most this long for the lock, e.g. 5s; 0: try once")
        String timeoutText;

        @Option(names = "--for", description = "hold this long, e.g. 10s (default: until standard input ends)")
        String holdText;

        @Override
        public Integer call() throws Exception {
            LockMode mode = shared ? LockMode.SHARED : LockMode.EXCLUSIVE;
            Duration hold = holdText == null ? null : Durations.nonNegative("--for", holdText); // before locking
            Duration timeout = timeoutText == null ? null : Durations.timeout(timeoutText);
            try (LockableFile lockable = LockableFile.openOrCreate(file)) {
                FileLock lock = timeout == null ? lockable.lock(mode) : lockable.tryLock(mode, timeout);
                if (lock == null) {
                    System.err.println("jipc filelock hold: " + file + " is locked by another process ("
                            + (timeout.isZero() ? "tried once" : "waited " + Timeouts.text(timeout)) + ")");
                    return 1;
                }
                try (lock) {
                    System.out.println("locked " + file + " " + mode.name().toLowerCase());
                    if (hold != null) {
                        Thread.sleep(hold);
                    } else {
                        System.in.transferTo(java.io.OutputStream.nullOutputStream());
                    }
                }
                System.out.println("released " + file);
            }
            return 0;
        }
    }
}
