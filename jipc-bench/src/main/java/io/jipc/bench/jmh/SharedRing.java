package io.jipc.bench.jmh;

import io.jipc.WaitStrategy;
import io.jipc.ring.RecordRing;
import io.jipc.ring.RingConfig;
import io.jipc.ring.RingDescriptor;
import io.jipc.ring.SpscRecordRing;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A record ring in a fresh shared file under the {@link JmhRoot} (as the ring tests make one):
 * the file is mapped, formatted and published; {@link #close()} unmaps and removes it.
 */
final class SharedRing implements AutoCloseable {
    static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-JMH");

    private final Path path;
    private final SharedSegment segment;
    private final MemorySegment ringMemory;

    /**
     * @param capacity       data bytes, a power of two
     * @param singleProducer SPSC ({@link SpscRecordRing}) or MPSC
     */
    SharedRing(long capacity, boolean singleProducer) {
        JmhRoot.enter();
        RingConfig config = new RingConfig(capacity, RingDescriptor.maxPayloadFor(capacity), singleProducer ? 1 : 8,
                singleProducer, WaitStrategy.SPIN, 50_000_000L);
        path = JipcRoot.directory("jmh").resolve("ring-" + UUID.randomUUID());
        long offset = RingDescriptor.PAGE;
        segment = SharedSegment.create(path, MAGIC, offset + RingDescriptor.length(config), 0600);
        ringMemory = segment.memory().asSlice(offset, RingDescriptor.length(config));
        RingDescriptor.format(ringMemory, config);
        segment.publish(1, 0);
    }

    /** A new handle on the ring; takes the producer lease of an SPSC ring if {@code producer}. */
    RecordRing attach(boolean producer, boolean consumer) {
        RecordRing ring = RecordRing.attach(ringMemory, path.getFileName().toString());
        if (producer && ring instanceof SpscRecordRing spsc && spsc.acquireProducer() != 0) {
            throw new IllegalStateException("producer lease taken");
        }
        if (consumer && ring.acquireConsumer() != 0) {
            throw new IllegalStateException("consumer lease taken");
        }
        return ring;
    }

    @Override
    public void close() {
        try {
            segment.close();
            SharedSegment.unlink(path);
        } finally {
            JmhRoot.leave();
        }
    }
}
