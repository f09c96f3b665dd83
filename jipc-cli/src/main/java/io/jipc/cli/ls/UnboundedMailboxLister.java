package io.jipc.cli.ls;

import io.jipc.ring.RingDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.jipc.mailbox.UnboundedMailboxDescriptor.CEILING_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.DIRECTORY;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.FIRST_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.LAST_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.MAGIC;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.MAJOR_VERSION;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.RECEIVER_LEASE_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.RETIRED_RECEIVED_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.RING_CAPACITY_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_LENGTH_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_MAGIC;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_OWNER_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_SEPARATOR;

/**
 * Unbounded mailboxes under {@code <jipc root>/unbounded} ({@code unbounded:NAME}): one row per
 * control file; its segment files ({@code NAME@k}) are parts of it, never rows of their own.
 *
 * <p>Capacity is the ceiling (the bytes its segment files may occupy together); depth is the bytes
 * of messages not yet taken, summed over the rings of the segments {@code first..last}, each read
 * from its segment file (a segment retired meanwhile counts nothing). Users include the receiver,
 * the live holder of the control file's receiver lease. The counter ({@code jipc top}'s rate) is the
 * messages received: the control file's sum over retired segments plus the live segments' rings. Like a {@code mailbox}, it is stale once its creator is dead and no live process
 * maps it or holds its lease.
 */
final class UnboundedMailboxLister implements Lister {
    static final String KIND = "unbounded";
    /** The most segments whose depth is summed: a longer chain (or a hostile header) has depth unknown. */
    static final int MAX_SUMMED_SEGMENTS = 1024;

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        return ObjectFile.rowsOf(JipcRoot.path(DIRECTORY), name -> name.indexOf(SEGMENT_SEPARATOR) < 0,
                name -> KIND + ":" + name, KIND, scan, UnboundedMailboxLister::describe);
    }

    static ObjectRow describe(ObjectFile file) {
        try (FileSnapshot f = FileSnapshot.open(file.path())) {
            f.checkHeader(MAGIC, MAJOR_VERSION, "unbounded mailbox file");
            long segmentLength = f.getLong(SEGMENT_LENGTH_OFFSET);
            long ceiling = f.getLong(CEILING_OFFSET);
            long ringCapacity = f.getLong(RING_CAPACITY_OFFSET);
            long first = f.getLong(FIRST_OFFSET); // before last: last only grows, so first <= last
            long last = f.getLong(LAST_OFFSET);
            // as the mailbox itself checks when it opens: at most ceiling / segmentLength segments
            if (segmentLength <= SEGMENT_RING_OFFSET || ringCapacity <= 0
                    || ringCapacity > segmentLength - SEGMENT_RING_OFFSET || ceiling < segmentLength
                    || first < 0 || last < first || last - first >= ceiling / segmentLength) {
                throw new FileSnapshot.CorruptFileException("segments of " + segmentLength + " B (ring "
                        + ringCapacity + " B), ceiling " + ceiling + " B, segments " + first + ".." + last
                        + " are impossible together");
            }
            long segments = last - first + 1; // no overflow: at most ceiling / segmentLength
            long[] depthAndReceived = segments <= MAX_SUMMED_SEGMENTS
                    ? chain(file.path(), f.getLong(SegmentHeaderDescriptor.OBJECT_ID_OFFSET), first, last, ringCapacity)
                    : new long[] {-1, -1};
            long depth = depthAndReceived[0];
            long retired = f.getLong(RETIRED_RECEIVED_OFFSET);
            long readAt = System.nanoTime();
            long received = depthAndReceived[1] < 0 || retired < 0 ? -1 : retired + depthAndReceived[1];
            List<Long> receiver = MailboxLister.livePids(List.of(f.getLong(RECEIVER_LEASE_OFFSET)));
            String details = "JIPC-UMB " + f.version() + ", " + segments + (segments == 1 ? " segment" : " segments")
                    + " of " + segmentLength + " B, ceiling " + ceiling + " B, messages up to "
                    + f.getInt(MAX_MESSAGE_SIZE_OFFSET) + " B"
                    + (receiver.isEmpty() ? ", no receiver" : ", receiver " + receiver.getFirst());
            ObjectRow row = file.row(KIND, f.creator(), receiver, ceiling, depth, "B", received, readAt, details);
            // too many segments to add up: unread messages cannot be ruled out, so a routine gc keeps it
            return depth < 0 ? row.withHeldState("unread bytes not counted (" + segments + " segments)") : row;
        }
    }

    /**
     * Bytes of records in the rings of segments {@code first..last} of the control file
     * {@code control}, and the messages received from them so far.
     */
    private static long[] chain(Path control, long owner, long first, long last, long ringCapacity) {
        long depth = 0;
        long received = 0;
        for (long k = first; k <= last; k++) {
            Path path = control.resolveSibling(control.getFileName() + String.valueOf(SEGMENT_SEPARATOR) + k);
            FileSnapshot s;
            try {
                s = FileSnapshot.open(path);
            } catch (FileSnapshot.CorruptFileException unreadable) {
                if (Files.notExists(path)) {
                    continue; // retired since the control file was read: drained, nothing in it
                }
                throw unreadable;
            }
            try (s) {
                try {
                    s.checkHeader(SEGMENT_MAGIC, MAJOR_VERSION, "segment");
                } catch (FileSnapshot.CorruptFileException corrupt) {
                    throw new FileSnapshot.CorruptFileException("segment " + k + ": " + corrupt.getMessage());
                }
                if (s.getLong(SEGMENT_OWNER_OFFSET) != owner
                        || s.getLong(SEGMENT_RING_OFFSET + RingDescriptor.CAPACITY_OFFSET) != ringCapacity) {
                    throw new FileSnapshot.CorruptFileException("segment " + k + " is not a ready segment of"
                            + " this mailbox with a ring of " + ringCapacity + " B");
                }
                long used = s.getLong(SEGMENT_RING_OFFSET + RingDescriptor.TAIL_OFFSET)
                        - s.getLong(SEGMENT_RING_OFFSET + RingDescriptor.HEAD_OFFSET);
                depth += Math.clamp(used, 0, ringCapacity); // two moments' positions: never outside the ring
                received += Math.max(0, s.getLong(SEGMENT_RING_OFFSET + RingDescriptor.DELIVERED_OFFSET));
            }
        }
        return new long[] {depth, received};
    }
}
