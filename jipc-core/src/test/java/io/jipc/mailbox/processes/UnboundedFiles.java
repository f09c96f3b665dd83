package io.jipc.mailbox.processes;

import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What the unbounded-mailbox tests look at in the jipc root: the files of a mailbox. */
final class UnboundedFiles {
    private UnboundedFiles() {
    }

    /** The directory of unbounded mailboxes in the test's jipc root. */
    static Path directory() {
        return JipcRoot.path(UnboundedMailboxDescriptor.DIRECTORY);
    }

    /** Segment file {@code index} of mailbox {@code name}. */
    static Path segment(String name, long index) {
        return directory().resolve(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR + index);
    }

    /** How many segment files ({@code name@<k>}) mailbox {@code name} has now. */
    static long segmentFiles(String name) throws IOException {
        return files().stream().filter(f -> f.startsWith(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR)).count();
    }

    /** Names of every file in the directory of unbounded mailboxes (none if it does not exist). */
    static List<String> files() throws IOException {
        try (Stream<Path> files = Files.list(directory())) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (NoSuchFileException none) {
            return List.of();
        }
    }
}
