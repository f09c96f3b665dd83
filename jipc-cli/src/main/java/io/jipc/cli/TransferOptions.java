package io.jipc.cli;

import io.jipc.JipcException;
import io.jipc.cli.bench.Durations;
import io.jipc.cli.endpoint.Direction;
import io.jipc.cli.endpoint.Endpoints;
import io.jipc.cli.endpoint.MessageEndpoint;
import io.jipc.cli.endpoint.Wait;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The options {@code send} and {@code recv} share (a picocli mixin): how long to wait, whether to
 * create a missing object, and how failures become exit codes (1: not done, 2: bad usage).
 */
final class TransferOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "the object, e.g. mq:/orders or mailbox:orders")
    String uri;

    @Option(names = "--timeout", paramLabel = "D",
            description = "wait at most this long for each message (or room), e.g. 500ms, 5s (default: no limit); "
                    + "for tcp://HOST:PORT/NAME the first one's wait includes connecting to the gateway (without "
                    + "--timeout: at most 5s; at least 1s, as a TCP connection cannot take no time)")
    String timeout;

    @Option(names = "--nonblock", description = "do not wait at all: fail at once if there is no message (or room); "
            + "a tcp://HOST:PORT/NAME may take up to 1s to connect to its gateway first (a TCP connection cannot take no time)")
    boolean nonblock;

    @Option(names = "--no-create", description = "refuse a missing object instead of creating it with default attributes")
    boolean noCreate;

    /** The wait the options ask for. */
    Wait waitFor() {
        if (nonblock && timeout != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nonblock and --timeout exclude each other");
        }
        if (nonblock) {
            return Wait.NONE;
        }
        try {
            return timeout == null ? Wait.FOREVER : Wait.atMost(Durations.timeout(timeout));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** What a command does with the open object; returns the exit code. */
    interface EndpointAction {
        int run(MessageEndpoint endpoint) throws InterruptedException;
    }

    /**
     * Opens the URI and runs {@code action} on it; if that created the object (a missing mailbox or
     * queue, without {@code --no-create}), says so in one line on standard error. A malformed URI or argument (an
     * {@link IllegalArgumentException}) is a usage error (exit code 2); a failure of the object (no
     * such object, a limit, an errno) is reported in one line with exit code 1.
     */
    int withEndpoint(EndpointAction action) throws InterruptedException {
        return withEndpoint(0, false, action);
    }

    /**
     * As {@link #withEndpoint(EndpointAction)}, for a command that sends at {@code priority} or receives
     * {@code truncating}: what the object could never do is a usage error before anything is created.
     */
    int withEndpoint(int priority, boolean truncating, EndpointAction action) throws InterruptedException {
        try (MessageEndpoint endpoint = Endpoints.open(uri, !noCreate, priority, truncating, direction())) {
            if (endpoint.created()) { // a typo in the URI makes a new object: say so, once
                System.err.println(spec.qualifiedName() + ": created " + endpoint.describe(uri) + " (it did not exist; --no-create refuses"
                        + " instead)");
            }
            return action.run(endpoint);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e, null, uri);
        } catch (JipcException e) {
            return fail(e.getMessage());
        }
    }

    /** Which way the command moves messages: {@code recv} receives, {@code send} sends. */
    Direction direction() {
        return spec.name().equals("recv") ? Direction.RECEIVE : Direction.SEND;
    }

    /** Prints {@code jipc <command>: message} on standard error and returns exit code 1. */
    int fail(String message) {
        return fail(spec, message);
    }

    /** Prints {@code jipc <command>: message} on standard error and returns exit code 1. */
    static int fail(CommandSpec spec, String message) {
        System.err.println(spec.qualifiedName() + ": " + message);
        return 1;
    }
}
