package io.jipc.cli.ls;

import io.jipc.platform.ProcessIdentity;

import java.util.List;

/**
 * One IPC object as the inventory sees it: a row of {@code jipc ls}, an object of its JSON, a line of
 * {@code jipc top}.
 *
 * @param kind     {@code mailbox}, {@code unbounded}, {@code region}, {@code circular-buffer}, {@code sync},
 *                 {@code name}, {@code mq}, {@code fifo}, {@code anonymous-region}, {@code handoff}
 * @param uri      how {@code jipc rm} names it: {@code mailbox:orders}, {@code unbounded:log}, {@code mq:/orders},
 *                 {@code region:plain}, {@code shm:/x}, {@code sync:lock}, {@code name:svc},
 *                 {@code fifo:/path}; an anonymous region has no name ({@code memfd:<inode>}), nor has a
 *                 circular buffer formatted in one
 * @param path     the file, or a description where there is none
 * @param ownerPid pid of the creator or registrant, 0 if none is recorded
 * @param owner    whether that process is alive
 * @param users    pids of other processes that map it, hold it open, or hold a lease in its header
 *                 (only the processes this user may inspect)
 * @param capacity what it holds at most (bytes of a mailbox, items of a buffer, messages of a
 *                 queue), -1 if it has no such limit or it is unknown
 * @param depth    what it holds now, in the unit of {@code capacity}, -1 if unknown
 * @param unit     the unit of capacity and depth: {@code B}, {@code items}, {@code msgs}, or empty
 * @param counter  messages or items delivered since creation, from the object's shared header
 *                 ({@code jipc top} derives rates from two readings), -1 if the kind keeps none
 * @param mode     permission bits in octal, or {@code ?}
 * @param user     owning user name, or {@code ?}
 * @param details  what the bytes say: the format and its parameters; or the error that made the row
 *                 unreadable ({@code error: ...})
 * @param outlivesOwner made to outlive its owner (a persistent name, a POSIX queue): never stale for
 *                 its owner's death
 * @param dangling a name whose object is gone (a name {@code mq/NAME} whose queue was unlinked behind
 *                 jipc's back): stale whatever its owner
 * @param heldState the state a later process may depend on, beyond what {@code depth} counts, in words
 *                 (a synchronization object's: {@code "1 of 3 permits available"}, {@code "locked by pid 12"});
 *                 empty if none
 * @param counterNanos when {@code counter} was read, on the {@link System#nanoTime()} clock of this
 *                 process: {@code jipc top} divides by the time between two readings of the same
 *                 object, not between two scans (a scan takes time, the first one longest)
 * @param uid      the uid owning the file (or the name), -1 if unknown ({@code jipc ls --json} prints it);
 *                 {@code jipc gc} removes only this user's objects
 * @param file     the identity of the file the row was read from, by its {@code lstat} at the listing;
 *                 null for a row read from no file of its own (a queue, a name, an anonymous region).
 *                 {@link Removal} removes such a row's file only while its name still refers to this
 *                 file, never one created under the same name since
 * @param uninspected pids of processes whose maps and descriptors this user could not read (not in
 *                 {@code users}) that could open this object: whose uids and gids the kernel's check of
 *                 its file's owner, group and mode and of the directories above it would let in
 *                 ({@link ProcessScan#uninspected}); any of them may map it, so
 *                 the object is not {@link #stale()} and {@code jipc rm} refuses it without {@code --force}
 */
public record ObjectRow(String kind, String uri, String path, long ownerPid, OwnerState owner, List<Long> users,
                        long capacity, long depth, String unit, long counter, String mode, String user,
                        String details, boolean outlivesOwner, boolean dangling, String heldState,
                        long counterNanos, long uid, FileId file, List<Long> uninspected) {
    /**
     * A file's identity: its device ({@code major << 32 | minor}, as {@link io.jipc.platform.FileStatus}
     * gives it) and inode.
     */
    public record FileId(long device, long inode) {
    }

    public ObjectRow {
        users = List.copyOf(users);
        heldState = heldState == null ? "" : heldState;
        uninspected = List.copyOf(uninspected);
    }

    /** A row no uninspected process could open ({@link #uninspected} empty). */
    public ObjectRow(String kind, String uri, String path, long ownerPid, OwnerState owner, List<Long> users,
                     long capacity, long depth, String unit, long counter, String mode, String user,
                     String details, boolean outlivesOwner, boolean dangling, String heldState,
                     long counterNanos, long uid, FileId file) {
        this(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user, details,
                outlivesOwner, dangling, heldState, counterNanos, uid, file, List.of());
    }

    /** A row read from no file of its own ({@link #file} null). */
    public ObjectRow(String kind, String uri, String path, long ownerPid, OwnerState owner, List<Long> users,
                     long capacity, long depth, String unit, long counter, String mode, String user,
                     String details, boolean outlivesOwner, boolean dangling, String heldState,
                     long counterNanos, long uid) {
        this(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user, details,
                outlivesOwner, dangling, heldState, counterNanos, uid, null);
    }

    /** A row whose counter (if any) was read just now and whose owning uid is unknown. */
    public ObjectRow(String kind, String uri, String path, long ownerPid, OwnerState owner, List<Long> users,
                     long capacity, long depth, String unit, long counter, String mode, String user,
                     String details, boolean outlivesOwner, boolean dangling, String heldState) {
        this(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user, details,
                outlivesOwner, dangling, heldState, System.nanoTime(), -1);
    }

    /** A row without {@link #heldState}. */
    public ObjectRow(String kind, String uri, String path, long ownerPid, OwnerState owner, List<Long> users,
                     long capacity, long depth, String unit, long counter, String mode, String user,
                     String details, boolean outlivesOwner, boolean dangling) {
        this(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user, details,
                outlivesOwner, dangling, "");
    }

    /** A row of an object that exists (not {@link #dangling}). */
    public ObjectRow(String kind, String uri, String path, long ownerPid, OwnerState owner, List<Long> users,
                     long capacity, long depth, String unit, long counter, String mode, String user,
                     String details, boolean outlivesOwner) {
        this(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user, details,
                outlivesOwner, false);
    }

    /** This row with {@code heldState} as its {@link #heldState}. */
    public ObjectRow withHeldState(String heldState) {
        return new ObjectRow(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user,
                details, outlivesOwner, dangling, heldState, counterNanos, uid, file, uninspected);
    }

    /** This row with {@code details} as its {@link #details}, made to outlive its owner. */
    public ObjectRow withDetailsOutlivingOwner(String details) {
        return new ObjectRow(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user,
                details, true, dangling, heldState, counterNanos, uid, file, uninspected);
    }

    /** This row owned by {@code uid}. */
    public ObjectRow withUid(long uid) {
        return new ObjectRow(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user,
                details, outlivesOwner, dangling, heldState, counterNanos, uid, file, uninspected);
    }

    /** This row with {@code uninspected} as its {@link #uninspected}. */
    public ObjectRow withUninspected(List<Long> uninspected) {
        return new ObjectRow(kind, uri, path, ownerPid, owner, users, capacity, depth, unit, counter, mode, user,
                details, outlivesOwner, dangling, heldState, counterNanos, uid, file, uninspected);
    }

    /** Whether this user's uid owns it (an unknown owner is nobody's). */
    public boolean ownedBy(int euid) {
        return uid == Integer.toUnsignedLong(euid);
    }

    /**
     * What a routine {@code jipc gc} keeps a stale object for, in words; empty if nothing: messages or
     * items not yet taken ({@code "64 B unread"}), or the {@link #heldState} of a synchronization object.
     */
    public String holds() {
        if (!heldState.isEmpty()) {
            return heldState;
        }
        return depth > 0 ? depth + (unit.isEmpty() ? "" : " " + unit) + " unread" : "";
    }

    /**
     * Stale: a dangling name; or the owner is known to be dead, no live process uses the object, no
     * process that could not be inspected could open it ({@link #uninspected}), and it was not made
     * to outlive its owner. Only stale objects are removed by {@code jipc gc}; an object whose owner
     * is unknown is never stale (unless it is a dangling name).
     */
    public boolean stale() {
        return dangling || deadAndUnused() && uninspected.isEmpty();
    }

    /**
     * Stale but for {@link #uninspected}: the owner is dead, no process the scan could inspect uses
     * it, yet a process it could not inspect could open it (and may map it). {@code jipc gc} keeps
     * it, and says why.
     */
    public boolean staleButForUninspected() {
        return !dangling && deadAndUnused() && !uninspected.isEmpty();
    }

    private boolean deadAndUnused() {
        return owner == OwnerState.DEAD && users.isEmpty() && !outlivesOwner;
    }

    /**
     * The state column: {@code alive}, {@code stopped} (alive, but stopped by a signal or a debugger
     * now: it does nothing until it continues), {@code dead}, {@code unknown}, or {@code STALE}.
     */
    public String state() {
        if (stale()) {
            return "STALE";
        }
        return ownerStopped() ? "stopped" : owner.label();
    }

    /** Whether the owner is alive but stopped now ({@code SIGSTOP}, a debugger), read from {@code /proc}. */
    public boolean ownerStopped() {
        return owner == OwnerState.ALIVE && ownerPid > 0 && ProcessIdentity.isStopped(ownerPid);
    }
}
