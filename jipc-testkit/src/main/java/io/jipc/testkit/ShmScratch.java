package io.jipc.testkit;

import io.jipc.JipcException;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scratch directories under {@code /dev/shm} that belong to one test JVM and are removed even
 * when that JVM does not get to remove them itself.
 *
 * <p>Each name ends in its owner's identity and a random part:
 * {@code <prefix>-p<pid>s<start time>-<8 hex digits>} (the start time in clock ticks since boot,
 * as in {@link ProcessIdentity}, so a reused pid is not taken for the owner). Three nets catch a
 * directory its test did not delete:
 * <ol>
 * <li>the test deletes it ({@link #delete}), as before;</li>
 * <li>a shutdown hook of the owning JVM deletes every directory it named that is still there, after
 *     killing its {@linkplain ChildJvm child JVMs}: this covers {@code SIGTERM}, {@code SIGINT} and
 *     a test run that calls {@code System.exit};</li>
 * <li>the first use in a later test JVM of the same user removes the directories whose owner is
 *     gone ({@link #sweepOrphans}): this covers {@code SIGKILL}, an out-of-memory kill or a host
 *     crash, against which no hook runs.</li>
 * </ol>
 * Directories named by other means (older names without an owner) are never touched. A swept
 * directory's list of POSIX queue names ({@link TestQueues}) is unlinked first.
 *
 * <p>Limits: the owner's liveness is judged from this JVM's {@code /proc}, as {@link ProcessIdentity}
 * judges it, so test JVMs that share {@code /dev/shm} must share the pid namespace too (two
 * containers with one {@code /dev/shm} but pid namespaces of their own would delete each other's
 * directories).
 *
 * <p>Thread-safe. The sweep runs at most once per JVM.
 */
public final class ShmScratch {
    /** Where the directories live. */
    public static final Path SHM = Path.of("/dev/shm");

    private static final Pattern OWNED = Pattern.compile(".+-p(\\d+)s(\\d+)-[0-9a-f]{8}");
    private static final Set<Path> NAMED = ConcurrentHashMap.newKeySet();
    private static volatile boolean swept;

    static {
        ShutdownNet.install();
    }

    private ShmScratch() {
    }

    /**
     * A new path under {@code /dev/shm} owned by this JVM, for the caller (or a library it
     * configures) to create; deleted at this JVM's shutdown if it still exists. Sweeps the orphans
     * of dead test JVMs first, once per JVM.
     *
     * @param prefix the start of the name, such as {@code jipc-test-MailboxTest}; no {@code /}
     */
    public static Path name(String prefix) {
        if (prefix.isEmpty() || prefix.contains("/")) {
            throw new IllegalArgumentException("not a file-name prefix: '" + prefix + "'");
        }
        sweepOrphans();
        ProcessIdentity self = ProcessIdentity.current();
        Path path = SHM.resolve(prefix + "-p" + self.pid() + "s" + self.startTime() + "-"
                + String.format("%08x", ThreadLocalRandom.current().nextInt()));
        NAMED.add(path);
        return path;
    }

    /** {@link #name} and creates the directory, readable and writable by its owner only (0700). */
    public static Path createDirectory(String prefix) throws IOException {
        Path path = name(prefix);
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return path;
    }

    /** Deletes {@code path} and everything under it (links are removed, not followed); no error if it is gone. */
    public static void delete(Path path) throws IOException {
        JipcTestExtension.deleteRecursively(path);
        NAMED.remove(path);
    }

    /**
     * Deletes the scratch directories under {@code /dev/shm} whose owning JVM no longer runs, if
     * this JVM has not done so yet; returns how many it deleted. Only directories of this user with
     * an owner in their name are considered. Best effort: a directory that cannot be deleted (a
     * dying child of its owner may still write there) is left for the next sweep.
     */
    public static int sweepOrphans() {
        if (swept) {
            return 0;
        }
        synchronized (ShmScratch.class) {
            if (swept) {
                return 0;
            }
            swept = true;
            return sweep(SHM);
        }
    }

    /** The sweep of {@code directory} (a parameter so that tests can sweep a directory of their own). */
    static int sweep(Path directory) {
        int deleted = 0;
        int me = Libc.geteuid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                Matcher owner = OWNED.matcher(entry.getFileName().toString());
                if (!owner.matches() || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
                        || uid(entry) != me || ownerRuns(owner)) {
                    continue;
                }
                try {
                    TestQueues.unlinkListed(entry);
                    JipcTestExtension.deleteRecursively(entry);
                    deleted++;
                } catch (IOException | UncheckedIOException e) {
                    // left for the next sweep
                }
            }
        } catch (IOException e) {
            // nothing to sweep
        }
        return deleted;
    }

    private static boolean ownerRuns(Matcher owner) {
        try {
            long pid = Long.parseLong(owner.group(1));
            long start = Long.parseLong(owner.group(2));
            return ProcessIdentity.of(pid).map(p -> p.startTime() == start).orElse(false);
        } catch (NumberFormatException e) {
            return true; // not a name this class made: leave it
        } catch (JipcException e) {
            return true; // /proc unreadable for now (EMFILE, say): unknown is not dead, leave it
        }
    }

    private static int uid(Path path) {
        try {
            return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** At shutdown, after the children were killed ({@link ShutdownNet}). */
    static void deleteAllNamed() {
        for (Path path : NAMED) {
            try {
                JipcTestExtension.deleteRecursively(path);
            } catch (IOException | UncheckedIOException e) {
                // best effort at shutdown
            }
        }
    }
}
