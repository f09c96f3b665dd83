package io.jipc.segment;

import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.FileIdentity;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.ProcessIdentity;
import io.jipc.testkit.ChildJvm;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.jipc.segment.SegmentHeaderDescriptor.LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link SharedSegment#create}: exclusive, exact permissions, a complete header, nothing left on failure. */
@ExtendWith(JipcTestExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedSegmentCreateTest {
    static final long MAGIC = SegmentChild.MAGIC;

    private Path dir;
    private Path path;

    @BeforeEach
    void paths() {
        dir = JipcRoot.directory("segment");
        path = dir.resolve("s-" + UUID.randomUUID());
    }

    @AfterEach
    void removeSegment() {
        SharedSegment.unlink(path);
    }

    /**
     * Permissions that are not permission bits (0 to 0777) are an IllegalArgumentException before
     * anything is made or looked at, for a create, an open (of a file that exists and of one that does
     * not) and a condemn, with the message of a mailbox's open. Until 2026-12-07 a create with -1 made
     * a file of mode 07777 (set-id and sticky bits included), 01000 one its owner could not read, and
     * an open compared -1 with the file's mode (InsecureFileException "expected 037777777777").
     */
    @Test
    void permissionsMustBePermissionBits() {
        try (SharedSegment existing = SharedSegment.create(path, MAGIC, 8192, 0600)) {
            existing.publish(1, 0);
            Path missing = dir.resolve("s-" + UUID.randomUUID());
            for (int bad : new int[] {-1, 01000, 04600, 01000000, Integer.MIN_VALUE}) {
                String expected = "permissions must be permission bits (0 to 0777): 0" + Integer.toOctalString(bad);
                assertEquals(expected, assertThrows(IllegalArgumentException.class,
                        () -> SharedSegment.create(missing, MAGIC, 8192, bad).close()).getMessage());
                assertFalse(Files.exists(missing, LinkOption.NOFOLLOW_LINKS), "nothing made for " + bad);
                for (Path p : new Path[] {path, missing}) {
                    assertEquals(expected, assertThrows(IllegalArgumentException.class,
                            () -> SharedSegment.open(p, MAGIC, 1, bad, Duration.ZERO).close()).getMessage());
                }
                assertEquals(expected, assertThrows(IllegalArgumentException.class,
                        () -> SharedSegment.condemn(path, FileIdentity.of(path), bad)).getMessage());
            }
            SharedSegment.open(path, MAGIC, 1, 0600, Duration.ZERO).close(); // the bits it was made with open it
            assertEquals(0600, Libc.lstat(path.toString()).permissions());
        }
    }

    @Test
    void createWritesTheHeaderButLeavesTheVersionZeroUntilPublish() {
        long before = System.currentTimeMillis();
        try (SharedSegment segment = SharedSegment.create(path, MAGIC, 8192, 0600)) {
            assertEquals(path, segment.path());
            assertEquals(8192, segment.memory().byteSize());
            assertEquals(MAGIC, segment.memory().get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.MAGIC_OFFSET));
            assertEquals("JIPC-TST", SegmentHeaderDescriptor.tag(
                    segment.memory().get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.MAGIC_OFFSET)));
            assertEquals(LENGTH, segment.memory().get(ValueLayout.JAVA_INT, SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET));
            assertEquals(8192, segment.memory().get(ValueLayout.JAVA_LONG, SegmentHeaderDescriptor.FILE_LENGTH_OFFSET));
            assertEquals(ProcessIdentity.current(), segment.creator());
            assertEquals(ProcessHandle.current().pid(), segment.creatorPid());
            assertTrue(segment.createdAtMillis() >= before && segment.createdAtMillis() <= System.currentTimeMillis());
            assertEquals(0, segment.version(), "not ready before publish");
            for (long offset = 56; offset < 8192; offset += 8) {
                assertEquals(0, segment.memory().get(ValueLayout.JAVA_LONG, offset), "reserved and data start zero");
            }
            segment.publish(3, 7);
            assertEquals(SegmentHeaderDescriptor.version(3, 7), segment.version());
            assertEquals(3, SegmentHeaderDescriptor.major(segment.version()));
            assertEquals(7, SegmentHeaderDescriptor.minor(segment.version()));
            FileStatus status = Libc.lstat(path.toString());
            assertTrue(status.isRegularFile());
            assertEquals(8192, status.size());
            assertEquals(Long.toHexString(status.device()) + ":" + Long.toHexString(status.inode()), segment.fileKey());
        }
    }

    @Test
    void twoSegmentsGetDifferentObjectIds() {
        Path other = dir.resolve("other-" + UUID.randomUUID());
        try (SharedSegment a = SharedSegment.create(path, MAGIC, 4096, 0600);
             SharedSegment b = SharedSegment.create(other, MAGIC, 4096, 0600)) {
            assertNotEquals(a.objectId(), b.objectId());
            assertNotEquals(a.fileKey(), b.fileKey());
        } finally {
            SharedSegment.unlink(other);
        }
    }

    @Test
    void aSecondCreateOfTheSamePathFailsWithEexistAndLeavesTheFirstIntact() {
        try (SharedSegment first = SharedSegment.create(path, MAGIC, 4096, 0600)) {
            first.publish(1, 0);
            ErrnoException e = assertThrows(ErrnoException.class, () -> SharedSegment.create(path, MAGIC, 8192, 0600));
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals("EEXIST", e.errnoName());
            assertEquals("open", e.call());
            assertEquals(path.toString(), e.subject());
            try (SharedSegment again = SharedSegment.open(path, MAGIC, 1, 0600, Duration.ZERO)) {
                assertEquals(first.objectId(), again.objectId());
                assertEquals(4096, again.memory().byteSize());
            }
        }
    }

    @Test
    void createDoesNotFollowAPlantedSymbolicLink() throws IOException {
        Path victim = dir.resolve("victim-" + UUID.randomUUID());
        Files.createSymbolicLink(path, victim);
        try {
            ErrnoException e = assertThrows(ErrnoException.class, () -> SharedSegment.create(path, MAGIC, 4096, 0600));
            assertEquals(Errno.EEXIST, e.errno());
            assertFalse(Files.exists(victim, LinkOption.NOFOLLOW_LINKS), "nothing was created at the link's target");
            assertTrue(Files.isSymbolicLink(path), "the link is left alone");
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void aFailedCreateForLackOfSpaceThrowsEnospcAndLeavesNoFile() throws IOException {
        long total = Files.getFileStore(dir).getTotalSpace();
        assumeTrue(total > 0 && total < (1L << 38), "the file system of " + dir + " reports no usable size limit");
        long absurd = 1L << 40;
        ErrnoException e = assertThrows(ErrnoException.class, () -> SharedSegment.create(path, MAGIC, absurd, 0600));
        // ENOMEM: jipc's memory check (MemoryBudget) refuses it first where memory is below the file system's size
        assertTrue(e.errno() == Errno.ENOSPC || e.errno() == Errno.EFBIG || e.errno() == Errno.ENOMEM, e::getMessage);
        assertEquals(path.toString(), e.subject());
        assertTrue(e.getMessage().contains(absurd + " bytes were asked"), e::getMessage);
        assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "the half-created file was removed");
        // and the name is free for a create that fits
        try (SharedSegment segment = SharedSegment.create(path, MAGIC, 4096, 0600)) {
            assertEquals(4096, segment.memory().byteSize());
        }
    }

    @Test
    void aLengthShorterThanTheHeaderIsRefusedBeforeAnyFileIsCreated() {
        assertThrows(IllegalArgumentException.class, () -> SharedSegment.create(path, MAGIC, LENGTH - 1, 0600));
        assertThrows(IllegalArgumentException.class, () -> SharedSegment.create(path, MAGIC, -1, 0600));
        assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
    }

    @ParameterizedTest(name = "mode {0}")
    @CsvSource({"600", "640", "660", "604", "400"})
    void theGivenModeIsAppliedExactly(String octal) {
        int mode = Integer.parseInt(octal, 8);
        try (SharedSegment segment = SharedSegment.create(path, MAGIC, 4096, mode)) {
            assertEquals(mode, Libc.lstat(path.toString()).permissions(), FileStatus.octal(mode));
        }
    }

    /**
     * The creator's umask does not change the mode: neither a permissive one (000), which would let
     * bits through if jipc asked the kernel for more than wanted, nor a strict one (077), which would
     * remove group bits that were asked for.
     */
    @ParameterizedTest(name = "umask {0}, mode {1}")
    @CsvSource({"000, 600", "077, 640", "000, 640", "022, 660"})
    void theModeIsExactWhateverTheCreatorsUmask(String umask, String mode) {
        ChildJvm creator = ChildJvm.builder(SegmentChild.class).umask(Integer.parseInt(umask, 8)).quickStart()
                .hardTimeout(Duration.ofSeconds(30)).args("create", path.toString(), mode, "now").start();
        String created = creator.awaitLine("CREATED", Duration.ofSeconds(20));
        assertTrue(created.endsWith(" umask=0" + umask), "the child runs with the umask: " + created);
        creator.awaitLine("PUBLISHED", Duration.ofSeconds(20));
        creator.assertSuccess(Duration.ofSeconds(20));
        FileStatus status = Libc.lstat(path.toString());
        assertEquals("0" + mode, FileStatus.octal(status.permissions()));
        assertEquals(Libc.geteuid(), status.uid());
    }
}
