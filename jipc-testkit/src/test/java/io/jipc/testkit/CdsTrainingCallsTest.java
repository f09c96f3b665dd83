package io.jipc.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training run makes the calls that {@value CdsTraining#CALLS} lists, in order, in a private
 * jipc root that it removes; a call it cannot make fails the training.
 */
class CdsTrainingCallsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** A call to train with: appends its arguments and the jipc root it ran in to the file its first argument names. */
    public static void record(String[] args) throws Exception {
        Files.writeString(Path.of(args[0]), String.join(" ", args) + " root=" + System.getProperty("jipc.root") + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    private static ChildJvm training(String calls) {
        return ChildJvm.builder(CdsTraining.class).plainClassPath().property(CdsTraining.CALLS, calls).start();
    }

    @Test
    void theListedCallsRunInOrderInAPrivateRootThatIsRemovedAfterwards(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("calls");
        String method = CdsTrainingCallsTest.class.getName() + ".record";
        try (ChildJvm child = training(" " + method + " " + log + " one;;" + method + "   " + log + " two three ; ")) {
            child.assertSuccess(PATIENCE);
        }
        var lines = Files.readAllLines(log);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith(log + " one root="), lines.get(0));
        assertTrue(lines.get(1).startsWith(log + " two three root="), lines.get(1));
        Path root = Path.of(lines.get(0).substring(lines.get(0).indexOf("root=") + 5));
        assertNotEquals(System.getProperty("jipc.root"), root.toString(), "the calls ran in the test's own root");
        assertFalse(Files.exists(root), "the training left its root " + root);
    }

    @Test
    void aCallThatCannotBeMadeFailsTheTraining() throws Exception {
        for (String calls : new String[] {"NoDot", "io.jipc.testkit.NoSuchClass.main", CdsTrainingCallsTest.class.getName() + ".absent"}) {
            try (ChildJvm child = training(calls)) {
                assertNotEquals(0, child.waitFor(PATIENCE), calls + ":\n" + child.output());
            }
        }
    }
}
