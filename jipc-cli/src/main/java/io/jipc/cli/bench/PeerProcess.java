package io.jipc.cli.bench;

import io.jipc.platform.JavaCommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of a two-process benchmark, started with this JVM's class path (see
 * {@link JavaCommand}) and the same options as the jipc benchmark's peer ({@code -Xms64m -Xmx256m
 * -XX:+UseSerialGC}) plus {@code extraJvmArgs}. Its output is read line by line; it announces
 * phases with {@code READY <phase>} and ends with {@code PEER DONE}.
 */
public final class PeerProcess implements AutoCloseable {
    private static final String EOF = "\u0000EOF";

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();
    private volatile boolean gone;

    /** Starts {@code main} with {@code args} in a child JVM. */
    public PeerProcess(Class<?> main, List<String> extraJvmArgs, List<String> args) throws IOException {
        JavaCommand command = JavaCommand.forMain(main).jvmArg("-Xms64m").jvmArg("-Xmx256m").jvmArg("-XX:+UseSerialGC");
        for (String arg : extraJvmArgs) {
            command.jvmArg(arg);
        }
        command.args(args);
        process = command.toProcessBuilder().redirectErrorStream(true).start();
        Thread.ofPlatform().daemon().name("jipc-bench-peer-output").start(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException ignored) {
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
        if (!process.waitFor(1, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("benchmark peer did not finish cleanly:\n" + output);
        }
    }

    public String output() {
        return output.toString();
    }

    /** Kills the peer if it still runs and waits (briefly) until it is gone. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
