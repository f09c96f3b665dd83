package io.jipc.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Commands for a test's non-Java children (a shell, {@code sleep}, {@code socat}, a compiled C
 * peer), so that they cannot outlive the test JVM. The test kills them itself when it ends; the
 * kernel kills them when the JVM is killed outright ({@code SIGKILL}, the OOM killer), against
 * which no hook runs. Child JVMs get the same from {@link ChildJvm} and {@link ChildMain}.
 *
 * <p>The command runs through {@code setpriv --pdeathsig KILL} (util-linux), which asks the kernel
 * to send {@code SIGKILL} when the parent dies; the setting survives {@code setpriv}'s
 * {@code exec} of the command (the pid is the command's), but not a {@code fork}: a grandchild
 * is not covered. Where {@code setpriv} is not installed the command runs bare.
 *
 * <p>Linux ties the setting to the thread that started the child: start it from the test's own
 * thread (JUnit's {@code @Timeout} in its default same-thread mode keeps the test there), never
 * from a short-lived thread, whose end would kill the child.
 */
public final class ChildCommands {
    private static final String SETPRIV = findSetpriv(System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));

    private ChildCommands() {
    }

    /** The first executable {@code setpriv} in the directories of {@code path}, or null. */
    static String findSetpriv(String path) {
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "setpriv");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /** {@code command} made to die with this JVM (see the class comment). */
    public static List<String> dyingWithThisJvm(List<String> command) {
        return prefixed(SETPRIV, "KILL", command);
    }

    /** {@code command} made to die with this JVM (see the class comment). */
    public static List<String> dyingWithThisJvm(String... command) {
        return dyingWithThisJvm(List.of(command));
    }

    /**
     * {@code command}, sent {@code signal} (a name such as {@code TERM}) when this JVM dies, instead
     * of {@code SIGKILL}: for a child that cleans up after itself on that signal, such as a script
     * whose exit trap removes what it made and stops its own children. The signal may come more
     * than once: the kernel hands the child to another thread of the dying JVM as each one exits,
     * and signals it again each time; its clean-up must ignore the repeats.
     */
    public static List<String> signalledWhenThisJvmDies(String signal, List<String> command) {
        return prefixed(SETPRIV, signal, command);
    }

    /** {@code command} run through {@code setpriv} with {@code signal} as parent-death signal; bare if no setpriv. */
    static List<String> prefixed(String setpriv, String signal, List<String> command) {
        if (!signal.matches("[A-Z][A-Z0-9]*")) {
            throw new IllegalArgumentException("not a signal name: '" + signal + "'");
        }
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command");
        }
        if (setpriv == null) {
            return List.copyOf(command);
        }
        List<String> full = new ArrayList<>(List.of(setpriv, "--pdeathsig", signal, "--"));
        full.addAll(command);
        return List.copyOf(full);
    }
}
