package io.jipc.platform;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line of a child JVM. (That it runs is proven by every test that starts a child
 * through the test kit's {@code ChildJvm}, which is built on it.)
 */
class JavaCommandTest {

    @Test
    void theCommandRunsThisJvmsJavaOnTheClassPathWithNativeAccessAndTheJipcProperties() {
        String previous = System.getProperty("jipc.root");
        System.setProperty("jipc.root", "/dev/shm/jipc-javacommand-test");
        List<String> command;
        try {
            command = JavaCommand.forMain(JavaCommandTest.class)
                    .jvmArg("-Xmx32m")
                    .property("jipc.extra", "yes")
                    .args("one", "two")
                    .args(List.of("three"))
                    .toList();
        } finally {
            if (previous == null) {
                System.clearProperty("jipc.root");
            } else {
                System.setProperty("jipc.root", previous);
            }
        }
        String java = command.getFirst();
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), java);
        assertTrue(Files.isExecutable(Path.of(java)));
        assertTrue(command.contains("-Xmx32m"));
        assertTrue(command.contains("-Djipc.root=/dev/shm/jipc-javacommand-test"), command::toString);
        assertTrue(command.contains("-Djipc.extra=yes"), command::toString);
        assertTrue(command.contains("--enable-native-access=ALL-UNNAMED"), command::toString);
        int cp = command.indexOf("-cp");
        assertTrue(cp > 0, command::toString);
        assertEquals(System.getProperty("java.class.path"), command.get(cp + 1));
        // options, then the main class, then its arguments
        assertEquals(List.of(JavaCommandTest.class.getName(), "one", "two", "three"),
                command.subList(command.size() - 4, command.size()));
        assertTrue(command.indexOf("-Xmx32m") < cp);
        assertEquals(command, JavaCommand.forMain(JavaCommandTest.class).jvmArg("-Xmx32m")
                .property("jipc.root", "/dev/shm/jipc-javacommand-test").property("jipc.extra", "yes")
                .args("one", "two", "three").toProcessBuilder().command());
    }

    @Test
    void anotherClassPathReplacesThisJvmsOne() {
        List<String> command = JavaCommand.forMain(JavaCommandTest.class).classPath("/a.jar:/b.jar").toList();
        int cp = command.indexOf("-cp");
        assertEquals("/a.jar:/b.jar", command.get(cp + 1));
        assertEquals(JavaCommandTest.class.getName(), command.getLast());
    }
}
