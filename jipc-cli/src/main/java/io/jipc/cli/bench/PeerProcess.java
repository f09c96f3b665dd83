package io.jipc.cli.bench;

import io.jipc.pipe.ChildProcess;
import io.jipc.pipe.Command;
import io.jipc.pipe.PipeChannel;
import io.jipc.pipe.Redirect;
import io.jipc.platform.JavaCommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
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
 * The child halts when it sees this process has exited (the peers watch their parent with
 * {@link ProcessHandle#onExit()}, which the JDK polls for a process that is not its own child, at
 * intervals growing from 0.3 s to 5 s: seconds after the exit), and {@link #close()}
 * kills it if it still runs.
 */
public final class PeerProcess implements AutoCloseable {
    private static final String EOF = "\u0000EOF";

    private final ChildProcess process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();
    private PipeChannel channel;
    private volatile boolean gone;

    /** Starts {@code main} with {@code args} in a child JVM. */
    public PeerProcess(Class<?> main, List<String> extraJvmArgs, List<String> args) throws IOException {
        JavaCommand command = JavaCommand.forMain(main).jvmArg("-Xms64m").jvmArg("-Xmx256m").jvmArg("-XX:+UseSerialGC");
        for (String arg : extraJvmArgs) {
            command.jvmArg(arg);
        }
        command.args(args);
        process = PipeChannel.prepare(Command.of(command.toList()))
                .stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.TO_STDOUT).start();
        Thread.ofPlatform().daemon().name("jipc-bench-peer-output").start(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.stdout().asInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException | RuntimeException ignored) {
                // peer gone
            }
            gone = true;
            lines.add(EOF);
        });
    }

    /** Whether the peer's output ended (it exited or crashed). Cheap: a volatile read. */
    public boolean gone() {
        return gone;
    }

    /** Fails with the peer's output so far if it is gone. */
    public void checkAlive(String doing) {
        if (gone) {
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
        Optional<io.jipc.pipe.ExitStatus> status = process.waitFor(Duration.ofMinutes(1));
        if (status.isEmpty() || !status.get().success()) {
            throw new IllegalStateException("benchmark peer did not finish cleanly (" + status.map(Object::toString)
                    .orElse("still running") + "):\n" + output);
        }
    }

    public String output() {
        return output.toString();
    }

    /** Kills the peer if it still runs, reaps it and closes the pipes to it. */
    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.close();
        }
        process.close();
    }
}
