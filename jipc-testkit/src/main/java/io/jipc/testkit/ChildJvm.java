package io.jipc.testkit;

import io.jipc.platform.JavaCommand;
import io.jipc.platform.Libc;
import io.jipc.platform.Signals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A child JVM started with the test class path, native access enabled and this JVM's
 * {@code jipc.*} system properties (so it shares the test's jipc root); optionally from a
 * class-data-sharing archive that makes the start cheaper ({@link Builder#sharedClassArchive()}).
 *
 * <p>Safety nets, so that a test can never leave a process behind or hang the build:
 * <ul>
 * <li>a hard timeout (default {@link #DEFAULT_HARD_TIMEOUT}) after which the child is killed;</li>
 * <li>{@link #close()} kills it; {@link #killAll()} (called by {@link JipcTestExtension} after
 *     every test) kills every child still running; a shutdown hook does the same;</li>
 * <li>the child's main should call {@link ChildMain#dieWithParent()} so it exits when the test JVM
 *     dies (even by {@code SIGKILL}).</li>
 * </ul>
 * Standard output and error are merged and collected line by line ({@link #awaitLine},
 * {@link #output()}).
 */
public final class ChildJvm implements AutoCloseable {
    /** Hard limit on a child's life unless a test sets another. */
    public static final Duration DEFAULT_HARD_TIMEOUT = Duration.ofMinutes(5);

    private static final Set<ChildJvm> LIVE = ConcurrentHashMap.newKeySet();

    static {
        ShutdownNet.install();
    }

    private final String label;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private ChildJvm(String label, Process process, Duration hardTimeout) {
        this.label = label;
        this.process = process;
        LIVE.add(this);
        this.reader = Thread.ofPlatform().daemon().name("child-output-" + process.pid()).start(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        });
        Thread.ofPlatform().daemon().name("child-watchdog-" + process.pid()).start(() -> {
            try {
                if (!process.waitFor(hardTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    System.err.println("[testkit] killing " + label + " (pid " + process.pid()
                            + ") after the hard timeout of " + hardTimeout);
                    process.destroyForcibly();
                }
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        process.onExit().thenRun(() -> LIVE.remove(this));
    }

    /**
     * What a child started from the class-data-sharing archive gets ({@link Builder#sharedClassArchive()}):
     * the class path of jars, and the JVM options that name the archive and keep its logging off. For
     * a test that starts JVMs through a script of its own (the examples' end-to-end test): a JVM
     * given these options whose class path begins with {@code classPath} starts from the archive
     * (with or without the children's {@code -XX:+UseSerialGC}). Empty when children start without one
     * ({@code -Djipc.testkit.cds=false}, or the archive could not be made). Prepares the archive on
     * the first call, as the first child's start does.
     */
    public static Optional<SharedClasses> sharedClasses() {
        return ChildClassPath.get().map(prepared -> new SharedClasses(prepared.classPath(), prepared.jvmOptions()));
    }

    /**
     * The class path and JVM options of a child started from the class-data-sharing archive.
     *
     * @param classPath  the class path of jars (this JVM's, with each directory packed into a jar)
     * @param jvmOptions the options that name the archive
     */
    public record SharedClasses(String classPath, List<String> jvmOptions) {
        public SharedClasses {
            jvmOptions = List.copyOf(jvmOptions);
        }
    }

    /** Starts {@code mainClass} with {@code args} and the default hard timeout. */
    public static ChildJvm start(Class<?> mainClass, String... args) {
        return builder(mainClass).args(args).start();
    }

    public static Builder builder(Class<?> mainClass) {
        return new Builder(mainClass);
    }

    /** Configures a child JVM. */
    public static final class Builder {
        private final Class<?> mainClass;
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmArgs = new ArrayList<>(ChildClassPath.BASE_OPTIONS);
        private Duration hardTimeout = DEFAULT_HARD_TIMEOUT;
        private final List<String[]> properties = new ArrayList<>();
        private final List<String> wrapper = new ArrayList<>();
        private boolean otherUser;
        private boolean sharedClasses = true;

        private Builder(Class<?> mainClass) {
            this.mainClass = mainClass;
        }

        public Builder args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** Adds a JVM option. */
        public Builder jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        /** Compiles with C1 only: starts and warms up faster, runs hot loops slower. */
        public Builder quickStart() {
            jvmArgs.add("-XX:TieredStopAtLevel=1");
            return this;
        }

        /**
         * Starts the child on the packed class path with the class-data-sharing archive of
         * {@link ChildClassPath}: about a quarter less CPU per start. This is the default (since
         * 2026-12-07: before, only the crash tests' hundreds of killed senders asked for it; the
         * archive is made once per test JVM, in about a second, and every module's tests start
         * dozens of children). Not for a child {@linkplain #asUser as another user}, which gets the
         * plain class path.
         */
        public Builder sharedClassArchive() {
            sharedClasses = true;
            return this;
        }

        /**
         * Starts the child on this JVM's own class path, without the archive: for a test of what the
         * child's class path or options are.
         */
        public Builder plainClassPath() {
            sharedClasses = false;
            return this;
        }

        public Builder property(String key, String value) {
            properties.add(new String[] {key, value});
            return this;
        }

        public Builder hardTimeout(Duration timeout) {
            this.hardTimeout = timeout;
            return this;
        }

        /**
         * Starts the JVM through {@code command}, which must end by {@code exec}-ing the arguments
         * that follow it (the java command line), so that the child keeps its pid and its parent
         * (and {@link ChildMain#dieWithParent()} still works). Wrappers nest: the first one added
         * runs first.
         */
        public Builder wrapper(String... command) {
            wrapper.addAll(List.of(command));
            return this;
        }

        /** Starts the JVM with the file mode creation mask {@code umask} (e.g. {@code 0} or {@code 077}). */
        public Builder umask(int umask) {
            return wrapper("/bin/sh", "-c", "umask " + String.format("%03o", umask) + " && exec \"$@\"", "sh");
        }

        /**
         * Starts the JVM as another user and group, without supplementary groups, through
         * {@code setpriv} (util-linux); the test JVM must be root. See {@link #cannotRunAsOtherUser()}.
         */
        public Builder asUser(int uid, int gid) {
            return asUser(uid, gid, new int[0]);
        }

        /**
         * Starts the JVM as another user and group with exactly the supplementary groups {@code groups}
         * (none if empty), as {@link #asUser(int, int)} does.
         */
        public Builder asUser(int uid, int gid, int... groups) {
            otherUser = true; // who may not read the packed class path under target/, nor the local Maven repository
            return wrapper(SETPRIV, "--reuid=" + uid, "--regid=" + gid, groups.length == 0 ? "--clear-groups"
                    : "--groups=" + Arrays.stream(groups).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        }

        /**
         * Starts the child with the fault point {@code point} set to stop it there the first time
         * ({@code -Djipc.faults=point:1:stop}) and returns it once it is stopped there
         * ({@link ChildJvm#awaitStoppedAt}); if it does not get there within {@code timeout}, it is
         * continued and killed, and the failure thrown.
         */
        public ChildJvm startStoppedAt(String point, Duration timeout) throws InterruptedException {
            ChildJvm child = property("jipc.faults", point + ":1:stop").start();
            try {
                child.awaitStoppedAt(point, timeout);
            } catch (RuntimeException | Error | InterruptedException e) {
                child.resumeIfAlive();
                child.close();
                throw e;
            }
            return child;
        }

        public ChildJvm start() {
            JavaCommand command = JavaCommand.forMain(mainClass);
            jvmArgs.forEach(command::jvmArg);
            if (otherUser) {
                command.classPath(OtherUserClassPath.get()); // the local Maven repository copied where it may read it
            } else if (sharedClasses) {
                ChildClassPath.get().ifPresent(prepared -> {
                    prepared.jvmOptions().forEach(command::jvmArg);
                    command.classPath(prepared.classPath());
                });
            }
            properties.forEach(p -> command.property(p[0], p[1]));
            command.args(args);
            List<String> commandLine = new ArrayList<>(wrapper);
            commandLine.addAll(command.toList());
            ProcessBuilder builder = new ProcessBuilder(commandLine).redirectErrorStream(true);
            try {
                return new ChildJvm(mainClass.getSimpleName() + " " + String.join(" ", args), builder.start(),
                        hardTimeout);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start child JVM " + mainClass.getName(), e);
            }
        }
    }

    private static final String SETPRIV = "/usr/bin/setpriv";

    /**
     * Why a child JVM cannot be started as another user here ({@link Builder#asUser}), or empty if
     * it can: the test JVM must be root and {@code setpriv} must exist. The child's class path is
     * made readable to that user ({@link OtherUserClassPath}: the jipc classes in {@code target/}
     * usually are, the jars of the local Maven repository under {@code /root} are copied).
     */
    public static Optional<String> cannotRunAsOtherUser() {
        if (Libc.geteuid() != 0) {
            return Optional.of("the test JVM is not root, so it cannot start a child as another user");
        }
        if (!Files.isExecutable(Path.of(SETPRIV))) {
            return Optional.of(SETPRIV + " (util-linux) is missing");
        }
        return Optional.empty();
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until this child, started with {@code -Djipc.faults=POINT:P:stop} (see the segment
     * module's {@code FaultInjection}), printed {@code FAULT <point>} and is stopped there (state
     * {@code T}: the line is printed before the stop); blocks the calling thread.
     *
     * @throws AssertionError if the line or the stop does not come within {@code timeout} each
     */
    public void awaitStoppedAt(String point, Duration timeout) throws InterruptedException {
        awaitLine("FAULT " + point, timeout);
        ProcessStates.awaitStopped(pid(), timeout);
    }

    /** Continues this child ({@code SIGCONT}) if it is alive: so that no test leaves a child stopped. */
    public void resumeIfAlive() {
        if (isAlive()) {
            Signals.kill(pid(), Signals.SIGCONT);
        }
    }

    /**
     * Waits for a line of output that starts with {@code prefix} and returns it; lines before it
     * are consumed.
     *
     * @throws AssertionError if the child exits or the timeout passes first (with its output)
     */
    public String awaitLine(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no line starting with '" + prefix + "' from " + label + " within "
                            + timeout + "; output:\n" + output);
                }
                String line = lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
                if (line != null) {
                    if (line.startsWith(prefix)) {
                        return line;
                    }
                } else if (!process.isAlive() && lines.isEmpty()) {
                    reader.join(1000);
                    if (lines.isEmpty()) {
                        throw new AssertionError(label + " exited with " + process.exitValue() + " before printing '"
                                + prefix + "'; output:\n" + output);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Waits for the child to exit and returns its exit code.
     *
     * @throws AssertionError if it is still running after {@code timeout} (it is killed first)
     */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new AssertionError(label + " did not exit within " + timeout + "; output:\n" + output);
            }
            reader.join(2000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Waits for exit and asserts exit code 0, with the output in the failure message. */
    public void assertSuccess(Duration timeout) {
        int code = waitFor(timeout);
        if (code != 0) {
            throw new AssertionError(label + " exited with " + code + "; output:\n" + output);
        }
    }

    /** Everything the child printed so far. */
    public String output() {
        return output.toString();
    }

    /** Kills the child with {@code SIGKILL} and waits until it is gone (reaped). */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(this);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** Kills every child JVM still running; returns how many there were. */
    public static int killAll() {
        int killed = 0;
        for (ChildJvm child : List.copyOf(LIVE)) {
            if (child.process.isAlive()) {
                killed++;
                child.kill();
            }
            LIVE.remove(child);
        }
        return killed;
    }
}
