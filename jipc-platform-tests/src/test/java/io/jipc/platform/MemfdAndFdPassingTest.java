package io.jipc.platform;

import io.jipc.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Memory files and their seals; descriptors passed over a Unix-domain socket, and peer credentials. */
class MemfdAndFdPassingTest {
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void aSealedMemoryFileCannotBeResized() {
        int fd = Memfd.create("test");
        try {
            Libc.ftruncate(fd, 8192, "memfd");
            Memfd.addSeals(fd, Memfd.SEAL_SHRINK | Memfd.SEAL_GROW | Memfd.SEAL_SEAL);
            assertEquals(Memfd.SEAL_SHRINK | Memfd.SEAL_GROW | Memfd.SEAL_SEAL, Memfd.seals(fd));
            ErrnoException shrink = assertThrows(ErrnoException.class, () -> Libc.ftruncate(fd, 4096, "memfd"));
            assertEquals(Errno.EPERM, shrink.errno());
            assertThrows(ErrnoException.class, () -> Libc.ftruncate(fd, 16384, "memfd"));
            assertThrows(ErrnoException.class, () -> Memfd.addSeals(fd, 0x8));
            assertEquals(8192, Libc.fstat(fd, "memfd").size());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aDescriptorSentOverASocketMapsTheSameMemoryAndThePeerIsKnown() {
        String path = dir.resolve("s.sock").toString();
        int listener = FdPassing.listen(path);
        int memfd = Memfd.create("passed");
        int client = FdPassing.connect(path);
        int server = FdPassing.accept(listener, 10_000, path);
        try (Arena arena = Arena.ofShared()) {
            assertEquals(ProcessHandle.current().pid(), FdPassing.peerPid(server, path));
            assertNull(FdPassing.receive(client, 10, path), "nothing sent yet: timed out");
            Libc.ftruncate(memfd, 4096, "memfd");
            FdPassing.send(server, memfd, (byte) 7, path);
            FdPassing.Received received = FdPassing.receive(client, 10_000, path);
            assertEquals(7, received.tag());
            MemorySegment a = Libc.mapShared(memfd, 4096, true, false, arena, "a");
            MemorySegment b = Libc.mapShared(received.fd(), 4096, true, false, arena, "b");
            a.set(ValueLayout.JAVA_LONG, 8, 1234);
            assertEquals(1234, b.get(ValueLayout.JAVA_LONG, 8));
            Libc.close(received.fd());
            Libc.close(server);
            ErrnoException closed = assertThrows(ErrnoException.class, () -> FdPassing.receive(client, 10_000, path));
            assertEquals("EPROTO", closed.errnoName(), "the peer closed without sending a descriptor");
        } finally {
            Libc.close(client);
            Libc.close(listener);
            Libc.close(memfd);
        }
    }

    @Test
    void aSocketPathTooLongForSockaddrUnIsRefused() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> FdPassing.listen("/tmp/" + "x".repeat(120)));
        assertEquals(Errno.ENAMETOOLONG, e.errno());
    }
}
