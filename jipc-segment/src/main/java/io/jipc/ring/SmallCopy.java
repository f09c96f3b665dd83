package io.jipc.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Copies between segments, with an inlined 8-bytes-at-a-time loop for the short payloads that
 * dominate messaging: {@link MemorySegment#copy} hands copies of 64 bytes and more to a native
 * copy routine whose call overhead is larger than the copy itself at those sizes.
 */
final class SmallCopy {
    /** Up to this many bytes are copied by the loop. */
    static final int THRESHOLD = 256;

    private SmallCopy() {
    }

    static void copy(MemorySegment source, long sourceOffset, MemorySegment target, long targetOffset, int length) {
        if (length > THRESHOLD) {
            MemorySegment.copy(source, sourceOffset, target, targetOffset, length);
            return;
        }
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            target.set(ValueLayout.JAVA_LONG_UNALIGNED, targetOffset + i,
                    source.get(ValueLayout.JAVA_LONG_UNALIGNED, sourceOffset + i));
        }
        for (; i < length; i++) {
            target.set(ValueLayout.JAVA_BYTE, targetOffset + i, source.get(ValueLayout.JAVA_BYTE, sourceOffset + i));
        }
    }
}
