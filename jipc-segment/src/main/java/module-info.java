/**
 * Shared-memory building blocks of jipc.
 *
 * <ul>
 * <li>{@link io.jipc.segment}: the per-user root directory under {@code /dev/shm}, and shared files
 *     that start with the common {@link io.jipc.segment.SegmentHeaderDescriptor header} (magic,
 *     version written last, creator identity).</li>
 * <li>{@link io.jipc.ring}: variable-length record rings in shared memory, one consumer and one
 *     ({@link io.jipc.ring.SpscRecordRing}) or many ({@link io.jipc.ring.MpscRecordRing}) producers
 *     in any processes, crash-safe against a producer killed in the middle of a claim.</li>
 * </ul>
 */
module io.jipc.segment {
    requires transitive io.jipc.platform;

    exports io.jipc.segment;
    exports io.jipc.ring;
}
