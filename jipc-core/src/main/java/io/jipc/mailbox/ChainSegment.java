package io.jipc.mailbox;

import io.jipc.CorruptSegmentException;
import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.ring.FaultInjection;
import io.jipc.ring.RecordRing;
import io.jipc.ring.RingConfig;
import io.jipc.ring.RingDescriptor;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static io.jipc.mailbox.UnboundedMailboxDescriptor.RETIRING_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_INDEX_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_OWNER_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_RING_OFFSET;

/**
 * One segment file of an {@link UnboundedMailbox}, mapped in this process: its many-producer ring
 * (whose senders ring the mailbox's doorbell) and its retiring flag. See
 * {@link UnboundedMailboxDescriptor} for the layout.
 *
 * <p>The owner decides who may use it: a handle's receiver has its own mapping; its senders share
 * one and count themselves in it ({@link #enter()}, {@link #leave()}), so that a mapping they have
 * moved past is unmapped by whichever of them leaves it last ({@link #closeIfUnused()}), however
 * busy its newer mappings are. The count is this mapping's, in this process; the file's format is untouched.
 */
final class ChainSegment implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle USERS;
    /** {@link #users} of a mapping unmapped (or being unmapped) while unused: nobody may enter it. */
    private static final int UNMAPPED = -1;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(2);

    static {
        try {
            USERS = MethodHandles.lookup().findVarHandle(ChainSegment.class, "users", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long index;
    final SharedSegment file;
    final RecordRing ring;
    /** Sends of the owning handle inside this mapping, or {@link #UNMAPPED}; accessed through {@link #USERS}. */
    @SuppressWarnings("unused")
    private volatile int users;

    private ChainSegment(long index, SharedSegment file, RecordRing ring) {
        this.index = index;
        this.file = file;
        this.ring = ring;
    }

    /** The file length of a segment whose ring has {@code config}. */
    static long fileLength(RingConfig config) {
        return SEGMENT_RING_OFFSET + RingDescriptor.length(config);
    }

    /**
     * Creates segment {@code index} of the mailbox whose control file has id {@code owner}.
     *
     * @return the segment, or null if another process condemned the file before it was ready (see
     *         the 4-argument form)
     * @throws ErrnoException {@code EEXIST} if the file exists, {@code ENOSPC} if there is no room
     */
    static ChainSegment create(Path path, String name, long index, long owner, RingConfig config, int permissions,
                               MemorySegment doorbell) {
        return create(path, name, index, owner, config, permissions, doorbell, () -> false);
    }

    /**
     * Creates segment {@code index} as {@link #create(Path, String, long, long, RingConfig, int, MemorySegment)}
     * does, but asks {@code superseded} once the file is exclusively this process's and not yet
     * ready: if true (the chain has moved past {@code index}, so this file recreates a segment
     * that was linked in and retired since), the segment is made ready already marked retiring,
     * so that a sender that maps it aborts its claims and moves on, as from any retired segment.
     *
     * <p>The file is made ready with a compare-and-set of its version word from "not ready"
     * ({@link SharedSegment#tryPublish}): a sender or receiver that waited for it longer than the
     * ready timeout takes this process for dead and condemns the file (the same word, under the
     * control file's lock) before it removes it. If it did so first, the file is not this
     * process's to use: it is left to its condemner, and null is returned, so that the caller
     * looks again at what the chain and the name hold now.
     *
     * @return the segment, or null if the file was condemned before it was made ready
     * @throws ErrnoException {@code EEXIST} if the file exists, {@code ENOSPC} if there is no room
     */
    static ChainSegment create(Path path, String name, long index, long owner, RingConfig config, int permissions,
                               MemorySegment doorbell, BooleanSupplier superseded) {
        SharedSegment file = SharedSegment.create(path, UnboundedMailboxDescriptor.SEGMENT_MAGIC,
                fileLength(config), permissions);
        try {
            MemorySegment memory = file.memory();
            memory.set(ValueLayout.JAVA_LONG, SEGMENT_INDEX_OFFSET, index);
            memory.set(ValueLayout.JAVA_LONG, SEGMENT_OWNER_OFFSET, owner);
            RingDescriptor.format(memory.asSlice(SEGMENT_RING_OFFSET), config);
            if (superseded.getAsBoolean()) {
                memory.set(ValueLayout.JAVA_INT, RETIRING_OFFSET, 1);
            }
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.BEFORE_SEGMENT_READY);
            }
            if (!file.tryPublish(UnboundedMailboxDescriptor.MAJOR_VERSION, UnboundedMailboxDescriptor.MINOR_VERSION)) {
                file.close(); // condemned: its condemner removes it
                return null;
            }
            return attach(file, name, index, owner, config, doorbell);
        } catch (RuntimeException | InternalError e) { // InternalError: a fault of a file truncated under us
            try {
                file.unlinkIfSame(); // once condemned, the name may be another file's already
            } finally {
                file.close();
            }
            throw e;
        }
    }

    /**
     * Opens segment {@code index}, checking that it is that segment of that mailbox with that ring.
     *
     * @throws ErrnoException          {@code ENOENT} if the file is gone (the segment was retired)
     * @throws CorruptSegmentException if it is not (or never became) such a segment
     */
    static ChainSegment open(Path path, String name, long index, long owner, RingConfig config, int permissions,
                             MemorySegment doorbell) {
        return open(path, name, index, owner, config, permissions, doorbell, READY_TIMEOUT);
    }

    /**
     * Opens segment {@code index} as {@link #open(Path, String, long, long, RingConfig, int, MemorySegment)}
     * does, waiting at most {@code readyTimeout} for a file that is not ready yet
     * ({@link Duration#ZERO}: not at all).
     */
    static ChainSegment open(Path path, String name, long index, long owner, RingConfig config, int permissions,
                             MemorySegment doorbell, Duration readyTimeout) {
        // not longer for a creator that is alive but slow: a sender condemns its file instead
        // (UnboundedMailbox.removeUnusable), which the creator's tryPublish races with safely
        SharedSegment file = SharedSegment.open(path, UnboundedMailboxDescriptor.SEGMENT_MAGIC,
                UnboundedMailboxDescriptor.MAJOR_VERSION, permissions, readyTimeout, readyTimeout);
        try {
            return attach(file, name, index, owner, config, doorbell);
        } catch (RuntimeException | InternalError e) { // InternalError: a fault of a file truncated under us
            file.close();
            throw e;
        }
    }

    private static ChainSegment attach(SharedSegment file, String name, long index, long owner, RingConfig config,
                                       MemorySegment doorbell) {
        MemorySegment memory = file.memory();
        long storedIndex = memory.get(ValueLayout.JAVA_LONG, SEGMENT_INDEX_OFFSET);
        long storedOwner = memory.get(ValueLayout.JAVA_LONG, SEGMENT_OWNER_OFFSET);
        if (storedIndex != index || storedOwner != owner) {
            throw new CorruptSegmentException(file.path() + ": segment " + storedIndex + " of mailbox "
                    + Long.toHexString(storedOwner) + ", expected segment " + index + " of "
                    + Long.toHexString(owner));
        }
        if (memory.byteSize() != fileLength(config)) {
            throw new CorruptSegmentException(file.path() + ": " + memory.byteSize() + " bytes, expected "
                    + fileLength(config));
        }
        MemorySegment ringMemory = memory.asSlice(SEGMENT_RING_OFFSET);
        RingConfig stored = RingDescriptor.readConfig(ringMemory, file.path().toString());
        if (!stored.equals(config)) {
            throw new CorruptSegmentException(file.path() + ": ring " + stored + ", expected " + config);
        }
        return new ChainSegment(index, file, RecordRing.attach(ringMemory, name + "@" + index, doorbell));
    }

    /** Whether the receiver has begun to retire this segment (volatile read). */
    boolean retiring() {
        return (int) INT.getVolatile(file.memory(), (long) RETIRING_OFFSET) != 0;
    }

    /** Marks this segment as retiring (volatile write): senders that claim from now on abort. */
    void markRetiring() {
        INT.setVolatile(file.memory(), (long) RETIRING_OFFSET, 1);
    }

    /**
     * Counts a send in (a compare-and-set): true if it may use this mapping until its
     * {@link #leave()}; false if the mapping was unmapped as unused, and the sender must take the
     * newer one that replaced it. Any thread.
     */
    boolean enter() {
        for (int n = (int) USERS.getVolatile(this); n >= 0; n = (int) USERS.getVolatile(this)) {
            if (USERS.compareAndSet(this, n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Counts a send out that {@link #enter() entered}; returns true if it was the last one inside
     * (the caller then unmaps the mapping with {@link #closeIfUnused()} if senders have moved past it).
     */
    boolean leave() {
        return (int) USERS.getAndAdd(this, -1) == 1;
    }

    /**
     * Unmaps the file if no send is inside (its count 0 turned into {@link #UNMAPPED} with a
     * compare-and-set, so that of the threads that try at once one unmaps, and no later
     * {@link #enter()} succeeds). For a sender's mapping that senders have moved past: called by the
     * thread that moved them on, and by each that leaves it last afterwards, so that it is unmapped
     * once the last send that could use it has left; and by the handle's close, for each mapping of
     * its senders, until it returns true.
     *
     * @return true if no send can be inside any more: unmapped by this call or earlier (by another
     *         thread, whose unmapping may still be under way); false while sends are inside
     */
    boolean closeIfUnused() {
        if (USERS.compareAndSet(this, 0, UNMAPPED)) {
            close();
            return true;
        }
        return (int) USERS.getVolatile(this) == UNMAPPED;
    }

    /**
     * Unmaps the file whatever the count, with no later {@link #enter()} succeeding: for a
     * handle's close that has waited long enough for the sends inside to leave.
     */
    void closeForSenders() {
        USERS.getAndSet(this, UNMAPPED);
        close();
    }

    /**
     * Unmaps the file (a receiver gives the ring's consumer lease back first, {@link
     * RecordRing#releaseConsumer()}: a sender's mapping must not, as the receiver may be this process).
     */
    @Override
    public void close() {
        file.close();
    }

    /** Removes the file if it exists; returns whether it did. */
    static boolean unlink(Path path) {
        try {
            return SharedSegment.unlink(path);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }
}
