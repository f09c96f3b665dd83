package io.jipc.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Removal of the benchmarks' directories under {@code /dev/shm}. */
public final class ShmDirs {
    private ShmDirs() {
    }

    /**
     * Deletes directories {@code /dev/shm/<prefix><pid>} of this user whose process is gone: what a
     * run killed with SIGKILL (no shutdown hook) left behind.
     */
    public static void deleteStale(String prefix) {
        Path shm = Path.of("/dev/shm");
        try (var entries = Files.newDirectoryStream(shm, prefix + "*")) {
            String me = System.getProperty("user.name");
            for (Path dir : entries) {
                String pid = dir.getFileName().toString().substring(prefix.length());
                if (!pid.matches("[0-9]{1,10}") || ProcessHandle.of(Long.parseLong(pid)).isPresent()
                        || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(me)) {
                    continue;
                }
                deleteTree(dir);
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }

    /** Deletes a directory tree (links are removed, not followed); quiet if it does not exist. */
    public static void deleteTree(Path root) {
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
            System.err.println("jipc-bench: could not delete " + root + ": " + e);
        }
    }
}
