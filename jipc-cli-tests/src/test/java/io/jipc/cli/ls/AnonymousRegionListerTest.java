package io.jipc.cli.ls;

import io.jipc.platform.Libc;
import io.jipc.shm.AnonymousRegion;
import io.jipc.shm.CircularBuffer;
import io.jipc.testkit.JipcTestExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where {@link AnonymousRegionLister} reads an anonymous region's bytes: through a descriptor some
 * process holds ({@code /proc/<pid>/fd/<n>}), which any process of the user may open (the
 * {@code map_files} links of the mappings need privilege), and never through a link that names
 * another file by the time it is opened.
 */
@ExtendWith(JipcTestExtension.class)
class AnonymousRegionListerTest {
    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void aBufferIsReadThroughADescriptorAndNeverThroughALinkToAnotherFile() throws Exception {
        try (AnonymousRegion region = AnonymousRegion.create(CircularBuffer.requiredBytes(8, 4));
             CircularBuffer buffer = CircularBuffer.format(region, 8, 4)) {
            buffer.put(new byte[8]);
            ProcessScan.MemoryFile m = ProcessScan.scan().memoryFiles("/memfd:jipc-").stream()
                    .filter(f -> f.pids().contains(SELF)).findFirst().orElseThrow();
            assertFalse(m.descriptors().isEmpty(), "the region's own descriptor: " + m);
            assertTrue(m.descriptors().stream().allMatch(p -> p.startsWith("/proc/" + SELF + "/fd/")), m.toString());
            assertTrue(m.mappings().stream().allMatch(p -> p.startsWith("/proc/" + SELF + "/map_files/")), m.toString());

            ObjectRow row = AnonymousRegionLister.describe(new ProcessScan.MemoryFile(m.label(), m.key(),
                    m.mappedBytes(), m.pids(), m.descriptors(), List.of()));
            assertEquals("circular-buffer", row.kind(), row.toString());
            assertEquals(4, row.capacity());
            assertEquals(1, row.depth());

            Path copy = dir.resolve("copy"); // the same bytes in another file
            Files.write(copy, region.segment().toArray(ValueLayout.JAVA_BYTE));
            int fd = Libc.open(copy.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            try {
                Path other = Path.of("/proc/self/fd/" + fd);
                ObjectRow notRead = AnonymousRegionLister.describe(new ProcessScan.MemoryFile(m.label(), m.key(),
                        m.mappedBytes(), m.pids(), List.of(other), List.of()));
                assertEquals("anonymous-region", notRead.kind(), notRead.toString());
                assertEquals("raw", notRead.details());
            } finally {
                Libc.close(fd);
            }
        }
    }
}
