package io.jipc.ring;

import java.lang.foreign.MemorySegment;

/**
 * Receives records from a {@link RecordRing} without copying them.
 *
 * <p>The payload is {@code buffer[offset, offset + length)} and stays valid only during the call:
 * once the call returns the producer may overwrite it. Copy what must outlive the call.
 */
@FunctionalInterface
public interface RecordHandler {
    /**
     * Called for each message record, in ring order, on the consuming thread. If it throws, the
     * record counts as consumed and the exception propagates to the caller of
     * {@link RecordRing#read}.
     */
    void onRecord(MemorySegment buffer, long offset, int length);
}
