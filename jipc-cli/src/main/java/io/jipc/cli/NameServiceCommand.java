package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.naming.NameService;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.util.concurrent.Callable;

/**
 * A command that reads the name service: {@code --naming URI} chooses it (default: the configured one,
 * see {@code NamingConfiguration}), {@code --json} the output. A jipc failure or bad input is one line
 * on standard error and exit code 2.
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

    @Override
    public final Integer call() {
        try (NameService names = naming.open()) {
            return run(names);
        } catch (JipcException | IllegalArgumentException e) {
            System.err.println(spec.qualifiedName() + ": " + e.getMessage());
            return 2;
        }
    }
}
