package io.jipc.mailbox.processes;

import io.jipc.mailbox.MailboxDescriptor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout.PathElement;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The mailbox file's offset constants agree with its memory layout. */
class MailboxDescriptorLayoutTest {
    @Test
    void offsetsMatchTheLayout() {
        var l = MailboxDescriptor.LAYOUT;
        assertEquals(MailboxDescriptor.RING_OFFSET_OFFSET, l.byteOffset(PathElement.groupElement("ringOffset")));
        assertEquals(MailboxDescriptor.RING_LENGTH_OFFSET, l.byteOffset(PathElement.groupElement("ringLength")));
        assertEquals(MailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET, l.byteOffset(PathElement.groupElement("maxMessageSize")));
        assertEquals(MailboxDescriptor.PERMISSIONS_OFFSET, l.byteOffset(PathElement.groupElement("permissions")));
        assertEquals(MailboxDescriptor.RING_OFFSET, l.byteSize());
    }
}
