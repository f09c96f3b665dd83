package io.jipc.ring;

import io.jipc.segment.SegmentHeaderDescriptor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The offset constants of every shared-memory descriptor agree with its memory layout. */
class DescriptorLayoutTest {

    private static void offset(StructLayout layout, String field, long constant) {
        assertEquals(constant, layout.byteOffset(PathElement.groupElement(field)), field);
    }

    @Test
    void segmentHeader() {
        StructLayout l = SegmentHeaderDescriptor.LAYOUT;
        offset(l, "magic", SegmentHeaderDescriptor.MAGIC_OFFSET);
        offset(l, "version", SegmentHeaderDescriptor.VERSION_OFFSET);
        offset(l, "headerLength", SegmentHeaderDescriptor.HEADER_LENGTH_OFFSET);
        offset(l, "fileLength", SegmentHeaderDescriptor.FILE_LENGTH_OFFSET);
        offset(l, "creatorPid", SegmentHeaderDescriptor.CREATOR_PID_OFFSET);
        offset(l, "creatorStartTime", SegmentHeaderDescriptor.CREATOR_START_TIME_OFFSET);
        offset(l, "createdAt", SegmentHeaderDescriptor.CREATED_AT_OFFSET);
        offset(l, "objectId", SegmentHeaderDescriptor.OBJECT_ID_OFFSET);
        assertEquals(SegmentHeaderDescriptor.LENGTH, l.byteSize());
    }

    @Test
    void recordHeader() {
        StructLayout l = RecordDescriptor.HEADER_LAYOUT;
        offset(l, "commit", RecordDescriptor.COMMIT_OFFSET);
        offset(l, "length", RecordDescriptor.LENGTH_OFFSET);
        offset(l, "type", RecordDescriptor.TYPE_OFFSET);
        assertEquals(RecordDescriptor.HEADER_LENGTH, l.byteSize());
        assertEquals(0, RecordDescriptor.HEADER_LENGTH % RecordDescriptor.ALIGNMENT);
    }

    @Test
    void ringControlBlockAndIntents() {
        StructLayout l = RingDescriptor.CONTROL_LAYOUT;
        offset(l, "capacity", RingDescriptor.CAPACITY_OFFSET);
        offset(l, "salt", RingDescriptor.SALT_OFFSET);
        offset(l, "maxPayload", RingDescriptor.MAX_PAYLOAD_OFFSET);
        offset(l, "intentSlots", RingDescriptor.INTENT_SLOTS_OFFSET);
        offset(l, "producerMode", RingDescriptor.PRODUCER_MODE_OFFSET);
        offset(l, "waitStrategy", RingDescriptor.WAIT_STRATEGY_OFFSET);
        offset(l, "stallTimeoutNanos", RingDescriptor.STALL_TIMEOUT_OFFSET);
        offset(l, "dataOffset", RingDescriptor.DATA_OFFSET_OFFSET);
        offset(l, "limit", RingDescriptor.LIMIT_OFFSET);
        offset(l, "tail", RingDescriptor.TAIL_OFFSET);
        offset(l, "head", RingDescriptor.HEAD_OFFSET);
        offset(l, "delivered", RingDescriptor.DELIVERED_OFFSET);
        offset(l, "skipped", RingDescriptor.SKIPPED_OFFSET);
        offset(l, "consumerWaiting", RingDescriptor.CONSUMER_WAITING_OFFSET);
        offset(l, "dataSignal", RingDescriptor.DATA_SIGNAL_OFFSET);
        offset(l, "producersWaiting", RingDescriptor.PRODUCERS_WAITING_OFFSET);
        offset(l, "spaceSignal", RingDescriptor.SPACE_SIGNAL_OFFSET);
        offset(l, "producerLease", RingDescriptor.PRODUCER_LEASE_OFFSET);
        offset(l, "consumerLease", RingDescriptor.CONSUMER_LEASE_OFFSET);
        assertEquals(RingDescriptor.INTENTS_OFFSET, l.byteSize());
        // writers of different groups never share a 128-byte block
        for (long block : new long[] {RingDescriptor.TAIL_OFFSET, RingDescriptor.HEAD_OFFSET,
                RingDescriptor.CONSUMER_WAITING_OFFSET, RingDescriptor.PRODUCERS_WAITING_OFFSET,
                RingDescriptor.PRODUCER_LEASE_OFFSET, RingDescriptor.INTENTS_OFFSET}) {
            assertEquals(0, block % 128, "block at " + block);
        }
        StructLayout intent = RingDescriptor.INTENT_LAYOUT;
        offset(intent, "owner", RingDescriptor.INTENT_OWNER_OFFSET);
        offset(intent, "position", RingDescriptor.INTENT_POSITION_OFFSET);
        offset(intent, "claimLength", RingDescriptor.INTENT_CLAIM_LENGTH_OFFSET);
        assertEquals(RingDescriptor.INTENT_LENGTH, intent.byteSize());
    }
}
