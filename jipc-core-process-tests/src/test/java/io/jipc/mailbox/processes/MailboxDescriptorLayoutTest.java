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
        assertEquals(MailboxDescriptor.FEATURES_OFFSET, l.byteOffset(PathElement.groupElement("features")));
        assertEquals(MailboxDescriptor.PRIORITIES_OFFSET, l.byteOffset(PathElement.groupElement("priorities")));
        assertEquals(MailboxDescriptor.MESSAGE_LIMIT_OFFSET, l.byteOffset(PathElement.groupElement("messageLimit")));
        assertEquals(MailboxDescriptor.RECEIVE_POLICY_OFFSET, l.byteOffset(PathElement.groupElement("receivePolicy")));
        assertEquals(MailboxDescriptor.WITHDRAWN_OFFSET, l.byteOffset(PathElement.groupElement("withdrawn")));
        assertEquals(MailboxDescriptor.PROTOCOL_OFFSET, l.byteOffset(PathElement.groupElement("protocol")));
        assertEquals(MailboxDescriptor.PROTOCOL_LENGTH, l.select(PathElement.groupElement("protocol")).byteSize());
        assertEquals(MailboxDescriptor.FLAGS_OFFSET, l.byteOffset(PathElement.groupElement("flags")));
        assertEquals(MailboxDescriptor.TAKEN_WAITING_OFFSET, l.byteOffset(PathElement.groupElement("takenWaiting")));
        assertEquals(MailboxDescriptor.TAKEN_SIGNAL_OFFSET, l.byteOffset(PathElement.groupElement("takenSignal")));
        assertEquals(MailboxDescriptor.WAITING_RECEIVER_OFFSET, l.byteOffset(PathElement.groupElement("waitingReceiver")));
        assertEquals(MailboxDescriptor.WAITING_RECEIVERS_OFFSET, l.byteOffset(PathElement.groupElement("waitingReceivers")));
        assertEquals(MailboxDescriptor.PARTIES_OFFSET, l.byteOffset(PathElement.groupElement("parties")));
        assertEquals(MailboxDescriptor.TICKETS_OFFSET, l.byteOffset(PathElement.groupElement("tickets")));
        assertEquals(MailboxDescriptor.RECEIVERS_OFFSET, l.byteOffset(PathElement.groupElement("receivers")));
        assertEquals(MailboxDescriptor.TICKET_LENGTH, l.select(PathElement.groupElement("tickets")).byteSize()
                / MailboxDescriptor.TICKETS);
        for (var field : new Object[][] {{"owner", MailboxDescriptor.TICKET_OWNER_OFFSET},
                {"state", MailboxDescriptor.TICKET_STATE_OFFSET}, {"atOnce", MailboxDescriptor.TICKET_AT_ONCE_OFFSET}}) {
            assertEquals((long) MailboxDescriptor.TICKETS_OFFSET + (int) field[1], l.byteOffset(
                    PathElement.groupElement("tickets"), PathElement.sequenceElement(0),
                    PathElement.groupElement((String) field[0])), (String) field[0]);
        }
        assertEquals(MailboxDescriptor.RING_OFFSET, l.byteSize());
        var e = io.jipc.mailbox.EnvelopeDescriptor.LAYOUT;
        assertEquals(io.jipc.mailbox.EnvelopeDescriptor.SENDER_OFFSET, e.byteOffset(PathElement.groupElement("sender")));
        assertEquals(io.jipc.mailbox.EnvelopeDescriptor.SEQUENCE_OFFSET, e.byteOffset(PathElement.groupElement("sequence")));
        assertEquals(io.jipc.mailbox.EnvelopeDescriptor.SENT_AT_OFFSET, e.byteOffset(PathElement.groupElement("sentAt")));
        assertEquals(io.jipc.mailbox.EnvelopeDescriptor.TICKET_OFFSET, e.byteOffset(PathElement.groupElement("ticket")));
        assertEquals(io.jipc.mailbox.EnvelopeDescriptor.PRIORITY_OFFSET, e.byteOffset(PathElement.groupElement("priority")));
        assertEquals(io.jipc.mailbox.EnvelopeDescriptor.MESSAGE_LENGTH_OFFSET,
                e.byteOffset(PathElement.groupElement("messageLength")));
        assertEquals(io.jipc.mailbox.EnvelopeDescriptor.LENGTH, e.byteSize());
    }
}
