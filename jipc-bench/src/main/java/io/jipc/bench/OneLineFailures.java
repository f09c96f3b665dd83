package io.jipc.bench;

import io.jipc.JipcException;
import picocli.CommandLine;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * How a {@code jipc-bench} command ends on a failure of the system it measures — a peer process that
 * died ({@code PeerDiedException}), a handle closed by a stop (Ctrl-C closes what the command holds):
 * a {@link JipcException}, said in one line, {@code jipc-bench COMMAND: message}, with exit code 1.
 * Anything else is a bug of the benchmark, and keeps its stack trace.
 */
public final class OneLineFailures {
    private OneLineFailures() {
    }

    /** For a picocli command: the handler of exceptions thrown by its {@code call()}. */
    public static CommandLine.IExecutionExceptionHandler handler(String command, PrintStream err) {
        return (failure, line, parsed) -> {
            if (failure instanceof JipcException) {
                err.println("jipc-bench " + command + ": " + failure.getMessage());
                return 1;
            }
            throw failure;
        };
    }

    /** Runs {@code main} and returns its exit code, 1 with one line on standard error for a {@link JipcException}. */
    public static int exitCode(String command, Callable<Integer> main) throws Exception {
        try {
            return main.call();
        } catch (JipcException failure) {
            System.err.println("jipc-bench " + command + ": " + failure.getMessage());
            return 1;
        }
    }
}
