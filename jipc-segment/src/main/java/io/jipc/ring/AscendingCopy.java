package io.jipc.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Copies a short message into shared memory with plain 8-byte loads and stores in ascending
 * address order; longer ones go through {@link MemorySegment#copy}. Every send of the rings and
 * mailboxes copies its payload through here.
 *
 * <p>Why: below 64 bytes {@code MemorySegment.copy} already copies this way, but from 64 bytes on it
 * calls the JVM's generic copy routine ({@code Unsafe.copyMemory}), and between two processes on two
 * cores that routine made the round trip of a ping-pong much slower than its cost in one thread
 * suggests. On the 2-vCPU dev VM, {@code jipc-bench aeron} with 128-byte messages had a jipc RTT
 * p50 of 0.41–0.54 µs with it and 0.32 µs with this copy (Aeron, whose sends use that routine,
 * 0.39–0.43 µs); with 64-byte messages the p50 did not move but p90 fell by about 13 % and p99 by
 * 10 % (docs/benchmarks.md, "Ascending copies"). In one thread the routine is faster (about 130
 * against 80 copies of 64 bytes per µs, {@code CopyBenchmark}), so a stream of small messages pays
 * about 10 % of its one-way rate; at 256 bytes this copy halved the one-way rate and gained little
 * latency, hence the limit of {@value #MAX_LENGTH} bytes.
 *
 * <p>Any thread may call it. It has no memory-ordering effect of its own: the caller publishes the
 * record afterwards with a release store. Overlapping ranges go to {@code MemorySegment.copy}, which
 * copies as if through an intermediate buffer.
 */
public final class AscendingCopy {
    /** The longest copy made with plain stores, in bytes; longer ones use {@link MemorySegment#copy}. */
    public static final int MAX_LENGTH = 128;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private AscendingCopy() {
    }

    /**
     * Copies {@code length} bytes from {@code source} at {@code sourceOffset} to {@code target} at
     * {@code targetOffset}, with the bounds, access and liveness checks of segment accesses.
     *
     * @throws IndexOutOfBoundsException if either range is not inside its segment or {@code length} is
     *         negative (part of the target range may have been written by then)
     * @throws IllegalStateException if either segment's arena is closed
     * @throws IllegalArgumentException if {@code target} is read-only
     */
    public static void copy(MemorySegment source, long sourceOffset, MemorySegment target, long targetOffset,
                            int length) {
        if (length > MAX_LENGTH || length < 0 || overlap(source, sourceOffset, target, targetOffset, length)) {
            MemorySegment.copy(source, sourceOffset, target, targetOffset, length);
            return;
        }
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            target.set(LONG, targetOffset + i, source.get(LONG, sourceOffset + i));
        }
        for (; i < length; i++) {
            target.set(ValueLayout.JAVA_BYTE, targetOffset + i, source.get(ValueLayout.JAVA_BYTE, sourceOffset + i));
        }
    }

    /** Whether the two ranges may share bytes (two heap segments are left to {@code MemorySegment.copy}). */
    private static boolean overlap(MemorySegment source, long sourceOffset, MemorySegment target, long targetOffset,
                                   int length) {
        if (!source.isNative() || !target.isNative()) {
            return !source.isNative() && !target.isNative();
        }
        long from = source.address() + sourceOffset;
        long to = target.address() + targetOffset;
        return from < to + length && to < from + length;
    }
}
