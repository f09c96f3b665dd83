package io.jipc.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.abort;

/**
 * The C side of an interop test: a program compiled with {@code gcc} at test time, to show that a
 * jipc format or protocol is what its documentation says to a program that is not Java. Where
 * {@code gcc} is not installed the calling test is aborted (reported as skipped, with the reason);
 * {@code .ci/run} installs it, so CI never skips.
 */
public final class CProgram {
    private static final long GCC_SECONDS = 60;

    private CProgram() {
    }

    /**
     * Writes {@code source} to {@code <dir>/<name>.c} and compiles it with
     * {@code gcc -O2 -Wall [flags] -o <dir>/<name> <dir>/<name>.c [libraries]}; returns the executable.
     *
     * @param flags     options before the source file, e.g. {@code -Werror}
     * @param libraries options after it, e.g. {@code -lrt}
     * @throws AssertionError if gcc fails (with its output) or takes longer than a minute
     */
    public static Path compile(Path dir, String name, String source, List<String> flags, List<String> libraries)
            throws IOException, InterruptedException {
        Path file = dir.resolve(name + ".c");
        Files.writeString(file, source);
        Path executable = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall"));
        command.addAll(flags);
        command.addAll(List.of("-o", executable.toString(), file.toString()));
        command.addAll(libraries);
        Process gcc;
        try {
            gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            abort("gcc is not installed, so the C side cannot be built (.ci/run installs it): " + e.getMessage());
            throw new AssertionError("unreachable", e);
        }
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(GCC_SECONDS, TimeUnit.SECONDS)) {
            gcc.destroyForcibly();
            throw new AssertionError("gcc took longer than " + GCC_SECONDS + " s for " + file);
        }
        if (gcc.exitValue() != 0) {
            throw new AssertionError("gcc failed on " + file + ":\n" + output);
        }
        return executable;
    }
}
