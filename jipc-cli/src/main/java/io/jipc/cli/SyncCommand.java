package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.sync.ProcessBarrier;
import io.jipc.sync.ProcessCondition;
import io.jipc.sync.ProcessCountDownLatch;
import io.jipc.sync.ProcessMutex;
import io.jipc.sync.ProcessSemaphore;
import io.jipc.sync.SyncObjects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jipc sync}: create, inspect and remove named synchronization objects from the shell, and
 * use them: hold a mutex or a permit ({@link SyncHoldCommand}), wait at a barrier, a latch or a
 * condition ({@link SyncAwaitCommand}), take or give back a permit of an untracked semaphore
 * ({@link SyncPermitCommands}), count a latch down, signal a condition ({@link SyncPostCommands}).
 */
@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Create, inspect, use and destroy named mutexes, semaphores, conditions, barriers and latches.",
        subcommands = {SyncCommand.Create.class, SyncCommand.Info.class, SyncHoldCommand.class,
                SyncPermitCommands.Acquire.class, SyncPermitCommands.Release.class, SyncAwaitCommand.class, SyncPostCommands.CountDown.class,
                SyncPostCommands.Signal.class, SyncCommand.Destroy.class})
final class SyncCommand {

    /**
     * Opens the named object {@code name}, which must be a {@code kind} ({@code what} names it for
     * people): another kind is a usage error ({@link IllegalArgumentException}).
     */
    static <T extends AutoCloseable> T open(String name, Class<T> kind, String what) {
        AutoCloseable object = SyncObjects.open(name);
        if (kind.isInstance(object)) {
            return kind.cast(object);
        }
        String found = object.toString();
        try {
            object.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalArgumentException("'" + name + "' is not " + what + ": it is " + found);
    }

    /** The kinds of object {@code create} makes, with the options of {@code create} that apply to each. */
    enum Kind {
        MUTEX, SEMAPHORE("--permits", "--holders"), CONDITION, BARRIER("--parties"), LATCH("--count");

        private final List<String> options;

        Kind(String... options) {
            this.options = List.of(options);
        }

        /**
         * Refuses, as a usage error, an option given that does not apply to this kind (a mutex has no
         * permits): it would be ignored, and what was asked for not made.
         */
        void checkApplies(ParseResult given) {
            for (Kind other : values()) {
                for (String option : other.options) {
                    if (given.hasMatchedOption(option) && !options.contains(option)) {
                        throw new IllegalArgumentException(option + " is for a " + other.word() + ", not a " + word()
                                + (options.isEmpty() ? "" : " (a " + word() + " takes " + String.join(", ", options) + ")"));
                    }
                }
            }
        }

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a named object.")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", description = "kind: ${COMPLETION-CANDIDATES}")
        Kind kind;

        @Parameters(index = "1", description = "name")
        String name;

        @Option(names = "--permits", description = "semaphore: initial permits (default: ${DEFAULT-VALUE});"
                + " 0 only with --holders 0")
        int permits = 1;

        @Option(names = "--holders", description = "semaphore: holder entries, 0 = untracked (default: ${DEFAULT-VALUE})")
        int holders = ProcessSemaphore.DEFAULT_HOLDER_ENTRIES;

        @Option(names = "--parties", description = "barrier: parties, at most 4096 (default: ${DEFAULT-VALUE});"
                + " tracked: a party killed while others wait breaks it")
        int parties = 2;

        @Option(names = "--count", description = "latch: count (default: ${DEFAULT-VALUE})")
        int count = 1;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            kind.checkApplies(spec.commandLine().getParseResult());
            if (kind == Kind.SEMAPHORE && permits == 0 && holders > 0) { // ProcessSemaphore refuses it too, in API words
                throw new IllegalArgumentException("a tracked semaphore with --permits 0 could never be acquired nor"
                        + " released (only a holder releases its permits); to signal with one that starts at 0,"
                        + " create it untracked: --holders 0 --permits 0");
            }
            try (AutoCloseable created = switch (kind) {
                case MUTEX -> ProcessMutex.create(name);
                case SEMAPHORE -> ProcessSemaphore.create(name, permits, holders, 0600);
                case CONDITION -> ProcessCondition.create(name);
                case BARRIER -> ProcessBarrier.create(name, parties);
                case LATCH -> ProcessCountDownLatch.create(name, count);
            }) {
                System.out.println("created '" + name + "': " + created);
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = {"Describe named objects: owner or holders (alive or dead), permits, sleepers.",
                    "Exit code 1 if one could not be read (no such object, a damaged file); the others are still described."})
    static final class Info implements Callable<Integer> {
        @Parameters(index = "0..*", description = "names (default: every named object)")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            int exit = 0;
            for (String name : names == null ? SyncObjects.names() : names) {
                try (AutoCloseable object = SyncObjects.open(name)) {
                    System.out.println(name + ": " + object);
                } catch (JipcException unreadable) { // no such object, a damaged file: say so, go on with the rest
                    System.err.println("jipc sync info: " + unreadable.getMessage());
                    exit = 1;
                }
            }
            return exit;
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true, description = "Remove a named object.")
    static final class Destroy implements Callable<Integer> {
        @Parameters(index = "0", description = "name")
        String name;

        @Override
        public Integer call() {
            if (!SyncObjects.destroy(name)) {
                System.err.println("jipc sync destroy: no synchronization object '" + name + "'");
                return 1;
            }
            return 0;
        }
    }
}
