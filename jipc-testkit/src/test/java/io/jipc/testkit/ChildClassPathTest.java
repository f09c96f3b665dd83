package io.jipc.testkit;

import io.jipc.platform.JavaCommand;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Children start on the packed class path with an archive that the JVM really maps. */
class ChildClassPathTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** Prints its class path and JVM options, one line each. */
    public static final class Echo {
        public static void main(String[] args) {
            ChildMain.dieWithParent();
            System.out.println("CLASSPATH " + System.getProperty("java.class.path"));
            System.out.println("OPTIONS " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        }
    }

    @Test
    void everyDirectoryOfTheClassPathIsPackedIntoAJarWithItsClasses() throws Exception {
        ChildClassPath prepared = ChildClassPath.get().orElseThrow(
                () -> new AssertionError("no class path was prepared (standard error says why)"));
        String[] original = System.getProperty("java.class.path").split(File.pathSeparator);
        String[] packed = prepared.classPath().split(File.pathSeparator);
        int next = 0;
        for (String entry : original) {
            if (Files.isDirectory(Path.of(entry))) {
                try (var files = Files.list(Path.of(entry))) {
                    if (files.findAny().isEmpty()) {
                        continue;
                    }
                }
                assertTrue(packed[next].endsWith(".jar"), packed[next]);
            } else {
                assertEquals(entry, packed[next]);
            }
            next++;
        }
        assertEquals(packed.length, next);
        String echo = Echo.class.getName().replace('.', '/') + ".class";
        boolean found = false;
        for (String entry : packed) {
            if (entry.contains("testkit-cds")) {
                try (JarFile jar = new JarFile(entry)) {
                    found |= jar.getEntry(echo) != null;
                }
            }
        }
        assertTrue(found, "no packed jar holds " + echo);
    }

    @Test
    void aChildRunsOnThePackedClassPathWithTheArchive() {
        ChildClassPath prepared = ChildClassPath.get().orElseThrow();
        try (ChildJvm child = ChildJvm.builder(Echo.class).sharedClassArchive().start()) {
            assertEquals("CLASSPATH " + prepared.classPath(), child.awaitLine("CLASSPATH ", PATIENCE));
            String options = child.awaitLine("OPTIONS ", PATIENCE);
            for (String option : prepared.jvmOptions()) {
                assertTrue(options.contains(option), options);
            }
            child.assertSuccess(PATIENCE);
        }
    }

    @Test
    void withoutTheArchiveAChildRunsOnThisJvmsClassPath() {
        try (ChildJvm child = ChildJvm.builder(Echo.class).plainClassPath().start()) {
            assertEquals("CLASSPATH " + System.getProperty("java.class.path"), child.awaitLine("CLASSPATH ", PATIENCE));
            assertFalse(child.awaitLine("OPTIONS ", PATIENCE).contains("SharedArchiveFile"));
            child.assertSuccess(PATIENCE);
        }
    }

    @Test
    void theArchiveMapsForThePackedClassPath() throws Exception {
        ChildClassPath prepared = ChildClassPath.get().orElseThrow();
        JavaCommand command = JavaCommand.forMain(Echo.class).classPath(prepared.classPath());
        ChildClassPath.BASE_OPTIONS.stream().filter(o -> !o.startsWith("-Xshare")).forEach(command::jvmArg);
        prepared.jvmOptions().stream().filter(o -> !o.startsWith("-Xlog")).forEach(command::jvmArg);
        command.jvmArg("-Xshare:on"); // fails the start unless the archive maps and matches the class path
        Process process = command.toProcessBuilder().redirectErrorStream(true).start();
        assertTrue(process.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "the JVM did not exit");
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.exitValue(), output);
        assertNotNull(output);
        assertTrue(output.contains("CLASSPATH " + prepared.classPath()), output);
    }
}
