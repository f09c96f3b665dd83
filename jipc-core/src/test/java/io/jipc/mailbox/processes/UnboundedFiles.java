package io.jipc.mailbox.processes;

import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.ring.RingDescriptor;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    /**
     * The chain as its files tell it, for failure messages: {@code first..last} of the control
     * file, then each segment file with its retiring flag and its ring's head and tail.
     */
    static String describe(String name) throws IOException {
        StringBuilder text = new StringBuilder();
        ByteBuffer control = ByteBuffer.wrap(Files.readAllBytes(directory().resolve(name)))
                .order(ByteOrder.nativeOrder());
        text.append(name).append(": first ").append(control.getLong(UnboundedMailboxDescriptor.FIRST_OFFSET))
                .append(", last ").append(control.getLong(UnboundedMailboxDescriptor.LAST_OFFSET));
        for (String file : files()) {
            if (!file.startsWith(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR)) {
                continue;
            }
            ByteBuffer segment = ByteBuffer.wrap(Files.readAllBytes(directory().resolve(file)))
                    .order(ByteOrder.nativeOrder());
            int ring = (int) UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET;
            text.append("; ").append(file).append(" index ").append(segment.getLong(UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET))
                    .append(" retiring ").append(segment.getInt(UnboundedMailboxDescriptor.RETIRING_OFFSET))
                    .append(" head ").append(segment.getLong(ring + RingDescriptor.HEAD_OFFSET))
                    .append(" tail ").append(segment.getLong(ring + RingDescriptor.TAIL_OFFSET));
        }
        return text.toString();
    }
}
