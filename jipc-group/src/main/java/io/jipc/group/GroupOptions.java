package io.jipc.group;

import java.time.Duration;
import java.util.Objects;

/**
 * How a process joins a group. The size, inbox capacity and largest message are the group's: the
 * first member to join creates the group with them, and later members must ask for the same size
 * (the inbox settings of the group's file win). The rank, collective timeout and liveness check are
 * this member's.
 *
 * @param size              the number of ranks, 1 to {@value GroupDescriptor#MAX_SIZE}; 0 to join an
 *                          existing group of any size
 * @param rank              the rank to take, or {@link #ANY_RANK} for the lowest free one
 * @param inboxBytes        the capacity in bytes of each of a member's two inboxes, for messages and
 *                          for the parts of collective operations (4 KiB to 1 GiB)
 * @param maxMessageSize    the largest payload of one message (64 bytes to 16 MiB, at most a quarter
 *                          of the inbox)
 * @param collectiveTimeout how long one collective operation may take at most; {@code null} for no
 *                          limit (it still ends when a member of the view dies or leaves; but the
 *                          first collective, which forms the view, waits for every rank to have a
 *                          live member, so a rank whose member died before it is waited for until
 *                          another process takes that rank over)
 * @param livenessCheck     how often a waiting call checks that the members it waits for still run
 */
public record GroupOptions(int size, int rank, long inboxBytes, int maxMessageSize, Duration collectiveTimeout,
                           Duration livenessCheck) {
    /** Take the lowest free rank. */
    public static final int ANY_RANK = -1;

    public GroupOptions {
        if (size < 0 || size > GroupDescriptor.MAX_SIZE) {
            throw new IllegalArgumentException("size " + size + " is not in 1.." + GroupDescriptor.MAX_SIZE
                    + " (or 0: the existing group's)");
        }
        if (rank < ANY_RANK || (size > 0 && rank >= size)) {
            throw new IllegalArgumentException("rank " + rank + " is not in 0.." + (size - 1) + " (or ANY_RANK)");
        }
        if (inboxBytes < GroupDescriptor.MIN_INBOX_BYTES || inboxBytes > GroupDescriptor.MAX_INBOX_BYTES) {
            throw new IllegalArgumentException("inboxBytes " + inboxBytes + " is not in " + GroupDescriptor.MIN_INBOX_BYTES
                    + ".." + GroupDescriptor.MAX_INBOX_BYTES);
        }
        if (maxMessageSize < GroupDescriptor.MIN_MESSAGE || maxMessageSize > GroupDescriptor.MAX_MESSAGE
                || maxMessageSize > inboxBytes / 4) {
            throw new IllegalArgumentException("maxMessageSize " + maxMessageSize + " is not in "
                    + GroupDescriptor.MIN_MESSAGE + ".." + Math.min(GroupDescriptor.MAX_MESSAGE, inboxBytes / 4)
                    + " (at most 16 MiB and a quarter of the inbox)");
        }
        if (collectiveTimeout != null && (collectiveTimeout.isNegative() || collectiveTimeout.isZero())) {
            throw new IllegalArgumentException("collectiveTimeout must be positive: " + collectiveTimeout);
        }
        Objects.requireNonNull(livenessCheck, "livenessCheck");
        if (livenessCheck.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("livenessCheck of at least 1 ms: " + livenessCheck);
        }
    }

    /**
     * A group of {@code size} ranks (0 to join an existing group of any size), any rank, 1 MiB
     * inboxes, messages up to 64 KiB, no collective timeout, liveness checked every 100 ms.
     */
    public static GroupOptions of(int size) {
        return new GroupOptions(size, ANY_RANK, 1 << 20, 64 * 1024, null, Duration.ofMillis(100));
    }

    public GroupOptions withRank(int rank) {
        return new GroupOptions(size, rank, inboxBytes, maxMessageSize, collectiveTimeout, livenessCheck);
    }

    /** Inboxes of {@code bytes}; the largest message is lowered to a quarter of that if it was larger. */
    public GroupOptions withInboxBytes(long bytes) {
        return new GroupOptions(size, rank, bytes, (int) Math.min(maxMessageSize, Math.max(GroupDescriptor.MIN_MESSAGE, bytes / 4)),
                collectiveTimeout, livenessCheck);
    }

    public GroupOptions withMaxMessageSize(int bytes) {
        return new GroupOptions(size, rank, inboxBytes, bytes, collectiveTimeout, livenessCheck);
    }

    public GroupOptions withCollectiveTimeout(Duration timeout) {
        return new GroupOptions(size, rank, inboxBytes, maxMessageSize, timeout, livenessCheck);
    }

    public GroupOptions withLivenessCheck(Duration check) {
        return new GroupOptions(size, rank, inboxBytes, maxMessageSize, collectiveTimeout, check);
    }
}
