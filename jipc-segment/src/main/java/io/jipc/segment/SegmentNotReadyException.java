package io.jipc.segment;

import io.jipc.CorruptSegmentException;

/**
 * A shared file that its creator never made ready within the opener's ready timeout: still empty
 * (never given its size) or with version 0 in its header (never published). What a creator killed,
 * or stopped, during creation leaves behind; {@link SharedSegment#open} throws it. Whoever knows
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
