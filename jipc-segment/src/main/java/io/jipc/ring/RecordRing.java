package io.jipc.ring;

import io.jipc.CorruptSegmentException;
import io.jipc.WaitStrategy;
import io.jipc.platform.AsymmetricFence;
import io.jipc.platform.ProcessIdentity;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.jipc.ring.RecordDescriptor.COMMIT_OFFSET;
import static io.jipc.ring.RecordDescriptor.HEADER_LENGTH;
import static io.jipc.ring.RecordDescriptor.LENGTH_OFFSET;
import static io.jipc.ring.RecordDescriptor.TYPE_MESSAGE;
import static io.jipc.ring.RecordDescriptor.TYPE_PADDING;
import static io.jipc.ring.RingDescriptor.CONSUMER_LEASE_OFFSET;
import static io.jipc.ring.RingDescriptor.CONSUMER_WAITING_OFFSET;
import static io.jipc.ring.RingDescriptor.DATA_SIGNAL_OFFSET;
import static io.jipc.ring.RingDescriptor.DELIVERED_OFFSET;
import static io.jipc.ring.RingDescriptor.HEAD_OFFSET;
import static io.jipc.ring.RingDescriptor.PRODUCERS_WAITING_OFFSET;
import static io.jipc.ring.RingDescriptor.SKIPPED_OFFSET;
import static io.jipc.ring.RingDescriptor.SPACE_SIGNAL_OFFSET;
import static io.jipc.ring.RingDescriptor.TAIL_OFFSET;

/**
 * A ring of variable-length records in shared memory with exactly one consumer at a time and one
 * ({@link SpscRecordRing}) or many ({@link MpscRecordRing}) producers, in any processes.
 *
 * <h2>Producing</h2>
 * {@link #tryClaim(int)} reserves room for a payload and returns its position (or {@link #FULL});
 * the caller writes the payload at {@link #payloadOffset(long)} of {@link #buffer()} and then
 * {@link #commit(long) commits} or {@link #abort(long) aborts}. A claimed record is invisible to
 * the consumer until committed. {@link #offer} copies a payload in one step.
 *
 * <h2>Consuming</h2>
 * The consumer first takes the {@link #acquireConsumer() consumer lease}. {@link #read} hands
 * committed records to a {@link RecordHandler} in ring order, in place, and then publishes the new
 * head, which frees the space. Only one thread may consume at a time (callers serialize).
 *
 * <h2>Crashes</h2>
 * A producer that dies while holding a claim never wedges the ring: after
 * {@link RingConfig#stallTimeoutNanos()} the consumer checks the claimer's liveness and skips the
 * claimed bytes if it is dead ({@link #checkStall()}); the skip is counted in
 * {@link #stalledClaimsSkipped()}. Committed records are never lost, duplicated or reordered per
 * producer. A consumer that dies leaves the head at the last published batch: the next consumer
 * takes over the lease and starts there (records of the unfinished batch are delivered again).
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a producer before it commits a record happen-before the consumer's handler sees that
 * record; actions of the consumer before {@link #read} returns happen-before a producer reuses the
 * freed space.
 */
public abstract sealed class RecordRing permits SpscRecordRing, MpscRecordRing {
    /** Returned by {@link #tryClaim} when the ring has no room for the record. */
    public static final long FULL = -1L;

    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** Check for a stalled claim every this many empty polls (power of two minus one). */
    private static final int STALL_CHECK_MASK = 255;
    /** How often an opener re-reads head and tail of a busy ring for a consistent pair. */
    private static final int CONSISTENT_READ_ATTEMPTS = 64;

    final String name;
    final MemorySegment ring;
    final MemorySegment data;
    final RingConfig config;
    final long capacity;
    /** Bytes records may occupy at once ({@link RingConfig#limit()}). */
    final long limit;
    final long mask;
    final long salt;
    final int maxPayload;
    /** Whether waiters may sleep, so that publishers must check for sleepers. */
    final boolean wakes;
    /** Whether this process commits without a full fence (see {@link AsymmetricFence}). */
    final boolean lightCommits;
    /**
     * Whether a claim can block the head (many producers). A single producer publishes its tail
     * only after committing, so its consumer never polls the tail's cache line for stalls.
     */
    private final boolean stallsPossible;
    final WakeSignal dataSignal;
    final WakeSignal spaceSignal;
    final long self = ProcessIdentity.current().token();

    // -------- consumer state; touched only by the thread currently consuming
    private long head;
    private long delivered;
    private long skipped;
    private int emptyPolls;
    private long stalledPosition = -1;
    private long stalledSince;
    /** The head position at which the last resolution found no claim ({@link #NO_CLAIM}), or -1. */
    private long unclaimedPosition = -1;

    /** @param doorbell the ring whose consumer wait block this ring's producers ring (itself by default) */
    RecordRing(MemorySegment ring, RingConfig config, String name, MemorySegment doorbell) {
        this.name = name;
        this.ring = ring;
        this.config = config;
        this.capacity = config.capacity();
        this.limit = config.limit();
        this.mask = capacity - 1;
        this.maxPayload = config.maxPayload();
        this.salt = ring.get(ValueLayout.JAVA_LONG, RingDescriptor.SALT_OFFSET);
        this.data = ring.asSlice(RingDescriptor.dataOffset(config.intentSlots()), capacity);
        this.wakes = config.waitStrategy().sleeps();
        this.stallsPossible = !config.singleProducer();
        // Spin-then-futex consumers sleep rarely (after spinning), so they pay the heavy fence and
        // publishers commit without one; futex-only consumers sleep on every wait, so there the
        // publishers fence (a few ns) rather than each wait paying a membarrier (a few µs).
        boolean asymmetric = config.waitStrategy() == WaitStrategy.SPIN_THEN_FUTEX;
        this.lightCommits = asymmetric && AsymmetricFence.registerLight();
        this.dataSignal = new WakeSignal(doorbell, CONSUMER_WAITING_OFFSET, DATA_SIGNAL_OFFSET, asymmetric);
        this.spaceSignal = new WakeSignal(ring, PRODUCERS_WAITING_OFFSET, SPACE_SIGNAL_OFFSET, false);
        checkPositionsWhileInUse();
    }

    /**
     * Validates head and tail of a ring whose consumer and producers may be running: a head read
     * before the consumer moved it and a tail read after the producers moved theirs can lie any
     * distance apart. A pair counts only if the head did not move around the tail's read (then both
     * held at that moment). If the consumer keeps the head moving, only alignment is checked here: a
     * consumer checks the pair again when it takes its lease, and producers reach the data area only
     * through masked positions.
     */
    private void checkPositionsWhileInUse() {
        long headPosition = headVolatile();
        long tailPosition = tailVolatile();
        for (int attempt = 0; attempt < CONSISTENT_READ_ATTEMPTS; attempt++) {
            long headAgain = headVolatile();
            if (headAgain == headPosition) {
                checkPositions(headPosition, tailPosition);
                return;
            }
            headPosition = headAgain;
            tailPosition = tailVolatile();
        }
        if (((headPosition | tailPosition) & (RecordDescriptor.ALIGNMENT - 1)) != 0) {
            throw badPositions(headPosition, tailPosition);
        }
    }

    /** Head and tail must be record-aligned and at most a capacity apart, whoever wrote them. */
    final void checkPositions(long headPosition, long tailPosition) {
        if (((headPosition | tailPosition) & (RecordDescriptor.ALIGNMENT - 1)) != 0
                || Math.abs(tailPosition - headPosition) > capacity) {
            throw badPositions(headPosition, tailPosition);
        }
    }

    private CorruptSegmentException badPositions(long headPosition, long tailPosition) {
        return new CorruptSegmentException(name + ": head " + headPosition + " and tail " + tailPosition
                + " are not " + RecordDescriptor.ALIGNMENT + "-byte aligned positions at most "
                + capacity + " bytes apart");
    }

    /**
     * Attaches to the ring that {@link RingDescriptor#format} wrote into {@code ring}, validating its
     * configuration; returns the single- or many-producer variant it was created as.
     */
    public static RecordRing attach(MemorySegment ring, String name) {
        return attach(ring, name, ring);
    }

    /**
     * Attaches like {@link #attach(MemorySegment, String)}, but the ring's producers wake the
     * consumer through the wait block of {@code doorbell} (another ring's memory, or this ring's):
     * a consumer of several rings that share one doorbell sleeps on one futex word for all of them
     * ({@link #prepareDataWait()} and {@link #awaitData} of any of them).
     */
    public static RecordRing attach(MemorySegment ring, String name, MemorySegment doorbell) {
        RingConfig config = RingDescriptor.readConfig(ring, name);
        if (doorbell.byteSize() < RingDescriptor.INTENTS_OFFSET) {
            throw new IllegalArgumentException("doorbell of " + doorbell.byteSize() + " bytes is not a ring");
        }
        return config.singleProducer() ? new SpscRecordRing(ring, config, name, doorbell)
                : new MpscRecordRing(ring, config, name, doorbell);
    }

    public RingConfig config() {
        return config;
    }

    /** The data area; payloads of claims are written at {@link #payloadOffset(long)}. */
    public MemorySegment buffer() {
        return data;
    }

    /** Offset in {@link #buffer()} of the payload of the record claimed at {@code position}. */
    public final long payloadOffset(long position) {
        return (position & mask) + HEADER_LENGTH;
    }

    // ================================================================== producing

    /**
     * Claims room for a payload of {@code length} bytes. Never blocks for long: a many-producer
     * ring whose intent slots are all held looks again for a few microseconds and then returns
     * {@link #FULL} even if it has room (see {@link MpscRecordRing}, "Waiting for a slot").
     *
     * @return the record position, or {@link #FULL} if there is no room now (or, many producers,
     *         no free intent slot)
     * @throws IllegalArgumentException if {@code length} is negative or above the max payload
     */
    public abstract long tryClaim(int length);

    /** Makes the claimed record visible to the consumer (and wakes it if it sleeps). */
    public abstract void commit(long position);

    /** Gives the claimed room back (the consumer skips it). */
    public abstract void abort(long position);

    /**
     * Copies {@code length} bytes of {@code source} at {@code offset} into a new record; false if
     * full (or, as for {@link #tryClaim}, no intent slot came free within a few microseconds). A send either goes whole or not at all: if the copy throws (the source's arena is
     * closed, or confined to another thread, or {@code offset} and {@code length} lie outside it),
     * the claimed room is given back, as by {@link #abort}, before the exception propagates, and
     * the consumer never sees the record.
     */
    public boolean offer(MemorySegment source, long offset, int length) {
        long position = tryClaim(length);
        if (position == FULL) {
            return false;
        }
        try {
            AscendingCopy.copy(source, offset, data, payloadOffset(position), length);
        } catch (Throwable e) {
            abort(position);
            throw e;
        }
        commit(position);
        return true;
    }

    final void checkLength(int length) {
        if (length < 0 || length > maxPayload) {
            throw new IllegalArgumentException("payload of " + length + " bytes; " + name + " takes 0.."
                    + maxPayload + " bytes");
        }
    }

    /** Stores the commit word of the record at {@code position}; wakes a sleeping consumer. */
    final void publishCommit(long position) {
        long word = commitWord(position);
        if (!wakes) {
            LONG.setRelease(data, position & mask, word);
        } else if (lightCommits) {
            LONG.setRelease(data, position & mask, word);
            dataSignal.signalIfWaitingLight();
        } else {
            LONG.setVolatile(data, position & mask, word);
            dataSignal.signalIfWaiting();
        }
    }

    /** This ring's commit word for the record at {@code position} ({@link RecordDescriptor#commitWord}). */
    private long commitWord(long position) {
        return RecordDescriptor.commitWord(position, salt);
    }

    /** Writes a committed padding record of {@code recordLength} bytes at {@code position}. */
    final void writePadding(long position, long recordLength) {
        long index = position & mask;
        writeLengthAndType(index, (int) recordLength - HEADER_LENGTH, TYPE_PADDING);
        LONG.setRelease(data, index + COMMIT_OFFSET, commitWord(position));
    }

    /** Stores the length and type fields of the record at {@code index} in one plain access. */
    final void writeLengthAndType(long index, int length, int type) {
        data.set(ValueLayout.JAVA_LONG, index + LENGTH_OFFSET, RecordDescriptor.lengthAndType(length, type));
    }

    /** Whether the record at {@code position} is committed (acquire). */
    final boolean committed(long position) {
        return (long) LONG.getAcquire(data, position & mask) == commitWord(position);
    }

    final long headVolatile() {
        return (long) LONG.getVolatile(ring, (long) HEAD_OFFSET);
    }

    final long tailVolatile() {
        return (long) LONG.getVolatile(ring, (long) TAIL_OFFSET);
    }

    /** Bytes between head and tail (claimed or committed, not yet consumed); a snapshot. */
    public long usedBytes() {
        return Math.max(0, tailVolatile() - headVolatile());
    }

    /** Announces a producer about to sleep for space; returns the value for {@link #awaitSpace}. */
    public int prepareSpaceWait() {
        return spaceSignal.prepare();
    }

    /**
     * Sleeps until the consumer frees space (or a slice, the deadline or an interrupt ends the
     * sleep), for at most {@link RingConfig#stallTimeoutNanos()}: the caller then looks for room
     * again and, finding none, prepares and sleeps again. The bound is for a consumer killed
     * between its head store (which freed the space) and its {@code FUTEX_WAKE}: it woke nobody,
     * and no later read may come to wake the producer (the dead consumer may have emptied the
     * ring, and the producer that would refill it is the one asleep), so without the bound an untimed wait
     * slept on for good (a consumer that takes over a dead one's lease also wakes the producers,
     * {@link #acquireConsumer()}). Cost: a producer asleep on a full ring wakes once per stall
     * timeout (a platform thread's timed sleep is sliced at {@link io.jipc.platform.Futex#SLICE_NANOS}
     * anyway) and looks at the ring; a live consumer's wake ends the sleep at once, as before.
     * Called by any producer thread, after {@link #prepareSpaceWait()} and a re-check that found no room.
     */
    public void awaitSpace(int signal, long deadlineNanos) throws InterruptedException {
        // a consumer killed before its wake rings nobody: look again after the stall timeout
        long lookAgainAt = System.nanoTime() + config.stallTimeoutNanos();
        spaceSignal.await(signal, deadlineNanos == Long.MAX_VALUE || lookAgainAt - deadlineNanos < 0
                ? lookAgainAt : deadlineNanos);
    }

    /** Whether a record of {@code length} payload bytes fits now (a snapshot; producers race). */
    public abstract boolean hasRoomFor(int length);

    /**
     * Whether a claim would get an intent slot now (a snapshot; producers race): always for a
     * single producer. A many-producer ring frees the slots of dead producers whose claims the
     * consumer has passed on the way. A claim that returned {@link #FULL} while
     * {@link #hasRoomFor} and not this method holds tells a producer that may block to wait
     * with {@link #awaitSlot} rather than {@link #awaitSpace}.
     */
    public boolean hasFreeSlot() {
        return true;
    }

    /**
     * Sleeps while every intent slot is held: for at most {@code napNanos}, never past {@code
     * deadlineNanos} ({@link System#nanoTime()}; {@link Long#MAX_VALUE}: none), and less if the
     * consumer frees space (its head store rings the space signal: it may have passed a dead
     * producer's claim, whose slot then comes back) or {@link #wakeAllWaiters()} is called. A
     * producer that gives its slot back rings nothing, so the caller naps, looks again
     * ({@link #tryClaim}), and prepares and naps again; the naps should grow to about a
     * millisecond (a slot held by a live producer comes back within microseconds; one held by a
     * dead producer only once a consumer passed its claim, by a stopped one when it runs again).
     * Called by any producer thread, after {@link #prepareSpaceWait()} and a re-check that found
     * room but no {@linkplain #hasFreeSlot() free slot}.
     *
     * @throws InterruptedException if the thread is interrupted before or while it sleeps
     */
    public void awaitSlot(int signal, long napNanos, long deadlineNanos) throws InterruptedException {
        long wakeAt = System.nanoTime() + napNanos;
        spaceSignal.await(signal, deadlineNanos == Long.MAX_VALUE || wakeAt - deadlineNanos < 0
                ? wakeAt : deadlineNanos);
    }

    // ================================================================== consuming

    /**
     * Takes the consumer lease, unless a live process holds it. Taking over a dead holder's lease
     * forgets that holder's waiting flag and wakes the producers asleep for space: the dead
     * consumer may have freed space and died before its wake ({@link #awaitSpace} bounds their
     * sleep anyway; this ends it sooner).
     *
     * @return 0 on success, else the token of the live holder
     */
    public long acquireConsumer() {
        while (true) {
            long owner = (long) LONG.getVolatile(ring, (long) CONSUMER_LEASE_OFFSET);
            if (owner == self) {
                break;
            }
            if (owner != 0 && ProcessIdentity.isAlive(owner)) {
                return owner;
            }
            if (LONG.compareAndSet(ring, (long) CONSUMER_LEASE_OFFSET, owner, self)) {
                if (owner != 0) {
                    dataSignal.reset();
                    // the dead consumer may have freed space and died before waking the producers
                    spaceSignal.wakeAll();
                }
                break;
            }
        }
        resyncConsumer();
        return 0;
    }

    /**
     * Takes the consumer lease if it is free (or this process's), without checking a holder's
     * liveness (no system call): the fast path of consumers that share the role and take the lease
     * for each read. Returns false if another process holds it.
     */
    public boolean tryAcquireConsumer() {
        long owner = (long) LONG.getVolatile(ring, (long) CONSUMER_LEASE_OFFSET);
        if (owner != self && (owner != 0 || !LONG.compareAndSet(ring, (long) CONSUMER_LEASE_OFFSET, 0L, self))) {
            return false;
        }
        resyncConsumer();
        return true;
    }

    /**
     * Re-reads the consumer state (head, counters) from shared memory: for a consumer that follows
     * another one in the same ring (shared consumers serialized by another ring's lease).
     */
    public void resyncConsumer() {
        head = headVolatile();
        checkPositions(head, tailVolatile());
        delivered = ring.get(ValueLayout.JAVA_LONG, DELIVERED_OFFSET);
        skipped = ring.get(ValueLayout.JAVA_LONG, SKIPPED_OFFSET);
        stalledPosition = -1;
        unclaimedPosition = -1;
    }

    /** Gives the consumer lease back (if this process holds it). */
    public void releaseConsumer() {
        // read first: on a file truncated under us the read faults as an InternalError, where a
        // compare-and-set that the JVM still interprets would abort the whole JVM (docs/shared-memory.md)
        if ((long) LONG.getVolatile(ring, (long) CONSUMER_LEASE_OFFSET) == self) {
            LONG.compareAndSet(ring, (long) CONSUMER_LEASE_OFFSET, self, 0L);
        }
    }

    /**
     * Hands up to {@code limit} committed message records to {@code handler}, in order, then frees
     * their space. Returns the number of messages handled (0 if none is committed).
     *
     * @throws CorruptSegmentException if a committed record's header is impossible (the ring was
     *                                 overwritten by something that is not a jipc producer)
     */
    public int read(RecordHandler handler, int limit) {
        final MemorySegment data = this.data;
        final long mask = this.mask;
        final long salt = this.salt;
        final long start = head;
        long h = start;
        int count = 0;
        try {
            while (count < limit) {
                long index = h & mask;
                if ((long) LONG.getAcquire(data, index) != commitWord(h)) {
                    break;
                }
                long header = data.get(ValueLayout.JAVA_LONG, index + LENGTH_OFFSET);
                int length = RecordDescriptor.lengthOf(header);
                int type = RecordDescriptor.typeOf(header);
                h += checkedRecordLength(h, index, length, type);
                if (type == TYPE_MESSAGE) {
                    count++;
                    handler.onRecord(data, index + HEADER_LENGTH, length);
                }
            }
        } finally {
            if (h != start) {
                publishHead(h, count);
            }
        }
        if (h == start && stallsPossible && (++emptyPolls & STALL_CHECK_MASK) == 0) {
            checkStall();
        }
        return count;
    }

    /**
     * Hands the next committed message to {@code handler} in place and consumes it once the handler
     * has returned: unlike {@link #read}, a handler that throws (a copy out into memory that cannot
     * be written) leaves the message in the ring for the next read; padding in front of it is
     * consumed either way. Returns false if no message is committed. Costs what {@code read(handler,
     * 1)} does.
     */
    public boolean readIfHandled(RecordHandler handler) {
        int length = nextMessageLength();
        if (length < 0) {
            return false;
        }
        long h = head;
        handler.onRecord(data, (h & mask) + HEADER_LENGTH, length);
        publishHead(h + RecordDescriptor.recordLength(length), 1);
        return true;
    }

    /**
     * Hands the next committed message to {@code handler} in place without consuming it (padding in
     * front of it is consumed); returns false if none is committed. A following {@link #read}
     * hands out the same message.
     */
    public boolean peek(RecordHandler handler) {
        int length = nextMessageLength();
        if (length < 0) {
            return false;
        }
        handler.onRecord(data, (head & mask) + HEADER_LENGTH, length);
        return true;
    }

    /**
     * The payload length of the next committed message, or -1 if none is committed; padding in
     * front of it is consumed. Lets a caller size its buffer before {@link #read}.
     */
    public int nextMessageLength() {
        final long start = head;
        long h = start;
        int result = -1;
        while (true) {
            long index = h & mask;
            if ((long) LONG.getAcquire(data, index) != commitWord(h)) {
                break;
            }
            long header = data.get(ValueLayout.JAVA_LONG, index + LENGTH_OFFSET);
            int length = RecordDescriptor.lengthOf(header);
            int type = RecordDescriptor.typeOf(header);
            int recordLength = checkedRecordLength(h, index, length, type);
            if (type == TYPE_MESSAGE) {
                result = length;
                break;
            }
            h += recordLength;
        }
        if (h != start) {
            publishHead(h, 0);
        }
        return result;
    }

    /** The record's length, or {@link CorruptSegmentException} if its header is impossible (hot: kept small). */
    private int checkedRecordLength(long position, long index, int length, int type) {
        // compare as long: a hostile length near Integer.MAX_VALUE must not overflow the check
        if ((type != TYPE_MESSAGE && type != TYPE_PADDING) || length < 0
                || (type == TYPE_MESSAGE && length > maxPayload)
                || (long) length > capacity - index - RecordDescriptor.HEADER_LENGTH) {
            throw corruptRecord(position, index, length, type);
        }
        return RecordDescriptor.recordLength(length);
    }

    private CorruptSegmentException corruptRecord(long position, long index, int length, int type) {
        if (type != TYPE_MESSAGE && type != TYPE_PADDING) {
            return new CorruptSegmentException(name + ": record at position " + position + " has type " + type);
        }
        return new CorruptSegmentException(name + ": record at position " + position + " claims "
                + length + " bytes; max payload " + maxPayload + ", " + (capacity - index)
                + " bytes to the end of the ring");
    }

    private void publishHead(long h, int count) {
        head = h;
        delivered += count;
        ring.set(ValueLayout.JAVA_LONG, DELIVERED_OFFSET, delivered);
        if (wakes) {
            LONG.setVolatile(ring, (long) HEAD_OFFSET, h);
            spaceSignal.signalIfWaiting();
        } else {
            LONG.setRelease(ring, (long) HEAD_OFFSET, h);
        }
    }

    /** Whether a record is committed at the head: the consumer's re-check before sleeping (volatile). */
    public boolean hasCommitted() {
        long h = head;
        return (long) LONG.getVolatile(data, h & mask) == commitWord(h);
    }

    /**
     * Whether the tail is past the head although nothing is committed there: a producer is in the
     * middle of a send (or died there). A sleeping consumer must then wake up by itself within the
     * stall timeout to {@link #checkStall() check}. Consumer thread only.
     */
    public boolean claimPending() {
        return tailVolatile() - head > 0;
    }

    /** Announces the consumer about to sleep; returns the value for {@link #awaitData}. */
    public int prepareDataWait() {
        return dataSignal.prepare();
    }

    /**
     * Address of the futex word producers move when they commit and a consumer announced itself
     * ({@link #prepareDataWait()}): for a consumer that sleeps on several rings' words at once
     * ({@link io.jipc.platform.FutexVector}).
     */
    public long dataSignalAddress() {
        return dataSignal.address();
    }

    /** Sleeps until a producer commits (or a slice, the deadline or an interrupt ends the sleep). */
    public void awaitData(int signal, long deadlineNanos) throws InterruptedException {
        dataSignal.await(signal, deadlineNanos);
    }

    /**
     * Resolves a claim that has blocked the head for longer than the stall timeout, if its producer
     * is dead: its bytes are skipped. Called by {@link #read} every few empty polls and by blocking
     * consumers before they sleep; cheap when nothing is stalled (one read of the tail).
     *
     * <p>A live claimer is waited for, however long (a stopped producer holds the consumer up). But
     * a head blocked while no producer, live or dead, has recorded a claim there cannot come from
     * jipc producers: a many-producer claim records its intent before it moves the tail and keeps
     * it until after its commit, and the consumer reads the tail before the intents and checks the
     * commit again after them. Such a ring (a tail moved on by something else) is reported, once
     * the same head was found so at two resolutions a stall timeout apart, instead of being waited
     * on for ever.
     *
     * @return whether a dead producer's claim was skipped
     * @throws CorruptSegmentException if the head is blocked by a claim no producer recorded, or a
     *                                 dead producer's claim has an impossible end
     */
    public boolean checkStall() {
        long h = head;
        long t = tailVolatile();
        if (t - h <= 0 || committed(h)) {
            stalledPosition = -1;
            unclaimedPosition = -1;
            return false;
        }
        long now = System.nanoTime();
        if (stalledPosition != h) {
            stalledPosition = h;
            stalledSince = now;
            return false;
        }
        if (now - stalledSince < config.stallTimeoutNanos()) {
            return false;
        }
        stalledSince = now;
        long end = resolveStall(h, t);
        if (end == NO_CLAIM && !committed(h)) {
            if (unclaimedPosition != h) {
                unclaimedPosition = h; // reported if the next resolution finds the same
                return false;
            }
            throw new CorruptSegmentException(name + ": the head " + h + " is blocked by an uncommitted record"
                    + " (tail " + t + ") that no producer, live or dead, claimed: the ring was overwritten by"
                    + " something that is not a jipc producer");
        }
        unclaimedPosition = -1;
        if (end < 0 || committed(h)) {
            if (FaultInjection.ENABLED && end == -1 && !committed(h)) { // a live claimer: waited for
                FaultInjection.point(FaultInjection.STALL_CLAIMER_ALIVE);
            }
            return false;
        }
        if (((end - h) & (RecordDescriptor.ALIGNMENT - 1)) != 0 || end - h <= 0 || end - t > 0) {
            throw new CorruptSegmentException(name + ": a stalled claim at " + h + " claims to end at " + end
                    + " (tail " + t + ")");
        }
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.STALL_RESOLVED);
        }
        skipped++;
        ring.set(ValueLayout.JAVA_LONG, SKIPPED_OFFSET, skipped);
        publishHead(end, 0);
        stalledPosition = -1;
        afterStallSkipped();
        return true;
    }

    /**
     * Called by {@link #checkStall()} once the head has moved past a dead claim it skipped: frees
     * what the dead claimers held (their intent slots). Only after the head moved, so that a consumer
     * killed in between leaves the claims recorded, and its successor resolves them again (freed
     * before, they would leave a head blocked by a claim no producer recorded, which is reported as
     * corruption).
     */
    void afterStallSkipped() {
    }

    /**
     * Finds where the dead claim blocking position {@code h} ends; -1 if the claimer may be alive
     * (or nothing can be proven); {@link #NO_CLAIM} if no producer recorded a claim that covers
     * {@code h} and ends within {@code tail}.
     */
    abstract long resolveStall(long h, long tail);

    /** {@link #resolveStall}'s answer when no producer, live or dead, recorded a claim of the blocked head. */
    static final long NO_CLAIM = -2;

    /**
     * Wakes every waiter of this ring, consumer and producers, in every process, including one that
     * has prepared its wait and is about to sleep: its sleep returns at once, so it re-checks its
     * condition (e.g. that its handle was closed before this call). Others wake spuriously.
     */
    public void wakeAllWaiters() {
        dataSignal.wakeAll();
        spaceSignal.wakeAll();
    }

    /** Message records handed out since the ring was created. */
    public long delivered() {
        return ring.get(ValueLayout.JAVA_LONG, DELIVERED_OFFSET);
    }

    /** Claims of dead producers skipped since the ring was created. */
    public long stalledClaimsSkipped() {
        return ring.get(ValueLayout.JAVA_LONG, SKIPPED_OFFSET);
    }

    /** Releases what this process holds in the ring (producer slots, leases); the memory stays mapped. */
    public void detach() {
        releaseConsumer();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", capacity=" + capacity + ", maxPayload=" + maxPayload + "]";
    }
}
