package io.jipc.examples;

import io.jipc.testkit.ChildCommands;
import io.jipc.testkit.ChildJvm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code examples/run-all}: every example as its README shows it, as separate processes,
 * through the same {@code examples/run} script a reader uses (with this build's class path).
 *
 * <p>The full run starts about 100 example programs. It compiles each example directory once here
 * and hands the classes to {@code examples/run} ({@code JIPC_EXAMPLES_CLASSES}), instead of
 * letting the java launcher compile the source file on every start, and starts them with C1 only
 * ({@code JIPC_JAVA_OPTS=-XX:TieredStopAtLevel=1}: 56 against 64 s and 70 against 91 CPU-s for
 * the whole run on a quiet 2-core VM), and from the class-data-sharing archive that the test kit
 * makes for its own children ({@link ChildJvm#sharedClasses()}), trained on the CLI's commands
 * too (the module's {@code jipc.testkit.cds.training}). A few examples also run from their source files, the way
 * a reader runs them, with the default options.
 */
class ExamplesEndToEndTest {
    private static final Path EXAMPLES = Path.of("").toAbsolutePath();

    /** Some examples run bin/jipc: without this, the first would build jipc-cli again inside this build. */
    @BeforeAll
    static void cliIsBuilt() throws IOException {
        BuiltCli.markFresh(EXAMPLES.getParent());
    }

    @Test
    @Timeout(value = 16, unit = TimeUnit.MINUTES)
    void everyExampleRunsAsItsReadmeShows(@TempDir Path classes) throws IOException, InterruptedException {
        int concepts = compileEveryExample(classes);
        assertTrue(concepts >= 20, "only " + concepts + " example directories found");
        // the example programs live a second or two: C1 alone compiles what they run, without C2's CPU.
        // About 1 min on a quiet 2-core machine, 6 min inside a full build on the slower hosts of
        // 2026-12-07, and more than the 9 min allowed until then beside a full build and other builds
        Map<String, String> environment = new HashMap<>(Map.of("JIPC_EXAMPLES_CLASSES", classes.toString(),
                "JIPC_JAVA_OPTS", "-XX:TieredStopAtLevel=1"));
        // and from the class-data-sharing archive of the test kit's children, which has the CLI's classes
        // (the module's jipc.testkit.cds.training): 0.2 CPU-s less per start of jipc or an example program
        ChildJvm.sharedClasses().ifPresent(shared -> {
            environment.put("JIPC_CLASSPATH", shared.classPath());
            environment.put("JIPC_JAVA_OPTS", "-XX:TieredStopAtLevel=1 " + String.join(" ", shared.jvmOptions()));
        });
        runAll(15, environment);
    }

    /** The examples that start a JVM of their own start it from source in this mode, and are among these. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void examplesRunFromTheirSourceFiles() throws IOException, InterruptedException {
        String log = runAll(2, Map.of(), "mailbox", "pipe", "anonymous-region");
        assertTrue(log.contains("all examples passed"), log);
    }

    /**
     * Compiles each example directory (one with a {@code check} script) into {@code out/<concept>};
     * a directory without Java sources (an example of the jipc command) gets an empty one.
     */
    private static int compileEveryExample(Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler: the tests must run on a JDK");
        List<Path> concepts;
        try (Stream<Path> dirs = Files.list(EXAMPLES)) {
            concepts = dirs.filter(dir -> Files.isRegularFile(dir.resolve("check"))).sorted().toList();
        }
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null)) {
            for (Path concept : concepts) {
                List<Path> sources;
                try (Stream<Path> list = Files.list(concept)) {
                    sources = list.filter(f -> f.toString().endsWith(".java")).sorted().toList();
                }
                Path target = Files.createDirectories(out.resolve(concept.getFileName()));
                if (sources.isEmpty()) {
                    continue; // played by the jipc command alone (robust-mutex)
                }
                DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
                List<String> options = List.of("-d", target.toString(), "-cp", System.getProperty("java.class.path"),
                        "-proc:none", "-nowarn");
                boolean compiled = javac.getTask(null, files, diagnostics, options, null,
                        files.getJavaFileObjectsFromPaths(sources)).call();
                assertTrue(compiled, "example " + concept.getFileName() + " does not compile: "
                        + diagnostics.getDiagnostics());
            }
        }
        return concepts.size();
    }

    /**
     * Runs {@code examples/run-all} (the named examples, or all) and returns its output; kills it
     * and everything it started if it takes more than {@code minutes}.
     */
    private static String runAll(long minutes, Map<String, String> environment, String... concepts)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("jipc-examples", ".log");
        try {
            List<String> command = new ArrayList<>(List.of(EXAMPLES.resolve("run-all").toString()));
            command.addAll(List.of(concepts));
            // SIGTERM if this JVM dies: run-all's exit trap then stops the example running and removes its root
            ProcessBuilder builder = new ProcessBuilder(ChildCommands.signalledWhenThisJvmDies("TERM", command))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("JIPC_CLASSPATH", System.getProperty("java.class.path"));
            builder.environment().remove("JIPC_ROOT");
            builder.environment().remove("JIPC_EXAMPLES_CLASSES");
            builder.environment().remove("JIPC_JAVA_OPTS");
            // bin/jipc's ahead-of-time cache belongs to LauncherTest, which runs beside this class and
            // ages the cache on purpose: the examples that call bin/jipc (inventory, mq) would retrain
            // or remove it under that test
            builder.environment().put("JIPC_AOT", "off");
            builder.environment().putAll(environment);
            Process process = builder.start();
            try {
                process.waitFor(minutes, TimeUnit.MINUTES);
            } finally {
                if (process.isAlive()) {
                    // the examples it started, taken before it ends (then they would be reparented)
                    List<ProcessHandle> started = process.descendants().toList();
                    process.destroy(); // SIGTERM: its exit trap removes its jipc root and scratch directory
                    process.waitFor(10, TimeUnit.SECONDS);
                    started.forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            }
            process.waitFor();
            String output = Files.readString(log);
            assertEquals(0, process.exitValue(), "examples/run-all failed:\n" + output);
            assertFalse(output.contains("jipc: building"), "a script built jipc-cli again:\n" + output);
            return output;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
