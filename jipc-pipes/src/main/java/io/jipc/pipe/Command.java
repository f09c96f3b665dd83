package io.jipc.pipe;

import io.jipc.platform.JavaCommand;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A child process to start: a program with its arguments, where its standard streams go, extra
 * pipe ends it inherits, its environment and working directory. Like {@link ProcessBuilder}, but the
 * child's descriptors are kernel pipes this process controls (capacity, non-blocking and timed
 * reads and writes, {@code EPIPE} as an exception), and any program can be started, Java or not.
 *
 * <pre>{@code
 * try (ChildProcess sort = Command.of("sort", "-n").stdin(Redirect.PIPE).stdout(Redirect.PIPE).start()) {
 *     sort.stdin().write("3\n1\n2\n".getBytes());
 *     sort.stdin().close();                      // sort sees end of file
 *     byte[] sorted = sort.stdout().readAllBytes();
 *     ExitStatus status = sort.waitFor();
 * }
 * }</pre>
 *
 * <p>A command is a mutable builder, not safe for use by several threads; {@link #start()} may be
 * called more than once, each time starting a new child.
 */
public final class Command {
    private final List<String> argv;
    private Redirect stdin = Redirect.INHERIT;
    private Redirect stdout = Redirect.INHERIT;
    private Redirect stderr = Redirect.INHERIT;
    private final Map<Integer, Passed> passed = new TreeMap<>();
    private final Map<String, String> environment = new ChildEnvironment(System.getenv());
    private Path directory;

    private Command(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs a program");
        }
        argv.forEach(Objects::requireNonNull);
        this.argv = List.copyOf(argv);
    }

    /** {@code program} (searched in {@code PATH} unless it contains a slash) with {@code args}. */
    public static Command of(String program, String... args) {
        List<String> all = new ArrayList<>();
        all.add(program);
        all.addAll(List.of(args));
        return new Command(all);
    }

    /** A complete command line: the program, then its arguments. */
    public static Command of(List<String> argv) {
        return new Command(argv);
    }

    /**
     * A JVM running {@code mainClass}, started like this one: the same {@code java}, class path or
     * module path, native access for jipc, and this JVM's {@code jipc.*} system properties.
     */
    public static Command java(Class<?> mainClass, String... args) {
        return new Command(JavaCommand.forMain(mainClass).args(args).toList());
    }

    /** Where the child's standard input comes from. */
    public Command stdin(Redirect redirect) {
        this.stdin = checkNotStdout(redirect, "stdin");
        return this;
    }

    /** Where the child's standard output goes. */
    public Command stdout(Redirect redirect) {
        this.stdout = checkNotStdout(redirect, "stdout");
        return this;
    }

    /** Where the child's standard error goes ({@link Redirect#TO_STDOUT} for {@code 2>&1}). */
    public Command stderr(Redirect redirect) {
        this.stderr = Objects.requireNonNull(redirect);
        return this;
    }

    /**
     * Gives the child descriptor {@code childFd} (3 or more): {@link Redirect#PIPE} for a new pipe
     * whose other end the parent gets from {@link ChildProcess#passedReader}/{@link ChildProcess#passedWriter}
     * ({@code input} tells the direction: true for a descriptor the child reads), or an existing end
     * with {@link Redirect#from(PipeReader)}/{@link Redirect#to(PipeWriter)}. A Java child adopts it with
     * {@link PipeReader#adopt}/{@link PipeWriter#adopt}, or, for the descriptors
     * {@link PipeChannel#prepare} passes, {@link PipeChannel#toParent()}.
     */
    public Command passFd(int childFd, Redirect redirect, boolean input) {
        if (childFd < 3) {
            throw new IllegalArgumentException("use stdin/stdout/stderr for descriptors 0..2, not passFd(" + childFd
                    + ")");
        }
        if (redirect.kind() != Redirect.Kind.PIPE && redirect.kind() != Redirect.Kind.PIPE_END) {
            throw new IllegalArgumentException("passFd takes Redirect.PIPE or an existing pipe end, not " + redirect);
        }
        if (redirect.kind() == Redirect.Kind.PIPE_END && redirect.isReadEnd() != input) {
            throw new IllegalArgumentException("descriptor " + childFd + " is for " + (input ? "input" : "output")
                    + " but got a " + (redirect.isReadEnd() ? "read" : "write") + " end");
        }
        passed.put(childFd, new Passed(redirect, input));
        return this;
    }

    /**
     * The child's environment, a copy of this process's to start with; change it freely. As
     * {@link ProcessBuilder#environment()}'s, the map refuses what cannot be passed as a
     * {@code NAME=value} string, when it is put (also through {@code putAll}, {@code merge},
     * an entry's {@code setValue}, ...), that entry left unchanged (a {@code putAll} or {@code
     * replaceAll} that fails on one entry keeps the entries it changed before it, as {@code
     * ProcessBuilder}'s map does): a null name or value with
     * {@link NullPointerException}; a name that is empty or contains {@code '='} or NUL, or a value
     * that contains NUL, with {@link IllegalArgumentException} (until 2026-12-07 a null value was
     * passed as {@code "null"} and {@code A=B -> C} became {@code A -> B=C}). An empty name is
     * refused although {@code ProcessBuilder} lets it through: no child could look it up.
     */
    public Map<String, String> environment() {
        return environment;
    }

    /** The child's working directory (default: this process's). */
    public Command directory(Path directory) {
        this.directory = directory;
        return this;
    }

    /**
     * Starts the child. Never waits for another process: the files of redirects are opened here,
     * before the spawn, without waiting (see {@link Redirect#from(Path)}), and the spawn returns once
     * the child has exec'ed its program or failed to.
     *
     * @throws io.jipc.ErrnoException   if the child cannot be started: the message names the program
     *                                  ({@code ENOENT ... from posix_spawnp of PROGRAM} when it is not
     *                                  found), or, when that is what failed, the redirect's file
     *                                  ({@code ENOENT ... from open of /in.txt (stdin of cat)}) or the
     *                                  working directory ({@code ... of true, changing to working directory /d})
     * @throws NoReaderException        if an output redirect's file is a FIFO that no process has open
     *                                  for reading
     * @throws IllegalArgumentException if an input redirect's file is a FIFO
     */
    public ChildProcess start() {
        return Spawner.spawn(this);
    }

    List<String> argv() {
        return argv;
    }

    Redirect stdin() {
        return stdin;
    }

    Redirect stdout() {
        return stdout;
    }

    Redirect stderr() {
        return stderr;
    }

    Map<Integer, Passed> passed() {
        return passed;
    }

    Path directory() {
        return directory;
    }

    List<String> environmentStrings() {
        List<String> strings = new ArrayList<>(environment.size());
        environment.forEach((k, v) -> strings.add(k + "=" + v));
        return strings;
    }

    /** The program name, for messages. */
    String program() {
        return argv.getFirst();
    }

    private static Redirect checkNotStdout(Redirect redirect, String stream) {
        if (redirect.kind() == Redirect.Kind.TO_STDOUT) {
            throw new IllegalArgumentException("Redirect.TO_STDOUT is for stderr, not " + stream);
        }
        return Objects.requireNonNull(redirect);
    }

    /** A descriptor passed to the child: {@code input} if the child reads it. */
    record Passed(Redirect redirect, boolean input) {
    }

    @Override
    public String toString() {
        return String.join(" ", argv);
    }
}
