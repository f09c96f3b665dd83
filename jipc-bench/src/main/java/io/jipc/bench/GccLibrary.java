package io.jipc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Compiles a C source kept as a class-path resource of the benchmarks into a shared library with
 * {@code gcc -O2}, for reference code that the benchmarks call through {@code java.lang.foreign}.
 * Benchmark code, not part of jipc: jipc's own downcalls all live in its platform module.
 */
public final class GccLibrary {
    private GccLibrary() {
    }

    /** Whether {@code gcc} runs here (CI installs it; tests of C references are left out without it). */
    public static boolean installed() {
        try {
            Process gcc = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            gcc.getInputStream().readAllBytes();
            return gcc.waitFor(30, TimeUnit.SECONDS) && gcc.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Writes the resource {@code source} of {@code anchor}'s package next to {@code library} and
     * compiles it into {@code library}.
     *
     * @throws IllegalStateException if gcc is missing or fails (with its output), or the resource is absent
     */
    public static void compile(Class<?> anchor, String source, Path library) throws IOException, InterruptedException {
        Path file = library.resolveSibling(source);
        try (InputStream in = anchor.getResourceAsStream(source)) {
            if (in == null) {
                throw new IllegalStateException(source + " is not on the class path");
            }
            Files.write(file, in.readAllBytes());
        }
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O2", "-shared", "-fPIC", "-o", library.toString(), file.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("compiling " + source + " needs gcc: " + e.getMessage(), e);
        }
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(60, TimeUnit.SECONDS)) {
            gcc.destroyForcibly();
            throw new IllegalStateException("gcc did not finish compiling " + source + " in 60 s");
        }
        if (gcc.exitValue() != 0) {
            throw new IllegalStateException("gcc failed on " + source + " (exit " + gcc.exitValue() + "):\n" + output);
        }
    }
}
