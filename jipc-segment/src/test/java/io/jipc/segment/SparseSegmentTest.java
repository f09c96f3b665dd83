package io.jipc.segment;

import io.jipc.platform.Libc;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.MountNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A segment file with holes: a sparse copy of one (a durable mailbox copied with {@code cp
 * --sparse=always}, {@code rsync -S}, {@code tar -S}). Until 2026-12-07 {@link SharedSegment#open}
 * mapped it as it was, and on a full memory file system the first access of a hole faulted: a send
 * into such a mailbox threw {@code InternalError} after its claim had moved the ring's tail, and the
 * receiver then waited for that live sender's claim for as long as it lived. Now the open reserves
 * the holes ({@code ENOSPC} at the open), as {@code SharedRegion}'s does.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SparseSegmentTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final long SIZE = 1L << 20;

    /** A 1 MiB segment whose every byte is allocated (jipc's create reserves it), published. */
    private static Path published(String name) {
        Path path = JipcRoot.directory("segment-source").resolve(name);
        try (SharedSegment segment = SharedSegment.create(path, SegmentChild.MAGIC, SIZE, 0600)) {
            segment.publish(1, 0);
        }
        return path;
    }

    /**
     * The child runs in a mount namespace of its own with a 1 MiB tmpfs mounted over this test's
     * {@code segment} directory (gone with the child), holding a sparse copy of a published segment
     * and a filler that takes all the room. Aborted where no mount namespace can be made.
     */
    @Test
    void aSparseCopyOnAFullFileSystemIsRefusedWithEnospcAtOpen() throws Exception {
        MountNamespaces.require();
        Path source = published("sparse-source");
        Path directory = JipcRoot.directory("segment"); // the mount point
        String setUp = "mount -t tmpfs -o size=1m,mode=0700 jipc-small \"$0\" && cp --sparse=always \"$1\" \"$0/copy\""
                + " && { dd if=/dev/zero of=\"$0/filler\" bs=4k 2>/dev/null || true; } && shift && exec \"$@\"";
        try (ChildJvm child = ChildJvm.builder(SegmentChild.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                .wrapper("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", setUp,
                        directory.toString(), source.toString())
                .args("open", directory.resolve("copy").toString(), "600").start()) {
            String outcome = child.awaitLine("", LINE);
            assertEquals(0, child.waitFor(LINE), "said: " + outcome);
            assertTrue(outcome.startsWith("FAILED io.jipc.ErrnoException ENOSPC") && outcome.contains("sparse"), outcome);
        } finally {
            Files.deleteIfExists(source);
        }
    }

    /** With room, the open fills the holes of the copy: none is left to fault later. */
    @Test
    void aSparseCopyIsReservedByTheOpen() throws Exception {
        Path source = published("sparse-source-2");
        Path copy = JipcRoot.directory("segment").resolve("sparse-copy");
        try {
            Process cp = new ProcessBuilder("cp", "--sparse=always", source.toString(), copy.toString())
                    .redirectErrorStream(true).start();
            String said = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, cp.waitFor(), said);
            assertTrue(Libc.lstat(copy.toString()).unallocatedBytes() > 0, "cp made it sparse");
            try (SharedSegment segment = SharedSegment.open(copy, SegmentChild.MAGIC, 1, 0600, LINE)) {
                assertEquals(SIZE, segment.memory().byteSize());
                assertEquals(0, Libc.lstat(copy.toString()).unallocatedBytes(), "the open reserved the holes");
                assertEquals(SIZE, Libc.lstat(copy.toString()).size(), "the size kept");
            }
        } finally {
            Files.deleteIfExists(copy);
            Files.deleteIfExists(source);
        }
    }
}
