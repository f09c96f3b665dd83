package io.jipc.shm;

import io.jipc.platform.Libc;
import io.jipc.segment.JipcRoot;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import io.jipc.testkit.MountNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * A region file with holes, as a C program's {@code shm_open} and {@code ftruncate} make it. Until
 * 2026-12-06 {@link SharedRegion#open} mapped it as it was, and on a full memory file system the
 * first access of a hole faulted: {@code InternalError} for a read or write, a JVM abort (exit 134,
 * {@code SIGBUS}) for a compare-and-set. Now a read-write open reserves the holes and a read-only
 * one looks whether the file system has room for them: {@code ENOSPC} at the open.
 */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SparseRegionTest {
    private static final Duration LINE = Duration.ofSeconds(60);
    private static final long SIZE = 1L << 20;

    /**
     * The child runs in a mount namespace of its own with a 1 MiB tmpfs mounted over this test's
     * {@code region} directory (gone with the child), holding a 4 MiB sparse file and a filler that
     * takes all the room. Aborted where no mount namespace can be made.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rw", "ro"})
    void aSparseRegionOnAFullFileSystemIsRefusedWithEnospcAtOpenNotASigbusLater(String access) throws Exception {
        MountNamespaces.require();
        Path directory = JipcRoot.directory(SharedRegion.DIRECTORY); // the mount point
        String setUp = "mount -t tmpfs -o size=1m,mode=0700 jipc-small \"$0\" && truncate -s 4M \"$0/sparse\""
                + " && { dd if=/dev/zero of=\"$0/filler\" bs=4k 2>/dev/null || true; } && exec \"$@\"";
        try (ChildJvm child = ChildJvm.builder(ShmChild.class).quickStart().hardTimeout(Duration.ofSeconds(90))
                .wrapper("unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", setUp,
                        directory.toString())
                .args("open-touch", "sparse", access).start()) {
            String outcome = child.awaitLine("", LINE);
            assertEquals(0, child.waitFor(LINE), "no crash (134: SIGBUS); said: " + outcome);
            assertTrue(outcome.startsWith("FAILED ErrnoException ENOSPC") && outcome.contains("sparse"), outcome);
        }
    }

    /** With room, a read-write open fills the holes (the documented cost), a read-only one leaves them. */
    @Test
    void aSparseRegionIsReservedByAReadWriteOpenAndLeftSparseByAReadOnlyOne() throws Exception {
        String name = "sparse-with-room";
        Path path = SharedRegion.path(name);
        try {
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                file.setLength(SIZE); // ftruncate: all one hole
            }
            assertEquals(SIZE, Libc.lstat(path.toString()).unallocatedBytes(), "tmpfs made it sparse");
            try (SharedRegion region = SharedRegion.open(name, Access.READ_ONLY)) {
                assertEquals(SIZE, region.size());
            }
            assertEquals(SIZE, Libc.lstat(path.toString()).unallocatedBytes(), "a read-only open reserves nothing");
            try (SharedRegion region = SharedRegion.open(name, Access.READ_WRITE)) {
                assertEquals(SIZE, region.size());
                assertEquals(0, Libc.lstat(path.toString()).unallocatedBytes(), "a read-write open reserved it all");
                assertEquals(SIZE, Libc.lstat(path.toString()).size(), "the size kept");
                assertTrue(region.compareAndSetLong(SIZE - 8, 0, 1), "zeros, as before");
            }
        } finally {
            SharedRegion.unlink(name);
        }
    }

    /** Aborts the test where no mount namespace can be made (not root, say). */}
