package io.jipc.testkit;

/** Helpers for the {@code main} of a child JVM started by {@link ChildJvm}. */
public final class ChildMain {
    private ChildMain() {
    }

    /**
     * Halts this JVM (exit code 97) as soon as its parent process exits, so that a child never
     * outlives a test JVM that died, even by {@code SIGKILL}.
     */
    public static void dieWithParent() {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(97)));
    }
}
