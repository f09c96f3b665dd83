package io.jipc.mailbox;

import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.platform.ProcessIdentity;
import io.jipc.ring.MpscRecordRing;
import io.jipc.ring.RecordHandler;
import io.jipc.ring.RecordRing;
import io.jipc.ring.SpscRecordRing;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

/**
 * One mapping of a mailbox file per process, shared by every {@link Mailbox} handle of this
 * process that opened the same file (same device and inode), with reference counting. Holding the
 * leases per process (not per handle) keeps the ring's single-consumer and single-producer rules
 * true when one process opens a mailbox twice.
 */
final class MappedMailbox {
    /** Mappings of this process by file key; guarded by the class lock. */
    private static final Map<String, MappedMailbox> OPEN = new HashMap<>();

    final String name;
    final SharedSegment segment;
    final RecordRing ring;
    final SpscRecordRing singleSenderRing;
    final WaitStrategy strategy;
    final int maxMessageSize;
    /** The receivers of this process (the ring has one consumer): one thread at a time. */
    final ProcessRole receiving = new ProcessRole(this::takeReceiverLease);
    /** The senders of this process on a single-sender ring: one thread at a time. */
    final ProcessRole sending = new ProcessRole(this::takeSenderLease);

    /** Whether a {@link MessageHandler} is running (in the receiving role): receives from it are refused. */
    boolean handling;
    /** Hands ring records to a {@link MessageHandler}; used by the receiving thread only (no allocation per poll). */
    final HandlerAdapter handlerAdapter = new HandlerAdapter();

    /** Adapts a {@link MessageHandler} to the ring's {@link RecordHandler}. */
    static final class HandlerAdapter implements RecordHandler {
        private MessageHandler target;

        HandlerAdapter handling(MessageHandler handler) {
            this.target = handler;
            return this;
        }

        @Override
        public void onRecord(MemorySegment buffer, long offset, int length) {
            target.onMessage(buffer.asSlice(offset, length));
        }
    }

    private int references;

    private MappedMailbox(String name, SharedSegment segment) {
        this.name = name;
        this.segment = segment;
        MemorySegment memory = segment.memory();
        long ringOffset = memory.get(ValueLayout.JAVA_LONG, MailboxDescriptor.RING_OFFSET_OFFSET);
        long ringLength = memory.get(ValueLayout.JAVA_LONG, MailboxDescriptor.RING_LENGTH_OFFSET);
        if (ringOffset != MailboxDescriptor.RING_OFFSET || ringLength != memory.byteSize() - ringOffset) {
            throw new CorruptSegmentException(segment.path() + ": ring at offset " + ringOffset + " of length "
                    + ringLength + " does not fit the " + memory.byteSize() + "-byte file");
        }
        this.ring = RecordRing.attach(memory.asSlice(ringOffset, ringLength), name);
        this.singleSenderRing = ring instanceof SpscRecordRing spsc ? spsc : null;
        this.strategy = ring.config().waitStrategy();
        this.maxMessageSize = ring.config().maxPayload();
    }

    /** Returns this process's mapping of the file {@code segment} maps (closing {@code segment} if one exists). */
    static MappedMailbox acquire(String name, SharedSegment segment) {
        synchronized (MappedMailbox.class) {
            MappedMailbox existing = OPEN.get(segment.fileKey());
            if (existing != null) {
                segment.close();
                existing.references++;
                return existing;
            }
        }
        MappedMailbox created;
        try {
            created = new MappedMailbox(name, segment);
        } catch (RuntimeException e) {
            segment.close();
            throw e;
        }
        synchronized (MappedMailbox.class) {
            MappedMailbox existing = OPEN.putIfAbsent(segment.fileKey(), created);
            if (existing != null) {
                segment.close();
                existing.references++;
                return existing;
            }
            created.references = 1;
            return created;
        }
    }

    /** Drops one reference; the last one gives up the leases and slots and unmaps the file. */
    void release() {
        synchronized (MappedMailbox.class) {
            if (--references > 0) {
                return;
            }
            OPEN.remove(segment.fileKey());
        }
        try {
            ring.detach();
        } finally {
            segment.close();
        }
    }

    /** Takes the receiver lease for this process (the first receive does, through {@link #receiving}). */
    private void takeReceiverLease() {
        long holder = ring.acquireConsumer();
        if (holder != 0) {
            throw new MailboxBusyException("mailbox '" + name + "' already has a receiver: "
                    + ProcessIdentity.describe(holder), ProcessIdentity.pidOf(holder));
        }
    }

    /** Takes the sender lease of a single-sender mailbox (the first send does, through {@link #sending}). */
    private void takeSenderLease() {
        long holder = singleSenderRing.acquireProducer();
        if (holder != 0) {
            throw new MailboxBusyException("single-sender mailbox '" + name + "' already has a sender: "
                    + ProcessIdentity.describe(holder), ProcessIdentity.pidOf(holder));
        }
    }
}
