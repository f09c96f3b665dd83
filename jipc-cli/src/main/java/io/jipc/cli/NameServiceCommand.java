package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.naming.NameService;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.UncheckedIOException;
import java.net.URI;
import java.util.concurrent.Callable;

/**
 * A command that reads the name service: {@code --naming URI} chooses it (default: the configured one,
 * see {@code NamingConfiguration}), {@code --json} the output. A failure of the name service (it
 * cannot be reached, its files cannot be read) is one line on standard error and exit code 1, as for
 * every command that uses it ({@code jipc dsm show HOST ...}), unless the command says otherwise
 * ({@link #failureExitCode()}); bad input is a usage error, exit code 2 with the usage ({@link CommandFailures}).
 */
abstract class NameServiceCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Mixin
    NamingOption naming = new NamingOption();

    @Spec
    CommandSpec spec;

    /** Runs the command on the open service; returns the exit code. */
    abstract int run(NameService names);

    /** The exit code of a failure of the name service: 1, not done (lookup's 1 means "free", so it says 3). */
    int failureExitCode() {
        return 1;
    }

    @Override
    public final Integer call() {
        try (NameService names = naming.open()) {
            return run(names);
        } catch (JipcException | UncheckedIOException e) { // the local service's files, too: lookup's 1 is "free"
            System.err.println(spec.qualifiedName() + ": " + e.getMessage());
            return failureExitCode();
        } // an IllegalArgumentException (a malformed name or prefix) is a usage error: CommandFailures prints the usage
    }
}
