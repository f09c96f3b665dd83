package io.jipc.platform;

import io.jipc.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The file downcalls of {@link Libc} against the real kernel, on tmpfs. */
class LibcFilesTest {
    private static final long TIB = 1L << 40;

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    private static ErrnoException assertErrno(int errno, String call, Path subject, Runnable action) {
        ErrnoException e = assertThrows(ErrnoException.class, action::run);
        assertEquals(errno, e.errno(), e::getMessage);
        assertEquals(Errno.name(errno), e.errnoName());
        assertEquals(call, e.call());
        assertEquals(subject.toString(), e.subject());
        assertEquals(Errno.name(errno) + " (" + Errno.description(errno) + ") from " + call + " of " + subject,
                e.getMessage());
        return e;
    }

    private int createFile(Path path, int mode) {
        return Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, mode);
    }

    @Test
    void openingAMissingFileThrowsEnoentNamingTheCallAndThePath() {
        Path missing = dir.resolve("missing");
        ErrnoException e = assertErrno(Errno.ENOENT, "open", missing,
                () -> Libc.open(missing.toString(), Libc.O_RDONLY, 0));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().startsWith("ENOENT (No such file or directory) from open of "), e.getMessage());
        assertTrue(e.getMessage().endsWith(missing.toString()), e.getMessage());
    }

    @Test
    void aListingOfADirectoryGivesTheNamesTheJdkGives() throws IOException {
        assertEquals(List.of(), Libc.listDirectory(dir.toString()));
        Set<String> made = new TreeSet<>(Set.of("a", "b@0", "b@17", "ünï", ".hidden"));
        for (int i = 0; i < 600; i++) { // more records than one getdents64 call fills
            made.add("file-with-a-long-name-to-fill-the-buffer-" + i);
        }
        for (String name : made) {
            Files.createFile(dir.resolve(name));
        }
        Files.createDirectory(dir.resolve("sub"));
        made.add("sub");
        Set<String> jdk;
        try (Stream<Path> files = Files.list(dir)) {
            jdk = files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        List<String> listed = Libc.listDirectory(dir.toString());
        assertEquals(made.size(), listed.size());
        assertEquals(made, new TreeSet<>(listed));
        assertEquals(jdk, new TreeSet<>(listed));
    }

    @Test
    void aListingOfAMissingDirectoryOrAFileThrowsTheErrno() {
        Path missing = dir.resolve("missing");
        assertErrno(Errno.ENOENT, "open", missing, () -> Libc.listDirectory(missing.toString()));
        Path file = dir.resolve("file");
        Libc.close(createFile(file, 0600));
        assertErrno(Errno.ENOTDIR, "open", file, () -> Libc.listDirectory(file.toString()));
    }

    @Test
    void anExclusiveCreateOfAnExistingFileThrowsEexist() {
        Path file = dir.resolve("file");
        Libc.close(createFile(file, 0600));
        assertErrno(Errno.EEXIST, "open", file, () -> createFile(file, 0600));
    }

    @Test
    void openWithNoFollowRefusesASymbolicLinkWithEloop() throws IOException {
        Path target = dir.resolve("target");
        Libc.close(createFile(target, 0600));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertErrno(Errno.ELOOP, "open", link,
                () -> Libc.open(link.toString(), Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0));
    }

    @Test
    void closingADescriptorThatIsNotOpenThrowsEbadf() {
        int fd = createFile(dir.resolve("f"), 0600);
        Libc.close(fd);
        ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.close(fd));
        assertEquals(Errno.EBADF, e.errno());
        assertEquals("fd " + fd, e.subject());
    }

    @Test
    void allocatingMoreThanTheFileSystemHoldsFailsWithEnospcNotACrash() throws IOException {
        FileStore store = Files.getFileStore(dir);
        long total = store.getTotalSpace();
        // tmpfs without a size limit would try to back the request with memory: only ask for more than a known limit
        assumeTrue(total > 0 && total < TIB / 4, "the file system of " + dir + " reports no usable size limit ("
                + total + " bytes)");
        Path file = dir.resolve("huge");
        int fd = createFile(file, 0600);
        try {
            ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.allocate(fd, TIB, file.toString()));
            assertTrue(e.errno() == Errno.ENOSPC || e.errno() == Errno.EFBIG, e::getMessage);
            assertEquals(file.toString(), e.subject());
            assertTrue(e.call().endsWith("fallocate"), e.call());
            // nothing was reserved
            assertEquals(0, Libc.fstat(fd, file.toString()).size());
            // and the descriptor still works
            Libc.allocate(fd, 4096, file.toString());
            assertEquals(4096, Libc.fstat(fd, file.toString()).size());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aNegativeLengthIsRefusedWithEinval() {
        Path file = dir.resolve("f");
        int fd = createFile(file, 0600);
        try {
            assertErrno(Errno.EINVAL, "fallocate", file, () -> Libc.allocate(fd, -1, file.toString()));
            assertErrno(Errno.EINVAL, "ftruncate", file, () -> Libc.ftruncate(fd, -1, file.toString()));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void fstatDescribesARegularFileItsSizeOwnerAndExactPermissions() throws IOException {
        Path file = dir.resolve("regular");
        int fd = createFile(file, 0600);
        try {
            Libc.fchmod(fd, 0640, file.toString());
            Libc.ftruncate(fd, 12345, file.toString());
            FileStatus status = Libc.fstat(fd, file.toString());
            assertTrue(status.isRegularFile());
            assertFalse(status.isDirectory() || status.isSymbolicLink() || status.isFifo());
            assertEquals(12345, status.size());
            assertEquals(0640, status.permissions());
            assertEquals("0640", FileStatus.octal(status.permissions()));
            assertEquals(Libc.geteuid(), status.uid());
            assertEquals(1, status.links());
            // the same facts as the JDK's own view of the file
            assertEquals(Files.getAttribute(file, "unix:ino"), status.inode());
            assertEquals(Files.getAttribute(file, "unix:uid"), status.uid());
            assertEquals(Files.getAttribute(file, "unix:gid"), status.gid());
            assertEquals(Files.getAttribute(file, "unix:mode"), status.mode());
            assertEquals(Files.getLastModifiedTime(file).toInstant().getEpochSecond(), status.mtimeSeconds());
            assertEquals(status, Libc.lstat(file.toString()));
            Libc.unlink(file.toString());
            assertEquals(0, Libc.fstat(fd, file.toString()).links(), "an unlinked file has no links");
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void fchmodSetsExactlyTheBitsAskedForEvenThoseTheUmaskWouldRemove() {
        Path file = dir.resolve("f");
        int fd = createFile(file, 0777); // the umask (0022 or stricter) removes bits here
        try {
            for (int mode : new int[] {0600, 0606, 0666, 0640, 0}) {
                Libc.fchmod(fd, mode, file.toString());
                assertEquals(mode, Libc.fstat(fd, file.toString()).permissions(), FileStatus.octal(mode));
            }
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void lstatDescribesADirectoryAndASymbolicLinkWithoutFollowingIt() throws IOException {
        Path sub = dir.resolve("sub");
        Libc.mkdir(sub.toString(), 0700);
        FileStatus dirStatus = Libc.lstat(sub.toString());
        assertTrue(dirStatus.isDirectory());
        assertFalse(dirStatus.isRegularFile());
        assertEquals(0700, dirStatus.permissions());
        assertEquals(Libc.geteuid(), dirStatus.uid());

        Path link = Files.createSymbolicLink(dir.resolve("link"), sub);
        FileStatus linkStatus = Libc.lstat(link.toString());
        assertTrue(linkStatus.isSymbolicLink());
        assertFalse(linkStatus.isDirectory());
        assertEquals(sub.toString().length(), linkStatus.size(), "a link's size is the length of its target");
        assertEquals(Files.getAttribute(link, "unix:ino", LinkOption.NOFOLLOW_LINKS), linkStatus.inode());

        // a dangling link is described too
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        assertTrue(Libc.lstat(dangling.toString()).isSymbolicLink());
    }

    @Test
    void fstatOfADescriptorOpenedThroughALinkDescribesTheTarget() throws IOException {
        Path target = dir.resolve("target");
        Libc.close(createFile(target, 0600));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        int fd = Libc.open(link.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            FileStatus status = Libc.fstat(fd, link.toString());
            assertTrue(status.isRegularFile());
            assertEquals(Libc.lstat(target.toString()).inode(), status.inode());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void mkfifoCreatesAFifoThatLstatRecognises() throws IOException {
        Path fifo = dir.resolve("fifo");
        Libc.mkfifo(fifo.toString(), 0600);
        FileStatus status = Libc.lstat(fifo.toString());
        assertTrue(status.isFifo());
        assertFalse(status.isRegularFile());
        assertEquals(0600, status.permissions());
        assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class).isOther(),
                "the JDK sees it as a special file too");
        assertErrno(Errno.EEXIST, "mkfifo", fifo, () -> Libc.mkfifo(fifo.toString(), 0600));
    }

    @Test
    void lstatOfAMissingPathThrowsEnoent() {
        Path missing = dir.resolve("missing");
        assertErrno(Errno.ENOENT, "lstat", missing, () -> Libc.lstat(missing.toString()));
    }

    @Test
    void mkdirRmdirAndUnlinkReportTheirErrors() {
        Path sub = dir.resolve("sub");
        Libc.mkdir(sub.toString(), 0700);
        assertErrno(Errno.EEXIST, "mkdir", sub, () -> Libc.mkdir(sub.toString(), 0700));
        Path inner = sub.resolve("inner");
        Libc.close(createFile(inner, 0600));
        ErrnoException notEmpty = assertThrows(ErrnoException.class, () -> Libc.rmdir(sub.toString()));
        assertEquals("ENOTEMPTY", notEmpty.errnoName());
        assertEquals("rmdir", notEmpty.call());
        assertErrno(Errno.ENOTDIR, "mkdir", inner.resolve("x"), () -> Libc.mkdir(inner.resolve("x").toString(), 0700));
        Libc.unlink(inner.toString());
        assertErrno(Errno.ENOENT, "unlink", inner, () -> Libc.unlink(inner.toString()));
        Libc.rmdir(sub.toString());
        assertFalse(Files.exists(sub, LinkOption.NOFOLLOW_LINKS));
        assertErrno(Errno.ENOENT, "rmdir", sub, () -> Libc.rmdir(sub.toString()));
    }

    @Test
    void writeThenReadMoveTheBytesAndReadReturnsZeroAtTheEnd() {
        Path file = dir.resolve("data");
        byte[] text = "hello, jipc".getBytes(StandardCharsets.US_ASCII);
        int fd = createFile(file, 0600);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(text.length);
            out.copyFrom(MemorySegment.ofArray(text));
            assertEquals(text.length, Libc.write(fd, out.address(), text.length, file.toString()));
        } finally {
            Libc.close(fd);
        }
        fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(64);
            assertEquals(text.length, Libc.read(fd, in.address(), 64, file.toString()));
            assertArrayEquals(text, in.asSlice(0, text.length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertEquals(0, Libc.read(fd, in.address(), 64, file.toString()));
            int readOnly = fd;
            assertErrno(Errno.EBADF, "write", file, () -> Libc.write(readOnly, in.address(), 1, file.toString()));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void openingADirectoryForWritingFailsWithEisdir() {
        assertErrno(Errno.EISDIR, "open", dir, () -> Libc.open(dir.toString(), Libc.O_RDWR | Libc.O_CLOEXEC, 0));
        int fd = Libc.open(dir.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            assertTrue(Libc.fstat(fd, dir.toString()).isDirectory());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void anOPathOpenWithoutFollowingDescribesALinkItselfAndASocketFile() throws IOException {
        Path target = dir.resolve("target");
        Libc.close(createFile(target, 0600));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        int fd = Libc.open(link.toString(), Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        try {
            assertTrue(Libc.fstat(fd, link.toString()).isSymbolicLink());
        } finally {
            Libc.close(fd);
        }
        Path socket = dir.resolve("s.sock");
        int sock = Sockets.socket(Sockets.AF_UNIX, Sockets.SOCK_STREAM);
        try {
            Sockets.bind(sock, java.net.UnixDomainSocketAddress.of(socket));
            fd = Libc.open(socket.toString(), Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0); // O_RDONLY: ENXIO
            try {
                FileStatus status = Libc.fstat(fd, socket.toString());
                assertTrue(status.isSocket());
                assertFalse(status.isRegularFile());
                assertEquals(Libc.lstat(socket.toString()).inode(), status.inode());
            } finally {
                Libc.close(fd);
            }
        } finally {
            Libc.close(sock);
        }
    }

    @Test
    void chmodOpenedChangesTheFileTheDescriptorNamesNotTheOneThePathNamesNow() throws IOException {
        Path path = dir.resolve("file");
        Path moved = dir.resolve("moved");
        Libc.close(createFile(path, 0600));
        int fd = Libc.open(path.toString(), Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        try {
            Files.move(path, moved);
            Libc.close(createFile(path, 0600)); // another file under the name
            Libc.chmodOpened(fd, 0640, path.toString());
            assertEquals(0640, Libc.lstat(moved.toString()).permissions());
            assertEquals(0600, Libc.lstat(path.toString()).permissions());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void theEffectiveUserIdIsTheOwnerOfThisProcess() throws IOException {
        assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"), Libc.geteuid());
    }

    @Test
    void clockTicksPerSecondIsPositive() {
        long ticks = Libc.clockTicksPerSecond();
        assertTrue(ticks > 0 && ticks <= 10_000, "ticks " + ticks);
    }

    @Test
    void theNativeLayerIsAvailableOnThisPlatform() {
        assertTrue(Libc.isAvailable(), () -> Libc.unavailabilityCause().orElse(""));
        assertTrue(Libc.unavailabilityCause().isEmpty());
        Libc.ensureAvailability();
    }

    /** Linux 5.16 or later without a seccomp filter refusing it, as the mailbox selectors need. */
    @Test
    void futexWaitvIsAvailableOnThisKernel() {
        assertTrue(FutexVector.isAvailable(), () -> FutexVector.unavailabilityCause().orElse(""));
        assertTrue(FutexVector.unavailabilityCause().isEmpty());
        FutexVector.ensureAvailability();
    }
}
