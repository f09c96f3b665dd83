package io.jipc.segment;

import io.jipc.CorruptSegmentException;

/**
 * A shared file that its creator never made ready within the opener's ready timeout: still empty
 * (never given its size) or with version 0 in its header (never published). What a creator killed
 * during creation leaves behind, or one still making it (stopped, descheduled) for longer than the
 * opener waits for a creator that holds the file's {@link CreationLock} (the message says which:
 * only a dead creator's file is one to remove); {@link SharedSegment#open} throws it. Whoever knows
 * that such a file can only be a leftover (e.g. an unbounded mailbox's segment that the chain has
 * already passed) may remove it; everyone else treats it as the {@link CorruptSegmentException} it
 * is.
 */
public final class SegmentNotReadyException extends CorruptSegmentException {
    private static final long serialVersionUID = 1L;

    SegmentNotReadyException(String message) {
        super(message);
    }
}
