package io.jipc.testkit;

import io.jipc.platform.JavaCommand;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.Deflater;

/**
 * The class path and class-data-sharing archive that {@link ChildJvm} starts children with unless
 * told otherwise ({@link ChildJvm.Builder#plainClassPath()}), so that each starts faster: every
 * child otherwise loads and links again the same few hundred classes (the JDK's foreign-function
 * and method-handle machinery above all), about a quarter of the CPU time of a short-lived child
 * such as a sender killed by a crash test (0.61 against 0.46 CPU-s measured on a 2-core VM).
 *
 * <p>Prepared once per test JVM, on the first such child's start (about a second): each non-empty
 * directory of this JVM's class path is packed into a jar (the JVM maps a CDS archive only for a
 * class path of jars), then one training child ({@link CdsTraining}) runs on that class path with
 * {@code -XX:ArchiveClassesAtExit} and leaves a dynamic archive of what it loaded. Children then
 * start with {@code -XX:SharedArchiveFile} and the packed class path. The files live in
 * {@code target/testkit-cds/<pid>} when the working directory has a {@code target} directory (as
 * under Maven), otherwise in a temporary directory, and are deleted when this JVM exits.
 *
 * <p>Nothing depends on it: if packing or training fails, or {@code -Djipc.testkit.cds=false} is
 * set, children get this JVM's class path as before (one line on standard error says why). A child
 * whose archive does not match (other options) runs without it; CDS logging is off in children,
 * so that nothing is added to the output tests read.
 */
final class ChildClassPath {
    /** The property that switches the archive off ({@code false}). */
    static final String PROPERTY = "jipc.testkit.cds";

    /** JVM options of the children that the archive must agree with; also the training run's. */
    static final List<String> BASE_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-Xshare:auto");

    private static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(60);

    private final String classPath;
    private final Path archive;

    private ChildClassPath(String classPath, Path archive) {
        this.classPath = classPath;
        this.archive = archive;
    }

    /** The prepared class path, or empty when children run with this JVM's own. */
    static Optional<ChildClassPath> get() {
        return Holder.PREPARED;
    }

    /** The class path of jars. */
    String classPath() {
        return classPath;
    }

    /** The JVM options that make a child use the archive. */
    List<String> jvmOptions() {
        return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off,aot*=off");
    }

    private static final class Holder {
        static final Optional<ChildClassPath> PREPARED = prepare();
    }

    private static Optional<ChildClassPath> prepare() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return Optional.empty();
        }
        String original = System.getProperty("java.class.path", "");
        if (original.isEmpty() || System.getProperty("jdk.module.path") != null) {
            return Optional.empty(); // a modular test JVM starts its children on the module path
        }
        Path directory = null;
        try {
            directory = workDirectory();
            Path scratch = directory;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                deleteQuietly(scratch);
                Path parent = scratch.getParent();
                if (parent.getFileName().toString().equals("testkit-cds")) {
                    parent.toFile().delete(); // if no other test JVM uses it
                }
            }, "jipc-testkit-cds-cleanup"));
            String packed = pack(original, directory);
            Path archive = directory.resolve("classes.jsa");
            train(packed, archive, directory.resolve("training.log"));
            return Optional.of(new ChildClassPath(packed, archive));
        } catch (IOException | UncheckedIOException | InterruptedException | IllegalStateException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("[testkit] child JVMs start without a class-data-sharing archive: " + e.getMessage());
            if (directory != null) {
                deleteQuietly(directory);
            }
            return Optional.empty();
        }
    }

    private static Path workDirectory() throws IOException {
        Path target = Path.of(System.getProperty("user.dir"), "target");
        if (Files.isDirectory(target)) {
            Path directory = target.resolve("testkit-cds").resolve(Long.toString(ProcessHandle.current().pid()));
            deleteQuietly(directory); // left by an earlier JVM of the same pid
            return Files.createDirectories(directory);
        }
        return Files.createTempDirectory("jipc-testkit-cds");
    }

    /** The class path with every non-empty directory replaced by a jar of its files. */
    private static String pack(String classPath, Path directory) throws IOException {
        List<String> entries = new ArrayList<>();
        int jars = 0;
        for (String entry : classPath.split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.list(path)) {
                    if (files.findAny().isEmpty()) {
                        continue; // the JVM accepts empty directories, and there is nothing to load
                    }
                }
                Path jar = directory.resolve("classes-" + (++jars) + ".jar");
                jar(path, jar);
                entries.add(jar.toString());
            } else {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void jar(Path root, Path jar) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out)) {
            zip.setLevel(Deflater.BEST_SPEED);
            for (Path file : files) {
                String name = root.relativize(file).toString().replace(File.separatorChar, '/');
                zip.putNextEntry(new JarEntry(name));
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
    }

    private static void train(String classPath, Path archive, Path log) throws IOException, InterruptedException {
        JavaCommand command = JavaCommand.forMain(CdsTraining.class).classPath(classPath);
        BASE_OPTIONS.forEach(command::jvmArg);
        command.jvmArg("-XX:ArchiveClassesAtExit=" + archive).jvmArg("-Xlog:cds*=off,aot*=off");
        Process training = command.toProcessBuilder().redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!training.waitFor(TRAINING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            training.destroyForcibly().waitFor();
            throw new IllegalStateException("the training run did not finish within " + TRAINING_TIMEOUT);
        }
        if (training.exitValue() != 0 || !Files.isRegularFile(archive)) {
            throw new IllegalStateException("the training run exited with " + training.exitValue()
                    + (Files.isRegularFile(archive) ? "" : " and left no archive") + ": "
                    + String.join(" | ", Files.readAllLines(log)));
        }
    }

    private static void deleteQuietly(Path directory) {
        try {
            JipcTestExtension.deleteRecursively(directory);
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: under target/ it goes with the next clean
        }
    }
}
