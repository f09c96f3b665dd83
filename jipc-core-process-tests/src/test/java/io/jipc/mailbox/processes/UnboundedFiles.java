package io.jipc.mailbox.processes;

import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.ring.RingDescriptor;
import io.jipc.segment.SegmentHeaderDescriptor;
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

    /** {@code last} of mailbox {@code name}, as its control file tells it. */
    static long last(String name) throws IOException {
        return control(name).getLong(UnboundedMailboxDescriptor.LAST_OFFSET);
    }

    /** The pid of the process that created segment file {@code index} of mailbox {@code name} (its header says). */
    static long creatorPid(String name, long index) throws IOException {
        return read(segment(name, index)).getLong(SegmentHeaderDescriptor.CREATOR_PID_OFFSET);
    }

    /**
     * Segment files of mailbox {@code name} other than segment {@code keep} that never became
     * ready (shorter than a header, version 0, or condemned) or were made ready already retired:
     * what a sender killed while it created one (or condemned one) leaves behind. Throws if
     * another segment file is a ready, live one.
     */
    static int unreadyLeftovers(String name, long keep) throws IOException {
        int leftovers = 0;
        for (String file : files()) {
            if (!file.startsWith(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR)
                    || file.equals(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR + keep)) {
                continue;
            }
            ByteBuffer segment = read(directory().resolve(file));
            if (segment.limit() >= UnboundedMailboxDescriptor.RETIRING_OFFSET + 4
                    && segment.getInt(SegmentHeaderDescriptor.VERSION_OFFSET) != 0
                    && segment.getInt(SegmentHeaderDescriptor.VERSION_OFFSET) != SegmentHeaderDescriptor.CONDEMNED
                    && segment.getInt(UnboundedMailboxDescriptor.RETIRING_OFFSET) == 0) {
                throw new AssertionError("a ready segment file outside the chain: " + describe(name));
            }
            leftovers++;
        }
        return leftovers;
    }

    /**
     * The chain as its files tell it, for failure messages (so it never throws): {@code first..last}
     * of the control file, then each segment file with its retiring flag and its ring's head and
     * tail (or its length, if it is too short for them: a file a killed creator left).
     */
    static String describe(String name) {
        try {
            ByteBuffer control = control(name);
            StringBuilder text = new StringBuilder(name).append(": first ")
                    .append(control.getLong(UnboundedMailboxDescriptor.FIRST_OFFSET))
                    .append(", last ").append(control.getLong(UnboundedMailboxDescriptor.LAST_OFFSET));
            int ring = (int) UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET;
            for (String file : files()) {
                if (!file.startsWith(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR)) {
                    continue;
                }
                ByteBuffer segment = read(directory().resolve(file));
                text.append("; ").append(file);
                if (segment.limit() < ring + RingDescriptor.HEAD_OFFSET + 8) {
                    text.append(" of ").append(segment.limit()).append(" bytes");
                    continue;
                }
                text.append(" index ").append(segment.getLong(UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET))
                        .append(" retiring ").append(segment.getInt(UnboundedMailboxDescriptor.RETIRING_OFFSET))
                        .append(" head ").append(segment.getLong(ring + RingDescriptor.HEAD_OFFSET))
                        .append(" tail ").append(segment.getLong(ring + RingDescriptor.TAIL_OFFSET));
            }
            return text.toString();
        } catch (IOException | RuntimeException e) {
            return name + ": " + e;
        }
    }

    private static ByteBuffer control(String name) throws IOException {
        return read(directory().resolve(name));
    }

    private static ByteBuffer read(Path file) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
    }
}
