package io.jipc.signals;

import io.jipc.testkit.ChildCommands;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A non-Java child process (a shell command, the compiled wait-status reporter) whose output is
 * read line by line; {@link #close()} kills it and a grandchild it reported, so nothing outlives
 * the test.
 */
final class CommandProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();
    private volatile long grandchild;

    CommandProcess(List<String> command) {
        try {
            process = new ProcessBuilder(ChildCommands.dyingWithThisJvm(command)).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        });
    }

    Process process() {
        return process;
    }

    /** The process this one started, as it reported it, or 0. */
    long grandchild() {
        return grandchild;
    }

    /** Remembers a process this one started, to kill it on {@link #close()}. */
    void owns(long pid) {
        grandchild = pid;
    }

    /** The next line of output; fails if it does not start with {@code prefix} or does not come in time. */
    String nextLine(String prefix, Duration timeout) throws InterruptedException {
        String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null || !line.startsWith(prefix)) {
            throw new AssertionError("expected a line starting with '" + prefix + "', got " + line + "; output:\n"
                    + output);
        }
        return line;
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + "; output:\n" + output);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (grandchild > 0) {
            ProcessHandle.of(grandchild).ifPresent(ProcessHandle::destroyForcibly);
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
