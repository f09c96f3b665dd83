package io.jipc.pipe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Running children connected like the shell's {@code prog1 | prog2 | prog3}: each stage's standard
 * output is a kernel pipe into the next stage's standard input.
 *
 * <p>The first stage's standard input and the last stage's standard output go where their commands
 * say ({@link Redirect#PIPE} gives the parent {@link #stdin()} / {@link #stdout()}); the connected
 * streams of inner stages must be left at their default. Each stage's standard error goes where its
 * command says. The parent keeps no end of the pipes between stages, so end of file and broken pipes
 * travel down and up the pipeline as in a shell: when {@code head} exits, {@code yes} before it gets
 * {@code SIGPIPE} (a non-Java child has the default disposition) or {@code EPIPE}.
 *
 * <p>{@link #waitFor()} returns every stage's {@link ExitStatus} (the shell's {@code PIPESTATUS});
 * {@link #close()} closes the parent's ends and kills the stages still running.
 */
public final class Pipeline implements AutoCloseable {
    private final List<ChildProcess> stages;

    private Pipeline(List<ChildProcess> stages) {
        this.stages = List.copyOf(stages);
    }

    /**
     * Starts the stages, first to last. If one cannot be started, those already started are killed
     * and the failure is thrown.
     */
    public static Pipeline start(Command... commands) {
        return start(List.of(commands));
    }

    public static Pipeline start(List<Command> commands) {
        if (commands.size() < 2) {
            throw new IllegalArgumentException("a pipeline needs at least two commands, got " + commands.size());
        }
        for (int i = 0; i < commands.size(); i++) {
            Command c = commands.get(i);
            if (i > 0 && c.stdin() != Redirect.INHERIT) {
                throw new IllegalArgumentException("stage " + (i + 1) + " (" + c + ") reads the pipe from stage " + i
                        + "; leave its stdin at the default");
            }
            if (i < commands.size() - 1 && c.stdout() != Redirect.INHERIT) {
                throw new IllegalArgumentException("stage " + (i + 1) + " (" + c + ") writes into the pipe to stage "
                        + (i + 2) + "; leave its stdout at the default");
            }
        }
        List<ChildProcess> started = new ArrayList<>();
        try {
            PipeReader previous = null;
            for (int i = 0; i < commands.size(); i++) {
                Command c = commands.get(i);
                boolean last = i == commands.size() - 1;
                Redirect stdin = c.stdin();
                Redirect stdout = c.stdout();
                try {
                    if (previous != null) {
                        c.stdin(Redirect.from(previous));
                    }
                    if (!last) {
                        c.stdout(Redirect.PIPE);
                    }
                    ChildProcess child = c.start();
                    started.add(child);
                    if (previous != null) {
                        previous.close(); // the next stage has its own description of it now
                    }
                    previous = last ? null : child.stdout();
                } finally {
                    c.stdin(stdin);
                    c.stdout(stdout);
                }
            }
            return new Pipeline(started);
        } catch (RuntimeException e) {
            for (ChildProcess child : started) {
                child.close();
            }
            throw e;
        }
    }

    /** The stages, first to last. */
    public List<ChildProcess> stages() {
        return stages;
    }

    /** The parent's end of the pipe to the first stage's standard input ({@link Redirect#PIPE}). */
    public PipeWriter stdin() {
        return stages.getFirst().stdin();
    }

    /** The parent's end of the pipe from the last stage's standard output ({@link Redirect#PIPE}). */
    public PipeReader stdout() {
        return stages.getLast().stdout();
    }

    /** Waits until every stage ended; their statuses, first to last. */
    public List<ExitStatus> waitFor() throws InterruptedException {
        List<ExitStatus> statuses = new ArrayList<>();
        for (ChildProcess stage : stages) {
            statuses.add(stage.waitFor());
        }
        return statuses;
    }

    /** Waits at most {@code timeout} in all; empty if a stage still runs then. */
    public Optional<List<ExitStatus>> waitFor(Duration timeout) throws InterruptedException {
        long deadline = Deadlines.after(timeout);
        List<ExitStatus> statuses = new ArrayList<>();
        for (ChildProcess stage : stages) {
            long left = Deadlines.remaining(deadline, Long.MAX_VALUE);
            Optional<ExitStatus> status = stage.waitFor(Duration.ofNanos(Math.max(0, left)));
            if (status.isEmpty()) {
                return Optional.empty();
            }
            statuses.add(status.get());
        }
        return Optional.of(statuses);
    }

    /** Closes the parent's ends and kills the stages still running (see {@link ChildProcess#close()}). */
    @Override
    public void close() {
        for (ChildProcess stage : stages) {
            stage.close();
        }
    }

    @Override
    public String toString() {
        return String.join(" | ", stages.stream().map(ChildProcess::toString).toList());
    }
}
