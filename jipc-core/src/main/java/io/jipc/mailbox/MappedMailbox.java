package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.platform.ProcessIdentity;
import io.jipc.ring.RecordDescriptor;
import io.jipc.ring.RecordRing;
import io.jipc.ring.SpscRecordRing;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * One mapping of a mailbox file per process, shared by every {@link Mailbox} handle of this
 * process that opened the same file (same device and inode), with reference counting. Holding the
 * leases per process (not per handle) keeps the ring's single-consumer and single-producer rules
 * true when one process opens a mailbox twice.
 */
final class MappedMailbox {
    /** Mappings of this process by file key; guarded by the class lock. */
    private static final Map<String, MappedMailbox> OPEN = new HashMap<>();
    private static final java.lang.invoke.VarHandle SENDS_INSIDE;

    static {
        try {
            SENDS_INSIDE = java.lang.invoke.MethodHandles.lookup().findVarHandle(MappedMailbox.class, "sendsInside",
                    int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Whether the close of the last handle is waiting in {@link #release} (for sends, for the receiving
     * gate) before it unmaps; guarded by {@code MappedMailbox.class}. The mapping stays in {@link #OPEN}
     * meanwhile, so that an open of the same file takes it up again instead of mapping it a second time.
     */
    private boolean releasing;

    /** Counted sends (and claim finishes) of this process's threads inside the mapping; through SENDS_INSIDE. */
    @SuppressWarnings("unused")
    private volatile int sendsInside;
    /** The park step of a shared receiver that has yielded long for the lock ({@link #lockShared}). */
    private static final long SHARED_PARK_NANOS = 50_000;
    /** The longest such step: they double while the lock stays held. */
    private static final long SHARED_MAX_PARK_NANOS = 1_000_000;

    final String name;
    final SharedSegment segment;
    /** Whether a close saw this mapping's memory fault ({@link #markFaulted}). */
    private volatile boolean faulted;
    /** The ring of priority level 0 (the only one without priorities). */
    final RecordRing ring;
    final SpscRecordRing singleSenderRing;
    /** The rings by priority level with their envelopes, or null for a mailbox without headers. */
    final Lanes lanes;
    /** Every ring of the file (one per priority level). */
    private final RecordRing[] rings;
    final WaitStrategy strategy;
    final int maxMessageSize;
    /** Messages per level (exact), 0 for rendezvous, or {@link MailboxOptions#UNLIMITED}. */
    final int messageLimit;
    /** Who receives; see {@link ReceivePolicy}. */
    final ReceivePolicy policy;
    /** The protocol label ({@link MailboxOptions#protocol()}), empty for none. */
    final String protocol;
    /** Whether this mailbox's sends are rendezvous (zero capacity). */
    final boolean rendezvous;
    /** The receivers of this process (the ring has one consumer): one thread at a time. */
    final ProcessRole receiving = new ProcessRole(() -> takeLease(this::takeReceiverLease));
    /** The senders of this process on a single-sender ring: one thread at a time. */
    final ProcessRole sending = new ProcessRole(() -> takeLease(this::takeSenderLease));

    /**
     * The handle whose receive is running a {@link MessageHandler} (in the receiving role), or null:
     * receives from the handler are refused, and a close of that handle stops the receive.
     */
    Mailbox handling;
    /**
     * Set by a close of the process's last handle from inside a handler ({@link #release}); the
     * receive running that handler finishes the release. Written and read by that thread only.
     */
    private boolean releaseAfterHandler;
    /**
     * Messages received without waiting since a bound receive last found the ring empty, counted
     * up to {@link Idle#STREAM_BACKLOG}; written only in the receiving role.
     */
    int backlog;
    /** Pauses of bound receives that caught up with a stream ({@link Idle#streamPause}), for tests. */
    long streamPauses;
    /** The delivery of this process not yet acknowledged, or null; receives are refused meanwhile. */
    volatile Delivery outstanding;
    /** Hands ring records to a {@link MessageHandler}; used by the receiving thread only (no allocation per poll). */
    final InPlaceAdapter handlerAdapter;
    /** The idle state of waiting receives of the thread the receiving role is bound to (reused: no allocation per wait). */
    private final Idle boundReceiverIdle;

    /**
     * Idle state for a wait to receive: the thread the receiving role is bound to (by
     * {@link Mailbox#bindReceiver()}; the only thread of this process that receives while it is
     * bound) reuses one, so its waits allocate nothing; any other thread gets a new one.
     */
    Idle receiveIdle() {
        return receiving.isHeldByCurrentThread() ? boundReceiverIdle.reset() : new Idle(strategy);
    }

    private int references;
    /** Orders the lease takings ({@link #takeLease}) against the close of the last handle's give-up. */
    private final Object leases = new Object();
    /** Whether the close of the last handle gave the leases up ({@link #giveUp}); guarded by {@link #leases}. */
    private boolean released;

    private static final java.lang.invoke.VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private MappedMailbox(String name, SharedSegment segment) {
        this.name = name;
        this.segment = segment;
        MemorySegment memory = segment.memory();
        long ringOffset = memory.get(ValueLayout.JAVA_LONG, MailboxDescriptor.RING_OFFSET_OFFSET);
        long ringLength = memory.get(ValueLayout.JAVA_LONG, MailboxDescriptor.RING_LENGTH_OFFSET);
        int features = memory.get(ValueLayout.JAVA_INT, MailboxDescriptor.FEATURES_OFFSET);
        int levels = Math.max(1, memory.get(ValueLayout.JAVA_INT, MailboxDescriptor.PRIORITIES_OFFSET));
        int messageLimit = memory.get(ValueLayout.JAVA_INT, MailboxDescriptor.MESSAGE_LIMIT_OFFSET);
        this.policy = ReceivePolicy.ofCode(memory.get(ValueLayout.JAVA_INT, MailboxDescriptor.RECEIVE_POLICY_OFFSET));
        if (policy == null) {
            throw new CorruptSegmentException(segment.path() + ": unknown receive policy "
                    + memory.get(ValueLayout.JAVA_INT, MailboxDescriptor.RECEIVE_POLICY_OFFSET));
        }
        this.protocol = protocol(memory, segment);
        boolean headers = (features & MailboxDescriptor.FEATURE_HEADERS) != 0;
        this.rendezvous = (features & MailboxDescriptor.FEATURE_RENDEZVOUS) != 0;
        if ((features & ~(MailboxDescriptor.FEATURE_HEADERS | MailboxDescriptor.FEATURE_RENDEZVOUS)) != 0
                || levels > MailboxOptions.MAX_PRIORITIES || (!headers && (levels > 1 || rendezvous))) {
            throw new CorruptSegmentException(segment.path() + ": features " + features + " with " + levels
                    + " priority levels");
        }
        if (ringOffset != MailboxDescriptor.RING_OFFSET || ringLength <= 0
                || ringLength != (memory.byteSize() - ringOffset) / levels
                || ringOffset + levels * ringLength != memory.byteSize()) {
            throw new CorruptSegmentException(segment.path() + ": " + levels + " rings at offset " + ringOffset
                    + " of length " + ringLength + " do not fit the " + memory.byteSize() + "-byte file");
        }
        MemorySegment doorbell = memory.asSlice(ringOffset, ringLength);
        this.rings = new RecordRing[levels];
        for (int level = 0; level < levels; level++) {
            rings[level] = RecordRing.attach(memory.asSlice(ringOffset + level * ringLength, ringLength),
                    levels == 1 ? name : name + "#" + level, doorbell);
        }
        this.ring = rings[0];
        this.singleSenderRing = ring instanceof SpscRecordRing spsc ? spsc : null;
        this.strategy = ring.config().waitStrategy();
        this.boundReceiverIdle = new Idle(strategy);
        this.handlerAdapter = new InPlaceAdapter(levels);
        for (RecordRing other : rings) {
            if (!other.config().equals(ring.config())) {
                throw new CorruptSegmentException(segment.path() + ": priority levels with different rings");
            }
        }
        if (headers) {
            int maxMessage = memory.get(ValueLayout.JAVA_INT, MailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET);
            int maxPayload = ring.config().maxPayload();
            boolean slotted = messageLimit > 0;
            if (maxMessage < 0 || maxMessage > maxPayload - EnvelopeDescriptor.LENGTH
                    || (slotted && maxPayload != EnvelopeDescriptor.slotLength(maxMessage) - RecordDescriptor.HEADER_LENGTH)
                    || (rendezvous != (messageLimit == 0))) {
                throw new CorruptSegmentException(segment.path() + ": max message " + maxMessage + ", limit "
                        + messageLimit + " do not fit records of " + maxPayload + " bytes");
            }
            this.maxMessageSize = maxMessage;
            this.messageLimit = messageLimit;
            this.lanes = new Lanes(name, rings, maxMessage, slotted ? maxPayload : -1, new Rendezvous(memory, name));
        } else {
            this.maxMessageSize = ring.config().maxPayload();
            this.messageLimit = MailboxOptions.UNLIMITED;
            this.lanes = null;
        }
        if (policy == ReceivePolicy.LINK) {
            joinLink(memory);
        }
    }

    /** The label in the header: printable ASCII, then zeros only. */
    private static String protocol(MemorySegment memory, SharedSegment segment) {
        byte[] label = memory.asSlice(MailboxDescriptor.PROTOCOL_OFFSET, MailboxDescriptor.PROTOCOL_LENGTH)
                .toArray(ValueLayout.JAVA_BYTE);
        int length = 0;
        while (length < label.length && label[length] != 0) {
            if (label[length] <= ' ' || label[length] >= 0x7f) {
                throw new CorruptSegmentException(segment.path() + ": protocol label byte " + (label[length] & 0xff)
                        + " at " + length + " is not printable ASCII");
            }
            length++;
        }
        for (int i = length; i < label.length; i++) {
            if (label[i] != 0) {
                throw new CorruptSegmentException(segment.path() + ": protocol label has a byte after its end");
            }
        }
        return new String(label, 0, length, StandardCharsets.US_ASCII);
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

    /** A send of a thread of this process enters the mapping (many-sender mailboxes; see {@link #release}). */
    void enterSend() {
        SENDS_INSIDE.getAndAdd(this, 1);
    }

    void exitSend() {
        SENDS_INSIDE.getAndAdd(this, -1);
    }

    /**
     * Drops one reference; the last one gives up the leases and slots and unmaps the file. Before it
     * unmaps it waits (briefly: sends never wait in there; at most 10 s) for sends of other threads
     * still inside the mapping, between their room claim and their commit: a claim the unmapping cut
     * off would stay uncommitted, holding every receiver up for as long as this process lives.
     * Those are the counted sends of a many-sender mailbox and, on a single-sender mailbox, a send
     * holding the sending gate. A thread bound to the sending role ({@code bindSender}) takes no gate
     * per send: it must not be inside a send while another thread closes the last handle. A thread
     * whose first receive (or single sender's send) enters its role while this runs takes no lease
     * after the give-up ({@link #giveUp}) and ends with {@link ClosedException}.
     *
     * <p>While it waits (for sends, then for the receiving gate) the mapping stays this process's one:
     * an open of the same file meanwhile takes it up again (it is then not unmapped), never maps the
     * file a second time, which would be a second receiver on the ring.
     *
     * <p>Receives: it holds this process's receiving gate from before the give-up until after the
     * unmapping ({@link ProcessRole#holdForClose}), waiting at most 10 s for a receive of another
     * thread in progress (copying a message out, a handler) to leave it, so that no receive is inside
     * the mapping when it goes: none is cut off mid-copy, no shared receiver's per-receive lock
     * ({@link #lockShared}) is taken between the give-up and the unmapping, and the JDK does not set
     * the interrupt status of a receiving thread (it does when it unmaps under a platform thread's
     * access: docs/architecture.md, "Interrupts and timeouts"). Receives that wait for the gate
     * meanwhile end with {@link ClosedException} once it is released. A thread bound to the
     * receiving role holds the gate: it must not be inside a receive while another thread closes the
     * last handle, as for a bound sender.
     *
     * <p>A close from inside a {@link MessageHandler} of this mapping (the closing thread runs the
     * handler) is finished by that receive once the handler has returned and its message is
     * consumed ({@link #finishReleaseAfterHandler}): unmapping here would cut the receive off and
     * leave the message, which the handler has seen, for the next receive.
     */
    void release() {
        synchronized (MappedMailbox.class) {
            if (--references > 0 || releasing) {
                return; // other handles remain, or the release under way sees this close too (below)
            }
            releasing = true; // the mapping stays in OPEN while it waits: an open meanwhile takes it up again
        }
        if (insideHandler()) {
            releaseAfterHandler = true; // the receive running the handler finishes it, still in the role
            handlerAdapter.stop(); // and hands no further message, whichever handle it receives on
            return;
        }
        finishRelease();
    }

    /**
     * Whether the calling thread is running a {@link MessageHandler} of this mapping: it holds the
     * receiving gate, so {@code handling} is its own (or was ordered before by the gate).
     */
    boolean insideHandler() {
        return receiving.isHeldByCurrentThread() && handling != null;
    }

    /**
     * For the receive that ran a handler, after it has consumed the message and while it still holds
     * the receiving role (so that no receive waiting for the role gets in before the unmapping: it
     * ends with {@link ClosedException} then): finishes a release that a close from inside that
     * handler left to it.
     */
    void finishReleaseAfterHandler() {
        if (releaseAfterHandler) {
            releaseAfterHandler = false;
            finishRelease();
        }
    }

    private void finishRelease() {
        boolean receivesHeldOff = false;
        try {
            SendsInside.awaitNone(() -> (int) SENDS_INSIDE.getVolatile(this) + (sending.heldForASend() ? 1 : 0));
            receivesHeldOff = receiving.holdForClose(SendsInside.CLOSE_WAIT_NANOS);
            synchronized (MappedMailbox.class) {
                releasing = false;
                if (references > 0) {
                    return; // opened again while it waited (a second mapping would be a second receiver): it stays
                }
                OPEN.remove(segment.fileKey());
            }
            try {
                giveUp();
            } finally {
                segment.close();
            }
        } finally {
            receiving.releaseAfterClose(receivesHeldOff);
        }
    }

    /**
     * The close of the last handle's give-up, before it unmaps ({@link #release}; a separate step
     * for tests): this process's leases, its "receiver waits" mark and its place in a link. No lease
     * is taken after it ({@link #takeLease}): a thread entering a role meanwhile would otherwise
     * leave this live process's token in the file once the unmapping follows. Idempotent.
     */
    /**
     * Tells the mapping that its memory faulted ({@link Mailbox#close()} saw an {@link InternalError}:
     * the file was truncated by another process), so that its release gives up no lease in it.
     */
    void markFaulted() {
        faulted = true;
    }

    void giveUp() {
        synchronized (leases) {
            released = true; // from here on no lease is taken: the ones taken before are given up below
        }
        if (faulted) {
            // the file was truncated under us: its words fault, and a compare-and-set that the JVM
            // still interprets would abort the JVM; the file is refused by every open now anyway
            return;
        }
        if (lanes != null) {
            lanes.rendezvous.leave();
            lanes.rendezvous.retireReceiver(); // its receivers-table entry: reusable by others now
        }
        for (RecordRing each : rings) {
            each.detach();
        }
        if (policy == ReceivePolicy.LINK) {
            leaveLink();
        }
    }

    /**
     * Takes a lease of a role, on the first entry of a thread into it, unless the close of the
     * process's last handle by another thread has begun to give the leases up ({@link #giveUp}):
     * the entering call then ends with {@link ClosedException}, as calls blocked on a closed handle
     * do. A lease taken after the give-up would stay in the file with this still-live process's
     * token (the unmapping follows), and other processes would get {@link MailboxBusyException}
     * for as long as this process lives; the lock makes the taking and the give-up exclusive, and
     * keeps the mailbox mapped while a lease is taken. Only this first entry takes it: the calls
     * after it pay nothing. Blocks only while the give-up (or another role's taking) runs: brief.
     */
    private void takeLease(Runnable take) {
        synchronized (leases) {
            if (released) {
                throw new ClosedException("mailbox '" + name + "' was closed");
            }
            take.run();
        }
    }

    /**
     * Takes the receiver role for this process (the first receive does, through {@link #receiving}):
     * the rings' consumer leases, unless receivers are {@linkplain ReceivePolicy#SHARED shared}
     * (they then take the lease of the first ring for each receive, {@link #lockShared(long)}); and an
     * entry in the receivers table, which receipts point to.
     */
    private void takeReceiverLease() {
        if (lanes != null) {
            lanes.rendezvous.registerReceiver();
        }
        if (policy == ReceivePolicy.SHARED) {
            return;
        }
        long holder = 0;
        for (int level = 0; level < rings.length && holder == 0; level++) {
            holder = rings[level].acquireConsumer();
        }
        if (holder != 0) {
            for (RecordRing each : rings) {
                each.releaseConsumer();
            }
            throw new MailboxBusyException("mailbox '" + name + "' already has a receiver: "
                    + ProcessIdentity.describe(holder), ProcessIdentity.pidOf(holder));
        }
    }

    // ------------------------------------------------------------------ shared receivers

    /**
     * Becomes the consumer of every ring for one receive, among the processes that share the
     * receiving role: the first ring's consumer lease is the lock (a dead holder's is taken over
     * after a liveness check), and each ring's consumer state is re-read from shared memory.
     * Held only while a receive reads (or a handler runs), so waiting for it is short: it spins,
     * then yields. A blocking receive gives up at its {@code deadline} or when interrupted (see
     * {@link RoleGate#lock(long)}; {@link RoleGate#UNTIL_FREE} for an at-once receive, which waits as
     * long as a live holder holds).
     *
     * <p>Ordered against the close of the process's last handle by another thread through the
     * receiving gate, which every receive passes before this lock and which that close holds from
     * before its give-up ({@link #giveUp}) until after the unmapping ({@link #release}). A thread
     * bound to the receiving role holds the gate itself: a receive of it that took the lock after the
     * give-up and before the unmapping could not give it back (its unlock would find the memory
     * unmapped), and the lock would stay with this live process's token; so a bound receiver must not
     * be inside a receive while another thread closes the last handle (docs/message-passing.md,
     * shared receivers).
     *
     * @throws RoleBusy if it gave up
     */
    void lockShared(long deadline) {
        RecordRing first = rings[0];
        long park = SHARED_PARK_NANOS;
        for (int i = 0; !first.tryAcquireConsumer(); i++) {
            boolean parking = i >= 4096 || i < 0; // i wraps negative after 2^31 rounds: keep parking
            if (((i & 1023) == 1023 || (parking && (i & 15) == 15)) && first.acquireConsumer() == 0) {
                break; // the holder died holding it
            }
            if (i >= 0 && i < 100) {
                Thread.onSpinWait();
            } else {
                if (deadline != RoleGate.UNTIL_FREE && (parking || (i & 63) == 0) && RoleGate.givesUp(deadline)) {
                    if (first.acquireConsumer() == 0) {
                        break; // the holder died holding it: a give-up before the periodic check takes over too
                    }
                    throw RoleBusy.INSTANCE;
                }
                if (!parking) {
                    Thread.yield();
                } else { // held for long: a handler, or a holder that is stopped
                    LockSupport.parkNanos(this, park);
                    park = Math.min(park * 2, SHARED_MAX_PARK_NANOS);
                }
            }
        }
        for (int level = 1; level < rings.length; level++) {
            rings[level].resyncConsumer();
        }
    }

    /** Ends a receive of a shared receiver: lets the other receiving processes in. */
    void unlockShared() {
        rings[0].releaseConsumer();
    }

    // ------------------------------------------------------------------ link

    /**
     * Takes one of the two places of a link mailbox for this process (free, already its own, or a
     * dead process's).
     *
     * @throws MailboxBusyException if two live processes hold them
     */
    private void joinLink(MemorySegment memory) {
        long self = ProcessIdentity.current().token();
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < MailboxDescriptor.PARTIES; i++) {
                long offset = MailboxDescriptor.PARTIES_OFFSET + 8L * i;
                long owner = (long) LONG.getVolatile(memory, offset);
                if (owner == self) {
                    return;
                }
                boolean free = owner == 0 || (pass == 1 && !ProcessIdentity.isAlive(owner));
                if (free && LONG.compareAndSet(memory, offset, owner, self)) {
                    return;
                }
            }
        }
        long first = (long) LONG.getVolatile(memory, (long) MailboxDescriptor.PARTIES_OFFSET);
        long second = (long) LONG.getVolatile(memory, MailboxDescriptor.PARTIES_OFFSET + 8L);
        throw new MailboxBusyException("link mailbox '" + name + "' already joins two processes: "
                + ProcessIdentity.describe(first) + " and " + ProcessIdentity.describe(second),
                ProcessIdentity.pidOf(first));
    }

    private void leaveLink() {
        long self = ProcessIdentity.current().token();
        for (int i = 0; i < MailboxDescriptor.PARTIES; i++) {
            LONG.compareAndSet(segment.memory(), MailboxDescriptor.PARTIES_OFFSET + 8L * i, self, 0L);
        }
    }

    /** Takes the sender lease of a single-sender mailbox (the first send does, through {@link #sending}). */
    private void takeSenderLease() {
        long holder = 0;
        for (int level = 0; level < rings.length && holder == 0; level++) {
            holder = ((SpscRecordRing) rings[level]).acquireProducer();
        }
        if (holder != 0) {
            for (RecordRing each : rings) {
                ((SpscRecordRing) each).releaseProducer();
            }
            throw new MailboxBusyException("single-sender mailbox '" + name + "' already has a sender: "
                    + ProcessIdentity.describe(holder), ProcessIdentity.pidOf(holder));
        }
    }
}
