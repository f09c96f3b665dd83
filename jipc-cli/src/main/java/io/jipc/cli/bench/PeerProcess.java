package io.jipc.cli.bench;

import io.jipc.pipe.ChildProcess;
import io.jipc.pipe.Command;
import io.jipc.pipe.ExitStatus;
import io.jipc.pipe.PipeChannel;
import io.jipc.pipe.Redirect;
import io.jipc.platform.JavaCommand;
import io.jipc.platform.ProcessIdentity;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of a two-process benchmark, started with this JVM's class path (see
 * {@link JavaCommand}) and the same options as the jipc benchmark's peer ({@code -Xms64m -Xmx256m
 * -XX:+UseSerialGC}) plus {@code extraJvmArgs}. Its output (standard error merged) is read line by
 * line; it announces phases with {@code READY <phase>} and ends with {@code PEER DONE}.
 *
 * <p>The child is started through jipc's {@link Command}: its standard input is a pipe from this
 * process ({@link #tell}, for peers that take their phases one at a time), and its descriptors
 * {@value PipeChannel#CHILD_INPUT_FD} and {@value PipeChannel#CHILD_OUTPUT_FD} are a
 * {@link PipeChannel} to this process ({@link #pipeChannel()}), for the anonymous-pipe benchmark.
 * The child halts as soon as this process has exited, however it ended: it is given this
 * process's identity (pid and start time) on its command line and watches that very process
 * ({@link ParentWatch}: a {@code pidfd}, so no delay), also when this process died while the child
 * JVM was still starting, and {@link #close()} kills it if it still runs.
 *
 * <h2>When the peer dies</h2>
 * A watcher thread waits for the child's exit ({@link ChildProcess#waitFor()}: a {@code pidfd},
 * no polling, nothing in the measured loops). If the child ends before it printed
 * {@code PEER DONE} and before {@link #close()}, the peer <em>died</em>: the watcher interrupts the
 * thread that started it (the measuring thread), whose waits end at once (a mailbox or circular
 * buffer's {@code take}/{@code put} with {@link InterruptedException}, whatever the wait strategy;
 * a pipe's read sees end of file anyway). The benchmark then asks {@link #death()} (or
 * {@link #checkAlive}) for a {@link PeerDiedException} naming the pid, how the child ended and the
 * {@linkplain #phase phase}, e.g. {@code the peer process 1234 died (killed by signal 9) during
 * mailbox futex ping-pong}. Only the starting thread may call {@link #death()}, {@link #phase},
 * {@link #await} and {@link #tell}.
 *
 * <h2>When the peer stops answering</h2>
 * A peer that lives but makes no progress (stopped by {@code SIGSTOP} or a debugger, a frozen
 * cgroup, a deadlock) would hold the measuring thread in a send or receive for ever. So the
 * measuring loops report {@link #progress()} (every few dozen exchanges or about a thousand
 * messages: a clock read and two volatile writes, nothing per message), and an alarm thread of this
 * object waits (a timed wait on a monitor, woken only when it is armed again after {@link #idle()})
 * until {@link #ANSWER_WAIT} has passed since the last progress. If it has, the peer is taken to have
 * stopped answering: the alarm kills it ({@code SIGKILL}, which ends a stopped process too), and its
 * end is a death like any other (the waits end as above), which {@link #death()} reports as
 * {@code the peer process 1234 stopped answering during mailbox futex one-way 64 B: no progress for
 * 30 s (it is stopped: SIGSTOP, a debugger or a frozen cgroup), so it was killed}. Any thread may
 * call {@link #progress()} and {@link #idle()}.
 */
public final class PeerProcess implements AutoCloseable {
    /**
     * The longest the measuring side lets the peer go without {@link #progress()} before it gives up
     * on it: 30 s, or the system property {@value #ANSWER_WAIT_PROPERTY} (an ISO-8601 duration, e.g.
     * {@code PT10S}; for tests, which need not wait 30 s for a peer they stopped themselves).
     */
    public static final Duration ANSWER_WAIT = answerWait();
    /** The system property that overrides {@link #ANSWER_WAIT}. */
    public static final String ANSWER_WAIT_PROPERTY = "jipc.bench.answerWait";

    private static final String EOF = "\u0000EOF";
    private static final long ANSWER_WAIT_NANOS = ANSWER_WAIT.toNanos();

    private final ChildProcess process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();
    private final Thread starter = Thread.currentThread();
    private final CountDownLatch watched = new CountDownLatch(1);
    private PipeChannel channel;
    private volatile boolean gone;
    /** The reader saw {@code PEER DONE}: an exit after it is the normal end. */
    private volatile boolean finished;
    private volatile String phase = "start-up";
    /** Guarded by this: {@link #close()} has begun (the child's end is no death then). */
    private boolean closing;
    /** How the child ended if it died (see the class comment); set once by the watcher, under this. */
    private volatile ExitStatus died;
    /** Whether the watcher interrupted the starting thread (and {@link #death()} has not cleared it yet). */
    private boolean interrupted;
    /** The alarm's monitor (see the class comment). */
    private final Object alarm = new Object();
    /** Whether the alarm counts: set by {@link #progress()}, cleared by {@link #idle()}. */
    private volatile boolean armed;
    /** {@link System#nanoTime()} of the last {@link #progress()}. */
    private volatile long progressAt;
    /** The alarm waits until it is armed (and must be woken then). */
    private volatile boolean alarmIdle;
    private volatile boolean alarmClosed;
    /** Set by the alarm before it kills the peer: what the peer was doing then. */
    private volatile String stalled;
    /**
     * Set by the alarm before {@link #stalled}: the {@linkplain #phase phase} in which no progress
     * came, which the report names even if the measuring thread has named another since (as
     * {@link #checkAlive} does once it sees the peer gone).
     */
    private volatile String stalledDuring;

    private static Duration answerWait() {
        String configured = System.getProperty(ANSWER_WAIT_PROPERTY);
        if (configured == null) {
            return Duration.ofSeconds(30);
        }
        Duration wait = Duration.parse(configured);
        if (wait.isNegative() || wait.isZero()) {
            throw new IllegalArgumentException(ANSWER_WAIT_PROPERTY + " must be positive: " + configured);
        }
        return wait;
    }

    /** Starts {@code main} with {@code args} in a child JVM. */
    public PeerProcess(Class<?> main, List<String> extraJvmArgs, List<String> args) throws IOException {
        JavaCommand command = JavaCommand.forMain(main).jvmArg("-Xms64m").jvmArg("-Xmx256m").jvmArg("-XX:+UseSerialGC");
        for (String arg : extraJvmArgs) {
            command.jvmArg(arg);
        }
        command.property(ParentWatch.PROPERTY, ParentWatch.thisProcess()); // whom it watches
        command.args(args);
        process = PipeChannel.prepare(Command.of(command.toList()))
                .stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.TO_STDOUT).start();
        Thread reader = Thread.ofPlatform().daemon().name("jipc-bench-peer-output").start(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.stdout().asInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.append(line).append('\n');
                    if (line.equals("PEER DONE")) {
                        finished = true;
                    }
                    lines.add(line);
                }
            } catch (IOException | RuntimeException ignored) {
                // peer gone
            }
            gone = true;
            lines.add(EOF);
        });
        Thread.ofPlatform().daemon().name("jipc-bench-peer-watcher").start(() -> {
            try {
                ExitStatus status = process.waitFor();
                reader.join(); // its output is all read: PEER DONE was seen if it was printed
                synchronized (this) {
                    if (!closing && !finished) {
                        died = status;
                        interrupted = true;
                        starter.interrupt(); // ends the measuring thread's waits
                    }
                }
            } catch (InterruptedException | RuntimeException stopped) {
                // closed meanwhile
            } finally {
                watched.countDown();
            }
        });
        Thread.ofPlatform().daemon().name("jipc-bench-peer-alarm").start(this::alarm);
    }

    /**
     * The measuring side has just made progress with the peer (an exchange, a batch of messages, an
     * acknowledgement): the alarm is armed, and goes off if the next progress does not come within
     * {@link #ANSWER_WAIT} (see the class comment). Cheap: a clock read and two volatile writes (the
     * alarm is woken only if it was disarmed). Any thread.
     */
    public void progress() {
        progressAt = System.nanoTime();
        armed = true;
        if (alarmIdle) {
            synchronized (alarm) {
                alarm.notifyAll();
            }
        }
    }

    /** The measuring side waits for nothing of the peer's for a while (set-up, a new peer): the alarm is disarmed. */
    public void idle() {
        armed = false;
    }

    /** The alarm thread: kills the peer once it has been armed without progress for {@link #ANSWER_WAIT}. */
    private void alarm() {
        synchronized (alarm) {
            try {
                while (!alarmClosed) {
                    if (!armed) {
                        alarmIdle = true;
                        if (!armed && !alarmClosed) { // progress() writes armed, then reads alarmIdle
                            alarm.wait();
                        }
                        alarmIdle = false;
                        continue;
                    }
                    long left = progressAt + ANSWER_WAIT_NANOS - System.nanoTime();
                    if (left > 0) {
                        TimeUnit.NANOSECONDS.timedWait(alarm, left);
                        continue;
                    }
                    stalledDuring = phase;
                    stalled = ProcessIdentity.isStopped(process.pid())
                            ? "it is stopped: SIGSTOP, a debugger or a frozen cgroup" : "it runs but does not answer";
                    break;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
        if (!alarmClosed) {
            process.kill(); // a death then: the watcher ends the measuring thread's waits
        }
    }

    /**
     * Names what the benchmark does now, for the message of a {@link PeerDiedException} (e.g.
     * {@code mailbox futex ping-pong}). A volatile write, outside the measured loops.
     */
    public void phase(String phase) {
        this.phase = phase;
    }

    /**
     * If the peer died (see the class comment): the exception that says so, and the interrupt the
     * watcher sent to this thread is cleared. A failure seen by the benchmark (end of file, a
     * broken pipe) can come just before the child's exit: unless the peer has finished, this waits
     * for the watcher to tell, up to 2 s once the peer's output has ended, else up to 1 s (a
     * failure that is not the peer's costs that second). Null if the peer did not die.
     */
    public PeerDiedException death() {
        if (!finished) {
            try {
                if (!watched.await(gone ? 2000 : 1000, TimeUnit.MILLISECONDS)) {
                    return null;
                }
            } catch (InterruptedException e) {
                synchronized (this) {
                    if (!interrupted) {
                        Thread.currentThread().interrupt(); // not the watcher's: keep it
                        return null;
                    }
                    interrupted = false; // the watcher's, consumed: it has recorded the death
                }
            }
        }
        ExitStatus status;
        synchronized (this) {
            status = died;
            if (status != null && interrupted && Thread.currentThread() == starter) {
                interrupted = false;
                Thread.interrupted(); // the watcher's interrupt has done its work
            }
        }
        if (status == null) {
            return null;
        }
        return new PeerDiedException(ending(status), output.toString());
    }

    /** One line on how the peer ended with {@code status}: it stopped answering and was killed, or it died. */
    private String ending(ExitStatus status) {
        String why = stalled;
        if (why != null) {
            return "the peer process " + pid() + " stopped answering during " + stalledDuring
                    + ": no progress for " + ANSWER_WAIT.toSeconds() + " s (" + why + "), so it was killed";
        }
        String peerException = output.toString().lines().filter(l -> l.contains("Exception") || l.contains("Error"))
                .findFirst().map(l -> " (peer: " + l.strip() + ")").orElse("");
        return "the peer process " + pid() + " died (" + status + ") during " + phase + peerException;
    }

    /** {@link #death()} if the peer died, else {@code failure}: what a benchmark that failed throws. */
    public Exception deathOr(Exception failure) {
        PeerDiedException death = death();
        if (death == null) {
            return failure;
        }
        death.addSuppressed(failure);
        return death;
    }

    /** Whether the peer's output ended (it exited or crashed). Cheap: a volatile read. */
    public boolean gone() {
        return gone;
    }

    /**
     * Fails if the peer is gone: with {@link #death()} (the phase set to {@code doing}) if it
     * died, else with its output so far. A peer killed for {@linkplain #progress() making no
     * progress} is reported in the phase it stalled in, not {@code doing}.
     */
    public void checkAlive(String doing) {
        if (gone) {
            phase(doing);
            PeerDiedException death = death();
            if (death != null) {
                throw death;
            }
            throw new IllegalStateException("benchmark peer exited while " + doing + ":\n" + output);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Writes {@code line} to the peer's standard input. */
    public void tell(String line) throws InterruptedException {
        process.stdin().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The message channel over the two pipes the peer inherited (created on the first call). */
    public synchronized PipeChannel pipeChannel() {
        if (channel == null) {
            channel = PipeChannel.toChild(process);
        }
        return channel;
    }

    /** Waits for {@code READY what} (or {@code PEER DONE}). */
    public void await(String what) throws InterruptedException {
        String expected = what.equals("PEER DONE") ? what : "READY " + what;
        while (true) {
            String line = lines.poll(2, TimeUnit.MINUTES);
            if (line == null || line.equals(EOF)) {
                throw new IllegalStateException("benchmark peer failed before '" + expected + "':\n" + output);
            }
            if (line.equals(expected)) {
                return;
            }
        }
    }

    /** Waits for the peer to exit with status 0. */
    public void waitFor() throws InterruptedException {
        Optional<ExitStatus> status = process.waitFor(Duration.ofMinutes(1));
        if (status.isEmpty() || !status.get().success()) {
            throw new IllegalStateException("benchmark peer did not finish cleanly (" + status.map(Object::toString)
                    .orElse("still running") + "):\n" + output);
        }
    }

    /**
     * Ends the run with the peer, once every case has been measured: writes {@code lastLine} to it
     * (unless null: the end of its phases), waits for its {@code PEER DONE} and for its exit, with
     * the alarm armed all the while: a peer that stops answering (stopped by {@code SIGSTOP}, a
     * debugger) is given up and killed after {@link #ANSWER_WAIT}, before or after its
     * {@code PEER DONE}. How the peer ended does not touch the figures measured, so it is returned
     * as a note, never thrown: null if the peer said {@code PEER DONE} and exited with status 0,
     * else one line naming its pid, how it ended and the phase {@code the end of the run}, e.g.
     * {@code the peer process 1234 died (killed by signal 9) during the end of the run}. Blocks for
     * at most about {@link #ANSWER_WAIT}; the watcher's interrupt at the peer's death is consumed.
     * Only the starting thread. Throws only for an interrupt that is not the watcher's (this
     * thread's interrupt status is set again then) or a failure while the peer is alive and
     * answering, which {@link #close()} (a stop) causes.
     */
    public String finish(String lastLine) throws InterruptedException {
        phase("the end of the run");
        progress(); // from now on the alarm counts: PEER DONE and the exit must come within the answer wait
        try {
            if (lastLine != null) {
                tell(lastLine);
            }
            await("PEER DONE");
            // after PEER DONE the watcher reports no death: the exit status tells (the alarm kills a stopped peer)
            Optional<ExitStatus> status = process.waitFor(ANSWER_WAIT.plusSeconds(10));
            if (status.isEmpty()) {
                return "the peer process " + pid() + " did not exit during the end of the run, " + ANSWER_WAIT.toSeconds()
                        + " s after its last output, so it was killed";
            }
            return status.get().success() && stalled == null ? null : ending(status.get());
        } catch (InterruptedException | RuntimeException e) {
            PeerDiedException death = death(); // a peer that died or was given up before PEER DONE
            if (death == null) {
                throw e;
            }
            return death.getMessage();
        } finally {
            idle();
        }
    }

    public String output() {
        return output.toString();
    }

    /**
     * Kills the peer if it still runs, reaps it and closes the pipes to it; its end is no death
     * then. A peer whose output has ended without {@code PEER DONE} is dying on its own: its death
     * is recorded first (waiting up to 2 s for its exit), so that {@link #death()} tells it after
     * the close too.
     */
    @Override
    public void close() {
        if (gone && !finished) {
            try {
                watched.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            closing = true;
            if (channel != null) {
                channel.close();
            }
        }
        alarmClosed = true;
        synchronized (alarm) {
            alarm.notifyAll();
        }
        process.close();
    }
}
