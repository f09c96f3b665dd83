package io.jipc.cli;

import io.jipc.CorruptSegmentException;
import io.jipc.JipcException;
import io.jipc.rpc.RpcException;
import picocli.CommandLine;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.UncheckedIOException;

/**
 * What a command's exception becomes, for every {@code jipc} command ({@link Main} installs it):
 * the exit codes documented in {@code docs/tools.md}, never a stack trace for a failure the user
 * can act on.
 * <ul>
 * <li>{@link IllegalArgumentException}: the command line asked for something invalid (a malformed
 *     name, a negative size, a duration that does not parse), so it is a usage error, reported as
 *     picocli reports its own (the message, then the command's usage) with exit code 2.</li>
 * <li>A failure of the object or the system ({@link JipcException}, including errno and "no such
 *     object"; {@link RpcException}; {@link UncheckedIOException}; {@link UnsupportedOperationException},
 *     e.g. no native access): one line {@code jipc <command>: <message>} on standard error, exit
 *     code 1.</li>
 * <li>The fault of a mapped file that another process truncated, which HotSpot throws as an
 *     {@link InternalError} ("a fault occurred in an unsafe memory access operation", an
 *     {@link Error} that picocli does not hand to this class): {@link #runLast} makes it a
 *     {@link CorruptSegmentException}, so it is one line as above (exit code 1), naming the object
 *     when the handle's close did (docs/synchronization.md, limits).</li>
 * <li>Anything else is a bug in jipc: picocli's default, the stack trace and exit code 1; another
 *     {@link Error} too.</li>
 * </ul>
 * Commands that print their own message and return an exit code are not affected.
 */
final class CommandFailures implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception failure, CommandLine command, ParseResult parsed) throws Exception {
        if (failure instanceof IllegalArgumentException invalid) {
            ParameterException usage = new ParameterException(command, message(invalid), invalid);
            return command.getParameterExceptionHandler().handleParseException(usage,
                    parsed.originalArgs().toArray(String[]::new));
        }
        if (failure instanceof JipcException || failure instanceof RpcException
                || failure instanceof UncheckedIOException || failure instanceof UnsupportedOperationException) {
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + message(failure));
            command.getErr().flush();
            return command.getCommandSpec().exitCodeOnExecutionException();
        }
        throw failure;
    }

    /**
     * Runs the last command of {@code parsed}, as picocli's {@link CommandLine.RunLast} does, with the
     * fault of a truncated mapping made a {@link CorruptSegmentException} for
     * {@link #handleExecutionException}: its message is that of the exception the closing of the
     * object added to the fault (a jipc handle's close names the object and says that its file may
     * have been truncated), or else says so itself. Any other {@link Error} is thrown as it is.
     */
    static int runLast(ParseResult parsed) {
        try {
            return new CommandLine.RunLast().execute(parsed);
        } catch (InternalError fault) {
            if (fault.getMessage() == null || !fault.getMessage().contains("unsafe memory access")) {
                throw fault;
            }
            String message = "shared memory faulted (was its file truncated by another process?): " + fault.getMessage();
            for (Throwable suppressed : fault.getSuppressed()) {
                if (suppressed instanceof JipcException closing && closing.getMessage() != null) {
                    message = closing.getMessage();
                    break;
                }
            }
            CorruptSegmentException corrupt = new CorruptSegmentException(message);
            corrupt.initCause(fault);
            ParseResult last = parsed;
            while (last.subcommand() != null) {
                last = last.subcommand();
            }
            throw new ExecutionException(last.commandSpec().commandLine(), message, corrupt);
        }
    }

    private static String message(Exception failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
    }
}
