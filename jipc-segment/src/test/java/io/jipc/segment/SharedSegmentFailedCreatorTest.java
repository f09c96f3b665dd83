package io.jipc.segment;

import io.jipc.platform.FileIdentity;
import io.jipc.platform.Processes;
import io.jipc.platform.Signals;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.MountNamespaces;
import io.jipc.testkit.ProcessStates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A creator ({@link SharedSegment#create}, in a child JVM) stopped right after its exclusive
 * {@code open(2)} (fault point {@code after-file-created}, action {@code stop}) whose file another
 * process condemns, removes and replaces by a file of its own under the same name, and whose
 * creation then fails ({@code ENOSPC} in {@code fallocate}, on a full tmpfs): its failure cleanup
 * removes only its own file, never the replacement. Until 2026-12-06 it unlinked the name, that
 * is the replacement, which in an unbounded mailbox was another sender's linked-in segment (its
 * messages lost, the mailbox broken: "segment 1 ... is missing").
 *
 * <p>The child runs in a mount namespace of its own with a 64 KiB tmpfs mounted over this test's
 * {@code segment} directory (made with {@code unshare --mount}, gone with the child); this test
 * reaches the files through {@code /proc/<child>/root}. Aborted where no mount namespace can be
 * made (not root).
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SharedSegmentFailedCreatorTest {
    private static final long MAGIC = SegmentChild.MAGIC;
    private static final Duration LINE = Duration.ofSeconds(60);

    @Test
    void aCreatorWhoseFileWasCondemnedAndReplacedRemovesOnlyItsOwnFileWhenItsCreationFails() throws Exception {
        MountNamespaces.require();
        Path directory = JipcRoot.directory("segment"); // the mount point
        Path path = directory.resolve("failing");
        try (ChildJvm creator = ChildJvm.builder(SegmentChild.class).quickStart().hardTimeout(Duration.ofSeconds(100))
                .property("jipc.faults", "after-file-created:1:stop")
                .wrapper("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                        "mount -t tmpfs -o size=64k,mode=0700 jipc-small \"$0\" && exec \"$@\"", directory.toString())
                .args("create-length", path.toString(), "600", "16384", ";", "pause").start()) {
            try {
                creator.awaitLine("FAULT after-file-created", LINE);
                ProcessStates.awaitStopped(creator.pid(), LINE);
                // the creator's file, empty, as this process sees it in the creator's namespace
                Path inside = Path.of("/proc/" + creator.pid() + "/root" + path);
                assertTrue(SharedSegment.condemn(inside, FileIdentity.of(inside), 0600), "condemned and removed");
                Path filler = inside.resolveSibling("filler");
                try (SharedSegment replacement = SharedSegment.create(inside, MAGIC, 8192, 0600)) {
                    replacement.publish(1, 0);
                    Object replaced = FileIdentity.of(inside);
                    fill(filler);
                    Signals.kill(creator.pid(), Signals.SIGCONT);
                    String failed = creator.awaitLine("FAILED", LINE);
                    assertTrue(failed.contains("ENOSPC") && failed.contains("fallocate"), failed);
                    creator.awaitLine("PAUSED", LINE);
                    assertEquals(replaced, FileIdentity.of(inside),
                            "the failed creator left the file that replaced its own: " + creator.output());
                    try (SharedSegment opened = SharedSegment.open(inside, MAGIC, 1, 0600, LINE)) {
                        assertEquals(SegmentHeaderDescriptor.version(1, 0), opened.version());
                    }
                } finally {
                    Files.deleteIfExists(filler);
                    Files.deleteIfExists(inside);
                }
                creator.process().getOutputStream().write("done\n".getBytes(StandardCharsets.UTF_8));
                creator.process().getOutputStream().flush();
                creator.assertSuccess(LINE);
            } finally {
                if (creator.isAlive()) {
                    Processes.kill((int) creator.pid(), Signals.SIGCONT); // never left stopped (close kills it)
                }
            }
        }
    }

    /** Writes {@code file} until the file system is full. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left on device")) {
                throw full;
            }
        }
    }

    /** Aborts the test where no mount namespace can be made (not root, say). */}
