package io.jipc.cli.ls;

import io.jipc.shm.CircularBufferDescriptor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * jipc anonymous regions ({@code memfd} files named {@code jipc-...}) mapped by some process. They
 * have no name, so they cannot be removed: they go when the last process unmaps them.
 *
 * <p>One formatted as a {@code CircularBuffer} ({@code CircularBuffer.format(region, ...)}) is a
 * {@code circular-buffer} row, as a named buffer is ({@link RegionLister#buffer}), with the same
 * {@code memfd:INODE} URI. Its bytes are read, never mapped or changed, through a link of
 * {@code /proc} that names the memory file: a descriptor some process holds ({@code /proc/<pid>/fd/<n>},
 * which any process of the user may open) or, failing that, one of its mappings
 * ({@code /proc/<pid>/map_files/<range>}, which only a privileged process may open); a link that names
 * another file by then is not read. A region whose bytes cannot be read is the raw row it always was;
 * one whose header claims a buffer that its openers would refuse (hostile or torn) is a raw row with a
 * note saying why. Never throws for what the bytes hold; does not block.
 */
final class AnonymousRegionLister implements Lister {
    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        return scan.memoryFiles("/memfd:jipc-").stream().map(AnonymousRegionLister::describe).toList();
    }

    /** The row of one memory file. */
    static ObjectRow describe(ProcessScan.MemoryFile m) {
        List<Path> links = new ArrayList<>(m.descriptors());
        links.addAll(m.mappings());
        for (Path link : links) {
            FileSnapshot f;
            try {
                f = FileSnapshot.openMemoryFile(link, m.key());
            } catch (RuntimeException closedOrRefused) {
                continue; // closed, unmapped or reused since the scan, or map_files without privilege: the next
            }
            try (f) {
                if (f.jipcMagic() != CircularBufferDescriptor.MAGIC) {
                    return raw(m, "raw");
                }
                RegionLister.Buffer b = RegionLister.buffer(f);
                OwnerState owner = b.creator() == null ? OwnerState.UNKNOWN
                        : b.creator().isAlive() ? OwnerState.ALIVE : OwnerState.DEAD;
                return new ObjectRow("circular-buffer", uri(m), path(m), b.creator() == null ? 0 : b.creator().pid(),
                        owner, List.copyOf(m.pids()), b.capacity(), b.depth(), "items", b.dequeued(), "?", "?",
                        b.details(), false, false, "", b.readAt(), -1);
            } catch (RuntimeException hostile) {
                return raw(m, "raw; not read as a circular buffer: " + hostile.getMessage());
            }
        }
        return raw(m, "raw");
    }

    private static ObjectRow raw(ProcessScan.MemoryFile m, String details) {
        return new ObjectRow("anonymous-region", uri(m), path(m), 0, OwnerState.UNKNOWN, List.copyOf(m.pids()),
                m.mappedBytes(), -1, "B", -1, "?", "?", details, false);
    }

    private static String uri(ProcessScan.MemoryFile m) {
        return "memfd:" + m.inode();
    }

    private static String path(ProcessScan.MemoryFile m) {
        return m.label() + " (no name)";
    }
}
