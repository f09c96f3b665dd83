package io.jipc.pipe;

import io.jipc.ClosedException;
import io.jipc.platform.Pipes;
import io.jipc.platform.Processes;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A child process started by {@link Command#start()}, with the parent's ends of the pipes to its
 * standard streams (those redirected to {@link Redirect#PIPE}).
 *
 * <h2>Exit</h2>
 * {@link #waitFor()} blocks until the child ends and returns how ({@link ExitStatus}); the child is
 * reaped then (no zombie is left). Waiting watches a {@code pidfd} (Linux 5.3+; where missing, the
 * child is checked every 50 ms), blocks like a pipe read (interruptible, virtual threads park) and
 * may be done by several threads at once.
 *
 * <h2>Closing</h2>
 * {@link #close()} closes the parent's pipe ends (the child sees end of file on its input and
 * {@code EPIPE} on its output) and, if the child is still running, kills it with {@code SIGKILL}
 * and reaps it: in a try-with-resources block, a child never outlives the block. Call
 * {@link #waitFor()} first to let it finish. A child that is neither waited for nor closed stays a
 * zombie (an entry in the process table) from its exit until this JVM exits.
 *
 * <h2>When a side dies</h2>
 * If the child dies, its ends of the pipes close: reads here see end of file once the pipe is
 * drained, writes fail with {@link BrokenPipeException}. If this JVM dies, the child's pipes to it
 * break the same way; the child is not killed (like a shell's child) and is re-parented to init.
 */
public final class ChildProcess implements AutoCloseable {
    private final int pid;
    private final String command;
    private final Map<Integer, PipeEnd> ends;
    private final FdHandle pidfd;
    private final Object lock = new Object();
    private volatile ExitStatus status;

    ChildProcess(int pid, String command, Map<Integer, PipeEnd> ends) {
        this.pid = pid;
        this.command = command;
        this.ends = ends;
        int fd;
        try {
            fd = Processes.pidfdOpen(pid);
        } catch (RuntimeException e) {
            fd = -1; // out of descriptors, say: wait by checking every slice instead
        }
        this.pidfd = fd < 0 ? null : FdHandle.ownAsIs(fd, "pidfd of " + pid);
    }

    public long pid() {
        return pid;
    }

    /** The parent's end of the pipe to the child's standard input. */
    public PipeWriter stdin() {
        return passedWriter(0);
    }

    /** The parent's end of the pipe from the child's standard output. */
    public PipeReader stdout() {
        return passedReader(1);
    }

    /** The parent's end of the pipe from the child's standard error. */
    public PipeReader stderr() {
        return passedReader(2);
    }

    /**
     * The parent's end of a new pipe from which it reads what the child writes on descriptor {@code fd}.
     *
     * @throws IllegalStateException if that descriptor was not {@link Redirect#PIPE}d for output
     */
    public PipeReader passedReader(int fd) {
        if (ends.get(fd) instanceof PipeReader reader) {
            return reader;
        }
        throw new IllegalStateException("descriptor " + fd + " of " + command + " is not a pipe to this process"
                + " for reading (start it with Redirect.PIPE)");
    }

    /** The parent's end of a new pipe to which it writes what the child reads on descriptor {@code fd}. */
    public PipeWriter passedWriter(int fd) {
        if (ends.get(fd) instanceof PipeWriter writer) {
            return writer;
        }
        throw new IllegalStateException("descriptor " + fd + " of " + command + " is not a pipe from this process"
                + " for writing (start it with Redirect.PIPE)");
    }

    /** Waits until the child ends, however long. */
    public ExitStatus waitFor() throws InterruptedException {
        return waitFor(Deadlines.NONE).orElseThrow();
    }

    /**
     * Waits at most {@code timeout}; empty if the child still runs.
     *
     * @throws InterruptedException if interrupted while waiting, or already when the child still
     *                              runs, whatever the timeout (also zero or negative; an ended child's
     *                              status is returned and the interrupt status stays set:
     *                              docs/architecture.md, "Interrupts and timeouts")
     */
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        return waitFor(Deadlines.after(timeout));
    }

    /** How the child ended, without waiting; empty while it runs. */
    public Optional<ExitStatus> exitStatus() {
        return Optional.ofNullable(reap());
    }

    public boolean isAlive() {
        return reap() == null;
    }

    /** Sends {@code SIGTERM}; nothing if the child has ended. */
    public void terminate() {
        signal(Processes.SIGTERM);
    }

    /** Sends {@code SIGKILL}; nothing if the child has ended. */
    public void kill() {
        signal(Processes.SIGKILL);
    }

    private void signal(int signal) {
        synchronized (lock) {
            if (reap() == null) {
                Processes.kill(pid, signal); // not reaped yet, so the pid is still this child's
            }
        }
    }

    private Optional<ExitStatus> waitFor(long deadline) throws InterruptedException {
        while (true) {
            ExitStatus ended = reap();
            if (ended != null) {
                return Optional.of(ended);
            }
            if (Deadlines.passed(deadline)) {
                Deadlines.interruptedAt(deadline); // interrupted rather than timed out, also for a zero timeout
                return Optional.empty();
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (pidfd == null) {
                Readiness.pause(deadline); // nothing to watch: check again after a slice
            } else {
                try {
                    pidfd.acquire();
                } catch (ClosedException reaped) {
                    continue;
                }
                try {
                    Readiness.await(pidfd, Pipes.POLLIN, deadline); // a reap by another thread closes it: ends at once
                } finally {
                    pidfd.release();
                }
            }
        }
    }

    /** Reaps the child if it ended; returns its status or null while it runs. */
    private ExitStatus reap() {
        ExitStatus known = status;
        if (known != null) {
            return known;
        }
        synchronized (lock) {
            if (status == null) {
                int raw = Processes.reapIfExited(pid);
                if (raw != -1) {
                    int code = Processes.exitCode(raw);
                    status = code >= 0 ? ExitStatus.exited(code) : ExitStatus.killed(Processes.terminatingSignal(raw));
                    if (pidfd != null) {
                        pidfd.close();
                    }
                }
            }
            return status;
        }
    }

    /**
     * Closes the parent's pipe ends; kills the child with {@code SIGKILL} if it still runs and reaps it.
     */
    @Override
    public void close() {
        ends.values().forEach(PipeEnd::close);
        if (isAlive()) {
            kill();
            boolean interrupted = false;
            while (true) {
                try {
                    waitFor();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        ExitStatus ended = status;
        return command + " (pid " + pid + (ended == null ? "" : ", " + ended) + ")";
    }
}
