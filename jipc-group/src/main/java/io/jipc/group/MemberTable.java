package io.jipc.group;

import io.jipc.CorruptSegmentException;
import io.jipc.ErrnoException;
import io.jipc.platform.Errno;
import io.jipc.platform.Futex;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;

import static io.jipc.group.GroupDescriptor.*;

/**
 * A mapped group file ({@link GroupDescriptor}): the ranks' slots and the membership futex words.
 * Every slot operation is a volatile access or a compare-and-set, so the table may be used by any
 * thread of any process that maps the file; which thread may change a slot is said per method.
 */
final class MemberTable implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(2);
    /** How long a leaver waits for another member deciding whether to remove the group. */
    private static final long CLOSER_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    /** A rank taken by {@link #claim}: the owner before, and its incarnation then (its inbox's name). */
    record Claim(int rank, long previousOwner, int previousIncarnation) {
    }

    /** A rank's member at one moment. */
    record Snapshot(int rank, long token, int incarnation) {
        GroupMember member() {
            return new GroupMember(rank, ProcessIdentity.pidOf(token), incarnation);
        }
    }

    private final SharedSegment file;
    private final MemorySegment memory;
    private final int size;
    private final long sequenceAddress;

    private MemberTable(SharedSegment file) {
        this.file = file;
        this.memory = file.memory();
        if (memory.byteSize() < SLOTS_OFFSET) {
            throw new CorruptSegmentException(file.path() + ": a group file of " + memory.byteSize()
                    + " bytes, shorter than its " + SLOTS_OFFSET + "-byte header");
        }
        int size = memory.get(ValueLayout.JAVA_INT, SIZE_OFFSET);
        if (size < 1 || size > MAX_SIZE || fileLength(size) > memory.byteSize()) {
            throw new CorruptSegmentException(file.path() + ": a group of " + size + " ranks in a "
                    + memory.byteSize() + "-byte file");
        }
        long inboxBytes = memory.get(ValueLayout.JAVA_LONG, INBOX_BYTES_OFFSET);
        int maxMessage = memory.get(ValueLayout.JAVA_INT, MAX_MESSAGE_OFFSET);
        if (inboxBytes < MIN_INBOX_BYTES || inboxBytes > MAX_INBOX_BYTES || maxMessage < MIN_MESSAGE
                || maxMessage > MAX_MESSAGE || maxMessage > inboxBytes / 4) {
            throw new CorruptSegmentException(file.path() + ": inboxes of " + inboxBytes + " bytes for messages of "
                    + maxMessage);
        }
        this.size = size;
        this.sequenceAddress = memory.address() + SEQUENCE_OFFSET;
    }

    /**
     * Where the group {@code name} lives, for opening or looking for it: the root and the kind
     * directory are checked as creates check them, not created ({@link JipcRoot#existing}).
     *
     * @throws io.jipc.InsecureFileException if one of them is a link, another user's, or open to others
     */
    static Path path(String name) {
        return JipcRoot.existing(DIRECTORY).resolve(name);
    }

    /** Creates the group's file with {@code options}' settings and publishes it. */
    static MemberTable create(String name, GroupOptions options) {
        Path path = JipcRoot.directory(DIRECTORY).resolve(name);
        SharedSegment file = SharedSegment.create(path, MAGIC, fileLength(options.size()), 0600);
        try {
            MemorySegment memory = file.memory();
            memory.set(ValueLayout.JAVA_INT, SIZE_OFFSET, options.size());
            memory.set(ValueLayout.JAVA_LONG, INBOX_BYTES_OFFSET, options.inboxBytes());
            memory.set(ValueLayout.JAVA_INT, MAX_MESSAGE_OFFSET, options.maxMessageSize());
            file.publish(MAJOR_VERSION, MINOR_VERSION);
            return new MemberTable(file);
        } catch (RuntimeException | Error e) {
            // only its own file: another process may have removed it and made its own under the name
            // meanwhile (until 2026-12-06 the name was unlinked, and with it that file)
            file.discardCreated(e);
            throw e;
        }
    }

    /** Opens the group's file. @throws ErrnoException ENOENT if there is none */
    static MemberTable open(String name) {
        SharedSegment file = SharedSegment.open(path(name), MAGIC, MAJOR_VERSION, 0600, READY_TIMEOUT);
        try {
            return new MemberTable(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Opens the group's file without waiting for its creator to publish it: for removers, which
     * judge a group from outside. A file not yet published (or still empty) throws
     * {@link io.jipc.segment.SegmentNotReadyException} at once; no rank of such a file is held,
     * since joiners claim only in a published file ({@link #openOrCreate} returns no other).
     *
     * @throws ErrnoException ENOENT if there is none
     */
    static MemberTable openIfReady(String name) {
        SharedSegment file = SharedSegment.open(path(name), MAGIC, MAJOR_VERSION, 0600, Duration.ZERO);
        try {
            return new MemberTable(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Opens the group's file, or creates it if there is none (racing creators: one creates, the others open). */
    static MemberTable openOrCreate(String name, GroupOptions options) {
        while (true) {
            try {
                return open(name);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOENT || options.size() == 0) {
                    throw e;
                }
            }
            try {
                return create(name, options);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
        }
    }

    int size() {
        return size;
    }

    long inboxBytes() {
        return memory.get(ValueLayout.JAVA_LONG, INBOX_BYTES_OFFSET);
    }

    int maxMessageSize() {
        return memory.get(ValueLayout.JAVA_INT, MAX_MESSAGE_OFFSET);
    }

    Path path() {
        return file.path();
    }

    /**
     * Whether a member is removing the group (or deciding whether to): a joiner must give back what
     * it claimed and start over, after {@link #recoverFromDeadCloser()}.
     */
    boolean isClosing() {
        return (long) LONG.getVolatile(memory, (long) CLOSER_OFFSET) != 0;
    }

    /**
     * For a joiner that found the group closing: if the closer died, either reopens the group (it
     * died while scanning: members may be alive) or removes the file (it had found the group empty).
     */
    void recoverFromDeadCloser() {
        long closer = (long) LONG.getVolatile(memory, (long) CLOSER_OFFSET);
        if (closer == 0 || ProcessIdentity.isAlive(closer)) {
            return;
        }
        if ((int) INT.getVolatile(memory, (long) CLOSED_OFFSET) == 0) {
            LONG.compareAndSet(memory, (long) CLOSER_OFFSET, closer, 0L);
        } else {
            unlink();
        }
    }

    /**
     * Takes rank {@code wanted} (or the lowest free rank for {@link GroupOptions#ANY_RANK}) for the
     * process {@code token}: a free rank, or one whose owner has died. The caller must then check
     * {@link #isClosing()}, and give the rank back with {@link #release} if it is.
     *
     * @return the claim, or {@code null} if the rank (every rank) is held by a live process
     */
    Claim claim(int wanted, long token) {
        int from = wanted == GroupOptions.ANY_RANK ? 0 : wanted;
        int to = wanted == GroupOptions.ANY_RANK ? size : wanted + 1;
        for (int rank = from; rank < to; rank++) {
            long slot = slot(rank);
            while (true) {
                long owner = (long) LONG.getVolatile(memory, slot + SLOT_OWNER_OFFSET);
                if (owner != 0 && ProcessIdentity.isAlive(owner)) {
                    break;
                }
                int incarnation = (int) INT.getVolatile(memory, slot + SLOT_INCARNATION_OFFSET);
                if (LONG.compareAndSet(memory, slot + SLOT_OWNER_OFFSET, owner, token)) {
                    return new Claim(rank, owner, incarnation);
                }
            }
        }
        return null;
    }

    /**
     * The claimer's next step: moves the rank to the incarnation {@code incarnation} it chose (above
     * the rank's previous one, {@link Claim#previousIncarnation()}; see
     * {@code ProcessGroup.nextIncarnation}), before it makes the inboxes of that name. Owner only.
     */
    void setIncarnation(int rank, int incarnation) {
        INT.setRelease(memory, slot(rank) + SLOT_INCARNATION_OFFSET, incarnation);
    }

    /** Makes the owner a member: its inbox exists. Owner only; wakes membership waiters. */
    void publish(int rank, long token) {
        LONG.setRelease(memory, slot(rank) + SLOT_JOINED_OFFSET, token);
        changed();
    }

    /** The first step of leaving: the rank has no member from now on. Owner only. */
    void unpublish(int rank) {
        LONG.setVolatile(memory, slot(rank) + SLOT_JOINED_OFFSET, 0L);
    }

    /** Gives the rank up if {@code token} still owns it; wakes membership waiters. */
    void release(int rank, long token) {
        long slot = slot(rank);
        LONG.compareAndSet(memory, slot + SLOT_JOINED_OFFSET, token, 0L);
        LONG.compareAndSet(memory, slot + SLOT_OWNER_OFFSET, token, 0L);
        changed();
    }

    /**
     * A mark that a member's collective operations broke: the rank it lost (its own after a
     * timeout or interrupt) and that rank's incarnation as the marking member knew it, or -1 if the
     * mark does not say (written by a member of format 3.0, before the word that says it).
     */
    record BrokenMark(int lost, long lostIncarnation) {
        /** Whether the mark is about {@code incarnation} of the lost rank, as far as it says. */
        boolean about(int incarnation) {
            return lostIncarnation < 0 || (int) lostIncarnation == incarnation;
        }
    }

    /**
     * Marks the collective operations of {@code rank}'s member, of {@code incarnation}, broken for
     * good, having lost the member of rank {@code lost} of incarnation {@code lostIncarnation} (its
     * own after a timeout or interrupt): the lost word first, then the broken word (volatile), which
     * a reader loads first. The member itself only.
     */
    void markBroken(int rank, int incarnation, int lost, int lostIncarnation) {
        long slot = slot(rank);
        LONG.setVolatile(memory, slot + SLOT_BROKEN_LOST_OFFSET, ((long) incarnation << 32) | (lostIncarnation & 0xFFFF_FFFFL));
        LONG.setVolatile(memory, slot + SLOT_BROKEN_OFFSET, ((long) incarnation << 32) | ((lost + 1) & 0xFFFF_FFFFL));
    }

    /**
     * The mark of rank {@code rank}'s member of {@code incarnation}, or {@code null} if its collective
     * operations have not broken (or the mark is an earlier holder's). The lost rank's incarnation is
     * taken only from a lost word of the same incarnation as the broken word (a member of format 3.0
     * writes none, and leaves an earlier holder's there).
     */
    BrokenMark broken(int rank, int incarnation) {
        long slot = slot(rank);
        long word = (long) LONG.getVolatile(memory, slot + SLOT_BROKEN_OFFSET);
        if (word == 0 || (int) (word >>> 32) != incarnation) {
            return null;
        }
        long about = (long) LONG.getVolatile(memory, slot + SLOT_BROKEN_LOST_OFFSET);
        return new BrokenMark((int) word - 1, (int) (about >>> 32) == incarnation ? about & 0xFFFF_FFFFL : -1);
    }

    /** The rank's member now, or {@code null} if it has none (its liveness is not checked). */
    Snapshot member(int rank) {
        long slot = slot(rank);
        long joined = (long) LONG.getAcquire(memory, slot + SLOT_JOINED_OFFSET);
        if (joined == 0) {
            return null;
        }
        int incarnation = (int) INT.getAcquire(memory, slot + SLOT_INCARNATION_OFFSET);
        long owner = (long) LONG.getVolatile(memory, slot + SLOT_OWNER_OFFSET);
        return owner == joined ? new Snapshot(rank, joined, incarnation) : null;
    }

    /** The rank's incarnation now: its member's, or, with none, its last member's (or 0 if it never had one). */
    int incarnation(int rank) {
        return (int) INT.getAcquire(memory, slot(rank) + SLOT_INCARNATION_OFFSET);
    }

    /**
     * Whether the group is being created: no rank has ever been taken (every owner word and
     * incarnation is 0) and the process that created the file runs, so it is about to take one.
     * Read before {@link #hasLiveProcess()}: the creator's claim sets an owner word, so a reader
     * that finds a rank taken here finds the claim there.
     */
    boolean beingCreated() {
        for (int rank = 0; rank < size; rank++) {
            long slot = slot(rank);
            if ((long) LONG.getVolatile(memory, slot + SLOT_OWNER_OFFSET) != 0
                    || (int) INT.getVolatile(memory, slot + SLOT_INCARNATION_OFFSET) != 0) {
                return false;
            }
        }
        return file.creator().isAlive();
    }

    /**
     * Whether the group was abandoned, seen after {@link #hasLiveProcess()} found nobody: a rank's
     * owner died without giving it back, or no rank was ever taken and the creator of the file is
     * dead. (Otherwise every member gave its rank back: the last one is removing the group.)
     */
    boolean abandoned() {
        boolean taken = false;
        for (int rank = 0; rank < size; rank++) {
            long slot = slot(rank);
            long owner = (long) LONG.getVolatile(memory, slot + SLOT_OWNER_OFFSET);
            if (owner != 0 && !ProcessIdentity.isAlive(owner)) {
                return true;
            }
            taken |= owner != 0 || (int) INT.getVolatile(memory, slot + SLOT_INCARNATION_OFFSET) != 0;
        }
        return !taken && !file.creator().isAlive();
    }

    /** Whether some rank is held (as a member, or while joining) by a process that runs. */
    boolean hasLiveProcess() {
        for (int rank = 0; rank < size; rank++) {
            long owner = (long) LONG.getVolatile(memory, slot(rank) + SLOT_OWNER_OFFSET);
            if (owner != 0 && ProcessIdentity.isAlive(owner)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a process that runs holds the rank (as its member, or while it joins) and the rank's
     * incarnation is {@code incarnation}: the incarnation is stored by the claimer before it makes
     * the inboxes of that name, so from then on their names are this process's.
     */
    boolean liveOwnerAt(int rank, int incarnation) {
        long slot = slot(rank);
        long owner = (long) LONG.getVolatile(memory, slot + SLOT_OWNER_OFFSET);
        return owner != 0 && (int) INT.getVolatile(memory, slot + SLOT_INCARNATION_OFFSET) == incarnation
                && ProcessIdentity.isAlive(owner);
    }

    /** The rank's member now if its process runs, else {@code null}. */
    Snapshot liveMember(int rank) {
        Snapshot s = member(rank);
        return s != null && ProcessIdentity.isAlive(s.token()) ? s : null;
    }

    /** A dead owner's token and incarnation (for removing its inbox), or {@code null}. */
    Claim deadOwner(int rank) {
        long slot = slot(rank);
        long owner = (long) LONG.getVolatile(memory, slot + SLOT_OWNER_OFFSET);
        if (owner == 0 || ProcessIdentity.isAlive(owner)) {
            return null;
        }
        return new Claim(rank, owner, (int) INT.getVolatile(memory, slot + SLOT_INCARNATION_OFFSET));
    }

    /**
     * Closes the group if no live process holds a rank: the caller, {@code token}, which has released
     * its own rank, then removes the group. Pairs with a joiner's claim-then-{@link #isClosing()}:
     * this sets the closer word before it scans the owners, the joiner claims before it reads the
     * closer word, so either the scan sees the claim or the joiner sees the closer. While another
     * live member decides, waits (at most about a second) for its decision.
     *
     * @return true if the caller must remove the group (nobody will join this file again)
     */
    boolean closeIfEmpty(long token) {
        long giveUp = System.nanoTime() + CLOSER_WAIT_NANOS;
        while (true) {
            long closer = (long) LONG.getVolatile(memory, (long) CLOSER_OFFSET);
            if (closer != 0) {
                if ((int) INT.getVolatile(memory, (long) CLOSED_OFFSET) != 0 || !ProcessIdentity.isAlive(closer)
                        || System.nanoTime() - giveUp >= 0) {
                    return false; // being removed; or a joiner will recover from the dead closer
                }
                Thread.yield();
                continue;
            }
            if (!LONG.compareAndSet(memory, (long) CLOSER_OFFSET, 0L, token)) {
                continue;
            }
            for (int rank = 0; rank < size; rank++) {
                long owner = (long) LONG.getVolatile(memory, slot(rank) + SLOT_OWNER_OFFSET);
                if (owner != 0 && ProcessIdentity.isAlive(owner)) {
                    LONG.setVolatile(memory, (long) CLOSER_OFFSET, 0L);
                    return false;
                }
            }
            INT.setVolatile(memory, (long) CLOSED_OFFSET, 1);
            return true;
        }
    }

    /** Removes the file's name if it is still this file. */
    void unlink() {
        file.unlinkIfSame();
    }

    /**
     * Whether the group's name still refers to this file (one {@code lstat}): false once the file
     * was removed (by {@code jipc rm --force}, say) or another group file was made under its name.
     */
    boolean isStillNamed() {
        return file.isStillNamed();
    }

    /**
     * Whether this is the file of device {@code device} and inode {@code inode}. While it is
     * mapped, its inode cannot be given to another file, so a match is this very file.
     */
    boolean isFile(long device, long inode) {
        return file.fileKey().equals(Long.toHexString(device) + ":" + Long.toHexString(inode));
    }

    // ------------------------------------------------------------------ membership waits

    /** The membership sequence: read it, check the condition, then {@link #sleep} on it. */
    int sequence() {
        return (int) INT.getVolatile(memory, (long) SEQUENCE_OFFSET);
    }

    void registerWaiter() {
        INT.getAndAdd(memory, (long) WAITERS_OFFSET, 1);
    }

    void deregisterWaiter() {
        INT.getAndAdd(memory, (long) WAITERS_OFFSET, -1);
    }

    /** Sleeps while the membership sequence is {@code sequence}, at most until the deadline. */
    void sleep(int sequence, long deadlineNanos) throws InterruptedException {
        Futex.await(memory, sequenceAddress, sequence, deadlineNanos);
    }

    private void changed() {
        INT.getAndAdd(memory, (long) SEQUENCE_OFFSET, 1);
        if ((int) INT.getVolatile(memory, (long) WAITERS_OFFSET) != 0) {
            Futex.wakeAll(sequenceAddress);
        }
    }

    private long slot(int rank) {
        return SLOTS_OFFSET + (long) rank * SLOT_LENGTH;
    }

    @Override
    public void close() {
        file.close();
    }
}
