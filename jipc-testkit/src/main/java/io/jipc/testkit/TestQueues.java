package io.jipc.testkit;

import io.jipc.platform.MessageQueues;
import io.jipc.platform.ProcessIdentity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Names of POSIX message queues for tests, removed even when the test JVM that named them ends
 * without removing them. The kernel keeps a queue until it is unlinked, and its namespace has no
 * directory that a test could delete, so every name is also written down: to
 * {@value #LIST} in a {@link ShmScratch} directory of this JVM ({@code jipc-test-queues-p<pid>s<start>-<random>}).
 * <ol>
 * <li>the test unlinks its queues, as before;</li>
 * <li>the test kit's shutdown hook ({@link ShutdownNet}) unlinks every name this JVM issued that
 *     still exists ({@code SIGTERM}, Ctrl-C, {@code System.exit});</li>
 * <li>when a later test JVM sweeps the scratch directory of a JVM that no longer runs
 *     ({@link ShmScratch#sweepOrphans}), it unlinks the queues listed there first ({@code SIGKILL}).</li>
 * </ol>
 * Names look like {@code /<prefix>-p<pid>s<start>-<random>-<n>}. Thread-safe.
 */
public final class TestQueues {
    /** The file of a scratch directory that lists the queue names issued, one per line. */
    static final String LIST = "posix-queues";
    /** What a listed name must look like to be unlinked by a sweep. */
    private static final Pattern LISTED = Pattern.compile("/[A-Za-z0-9._-]{1,250}");
    private static final Set<String> ISSUED = ConcurrentHashMap.newKeySet();
    private static final String SERIAL = String.format("%08x", ThreadLocalRandom.current().nextInt());
    private static Path list;
    private static long next;

    private TestQueues() {
    }

    /**
     * A fresh queue name, written down before it is returned (so a queue of this name cannot
     * outlive its record).
     *
     * @param prefix the start of the name without the slash, such as {@code jipc-test-MqTest}
     */
    public static synchronized String name(String prefix) {
        ShutdownNet.install();
        ProcessIdentity self = ProcessIdentity.current();
        String name = "/" + prefix + "-p" + self.pid() + "s" + self.startTime() + "-" + SERIAL + "-" + ++next;
        if (!LISTED.matcher(name).matches()) {
            throw new IllegalArgumentException("not a queue-name prefix: '" + prefix + "'");
        }
        try {
            if (list == null) {
                list = ShmScratch.createDirectory("jipc-test-queues").resolve(LIST);
            }
            Files.writeString(list, name + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record test queue name " + name, e);
        }
        ISSUED.add(name);
        return name;
    }

    /** At shutdown, after the children were killed ({@link ShutdownNet}): unlinks what this JVM named. */
    static void unlinkIssued() {
        ISSUED.forEach(TestQueues::unlinkQuietly);
    }

    /**
     * Unlinks the queues listed in {@code directory} (a scratch directory of a JVM that no longer
     * runs), if it has a list; lines that are not queue names are skipped.
     */
    static void unlinkListed(Path directory) {
        Path listed = directory.resolve(LIST);
        if (!Files.isRegularFile(listed, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<String> names;
        try {
            names = Files.readAllLines(listed, StandardCharsets.US_ASCII);
        } catch (IOException | UncheckedIOException e) {
            return;
        }
        for (String name : names) {
            if (LISTED.matcher(name).matches()) {
                unlinkQuietly(name);
            }
        }
    }

    private static void unlinkQuietly(String name) {
        try {
            MessageQueues.unlink(name);
        } catch (RuntimeException e) {
            // best effort: no such queue, no permission, or no queues on this host
        }
    }
}
