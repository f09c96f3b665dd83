package io.jipc.platform;

import io.jipc.ErrnoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Libc#mapShared}: shared mappings of one file see each other's writes. */
class LibcMappingTest {

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void aWriteThroughOneMappingIsVisibleThroughASecondMappingOfTheSameFile() {
        Path file = dir.resolve("shared");
        try (MappedFile first = MappedFile.create(file, 8192); MappedFile second = MappedFile.map(file)) {
            assertEquals(8192, second.memory.byteSize());
            assertTrue(first.memory.address() != second.memory.address(), "two distinct mappings");
            first.memory.set(ValueLayout.JAVA_LONG, 0, 0x1122334455667788L);
            first.memory.set(ValueLayout.JAVA_INT, 8188, 42);
            assertEquals(0x1122334455667788L, second.memory.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(42, second.memory.get(ValueLayout.JAVA_INT, 8188));
            second.memory.set(ValueLayout.JAVA_INT, 4096, -7);
            assertEquals(-7, first.memory.get(ValueLayout.JAVA_INT, 4096));
        }
    }

    @Test
    void aMappedWriteReachesTheFileAndSurvivesTheUnmapping() throws IOException {
        Path file = dir.resolve("shared");
        try (MappedFile mapped = MappedFile.create(file, 4096)) {
            mapped.memory.set(ValueLayout.JAVA_INT, 100, 0xCAFEBABE);
        }
        ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
        assertEquals(4096, content.capacity());
        assertEquals(0xCAFEBABE, content.getInt(100));
    }

    @Test
    void theMappingOutlivesTheDescriptorAndTheFileName() {
        Path file = dir.resolve("shared");
        try (MappedFile first = MappedFile.create(file, 4096); MappedFile second = MappedFile.map(file)) {
            Libc.unlink(file.toString());
            first.memory.set(ValueLayout.JAVA_LONG, 8, 99L);
            assertEquals(99L, second.memory.get(ValueLayout.JAVA_LONG, 8));
        }
    }

    @Test
    void closingTheArenaUnmapsAndLaterAccessFailsCleanly() {
        Path file = dir.resolve("shared");
        MappedFile mapped = MappedFile.create(file, 4096);
        MemorySegment memory = mapped.memory;
        mapped.close();
        assertFalse(memory.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> memory.get(ValueLayout.JAVA_INT, 0));
    }

    @Test
    void mappingABadDescriptorThrowsEbadfFromMmap() {
        try (Arena arena = Arena.ofConfined()) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> Libc.mapShared(-1, 4096, true, false, arena, "nothing"));
            assertEquals(Errno.EBADF, e.errno());
            assertEquals("mmap", e.call());
            assertEquals("nothing", e.subject());
        }
    }

    @Test
    void mappingAReadOnlyDescriptorWritableThrowsEacces() {
        Path file = dir.resolve("shared");
        MappedFile.create(file, 4096).close();
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> Libc.mapShared(fd, 4096, true, false, arena, file.toString()));
            assertEquals(Errno.EACCES, e.errno());
            MemorySegment readOnly = Libc.mapShared(fd, 4096, false, true, arena, file.toString());
            assertEquals(0, readOnly.get(ValueLayout.JAVA_LONG, 0));
        } finally {
            Libc.close(fd);
        }
    }
}
