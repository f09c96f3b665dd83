package io.jipc.platform;

import java.util.ArrayList;
import java.util.List;

/** Commands for the non-Java children of the native layer's tests. */
final class ChildCommands {
    private ChildCommands() {
    }

    /**
     * {@code command} run through {@code setpriv --pdeathsig KILL}, so the kernel kills the child
     * when the thread that started it dies, the test JVM killed outright included (its tests
     * otherwise kill their children themselves). Start it from the test's own thread (JUnit's
     * {@code @Timeout} in its default same-thread mode keeps it there): a child started from a
     * short-lived thread would be killed when that thread ends.
     */
    static List<String> dyingWithThisJvm(String... command) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        full.addAll(List.of(command));
        return full;
    }
}
