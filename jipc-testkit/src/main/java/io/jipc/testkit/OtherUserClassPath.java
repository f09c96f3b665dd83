package io.jipc.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The test JVM's class path as another user can read it ({@link ChildJvm.Builder#asUser}): an entry
 * that others may not reach (a jar of the local Maven repository under a {@code 0700} {@code /root}:
 * picocli for a child that runs the jipc command) is copied, once per test JVM, into a directory
 * others may read, under the module's {@code target/} (a temporary directory if there is none), which
 * is removed when the test JVM exits. Entries others can read already (the modules' {@code target/}
 * directories and jars) are kept as they are. Used by the test thread that starts children; thread-safe.
 */
final class OtherUserClassPath {
    private static final Set<PosixFilePermission> OPEN = PosixFilePermissions.fromString("rwxr-xr-x");

    private OtherUserClassPath() {
    }

    /** The class path for a child JVM of another user. */
    static String get() {
        return Holder.CLASS_PATH;
    }

    private static final class Holder {
        static final String CLASS_PATH = prepare(System.getProperty("java.class.path", ""));
    }

    private static String prepare(String original) {
        List<String> entries = new ArrayList<>();
        Path copies = null;
        try {
            for (String entry : original.split(File.pathSeparator)) {
                if (entry.isEmpty()) {
                    continue;
                }
                Path path = Path.of(entry).toAbsolutePath();
                if (!Files.exists(path) || othersMayRead(path)) {
                    entries.add(entry);
                    continue;
                }
                if (copies == null) {
                    copies = directory();
                }
                Path copy = copies.resolve(entries.size() + "-" + path.getFileName());
                copyTree(path, copy);
                entries.add(copy.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the class path where another user may read it", e);
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Whether others may reach {@code path} (every directory above it searchable) and read it. */
    private static boolean othersMayRead(Path path) throws IOException {
        for (Path dir = path.getParent(); dir != null; dir = dir.getParent()) {
            if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        Set<PosixFilePermission> own = Files.getPosixFilePermissions(path);
        return own.contains(PosixFilePermission.OTHERS_READ)
                && (!Files.isDirectory(path) || own.contains(PosixFilePermission.OTHERS_EXECUTE));
    }

    private static Path directory() throws IOException {
        Path target = Path.of(System.getProperty("user.dir"), "target");
        Path directory = Files.isDirectory(target)
                ? Files.createTempDirectory(target, "testkit-other-user-cp")
                : Files.createTempDirectory("jipc-testkit-other-user-cp");
        Files.setPosixFilePermissions(directory, OPEN);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(directory),
                "jipc-testkit-other-user-cp-cleanup"));
        return directory;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path source : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, OPEN);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }

    private static void deleteQuietly(Path directory) {
        try (Stream<Path> all = Files.walk(directory)) {
            all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort at exit
        }
    }
}
