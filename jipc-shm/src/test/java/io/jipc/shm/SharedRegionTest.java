package io.jipc.shm;

import io.jipc.CorruptSegmentException;
import io.jipc.InsecureFileException;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Named regions within one process: names, files, modes, mappings, typed and atomic access. */
@ExtendWith(JipcTestExtension.class)
class SharedRegionTest {
    private final String posixName = "/jipc-test-" + UUID.randomUUID();

    @AfterEach
    void removePosixRegion() {
        SharedRegion.unlink(posixName);
    }

    @Test
    void aCreatedRegionIsZeroedSharedBetweenMappingsAndExistsUntilUnlinked(Path root) {
        try (SharedRegion a = SharedRegion.create("r1", 10_000)) {
            assertEquals(root.resolve("region/r1"), a.path());
            assertEquals(10_000, a.size());
            assertEquals(0, a.getLong(9_992));
            try (SharedRegion b = SharedRegion.open("r1")) {
                a.setLong(16, 42);
                assertEquals(42, b.getLong(16));
            }
        }
        assertTrue(SharedRegion.exists("r1"));
        try (SharedRegion again = SharedRegion.open("r1")) {
            assertEquals(42, again.getLong(16), "contents outlive every mapping");
        }
        assertTrue(SharedRegion.unlink("r1"));
        assertFalse(SharedRegion.exists("r1"));
        assertFalse(SharedRegion.unlink("r1"));
        assertThrows(RegionNotFoundException.class, () -> SharedRegion.open("r1"));
    }

    @Test
    void aMappingOutlivesTheNameAndUnlinkOfAStaleHandleSparesANewRegion() {
        SharedRegion old = SharedRegion.create("r2", 4096);
        assertTrue(SharedRegion.unlink("r2"));
        old.setInt(0, 7);
        assertEquals(7, old.getInt(0));
        try (SharedRegion fresh = SharedRegion.create("r2", 4096)) {
            assertFalse(old.unlink(), "the name now belongs to another region");
            assertTrue(SharedRegion.exists("r2"));
            assertTrue(fresh.unlink());
        } finally {
            old.close();
        }
    }

    @Test
    void creatingAnExistingNameFails() {
        try (SharedRegion region = SharedRegion.create("taken", 64)) {
            RegionExistsException e = assertThrows(RegionExistsException.class, () -> SharedRegion.create("taken", 64));
            assertTrue(e.getMessage().contains("taken"), e.getMessage());
            region.unlink();
        }
    }

    @Test
    void theModeIsExactWhateverTheUmask() {
        try (SharedRegion region = SharedRegion.create(posixName, 4096, 0644)) {
            FileStatus status = Libc.lstat(region.path().toString());
            assertEquals(0644, status.permissions());
            assertEquals(Path.of("/dev/shm", posixName.substring(1)), region.path());
        }
    }

    @Test
    void aReadOnlyMappingRefusesWritesWithAnExceptionNotACrash() {
        try (SharedRegion writer = SharedRegion.create("ro", 4096);
             SharedRegion reader = SharedRegion.open("ro", Access.READ_ONLY)) {
            assertTrue(reader.isReadOnly());
            writer.setLongRelease(8, 99);
            assertEquals(99, reader.getLongAcquire(8));
            assertThrows(IllegalArgumentException.class, () -> reader.setLong(8, 1));
            assertThrows(IllegalArgumentException.class, () -> reader.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            assertThrows(IllegalArgumentException.class, () -> reader.getAndAddLong(8, 1));
            assertThrows(IllegalArgumentException.class, () -> CircularBuffer.attach(reader));
            assertEquals(99, reader.getLongVolatile(8));
        } finally {
            SharedRegion.unlink("ro");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".hidden", "-x", "a/b", "..", "/", "/a/b", "//x", "a b"})
    void invalidNamesAreRefused(String name) {
        assertThrows(IllegalArgumentException.class, () -> SharedRegion.create(name, 64));
    }

    /** A POSIX name is a file name of /dev/shm: up to NAME_MAX (255) characters after the slash (251 were refused). */
    @Test
    void posixNamesUpToNameMaxAreTaken() {
        String prefix = posixName.substring(1) + "-";
        String longest = "/" + prefix + "x".repeat(255 - prefix.length());
        try (SharedRegion region = SharedRegion.create(longest, 64)) {
            assertEquals(longest, region.name());
        } finally {
            SharedRegion.unlink(longest);
        }
        assertThrows(IllegalArgumentException.class, () -> SharedRegion.create(longest + "x", 64));
    }

    @Test
    void invalidSizesAndModesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SharedRegion.create("bad", 0));
        assertThrows(IllegalArgumentException.class, () -> SharedRegion.create("bad", -1));
        assertThrows(IllegalArgumentException.class, () -> SharedRegion.create("bad", 64, 01777));
        // as a mailbox's: without the owner's read and write the creator's own user is locked out
        for (int bad : new int[] {0, 0400, 0200, 0066}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharedRegion.create("bad", 64, bad));
            assertEquals("permissions must be within 0777 and include 0600: 0" + Integer.toOctalString(bad), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> CircularBuffer.create("bad", 8, 4, bad));
        }
        assertFalse(SharedRegion.exists("bad"));
    }

    @Test
    void aSymbolicLinkIsRefused(Path root) throws Exception {
        try (SharedRegion target = SharedRegion.create("target", 64)) {
            Files.createSymbolicLink(root.resolve("region/link"), target.path());
            try {
                assertThrows(InsecureFileException.class, () -> SharedRegion.open("link"));
            } finally {
                Files.delete(root.resolve("region/link"));
                target.unlink();
            }
        }
    }

    /** A Unix-domain socket under a region's name is refused as not a regular file (it was a bare ENXIO). */
    @Test
    void aUnixSocketIsRefused(Path root) throws Exception {
        Path file = root.resolve("region/sock");
        Files.createDirectories(file.getParent());
        try (java.nio.channels.ServerSocketChannel socket = java.nio.channels.ServerSocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            // bound under a short name (a socket's path has at most 107 bytes), then moved in place
            Path bound = Path.of("/dev/shm", "jipc-sock-" + java.util.UUID.randomUUID().toString().substring(0, 8));
            socket.bind(java.net.UnixDomainSocketAddress.of(bound));
            Files.move(bound, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            for (Access access : Access.values()) {
                InsecureFileException refused = assertThrows(InsecureFileException.class,
                        () -> SharedRegion.open("sock", access));
                assertTrue(refused.getMessage().contains("not a regular file"), refused.getMessage());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A FIFO under a region's name is refused at once; a read-only open of it waited for a writer for ever. */
    @Test
    void aFifoIsRefusedWithoutWaitingForAWriter(Path root) throws Exception {
        Path fifo = root.resolve("region/fifo");
        Files.createDirectories(fifo.getParent());
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        try {
            java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    SharedRegion.open("fifo", Access.READ_ONLY).close();
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            Throwable refused = outcome.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(refused instanceof InsecureFileException, String.valueOf(refused));
            assertThrows(InsecureFileException.class, () -> SharedRegion.open("fifo"));
        } finally {
            Files.delete(fifo);
        }
    }

    /**
     * Also by an interrupted thread, which waits the same (the open declares no InterruptedException)
     * and keeps its status: until 2026-12-06 the interrupt ended the open at once with a
     * ClosedException, though nothing was closed.
     */
    @Test
    void anEmptyFileIsWaitedForThenRefused(Path root) throws Exception {
        Path empty = root.resolve("region/empty");
        Files.createDirectories(empty.getParent());
        Files.createFile(empty);
        try {
            Thread.currentThread().interrupt();
            CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> SharedRegion.open("empty"));
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
        } finally {
            Thread.interrupted();
            Files.delete(empty);
        }
    }

    @Test
    void atomicSlotsMustBeAlignedAndInside() {
        try (SharedRegion region = SharedRegion.create("atomics", 64)) {
            assertEquals(0, region.getAndAddInt(4, 5));
            assertEquals(5, region.getIntVolatile(4));
            assertTrue(region.compareAndSetLong(8, 0, 3));
            assertFalse(region.compareAndSetLong(8, 0, 4));
            assertEquals(3, region.getAndSetLong(8, 10));
            assertEquals(10, region.getAndAddLong(8, -1));
            assertEquals(9, region.getLongVolatile(8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> region.getAndAddInt(2, 1));
            assertTrue(e.getMessage().contains("4-byte aligned"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> region.compareAndSetLong(4, 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> region.getLongVolatile(64));
            assertThrows(IndexOutOfBoundsException.class, () -> region.getIntVolatile(-4));
            region.setLong(3, 0x0102030405060708L); // plain accesses may be unaligned
            assertEquals(0x0102030405060708L, region.getLong(3));
            byte[] bytes = {1, 2, 3};
            region.setBytes(40, bytes);
            byte[] back = new byte[3];
            region.getBytes(40, back);
            assertArrayEquals(bytes, back);
            region.unlink();
        }
    }


    /** An access outside the region, plain or atomic, gets one message: offset, region size, access length. */
    @Test
    void everyAccessorOutsideTheRegionSaysSoTheSameWay() {
        try (SharedRegion region = SharedRegion.create("bounds", 16)) {
            Map<String, Executable> accesses = new LinkedHashMap<>();
            accesses.put("getByte(16)", () -> region.getByte(16));
            accesses.put("setByte(-1)", () -> region.setByte(-1, (byte) 1));
            accesses.put("getInt(14)", () -> region.getInt(14));
            accesses.put("setInt(16)", () -> region.setInt(16, 1));
            accesses.put("getLong(9)", () -> region.getLong(9));
            accesses.put("setLong(-8)", () -> region.setLong(-8, 1));
            accesses.put("getBytes(10, 10)", () -> region.getBytes(10, new byte[10]));
            accesses.put("setBytes(MAX, 1)", () -> region.setBytes(Long.MAX_VALUE, new byte[1]));
            accesses.put("getBytes(0, 17)", () -> region.getBytes(0, new byte[17]));
            accesses.put("getIntVolatile(16)", () -> region.getIntVolatile(16));
            accesses.put("getLongVolatile(-8)", () -> region.getLongVolatile(-8));
            accesses.forEach((what, access) -> {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, access, what);
                assertTrue(e.getMessage().matches("offset -?\\d+ is outside the 16-byte region for a \\d+-byte access"),
                        what + ": " + e.getMessage());
            });
            region.setBytes(16, new byte[0]); // nothing at the end is inside
            region.unlink();
        }
    }
    @Test
    void aClosedRegionThrowsInsteadOfCrashing() {
        SharedRegion region = SharedRegion.create("closed", 64);
        region.close();
        region.close();
        assertFalse(region.isOpen());
        assertThrows(IllegalStateException.class, () -> region.getLong(0));
        SharedRegion.unlink("closed");
    }

    /**
     * Open, unlink and exists of a jipc-named region refuse a {@code region/} directory open to others,
     * as create does, and remove nothing (until 2026-12-06 only create checked it).
     */
    @Test
    void aRegionDirectoryOpenToOthersIsRefused() throws Exception {
        SharedRegion.create("guarded", 4096).close();
        Path dir = JipcTestExtension.root().resolve(SharedRegion.DIRECTORY);
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            assertThrows(InsecureFileException.class, () -> SharedRegion.open("guarded", Access.READ_WRITE));
            assertThrows(InsecureFileException.class, () -> SharedRegion.exists("guarded"));
            assertThrows(InsecureFileException.class, () -> SharedRegion.unlink("guarded"));
            assertTrue(Files.exists(dir.resolve("guarded")), "the refused unlink removed nothing");
        } finally {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        assertTrue(SharedRegion.unlink("guarded"));
    }
}
