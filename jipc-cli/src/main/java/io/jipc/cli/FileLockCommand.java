package io.jipc.cli;

import io.jipc.ErrnoException;
import io.jipc.Timeouts;
import io.jipc.cli.bench.Durations;
import io.jipc.filelock.FileLock;
import io.jipc.filelock.LockMode;
import io.jipc.filelock.LockableFile;
import io.jipc.platform.Errno;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jipc filelock}: take an advisory lock on a file from the shell. */
@Command(name = "filelock", mixinStandardHelpOptions = true,
        description = "Take a shared or exclusive advisory lock (open file description lock) on a file.",
        subcommands = {FileLockCommand.Hold.class})
final class FileLockCommand {

    /**
     * Holds the lock for {@code --for} (the end of standard input then changes nothing) or, without
     * it, until standard input ends. A stop by Ctrl-C, {@code SIGTERM} or {@code SIGHUP}
     * ({@link InterruptOnShutdown}) releases it as that end does and says so,
     * {@code released FILE (stopped)}; a stop while waiting for the lock takes nothing.
     */
    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = {"Lock FILE, print 'locked', hold the lock for --for or until standard input ends, release "
                    + "it and print 'released'.",
                    "Ctrl-C or SIGTERM releases it too ('released FILE (stopped)', exit status 130 or 143)."})
    static final class Hold implements Callable<Integer> {
        @Parameters(index = "0", description = "the file (created if missing)")
        Path file;

        @Option(names = "--shared", description = "a shared (reader) lock instead of an exclusive one; a file this user "
                + "may read but not write is then opened for reading only")
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
            try (InterruptOnShutdown stop = new InterruptOnShutdown()) { // closed once released and printed
                return hold(mode, timeout, hold);
            }
        }

        /**
         * Opens the file for reading and writing, created if missing; for a shared lock, a file this
         * user may read but not write ({@code EACCES}: another user's, say) is opened for reading only,
         * which is all a shared lock needs.
         */
        private LockableFile open() {
            try {
                return LockableFile.openOrCreate(file);
            } catch (ErrnoException e) {
                if (!shared || e.errno() != Errno.EACCES) {
                    throw e;
                }
                try {
                    return LockableFile.openForReading(file);
                } catch (ErrnoException alsoRefused) { // not readable either, or not there: the first reason
                    e.addSuppressed(alsoRefused);
                    throw e;
                }
            }
        }

        private int hold(LockMode mode, Duration timeout, Duration hold) {
            try (LockableFile lockable = open()) {
                FileLock lock;
                try {
                    lock = timeout == null ? lockable.lock(mode) : lockable.tryLock(mode, timeout);
                } catch (InterruptedException stopped) {
                    System.err.println("jipc filelock hold: stopped while waiting for " + file + "; nothing was taken");
                    return 130;
                }
                if (lock == null) {
                    System.err.println("jipc filelock hold: " + file + " is locked by another process ("
                            + (timeout.isZero() ? "tried once" : "waited " + Timeouts.text(timeout)) + ")");
                    return 1;
                }
                boolean stopped = false;
                try (lock) {
                    System.out.println("locked " + file + " " + mode.name().toLowerCase(Locale.ROOT));
                    System.out.flush();
                    SyncHoldCommand.awaitEnd(hold);
                } catch (InterruptedException e) {
                    stopped = true;
                }
                System.out.println("released " + file + (stopped ? " (stopped)" : ""));
                return stopped ? 130 : 0;
            }
        }
    }
}
