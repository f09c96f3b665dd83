package io.jipc.cli;

import io.jipc.platform.Errno;
import picocli.CommandLine;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * The failure of standard output, for every {@code jipc} command ({@link Main} applies it once the
 * command has returned): {@link System#out} is a {@link PrintStream}, which swallows write errors,
 * so a command whose output went to a full disk would otherwise end with exit code 0, its output
 * lost. Commands need do nothing for it; those that must stop at the first failed write
 * ({@code recv}, {@code mailbox recv}, {@code fifo read}, {@code group join}, which take what they
 * print: what was taken and not printed is lost, also when the reader of a pipe went away) check
 * {@link PrintStream#checkError()} themselves and fail on their own.
 * <ul>
 * <li>A command that succeeded but whose standard output could not be written (a full disk,
 *     {@code EIO}, {@code > /dev/full}) fails: one line {@code jipc <command>: cannot write standard
 *     output: ENOSPC (No space left on device)} on standard error, exit code 1.</li>
 * <li>A pipe whose reader went away ({@code EPIPE}: {@code jipc ls | head -1} once {@code head} has
 *     its line, {@code jipc lookup NAME --json | grep -q ...} once {@code grep} has its match) is no
 *     failure: the reader had what it wanted, so the command ends as it would have, silently, exit
 *     code 0. (A C tool would be ended by {@code SIGPIPE}, status 141, which makes such a pipeline
 *     fail at random under {@code set -o pipefail}, depending on whether the reader left before the
 *     last write; the JVM ignores {@code SIGPIPE}, so the write fails with {@code EPIPE} instead.)</li>
 * <li>A command that failed keeps its exit code and its own message.</li>
 * </ul>
 * Only the main thread calls these, {@link #install()} before the command runs and
 * {@link #checked} after it; nothing blocks but the flush of what the command printed.
 */
final class StandardOutput {
    /** The failure of the installed standard output, if it was installed. */
    private static volatile Recorder installed;

    private StandardOutput() {
    }

    /**
     * Replaces {@link System#out} with a print stream like the JVM's own (same charset, buffer and
     * automatic flush) that also remembers why a write to file descriptor 1 failed, so that
     * {@link #checked} can say it. For {@code jipc}'s {@code main} only: tests that run commands in
     * their JVM bring their own {@code System.out}.
     */
    static void install() {
        Recorder recorder = new Recorder(new FileOutputStream(FileDescriptor.out));
        System.setOut(new PrintStream(new BufferedOutputStream(recorder, 128), true, System.out.charset()));
        installed = recorder;
    }

    /**
     * The exit code of a command that returned {@code exit}, once its standard output is flushed:
     * {@code exit} if the command failed, if its output was written or if the pipe it wrote to lost
     * its reader ({@code EPIPE}), else 1, with one line on standard error.
     */
    static int checked(int exit, CommandLine commandLine) {
        commandLine.getOut().flush(); // picocli's help and version go through a writer of its own over System.out
        if (!System.out.checkError() || exit != 0) {
            return exit;
        }
        Recorder recorder = installed;
        IOException failure = recorder == null ? null : recorder.failure;
        if (failure != null && Errno.description(Errno.EPIPE).equals(failure.getMessage())) {
            return exit; // the reader closed the pipe: it wanted no more
        }
        System.err.println(command(commandLine) + ": cannot write standard output"
                + (failure == null ? "" : ": " + reason(failure)));
        System.err.flush();
        return 1;
    }

    /**
     * Why {@code failure}, an I/O error of a file, happened, in the words of jipc's other messages:
     * {@code ENOSPC (No space left on device)} when its message is an errno's description (as the
     * JDK's file streams report them), else its message.
     */
    static String reason(IOException failure) {
        if (failure instanceof NoSuchFileException) {
            return errno(Errno.ENOENT);
        }
        if (failure instanceof AccessDeniedException) {
            return errno(Errno.EACCES);
        }
        String message = failure instanceof FileSystemException file ? file.getReason() : failure.getMessage();
        if (message == null || message.isBlank()) {
            return failure.getClass().getSimpleName();
        }
        for (int errno = 1; errno < 134; errno++) { // Linux's errno values
            if (Errno.description(errno).equals(message)) {
                return errno(errno);
            }
        }
        return message;
    }

    private static String errno(int errno) {
        return Errno.name(errno) + " (" + Errno.description(errno) + ")";
    }

    /** {@code jipc} and the (sub)command that ran, e.g. {@code jipc mailbox info}. */
    private static String command(CommandLine commandLine) {
        CommandLine.ParseResult parsed = commandLine.getParseResult();
        if (parsed == null) {
            return "jipc";
        }
        while (parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
        }
        return parsed.commandSpec().qualifiedName();
    }

    /** File descriptor 1, remembering the first failure of a write or flush. */
    private static final class Recorder extends FilterOutputStream {
        volatile IOException failure;

        Recorder(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw recorded(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw recorded(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw recorded(e);
            }
        }

        private IOException recorded(IOException e) {
            if (failure == null) {
                failure = e;
            }
            return e;
        }
    }
}
