package io.jipc.mailbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Counts this process's mappings of an unbounded mailbox's segment files, from {@code /proc/self/maps}. */
final class UnboundedSegmentMappings {
    private UnboundedSegmentMappings() {
    }

    /** Lines of {@code /proc/self/maps} that map a segment file of the unbounded mailbox {@code name}. */
    static int of(String name) {
        try {
            return (int) Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.contains("/" + UnboundedMailboxDescriptor.DIRECTORY + "/" + name
                            + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
