package io.jipc.net;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.platform.Sockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The socket file's mode is set on the socket this process bound and on nothing else: not through
 * a symbolic link another process put at the path, not on a file of another type or user. (The
 * race itself — a link planted between {@code bind} and the mode change — is not reproduced here:
 * these tests put each replacement at the path before the mode is set.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnixSocketFileTest {
    @TempDir
    Path dir;

    /** A socket file owned by this process's user, bound by the JDK (mode 0777 minus the umask). */
    private Path socketFile(String name) throws IOException {
        Path path = dir.resolve(name);
        try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.bind(UnixDomainSocketAddress.of(path));
        }
        return path; // the file stays after the close
    }

    /** A regular file of mode 0600 (a root-owned file of the finding, say). */
    private Path regularFile(String name) {
        Path path = dir.resolve(name);
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0600);
        try {
            Libc.fchmod(fd, 0600, path.toString());
        } finally {
            Libc.close(fd);
        }
        return path;
    }

    private static int mode(Path path) {
        return Libc.lstat(path.toString()).permissions();
    }

    private static void assertRefused(Path path, String what, Runnable action) {
        InsecureFileException e = assertThrows(InsecureFileException.class, action::run);
        assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("another process replaced the socket file"), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
    }

    @Test
    void aSocketFileOfThisUserGetsExactlyTheMode() throws IOException {
        Path socket = socketFile("s.sock");
        FileStatus status = UnixSocketFile.setMode(socket.toString(), 0640);
        assertEquals(0640, mode(socket));
        assertEquals(Libc.lstat(socket.toString()).inode(), status.inode());
        UnixSocketFile.setMode(socket.toString(), 0666);
        assertEquals(0666, mode(socket));
    }

    @Test
    void aSymbolicLinkToAFileIsRefusedAndTheTargetKeepsItsMode() throws IOException {
        Path target = regularFile("target");
        Path link = Files.createSymbolicLink(dir.resolve("s.sock"), target);
        assertRefused(link, "symbolic link", () -> UnixSocketFile.setMode(link.toString(), 0666));
        assertEquals(0600, mode(target));
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void aSymbolicLinkToASocketOfThisUserIsRefusedToo() throws IOException {
        Path socket = socketFile("real.sock");
        UnixSocketFile.setMode(socket.toString(), 0600);
        Path link = Files.createSymbolicLink(dir.resolve("s.sock"), socket);
        assertRefused(link, "symbolic link", () -> UnixSocketFile.setMode(link.toString(), 0666));
        assertEquals(0600, mode(socket));
    }

    @Test
    void aRegularFileAtThePathIsRefusedAndKeepsItsMode() throws IOException {
        Path file = regularFile("s.sock");
        assertRefused(file, "not a socket", () -> UnixSocketFile.setMode(file.toString(), 0666));
        assertEquals(0600, mode(file));
    }

    @Test
    void aSocketFileOfAnotherUserIsRefusedAndKeepsItsMode() throws IOException {
        assumeTrue(Libc.geteuid() == 0, "needs root to give a file to another user");
        Path socket = socketFile("s.sock");
        UnixSocketFile.setMode(socket.toString(), 0600);
        Files.setAttribute(socket, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        assertRefused(socket, "uid 65534", () -> UnixSocketFile.setMode(socket.toString(), 0666));
        assertEquals(0600, mode(socket));
    }

    @Test
    void aMissingFileIsRefused() {
        Path missing = dir.resolve("s.sock");
        assertRefused(missing, "nothing is at the path", () -> UnixSocketFile.setMode(missing.toString(), 0666));
        assertFalse(Files.exists(missing, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theFileIsCreatedWithNoBitsBeyondTheAskedOnes() throws IOException {
        int umask = umask();
        assumeTrue((umask & 0177) != 0177, "the umask already takes away every bit beyond 0600");
        Path path = dir.resolve("s.sock");
        int fd = Sockets.socket(Sockets.AF_UNIX, Sockets.SOCK_STREAM);
        try {
            UnixSocketFile.create(fd, UnixDomainSocketAddress.of(path), 0600);
            assertEquals(0600 & ~umask, mode(path), "mode between bind and the mode change");
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void bindGivesTheExactModeWhateverTheUmask() throws IOException {
        Path stream = dir.resolve("s.sock");
        try (StreamServer server = StreamServer.bind(UnixDomainSocketAddress.of(stream),
                ServerOptions.defaults().withSocketPermissions(0666))) {
            assertEquals(0666, mode(stream));
        }
        Path datagram = dir.resolve("d.sock");
        try (DatagramEndpoint endpoint = DatagramEndpoint.bind(UnixDomainSocketAddress.of(datagram),
                DatagramOptions.defaults(), 0660)) {
            assertEquals(0660, mode(datagram));
        }
        assertThrows(IllegalArgumentException.class, () -> DatagramEndpoint.bind(
                UnixDomainSocketAddress.of(dir.resolve("x.sock")), DatagramOptions.defaults(), 04666));
        assertFalse(Files.exists(dir.resolve("x.sock"), LinkOption.NOFOLLOW_LINKS));
    }

    /** As a mailbox's: a mode without the owner's read and write would lock the creator's own user out. */
    @Test
    void aModeWithoutTheOwnersReadAndWriteIsRefused() {
        for (int bad : new int[] {0, 0400, 0200, 0066}) {
            String expected = "socket permissions must be within 0777 and include 0600: 0" + Integer.toOctalString(bad);
            assertEquals(expected, assertThrows(IllegalArgumentException.class,
                    () -> ServerOptions.defaults().withSocketPermissions(bad)).getMessage());
            assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> DatagramEndpoint.bind(
                    UnixDomainSocketAddress.of(dir.resolve("x.sock")), DatagramOptions.defaults(), bad)).getMessage());
            assertFalse(Files.exists(dir.resolve("x.sock"), LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void bindingAtASymbolicLinkFailsAndLeavesTheTargetAlone() throws IOException {
        Path target = regularFile("target");
        Path link = Files.createSymbolicLink(dir.resolve("s.sock"), target);
        ErrnoException e = assertThrows(ErrnoException.class, () -> StreamServer.bind(UnixDomainSocketAddress.of(link),
                ServerOptions.defaults().withSocketPermissions(0666)));
        assertEquals(Sockets.EADDRINUSE, e.errno(), e.getMessage());
        assertEquals(0600, mode(target));
    }

    /** This process's umask, from {@code /proc/self/status}. */
    private static int umask() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("Umask:"))
                .map(line -> Integer.parseInt(line.substring("Umask:".length()).trim(), 8))
                .findFirst().orElseThrow();
    }

    /**
     * Two threads close a Unix datagram endpoint (or stream server) at once, 500 rounds: when either close returns, the
     * socket file is gone (a second close used to return while the first was between the socket's
     * close and the file's removal: a shutdown hook's close then let the JVM halt with the file left).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"datagram", "stream"})
    void whenAnyOfTwoRacingClosesReturnsTheSocketFileIsGone(String kind) throws Exception {
        Path path = dir.resolve("racing." + kind);
        for (int round = 0; round < 500; round++) {
            AutoCloseable endpoint = kind.equals("datagram")
                    ? DatagramEndpoint.bind(UnixDomainSocketAddress.of(path), DatagramOptions.defaults())
                    : StreamServer.bind(UnixDomainSocketAddress.of(path));
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.atomic.AtomicInteger leftBehind = new java.util.concurrent.atomic.AtomicInteger();
            Runnable closer = () -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                try {
                    endpoint.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                if (java.nio.file.Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    leftBehind.incrementAndGet();
                }
            };
            Thread other = Thread.ofPlatform().start(closer);
            closer.run();
            other.join();
            assertEquals(0, leftBehind.get(), "round " + round + ": a close returned with the socket file there");
        }
    }
}
