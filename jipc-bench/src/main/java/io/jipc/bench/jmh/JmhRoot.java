package io.jipc.bench.jmh;

import io.jipc.bench.ShmDirs;
import io.jipc.segment.JipcRoot;

import java.nio.file.Path;

/**
 * A private jipc root for the benchmarks of one JVM (a JMH fork): {@code /dev/shm/jipc-jmh-<pid>},
 * set as {@value JipcRoot#PROPERTY} while at least one benchmark state uses it, and deleted with
 * everything in it when the last one leaves (and, as a safety net, when the JVM exits). Roots of
 * forks that were killed outright (their process is gone) are removed on first use.
 */
final class JmhRoot {
    private static final Path ROOT = Path.of("/dev/shm", "jipc-jmh-" + ProcessHandle.current().pid());
    private static int users;
    private static String previous;
    private static Thread hook;

    private JmhRoot() {
    }

    /** Starts using the root (sets the property on first use); pair with {@link #leave()}. */
    static synchronized Path enter() {
        if (users++ == 0) {
            ShmDirs.deleteStale("jipc-jmh-");
            previous = System.getProperty(JipcRoot.PROPERTY);
            System.setProperty(JipcRoot.PROPERTY, ROOT.toString());
            hook = new Thread(() -> ShmDirs.deleteTree(ROOT), "jipc-jmh-root-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        return ROOT;
    }

    /** Stops using the root; the last user deletes it and restores the property. */
    static synchronized void leave() {
        if (users == 0 || --users > 0) {
            return;
        }
        ShmDirs.deleteTree(ROOT);
        if (previous == null) {
            System.clearProperty(JipcRoot.PROPERTY);
        } else {
            System.setProperty(JipcRoot.PROPERTY, previous);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // it runs anyway
        }
    }
}
