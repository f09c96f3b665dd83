package io.jipc.bench.jmh;

import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A private jipc root for the benchmarks of one JVM (a JMH fork): {@code /dev/shm/jipc-jmh-<pid>},
 * set as {@value JipcRoot#PROPERTY} while at least one benchmark state uses it, and deleted with
 * everything in it when the last one leaves (and, as a safety net, when the JVM exits).
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
            previous = System.getProperty(JipcRoot.PROPERTY);
            System.setProperty(JipcRoot.PROPERTY, ROOT.toString());
            hook = new Thread(() -> deleteTree(ROOT), "jipc-jmh-root-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        return ROOT;
    }

    /** Stops using the root; the last user deletes it and restores the property. */
    static synchronized void leave() {
        if (users == 0 || --users > 0) {
            return;
        }
        deleteTree(ROOT);
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

    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("jipc jmh: could not delete " + root + ": " + e);
        }
    }
}
