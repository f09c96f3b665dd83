package io.jipc.ring;

import io.jipc.WaitStrategy;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentHeaderDescriptor;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.UUID;

/** A ring in a fresh shared file of the test's jipc root; closing unmaps and removes it. */
final class RingFixture implements AutoCloseable {
    static final long MAGIC = SegmentHeaderDescriptor.magic("JIPC-TST");
    final Path path;
    final SharedSegment segment;
    final MemorySegment ringMemory;

    RingFixture(RingConfig config) {
        path = JipcRoot.directory("test").resolve("ring-" + UUID.randomUUID());
        long offset = RingDescriptor.PAGE;
        segment = SharedSegment.create(path, MAGIC, offset + RingDescriptor.length(config), 0600);
        ringMemory = segment.memory().asSlice(offset, RingDescriptor.length(config));
        RingDescriptor.format(ringMemory, config);
        segment.publish(1, 0);
    }

    static RingConfig config(long capacity, boolean single, WaitStrategy strategy) {
        return new RingConfig(capacity, RingDescriptor.maxPayloadFor(capacity), single ? 1 : 8, single, strategy,
                50_000_000L);
    }

    RecordRing attach() {
        return RecordRing.attach(ringMemory, path.getFileName().toString());
    }

    /** A producer (holding the producer lease of a single-producer ring) and a consumer holding its lease. */
    record Ends(RecordRing producer, RecordRing consumer) {
    }

    /** Attaches a producer and a consumer and takes their leases. */
    Ends attachEnds() {
        RecordRing producer = attach();
        RecordRing consumer = attach();
        if (producer instanceof SpscRecordRing spsc) {
            spsc.acquireProducer();
        }
        consumer.acquireConsumer();
        return new Ends(producer, consumer);
    }

    @Override
    public void close() {
        segment.close();
        SharedSegment.unlink(path);
    }
}
