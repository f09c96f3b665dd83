package io.jipc.group;

import io.jipc.Timeouts;
import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.mailbox.MailboxOptions;
import io.jipc.mailbox.MessageTooLargeException;
import io.jipc.platform.Errno;
import io.jipc.platform.Printable;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentNotReadyException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import java.util.function.LongBinaryOperator;
import java.util.regex.Pattern;

/**
 * A process group on one host (seed 004's peer-to-peer structure): up to {@code size} processes
 * join under one name, each gets a rank from 0 to {@code size - 1}, and members send to one member
 * ({@link #send}), to the whole group ({@link #broadcast}), and take part in collective operations
 * in which every member participates ({@link #barrier}, {@link #broadcastFrom}, {@link #scatter},
 * {@link #gather}, {@link #allGather}, {@link #reduce}, {@link #allReduce}).
 *
 * <pre>{@code
 * try (ProcessGroup group = ProcessGroup.join("workers", 4)) {   // in each of four processes
 *     long mine = work(group.rank());
 *     long total = group.allReduce(mine, Long::sum);             // every member gets the sum
 * }
 * }</pre>
 *
 * <h2>How</h2>
 * The group is a file under the jipc root ({@link GroupDescriptor}) with one slot per rank; a
 * joiner takes a rank with a compare-and-set of the slot's owner word and creates its two inboxes,
 * shared-memory {@link Mailbox}es: {@code group.<name>.<rank>.<incarnation>} for messages and
 * {@code group.<name>.<rank>.<incarnation>.parts} for the parts of collective operations. Every
 * message goes straight into the receiver's inbox with a 24-byte envelope ({@code GroupEnvelope}):
 * no daemon, no thread. The first member creates the file; the last one to leave removes it with
 * every inbox. Collective operations are linear: a root sends to or receives from each member (a
 * barrier is a gather to rank 0 and a broadcast from it; {@link #allGather} has every member send to
 * every other, {@code size × (size - 1)} messages).
 *
 * <h2>Ordering and delivery</h2>
 * Messages from one member to another arrive in the order sent; there is no order between
 * senders. A message is delivered once, to the member that held the rank when it was sent; sends
 * wait while the receiver's inbox is full. {@link #broadcast} sends to each member in rank order and
 * skips members that leave meanwhile. Messages for the application and parts of collective
 * operations travel in the two inboxes: a thread in {@link #receive()} never sees a collective's
 * parts, and a collective operation never takes the application's messages, so a member waiting in
 * one holds no more of them than its inbox does, and their senders wait for room.
 *
 * <h2>Collective operations</h2>
 * Every member must call the same collective operations in the same order (as in MPI). A member
 * that receives a part of a different operation than the one it is in gets
 * {@link GroupProtocolException}; where the mismatched operations send each other nothing, both
 * wait, until the collective timeout if one is set; where each only sends to the other (a
 * {@link #scatter} against a {@link #gather}), both return, and the other's part is found by a later
 * collective operation of this member that takes it from its inbox (within 1024 operations), which
 * fails with {@link GroupProtocolException} (until 2026-12-07 it was dropped without a word). The first
 * collective operation waits until every rank has a member, or had one that delivered its part of
 * this operation and left, and remembers them (the group's <em>view</em>); later ones require the
 * same members. One thread of a member at a time runs a
 * collective operation (calls are serialised). A member's own arguments (a value, a root's parts) are
 * checked before the operation waits for anything: a wrong one in the first collective operation
 * while the group is not full fails at once, nothing sent and nothing counted (the member's next
 * collective operation is the group's first again, as after a timeout of the wait for the group;
 * until 2026-12-07 it failed only once the group had filled, which without a collective timeout
 * could be never); once there is a view, the others are told as below (Sizes).
 *
 * <h2>When a member dies or leaves</h2>
 * Waiting calls check every {@link GroupOptions#livenessCheck()} (100 ms) that the members they wait
 * for still run (pid and start time) and hold their rank: a send to or a collective operation with a
 * member that died or left ends with {@link GroupMemberLostException}, unless the parts it
 * delivered before it went are all the operation needs from it (a non-root of {@link #gather} or
 * {@link #reduce} goes on, and may leave, as soon as its part is in the root's inbox): a member
 * looks at the parts already delivered before it judges their sender lost. A member whose collective
 * operations break tells the others at once, so that none waits for it in vain (a notice in their
 * inboxes, and a mark in the group's file that a member whose inbox is full reads within a liveness
 * interval): they end their collective operations with {@link GroupMemberLostException} too, naming
 * the lost rank. A thread
 * blocked in {@link #receive()} waits for anyone and so notices no death; use {@link #poll(Duration)}
 * where the sender may die. A rank whose owner died is
 * free for the next joiner, which removes the dead member's inbox. After a collective operation
 * failed by a lost member, a timeout ({@link GroupTimeoutException}) or an interrupt, this
 * member's later collective operations fail at once (the members no longer agree on where they are);
 * leave and join again to form a new view. A {@link CollectiveAbortedException} does not break them.
 * A first collective operation (one that forms the view) that finds a member whose collective
 * operations broke ends at once with {@link GroupMemberLostException} and keeps no view, without
 * breaking this member's; the mark says which member of the lost rank it is about, so a newcomer
 * in the lost member's rank is not told that its own rank is lost (until 2026-12-07 it was, and its
 * collective operations broke for good).
 *
 * <h2>Sizes</h2>
 * A message ({@link #send}, {@link #offer}, {@link #broadcast}) and a value of a collective
 * operation hold at most {@link #maxMessageSize()} bytes. A longer one is refused before anything
 * is sent with {@link MessageTooLargeException}, the exception of a mailbox's own limit: in a
 * collective operation the member whose value it is throws it, and the others that wait for that
 * value end the operation with {@link CollectiveAbortedException} (the next one works). Telling
 * them is bounded: a member whose inbox for parts has no room for the abort within ten liveness
 * intervals (or the collective timeout), an interrupt meanwhile, or any other failure to tell them
 * breaks the failing member's collective operations, and the others are told that instead (until
 * 2026-12-07 it waited for room for ever, and an interrupt there left its collective operations
 * usable and the others waiting).
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a member before it sends a message (or its part of a collective operation)
 * happen-before actions of the receiver after it received that message (or that part).
 *
 * <p>Thread-safe: any thread may send; receiving threads take turns on the inbox.
 */
public final class ProcessGroup implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,127}");
    private static final long JOIN_RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final byte[] EMPTY = new byte[0];
    private static final Runnable NO_CHECK = () -> {
    };
    /**
     * Test seam (GroupStallTest), null otherwise: runs on a thread in {@link #awaitMembership} right after a
     * look that found no result, before it decides on the clock, to stand for its stall there (a GC pause,
     * a loaded host).
     */
    static volatile Runnable afterEmptyLook;

    private final String name;
    private final MemberTable table;
    private final int rank;
    private final int incarnation;
    private final long token;
    private final GroupOptions options;
    private final int maxMessageSize;
    /** The application's messages. */
    private final Inbox inbox;
    /** The parts of collective operations and the notices about them. */
    private final Inbox collectiveInbox;
    private final PeerInboxes peers;
    /** Serialises collective operations and guards {@link #sequence}, {@link #view}, {@link #broken}. */
    private final Object collective = new Object();
    private long sequence;
    private MemberTable.Snapshot[] view;
    private RuntimeException broken;
    private volatile boolean closed;

    private ProcessGroup(String name, MemberTable table, int rank, int incarnation, long token, GroupOptions options,
                         Mailbox inbox, Mailbox parts) {
        this.name = name;
        this.table = table;
        this.rank = rank;
        this.incarnation = incarnation;
        this.token = token;
        this.options = options;
        this.maxMessageSize = table.maxMessageSize();
        this.inbox = new Inbox(inbox, Inbox.Lane.MESSAGES, table.size(), maxMessageSize);
        this.collectiveInbox = new Inbox(parts, Inbox.Lane.PARTS, table.size(), maxMessageSize);
        this.peers = new PeerInboxes(name, table, options.livenessCheck());
    }

    // ------------------------------------------------------------------ joining and leaving

    /**
     * Joins the group {@code name} of {@code size} ranks, creating it if there is none, and takes the
     * lowest free rank.
     *
     * @throws GroupFullException       if every rank is held by a live process
     * @throws GroupException           if the group exists with another size and none of its members runs
     * @throws IllegalArgumentException if the group exists with another size (and has a live member), or
     *                                  the name is invalid
     */
    public static ProcessGroup join(String name, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size " + size + " < 1");
        }
        return join(name, GroupOptions.of(size));
    }

    /**
     * Joins the group {@code name} as {@code options} say: creates it if there is none (unless
     * {@code options.size()} is 0, which joins an existing group of any size).
     *
     * @throws GroupFullException       if the rank asked for (every rank) is held by a live process
     * @throws GroupException           if {@code options.size()} is 0 and there is no such group, or
     *                                  the group exists with another size and none of its members
     *                                  runs (they all died: remove it with {@code jipc rm group:NAME}
     *                                  or {@code jipc gc}; a group whose creator runs and has not yet
     *                                  taken its rank is alive, and one whose members all left is
     *                                  made anew once its last member removed it)
     * @throws IllegalArgumentException if the group exists with another size (and has a live member), the rank is outside
     *                                  it, or the name is invalid
     */
    public static ProcessGroup join(String name, GroupOptions options) {
        checkName(name);
        Objects.requireNonNull(options, "options");
        long me = ProcessIdentity.current().token();
        long giveUp = System.nanoTime() + JOIN_RETRY_NANOS;
        while (true) {
            MemberTable table;
            try {
                table = MemberTable.openOrCreate(name, options);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    throw new GroupException("no process group '" + name + "' (" + MemberTable.path(name) + ")", e);
                }
                throw e;
            }
            ProcessGroup group = null;
            try {
                group = tryJoin(name, table, options, me);
            } finally {
                if (group == null) {
                    table.close();
                }
            }
            if (group != null) {
                return group;
            }
            // the last member is removing the group: once its file is gone, a new one is created
            if (System.nanoTime() - giveUp >= 0) {
                throw new GroupException("process group '" + name + "' stayed closed (its last member is removing it)"
                        + " for " + TimeUnit.NANOSECONDS.toSeconds(JOIN_RETRY_NANOS) + " s; if that member died,"
                        + " remove the group with 'jipc rm group:" + name + "'");
            }
            Thread.yield();
        }
    }

    /**
     * One try at joining the opened group; {@code null} if the group is being removed (the caller
     * closes {@code table} and starts over).
     */
    private static ProcessGroup tryJoin(String name, MemberTable table, GroupOptions options, long me) {
        if (options.size() != 0 && table.size() != options.size()) {
            // a creator that has published the file but not yet taken its rank is alive, and a group whose
            // members all left is being removed by the last (until 2026-12-06 a joiner racing either with
            // another size was told that the group was dead and to remove it)
            if (!table.beingCreated() && !table.hasLiveProcess()) {
                if (!table.abandoned()) {
                    if (table.isClosing()) {
                        table.recoverFromDeadCloser();
                    }
                    return null; // once its file is gone, this join creates the group anew
                }
                throw new GroupException("process group '" + name + "' has " + table.size() + " ranks, not "
                        + options.size() + ", and no live member (its members died without leaving):"
                        + " remove it with 'jipc rm group:" + name + "' or 'jipc gc', then join again");
            }
            throw new IllegalArgumentException("process group '" + name + "' has " + table.size() + " ranks, not "
                    + options.size());
        }
        if (options.rank() >= table.size()) {
            throw new IllegalArgumentException("rank " + options.rank() + " is outside group '" + name + "' of "
                    + table.size() + " ranks");
        }
        if (table.isClosing()) {
            table.recoverFromDeadCloser();
            return null;
        }
        MemberTable.Claim claim = table.claim(options.rank(), me);
        if (claim == null) {
            throw new GroupFullException(options.rank() == GroupOptions.ANY_RANK
                    ? "process group '" + name + "' is full: all " + table.size() + " ranks have live members"
                    : "rank " + options.rank() + " of process group '" + name + "' has a live member");
        }
        int rank = claim.rank();
        if (table.isClosing()) {
            table.release(rank, me);
            return null;
        }
        Mailbox mailbox = null;
        Mailbox partsMailbox = null;
        try {
            // chosen before any leftover is removed (nextIncarnation says why), then published for senders
            int incarnation = nextIncarnation(name, rank, claim.previousIncarnation());
            table.setIncarnation(rank, incarnation);
            if (claim.previousOwner() != 0) { // its dead owner's inboxes (or half-made ones), named below ours
                destroyInboxes(name, rank, claim.previousIncarnation());
            }
            MailboxOptions inboxOptions = MailboxOptions.builder()
                    .capacityBytes(table.inboxBytes())
                    .maxMessageSize(table.maxMessageSize() + GroupEnvelope.LENGTH)
                    .protocol(GroupDescriptor.INBOX_PROTOCOL)
                    .build();
            mailbox = Mailbox.create(GroupDescriptor.inboxName(name, rank, incarnation), inboxOptions);
            partsMailbox = Mailbox.create(GroupDescriptor.partsInboxName(name, rank, incarnation), inboxOptions);
            ProcessGroup group = new ProcessGroup(name, table, rank, incarnation, me, options, mailbox, partsMailbox);
            table.publish(rank, me);
            return group;
        } catch (RuntimeException e) {
            for (Mailbox m : new Mailbox[] {mailbox, partsMailbox}) {
                if (m != null) {
                    m.destroy();
                    m.close();
                }
            }
            table.release(rank, me);
            removeIfEmpty(name, table, me); // a group this join created must not stay behind
            throw e;
        }
    }

    /**
     * The live members of the group {@code name} now, in rank order, seen from outside (without
     * joining it).
     *
     * @throws GroupException if there is no such group
     */
    public static List<GroupMember> membersOf(String name) {
        checkName(name);
        MemberTable table;
        try {
            table = MemberTable.open(name);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new GroupException("no process group '" + name + "' (" + MemberTable.path(name) + ")", e);
            }
            throw e;
        }
        try (table) {
            return liveMembers(table);
        }
    }

    /** The number of ranks of the group {@code name}; see {@link #membersOf}. */
    public static int sizeOf(String name) {
        checkName(name);
        try (MemberTable table = MemberTable.open(name)) {
            return table.size();
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new GroupException("no process group '" + name + "' (" + MemberTable.path(name) + ")", e);
            }
            throw e;
        }
    }

    /** Whether a group {@code name} exists now (its file; members may all have died). */
    public static boolean exists(String name) {
        return java.nio.file.Files.exists(MemberTable.path(checkName(name)));
    }

    private static String checkName(String name) {
        if (!NAME.matcher(Objects.requireNonNull(name, "name")).matches()) {
            throw new IllegalArgumentException("invalid group name " + Printable.quoted(name) + ": 1-128 characters of [A-Za-z0-9_-],"
                    + " not starting with '-'");
        }
        return name;
    }

    /**
     * Leaves the group: the rank is free from now on and this member's inbox is removed with any
     * message still in it; the last member to leave removes the group. Threads blocked in this
     * handle (a send waiting for room in another member's inbox, a receive, a collective operation,
     * {@link #awaitFull}) end with {@link ClosedException}, whose message names this handle and what
     * the thread was doing ("process group handle of 'workers' (rank 0) was closed while sending to
     * rank 2"), with what the closed inbox (or the unmapped group file) threw as its cause. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        table.unpublish(rank);
        peers.close();
        inbox.close();
        collectiveInbox.close();
        table.release(rank, token);
        removeIfEmpty(name, table, token);
        table.close();
    }

    /** After {@code token} gave its rank up: removes the group (dead members' inboxes, then the file) if nobody alive holds a rank. */
    private static void removeIfEmpty(String name, MemberTable table, long token) {
        if (table.closeIfEmpty(token)) {
            removeClosed(name, table);
        }
    }

    /**
     * Removes a group this process closed ({@link MemberTable#closeIfEmpty}): the dead members'
     * inboxes, then the file. Only while the group's name still refers to this file: a file
     * removed under its members ({@code jipc rm --force}, {@code jipc gc} before 2026-12-06) may
     * have a new group under its name by now, whose live members' inboxes can carry the very
     * names of this file's dead members; those names are then left alone ({@code jipc gc} removes
     * this file's dead members' inboxes once it finds them stale).
     */
    private static void removeClosed(String name, MemberTable table) {
        if (!table.isStillNamed()) {
            return;
        }
        for (int r = 0; r < table.size(); r++) {
            MemberTable.Claim dead = table.deadOwner(r);
            if (dead != null) {
                destroyInboxes(name, r, dead.previousIncarnation());
            }
        }
        table.unlink();
    }

    /**
     * For removers ({@code jipc gc}, {@code jipc rm group:NAME}): removes the file of the group
     * {@code name}, if it is still the one of device
     * {@code device} and inode {@code inode} (the file the remover judged abandoned) and no live
     * process holds a rank of it. The remover takes part in the group's own closing protocol, as
     * its last leaving member would ({@link MemberTable#closeIfEmpty} with this process's token): it
     * marks the group closing before it looks for live owners, and a joiner checks that mark after
     * its claim, so either the remover sees the joiner's claim and leaves the group alone, or the
     * joiner sees the mark, gives its rank back and joins the group made anew once this call
     * removed the file. A joiner that took a dead member's rank in the very file a remover listed
     * is therefore never cut off from its group (until 2026-12-06 {@code jipc gc} unlinked the file
     * by name after listing it stale, and such a member was reached by nobody again).
     *
     * <p>The inboxes the dead members left stay, for the remover to judge and remove by name as it
     * does any stale inbox ({@code jipc gc} keeps one holding messages unless told otherwise): a
     * joiner of the group made anew takes no name present ({@link #nextIncarnation}).
     *
     * <p>Does not wait for an unpublished file (false: such a file has no member; see
     * {@link #isLiveInbox}). Blocks at most about a second, while a leaving member decides whether
     * to remove the group itself. If this process dies after it closed the group, the next joiner
     * removes the file ({@code recoverFromDeadCloser}). Any thread.
     *
     * @return true if this call removed the group; false if there is no such file, the name now
     *         refers to another file, the file is not published, or a live process holds a rank
     *         (the group is left alone), or a leaving member is removing it
     * @throws IllegalArgumentException if the name is invalid
     * @throws io.jipc.JipcException    if the file cannot be opened as a group file (another user's, damaged)
     */
    public static boolean removeIfAbandoned(String name, long device, long inode) {
        checkName(name);
        MemberTable table;
        try {
            table = MemberTable.openIfReady(name);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        } catch (SegmentNotReadyException notPublished) {
            return false;
        }
        try (table) {
            if (!table.isFile(device, inode)) {
                return false; // another group file made under the name since it was judged
            }
            if (table.isClosing()) {
                table.recoverFromDeadCloser(); // a member that died deciding: the group is open again
            }
            if (!table.closeIfEmpty(ProcessIdentity.current().token())) {
                return false;
            }
            table.unlink(); // if still this file's name; a joiner that finds it closed starts over
            return true;
        }
    }

    /**
     * The incarnation a joiner that has claimed {@code rank} of group {@code name} takes: the next
     * after the rank's previous incarnation {@code previous} (the table's counter), counted on,
     * compared unsigned as the names are written (after 4294967295: 0, 1, ...), past every
     * incarnation of that rank whose inbox for messages or for parts is named in the mailbox
     * directory now ({@link GroupDescriptor#parseInbox}: names of other groups or ranks, and names
     * the group code never writes, {@code group.NAME.backup}, {@code group.NAME.01.1}, do not
     * count). Counting on from the counter keeps the incarnations of a rank distinct for as long as
     * its group file lives (4294967296 joins), so a peer's cached handle of an earlier member's
     * inbox ({@code PeerInboxes}, by token and incarnation) never passes for a later member's; the
     * scan keeps the name off every name present. The caller must choose it before it removes any
     * inbox, store it ({@link MemberTable#setIncarnation}), and only then remove the leftovers it
     * takes over and make the inboxes of that name.
     *
     * <p>Why: {@code jipc gc} and {@code jipc rm group:NAME} list stale inboxes, then remove them
     * by name, and a listed inbox's name may be unlinked any time later. A group made anew starts
     * its counters from 0, so until 2026-12-06 its first joiner removed the inboxes a dead member
     * had left and made exactly those names again ({@code group.NAME.0.1}); a remover that had listed
     * the dead member's inbox then unlinked the live member's, and every send to it said it had
     * left. Now: a remover only unlinks a name it listed while that name was present, and a
     * present name stays until somebody unlinks it. A name present at this scan is avoided. A name
     * absent at this scan that a remover still unlinks after the joiner made it was listed before
     * the scan (only the rank's claimer makes that rank's inboxes, and an inbox a live joiner made
     * is not listed as stale), so somebody else unlinked it between that listing and the scan: a
     * second {@code jipc gc} or {@code rm}, or the group's own cleanup (a joiner that took over the
     * dead member's rank, the last member removing the group). For that case a remover, right
     * before it unlinks, {@code lstat}s the name and then reads the group's file, and leaves alone
     * the inbox of a rank a live process holds at the incarnation the name carries
     * ({@link #isLiveInbox}; this method's caller stores the incarnation before it makes the
     * inboxes). A remover that still unlinks this joiner's inbox read the group's file before the
     * incarnation was stored, and its {@code lstat} came before the other's unlink (after it, the
     * name is gone until this joiner makes it, and after that the group's file names this joiner);
     * so it stalled, between those few system calls, for the other's unlink and this whole join.
     * That sliver is what remains, on any file system (the remover's device-and-inode check does not
     * narrow it further). Had the joiner removed leftovers first and chosen afterwards, it would
     * make again a name that a single remover had listed and is about to unlink. (The group's file
     * itself a remover removes only through the group's closing protocol,
     * {@link #removeIfAbandoned}, so the file it read stays while this joiner holds a rank.)
     *
     * <p>Only exact names are avoided: an incarnation below the highest present is taken if its
     * names are absent. Until 2026-12-06 (70d1b6ac) the incarnation was one above the highest
     * present, so a leftover {@code group.NAME.RANK.4294967295} made every joiner of that rank take
     * 0, the name of its previous member too, and a peer's message to it was lost.
     *
     * <p>Leftovers of other incarnations found by the scan are not removed here (but the dead
     * previous owner's, as always): they may be the inboxes of a member of a group file removed
     * under it ({@code jipc rm --force}), and {@code jipc gc} removes them once their owner is dead.
     * A directory of many mailboxes makes the join list them all (joins are rare).
     *
     * @throws GroupException if the mailbox directory cannot be listed
     */
    static int nextIncarnation(String name, int rank, int previous) {
        Set<Integer> present = new HashSet<>();
        Path directory = JipcRoot.path(MailboxDescriptor.DIRECTORY);
        try (DirectoryStream<Path> mailboxes = Files.newDirectoryStream(directory)) {
            for (Path mailbox : mailboxes) {
                GroupDescriptor.InboxName inbox = GroupDescriptor.parseInbox(mailbox.getFileName().toString()).orElse(null);
                if (inbox != null && inbox.rank() == rank && inbox.group().equals(name)) {
                    present.add(inbox.incarnation());
                }
            }
        } catch (NoSuchFileException none) {
            // no mailbox yet
        } catch (IOException | DirectoryIteratorException e) {
            throw new GroupException("cannot list the mailboxes in " + directory + " to choose an incarnation for rank "
                    + rank + " of process group '" + name + "' that no leftover inbox has", e);
        }
        int incarnation = previous + 1; // after 4294967295: 0, as the counter always wrapped
        while (present.contains(incarnation)) { // ends: fewer names than incarnations
            incarnation++;
        }
        return incarnation;
    }

    /**
     * Whether the mailbox {@code mailbox} is, by its name ({@link GroupDescriptor#parseInbox}), an
     * inbox of a live process of its group: the group's file exists and the rank the name carries
     * is held by a process that runs, at the incarnation the name carries (a member, or a joiner
     * that has chosen that incarnation and is making or about to make the inboxes). False for any
     * other name, a group that is gone, a group file not yet published or still empty (joiners
     * claim a rank only in a published file, so no rank of it is held), or a group file that cannot
     * be read as one (another format, damaged). For removers ({@code jipc gc}, {@code jipc rm})
     * right before they unlink an inbox they judged stale: such an inbox is not the one they judged
     * ({@link #nextIncarnation}). Any thread; does not block (until 2026-12-06 it waited up to
     * 2 s for an unpublished group file, per inbox, also for one whose creator had died).
     */
    public static boolean isLiveInbox(String mailbox) {
        GroupDescriptor.InboxName inbox = GroupDescriptor.parseInbox(Objects.requireNonNull(mailbox, "mailbox"))
                .orElse(null);
        if (inbox == null || !NAME.matcher(inbox.group()).matches()) {
            return false;
        }
        MemberTable table;
        try {
            table = MemberTable.openIfReady(inbox.group()); // unpublished: no rank of it is held
        } catch (RuntimeException goneUnpublishedOrUnreadable) {
            return false;
        }
        try (table) {
            return inbox.rank() < table.size() && table.liveOwnerAt(inbox.rank(), inbox.incarnation());
        }
    }

    /** Removes both inboxes of {@code rank}'s member of {@code incarnation} (those that exist). */
    private static void destroyInboxes(String name, int rank, int incarnation) {
        Mailbox.destroy(GroupDescriptor.inboxName(name, rank, incarnation));
        Mailbox.destroy(GroupDescriptor.partsInboxName(name, rank, incarnation));
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("process group handle of '" + name + "' is closed");
        }
    }

    // ------------------------------------------------------------------ membership

    public String name() {
        return name;
    }

    /** This member's rank. */
    public int rank() {
        return rank;
    }

    /** The number of ranks. */
    public int size() {
        return table.size();
    }

    /** The largest payload of one message. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** The members now whose processes run, in rank order (this one included). */
    public List<GroupMember> members() {
        ensureOpen();
        return liveMembers(table);
    }

    private static List<GroupMember> liveMembers(MemberTable table) {
        List<GroupMember> members = new ArrayList<>();
        for (int r = 0; r < table.size(); r++) {
            MemberTable.Snapshot s = table.liveMember(r);
            if (s != null) {
                members.add(s.member());
            }
        }
        return Collections.unmodifiableList(members);
    }

    /**
     * Waits until every rank has a live member. Sleeps in {@code futex} on the group's membership
     * word (joins and leaves wake it), checking for dead members every liveness interval. A
     * {@link #close()} from another thread ends the wait with {@link ClosedException} within that
     * interval.
     *
     * <p>A full group is reported also to an interrupted thread, which keeps its status; a wait
     * that cannot end at once throws for it, also with a zero or negative timeout.
     *
     * @return false if the timeout passed first
     * @throws InterruptedException if interrupted before or while waiting, or at the timeout
     */
    public boolean awaitFull(Duration timeout) throws InterruptedException {
        try {
            return awaitFull(deadline(timeout));
        } catch (IllegalStateException unmapped) {
            throw closedDuring(unmapped, "waiting for the group to fill"); // closed by another thread
        }
    }

    /** What {@link #awaitMembership} looks for: a result, or null while there is none yet. */
    @FunctionalInterface
    private interface Look<T> {
        T now() throws InterruptedException;
    }

    private boolean awaitFull(long deadline) throws InterruptedException {
        return awaitMembership(deadline, () -> liveMembers() == table.size() ? Boolean.TRUE : null) != null;
    }

    /**
     * Waits until {@code look} gives a result (not null), looking again at each membership change
     * (joins and leaves move the table's word, on which it sleeps in {@code futex}) and every liveness
     * interval; null at the deadline, once a look begun at or after it found nothing. A close from another
     * thread ends it with {@link ClosedException}.
     */
    private <T> T awaitMembership(long deadline, Look<T> look) throws InterruptedException {
        ensureOpen();
        long check = Timeouts.nanos(options.livenessCheck());
        table.registerWaiter();
        try {
            while (true) {
                int seq = table.sequence();
                // The clock is read before the look: a stall of this thread after a look that found nothing (a
                // GC pause, a loaded host) past the deadline does not time out a wait whose group filled
                // meanwhile (awaitFull false, a first collective operation's GroupTimeoutException): the wait
                // looks once more, and gives up only after a look begun past the deadline (until 2026-12-07 it
                // decided on a clock read after the look)
                long now = System.nanoTime();
                T result = look.now();
                if (result != null) {
                    return result;
                }
                Runnable seam = afterEmptyLook;
                if (seam != null) {
                    seam.run();
                }
                if (deadline != Inbox.FOREVER && now - deadline >= 0) {
                    if (Thread.interrupted()) { // it cannot complete: docs/architecture.md, "Interrupts and timeouts"
                        throw new InterruptedException();
                    }
                    return null;
                }
                table.sleep(seq, deadline == Inbox.FOREVER ? now + check : Math.min(deadline, now + check));
                ensureOpen();
            }
        } finally {
            table.deregisterWaiter();
        }
    }

    private int liveMembers() {
        int n = 0;
        for (int r = 0; r < table.size(); r++) {
            if (table.liveMember(r) != null) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ messages

    /**
     * Sends {@code message} to the member of rank {@code to}, waiting while its inbox is full. There
     * is no timed variant: a receiver that runs but does not receive (stopped, in a debugger) holds
     * this call as long as its inbox stays full; use {@link #offer} where that must not happen.
     *
     * @throws GroupMemberLostException if the rank has no member, its member has died (checked at
     *                                  most once per {@link GroupOptions#livenessCheck()}), or it dies
     *                                  or leaves before the message is in its inbox, also when another
     *                                  process has taken the rank by then: a send that waits is bound to
     *                                  the member it began with, never handed to a newcomer
     * @throws MessageTooLargeException if the message is longer than {@link #maxMessageSize()}
     * @throws ClosedException          if this handle is closed, also by another thread while this one
     *                                  waits for room (the message was not sent)
     */
    public void send(int to, byte[] message) throws InterruptedException {
        byte[] wire = envelope(GroupEnvelope.DIRECT, checkRank(to, "destination"), message);
        try {
            peers.deliver(Inbox.Lane.MESSAGES, to, -1, wire, Inbox.FOREVER, NO_CHECK);
        } catch (IllegalStateException | ClosedException e) { // the close closed the receiver's inbox handle
            throw closedDuring(e, "sending to rank " + to);
        }
    }

    /**
     * Sends {@code message} to the member of rank {@code to} if its inbox has room now.
     *
     * @return false if the inbox is full
     * @throws GroupMemberLostException if the rank has no member, or its member has died (as {@link #send})
     * @throws MessageTooLargeException if the message is longer than {@link #maxMessageSize()}
     */
    public boolean offer(int to, byte[] message) {
        byte[] wire = envelope(GroupEnvelope.DIRECT, checkRank(to, "destination"), message);
        try {
            return peers.offer(Inbox.Lane.MESSAGES, to, wire);
        } catch (IllegalStateException | ClosedException e) { // closed by another thread meanwhile
            throw closedDuring(e, "offering to rank " + to);
        }
    }

    /**
     * Sends {@code message} to every other member (one process to the whole group), in rank order,
     * waiting while an inbox is full; members that leave or die meanwhile are skipped (a rank whose
     * member left while this call waited for room in its inbox is skipped also when a newcomer has
     * taken it: the newcomer joined after the message was sent). There is no
     * timed variant: one member that runs but does not receive, with a full inbox, holds this call
     * (and the members after it in rank order) as long as that lasts.
     *
     * @return how many members it was delivered to
     * @throws MessageTooLargeException if the message is longer than {@link #maxMessageSize()} (sent to nobody)
     * @throws ClosedException          if this handle is closed, also by another thread while this one
     *                                  waits for room (the members before that one in rank order
     *                                  have the message)
     */
    public int broadcast(byte[] message) throws InterruptedException {
        byte[] wire = envelope(GroupEnvelope.BROADCAST, rank, message);
        int delivered = 0;
        for (int r = 0; r < table.size(); r++) {
            if (r == rank || table.member(r) == null) {
                continue;
            }
            try {
                peers.deliver(Inbox.Lane.MESSAGES, r, -1, wire, Inbox.FOREVER, NO_CHECK);
                delivered++;
            } catch (GroupMemberLostException gone) {
                // left or died since the look: a broadcast goes to the members that stay
            } catch (IllegalStateException | ClosedException e) { // the close closed the receiver's inbox handle
                throw closedDuring(e, "broadcasting, sending to rank " + r);
            }
        }
        return delivered;
    }

    /**
     * How many messages this member's inbox has discarded because they were not messages of this
     * group (they came from a process that is not a member: a message too short for the envelope,
     * of an unknown kind, from a rank outside the group, ...). Each was refused when it was taken
     * from the inbox: by {@link #receive()} or {@link #poll()} with {@link GroupProtocolException},
     * and silently, without ending the operation, by a collective operation. The first such message
     * and then every time the count doubles are logged ({@link System.Logger} {@code io.jipc.group},
     * {@code WARNING}).
     */
    public long discardedMessages() {
        return inbox.discarded() + collectiveInbox.discarded();
    }

    /**
     * The payload bytes of application messages this member has taken from its inbox and not yet
     * handed to the application (a test's view: a collective operation takes none, so the senders'
     * flow control holds while this member is in one).
     */
    long heldMessageBytes() {
        return inbox.heldBytes();
    }

    /**
     * Receives the next message sent to this member (by {@link #send} or {@link #broadcast}), waiting as long as needed.
     *
     * @throws GroupProtocolException if it took a message that is not a message of this group from
     *                                the inbox (see {@link #discardedMessages()}): that message is
     *                                discarded, and the next call goes on with the messages behind it
     */
    public GroupMessage receive() throws InterruptedException {
        return receive(Inbox.FOREVER, false);
    }

    /**
     * Receives the next message if one is there now, else {@code null}; never looks at the
     * interrupt status.
     *
     * @throws GroupProtocolException if it took a message that is not a message of this group from
     *                                the inbox (see {@link #discardedMessages()}): that message is
     *                                discarded, and the next call goes on with the messages behind it
     */
    public GroupMessage poll() {
        try {
            return receive(System.nanoTime(), true);
        } catch (InterruptedException e) {
            throw new AssertionError("an at-once receive never looks at the interrupt status", e);
        }
    }

    /**
     * Receives the next message, waiting at most {@code timeout}; {@code null} if none came. A
     * message there is returned also to an interrupted thread, which keeps its status; with none
     * there an interrupted thread gets {@link InterruptedException}, also for a zero or negative
     * timeout.
     *
     * @throws GroupProtocolException if it took a message that is not a message of this group from
     *                                the inbox (see {@link #discardedMessages()}): that message is
     *                                discarded, and the next call goes on with the messages behind it
     */
    public GroupMessage poll(Duration timeout) throws InterruptedException {
        return receive(deadline(timeout), false);
    }

    private GroupMessage receive(long deadline, boolean atOnce) throws InterruptedException {
        ensureOpen();
        try {
            return inbox.await(inbox::nextMessage, deadline, this::ensureOpen, Timeouts.nanos(options.livenessCheck()),
                    true, atOnce);
        } catch (IllegalStateException | ClosedException e) { // the inbox's own message names its mailbox
            throw closedDuring(e, "receiving");
        }
    }

    private byte[] envelope(int kind, int sender, byte[] message) {
        Objects.requireNonNull(message, "message");
        ensureOpen();
        if (message.length > maxMessageSize) {
            throw new MessageTooLargeException("message of " + message.length + " bytes is larger than group '" + name
                    + "' allows", message.length, maxMessageSize);
        }
        return GroupEnvelope.encode(kind, 0, 0, kind == GroupEnvelope.DIRECT ? rank : sender, incarnation, 0, message);
    }

    private int checkRank(int r, String what) {
        if (r < 0 || r >= table.size()) {
            throw new IllegalArgumentException(what + " " + r + " is not a rank of group '" + name + "' (ranks 0.."
                    + (table.size() - 1) + ")");
        }
        return r;
    }

    /**
     * What a call that failed with {@code e} throws: {@code e}, unless this handle has been closed
     * (by another thread, while the call waited), which closed the inbox handles the call used, its
     * own and the other members', or unmapped the group's file: then a {@link ClosedException} that
     * names what was closed, this member's handle, with {@code doing} as context and {@code e} as its
     * cause (the message of {@code e} names an inbox mailbox, as if a receiver had gone).
     */
    private RuntimeException closedDuring(RuntimeException e, String doing) {
        if (closed) {
            ClosedException c = new ClosedException("process group handle of '" + name + "' (rank " + rank
                    + ") was closed while " + doing);
            c.initCause(e);
            return c;
        }
        return e;
    }

    // ------------------------------------------------------------------ collective operations

    /** Waits until every member has called {@code barrier()} (as many times as this one). */
    public void barrier() throws InterruptedException {
        collective(GroupEnvelope.Op.BARRIER, NO_ARGUMENTS, op -> {
            if (rank == 0) {
                for (int r = 1; r < size(); r++) {
                    op.receive(r, GroupEnvelope.UP);
                }
                for (int r = 1; r < size(); r++) {
                    op.send(r, GroupEnvelope.DOWN, EMPTY);
                }
            } else {
                op.send(0, GroupEnvelope.UP, EMPTY);
                op.receive(0, GroupEnvelope.DOWN);
            }
            return null;
        });
    }

    /**
     * The root's {@code value}, given to every member: the root passes its value (others' argument is
     * ignored and may be {@code null}) and every member, the root included, returns it.
     *
     * @throws MessageTooLargeException   at the root, if {@code value} is longer than {@link #maxMessageSize()}
     * @throws CollectiveAbortedException at the others, then
     */
    public byte[] broadcastFrom(int root, byte[] value) throws InterruptedException {
        checkRank(root, "root");
        GroupEnvelope.Op kind = GroupEnvelope.Op.BROADCAST_FROM;
        return collective(kind, () -> {
            if (rank == root) {
                checkValue(kind, value);
            }
        }, op -> {
            if (rank != root) {
                return op.receive(root, GroupEnvelope.DOWN);
            }
            for (int r = 0; r < size(); r++) {
                if (r != root) {
                    op.send(r, GroupEnvelope.DOWN, value);
                }
            }
            return value.clone();
        });
    }

    /**
     * Deals out the root's {@code parts}: member {@code i} returns {@code parts.get(i)}. Only the root's
     * {@code parts} (exactly {@link #size()} of them) are used; others may pass {@code null}.
     *
     * @throws IllegalArgumentException   at the root, if the parts are not {@code size()}
     * @throws MessageTooLargeException   at the root, if a part is longer than {@link #maxMessageSize()}
     * @throws CollectiveAbortedException at the others, in either case
     */
    public byte[] scatter(int root, List<byte[]> parts) throws InterruptedException {
        checkRank(root, "root");
        GroupEnvelope.Op kind = GroupEnvelope.Op.SCATTER;
        return collective(kind, () -> {
            if (rank != root) {
                return;
            }
            if (parts == null || parts.size() != size()) {
                throw new OwnPartFailed(new IllegalArgumentException("scatter needs " + size()
                        + " parts, one per rank, not " + (parts == null ? "null" : parts.size())));
            }
            parts.forEach(part -> checkValue(kind, part));
        }, op -> {
            if (rank != root) {
                return op.receive(root, GroupEnvelope.DOWN);
            }
            for (int r = 0; r < size(); r++) {
                if (r != root) {
                    op.send(r, GroupEnvelope.DOWN, parts.get(r));
                }
            }
            return parts.get(root).clone();
        });
    }

    /**
     * Collects every member's {@code value} at the root: the root returns them in rank order, the
     * others return {@code null} as soon as their value is in the root's inbox.
     *
     * @throws MessageTooLargeException   if {@code value} is longer than {@link #maxMessageSize()}
     * @throws CollectiveAbortedException at the root, if another member's value was too long
     */
    public List<byte[]> gather(int root, byte[] value) throws InterruptedException {
        checkRank(root, "root");
        GroupEnvelope.Op kind = GroupEnvelope.Op.GATHER;
        return collective(kind, () -> checkValue(kind, value), op -> {
            if (rank != root) {
                op.send(root, GroupEnvelope.UP, value);
                return null;
            }
            return op.collect(value);
        });
    }

    /**
     * Every member's {@code value}, in rank order, at every member. Every member sends its value to
     * every other, then collects theirs; the inboxes need not hold {@code size() - 1} values: a
     * member that waits for room in another's inbox takes the parts waiting in its own meanwhile
     * (every {@link GroupOptions#livenessCheck()}, into its heap, as a member waiting for a part
     * does), so members whose inboxes are full do not wait for each other for ever (until
     * 2026-12-06 they did, e.g. five members with 64 KiB inboxes and 16 KiB values).
     *
     * @throws MessageTooLargeException   if {@code value} is longer than {@link #maxMessageSize()}
     * @throws CollectiveAbortedException at the others, then
     */
    public List<byte[]> allGather(byte[] value) throws InterruptedException {
        GroupEnvelope.Op kind = GroupEnvelope.Op.ALL_GATHER;
        return collective(kind, () -> checkValue(kind, value), op -> {
            for (int r = 0; r < size(); r++) {
                if (r != rank) {
                    op.send(r, GroupEnvelope.UP, value);
                }
            }
            return op.collect(value);
        });
    }

    /**
     * Combines every member's {@code value} with {@code combine} at the root, in rank order
     * ({@code combine(combine(v0, v1), v2) ...}): the root returns the result, the others
     * {@code null} as soon as their value is in the root's inbox.
     *
     * @throws MessageTooLargeException   if {@code value} is longer than {@link #maxMessageSize()} (the
     *                                    root's result is not limited)
     * @throws CollectiveAbortedException at the root, if another member's value was too long; if
     *                                    {@code combine} throws at the root, the root throws that (the
     *                                    others have returned)
     */
    public byte[] reduce(int root, byte[] value, BinaryOperator<byte[]> combine) throws InterruptedException {
        checkRank(root, "root");
        Objects.requireNonNull(combine, "combine");
        GroupEnvelope.Op kind = GroupEnvelope.Op.REDUCE;
        return collective(kind, () -> checkValue(kind, value), op -> {
            if (rank != root) {
                op.send(root, GroupEnvelope.UP, value);
                return null;
            }
            return fold(op.collect(value), combine);
        });
    }

    /**
     * Combines every member's {@code value} with {@code combine}, in rank order, and gives the result
     * to every member (a reduce at rank 0, then a broadcast from it).
     *
     * @throws MessageTooLargeException   if {@code value} is longer than {@link #maxMessageSize()}, or
     *                                    at rank 0 if the result is
     * @throws CollectiveAbortedException at the others if a value was too long, or {@code combine}
     *                                    threw at rank 0 or its result was too long
     */
    public byte[] allReduce(byte[] value, BinaryOperator<byte[]> combine) throws InterruptedException {
        return allReduce(GroupEnvelope.Op.ALL_REDUCE, value, combine);
    }

    private byte[] allReduce(GroupEnvelope.Op kind, byte[] value, BinaryOperator<byte[]> combine)
            throws InterruptedException {
        Objects.requireNonNull(combine, "combine");
        return collective(kind, () -> checkValue(kind, value), op -> {
            if (rank != 0) {
                op.send(0, GroupEnvelope.UP, value);
                return op.receive(0, GroupEnvelope.DOWN);
            }
            byte[] result = checkValue(kind, fold(op.collect(value), combine));
            for (int r = 1; r < size(); r++) {
                op.send(r, GroupEnvelope.DOWN, result);
            }
            return result;
        });
    }

    /**
     * {@link #allReduce(byte[], BinaryOperator)} of one {@code long} per member, e.g. {@code allReduce(x, Long::sum)}.
     * Every member must call this form: where some call the {@code byte[]} form instead, rank 0
     * throws {@link GroupProtocolException} ("members called different allReduce methods") and the
     * others {@link CollectiveAbortedException}, whichever form each called; the next collective
     * operation works. (Until 2026-12-06 only a rank 0 in this form noticed: a member in this form
     * at another rank returned the first 8 bytes of rank 0's result.)
     */
    public long allReduce(long value, LongBinaryOperator combine) throws InterruptedException {
        Objects.requireNonNull(combine, "combine");
        byte[] result = allReduce(GroupEnvelope.Op.ALL_REDUCE_LONG, ByteBuffer.allocate(8).putLong(value).array(), (a, b) -> {
            if (a.length != 8 || b.length != 8) {
                throw new GroupProtocolException("allReduce of longs got a value of " + (a.length != 8 ? a.length : b.length)
                        + " bytes: members called different allReduce methods");
            }
            return ByteBuffer.allocate(8).putLong(combine.applyAsLong(ByteBuffer.wrap(a).getLong(),
                    ByteBuffer.wrap(b).getLong())).array();
        });
        return ByteBuffer.wrap(result).getLong();
    }

    /** {@code value}, if it is one this member may give a collective operation {@code kind}; else its own part fails. */
    private byte[] checkValue(GroupEnvelope.Op kind, byte[] value) {
        if (value == null) {
            throw new OwnPartFailed(new NullPointerException(kind + ": value is null"));
        }
        if (value.length > maxMessageSize) {
            throw new OwnPartFailed(new MessageTooLargeException(kind + ": a value of " + value.length
                    + " bytes is larger than group '" + name + "' allows (" + maxMessageSize + ")", value.length,
                    maxMessageSize));
        }
        return value;
    }

    /** Combines the values in rank order; a failure of {@code combine} is this member's own. */
    private static byte[] fold(List<byte[]> values, BinaryOperator<byte[]> combine) {
        byte[] result = values.getFirst();
        for (int i = 1; i < values.size(); i++) {
            try {
                result = combine.apply(result, values.get(i));
            } catch (RuntimeException e) {
                throw new OwnPartFailed(e);
            }
            if (result == null) {
                throw new OwnPartFailed(new NullPointerException("combine returned null"));
            }
        }
        return result;
    }

    /** The body of a collective operation, given the operation's means of sending and receiving. */
    @FunctionalInterface
    private interface Body<T> {
        T run(Operation op) throws InterruptedException;
    }

    /** A collective operation without arguments of its own to check ({@link #barrier()}). */
    private static final Runnable NO_ARGUMENTS = () -> { };

    /**
     * Runs one collective operation: checks that collectives are not broken, forms the view on the
     * first one, numbers it, checks this member's own arguments ({@code ownArguments}, which throws
     * {@link OwnPartFailed}), runs {@code body}; a failure of this member's own part is sent to the
     * others as an abort. Before the first operation's view is formed, its own arguments are checked
     * first: if they are wrong and the view cannot be formed at once (the group is not full), the
     * caller gets the error without waiting for the group to fill, nothing sent and the operation
     * not numbered (the next is the group's first again), as when the wait for the group times out;
     * with the view formed at once, the others are told as in any operation.
     */
    private <T> T collective(GroupEnvelope.Op kind, Runnable ownArguments, Body<T> body) throws InterruptedException {
        ensureOpen();
        synchronized (collective) {
            if (broken != null) {
                throw new GroupException("collective operations of rank " + rank + " in group '" + name
                        + "' are broken since an earlier one failed: " + broken.getMessage(), broken);
            }
            long deadline = options.collectiveTimeout() == null ? Inbox.FOREVER : deadline(options.collectiveTimeout());
            if (view == null) {
                try {
                    ownArguments.run();
                } catch (OwnPartFailed wrong) {
                    if (!formViewNow()) {
                        throw wrong.reason; // until 2026-12-07 thrown once the group had filled, for ever without a timeout
                    }
                }
            }
            if (view == null) {
                formView(deadline); // nothing sent yet: a failure here leaves collectives usable
            }
            Operation op = new Operation(kind, ++sequence, deadline);
            MemberTable.Snapshot[] members = view;
            collectiveInbox.startOperation(op.seq, kind.code(), e -> e.sender() < members.length
                    && members[e.sender()].incarnation() == e.incarnation());
            RuntimeException ownPart;
            try {
                op.checkView();
                try {
                    ownArguments.run();
                    return body.run(op);
                } catch (OwnPartFailed failed) {
                    ownPart = failed.reason;
                }
            } catch (CollectiveAbortedException aborted) {
                collectiveInbox.gaveUp(op.seq);
                throw aborted; // every member left this operation: the next one works
            } catch (InterruptedException e) {
                broken = new GroupException("rank " + rank + " was interrupted in " + kind, e);
                op.tellOthersBroken(rank, broken);
                throw e;
            } catch (IllegalStateException | ClosedException e) { // closed by another thread (or unmapped by that close)
                broken = e;
                throw closedDuring(e, op.doing());
            } catch (RuntimeException e) {
                broken = e;
                op.tellOthersBroken(e instanceof GroupMemberLostException lost ? lost.rank() : rank, e);
                throw e;
            } catch (Error e) { // e.g. a combine that failed an assertion or ran out of memory: the others must not wait on
                broken = new GroupException("rank " + rank + " failed in " + kind + ": " + e, e);
                op.tellOthersBroken(rank, broken);
                throw e;
            }
            collectiveInbox.gaveUp(op.seq);
            abortOthers(op, ownPart);
            throw ownPart;
        }
    }

    /**
     * This member's own part of {@code op} failed ({@code ownPart}): tells the others, so that they
     * end the operation with {@link CollectiveAbortedException} and the next one works. If that
     * cannot be done (an interrupt, a member whose inbox for parts has no room within
     * {@link Operation#abortOthers}' bound, anything else thrown), this member's collective
     * operations break and the others are told so (mark and notice, {@link Operation#tellOthersBroken}),
     * as after a timeout: none waits for ever for an abort that never comes. (Until 2026-12-07 an
     * interrupt or an exception thrown while telling them escaped that handling: this member's next
     * collective operation was accepted and the members not yet told waited for ever.) Caller holds
     * {@link #collective}.
     *
     * @throws InterruptedException if interrupted while telling them ({@code ownPart} suppressed in it)
     */
    private void abortOthers(Operation op, RuntimeException ownPart) throws InterruptedException {
        try {
            op.abortOthers(ownPart);
        } catch (InterruptedException e) {
            broken = new GroupException("rank " + rank + " was interrupted in " + op.kind
                    + " while telling the others that its own part failed (" + ownPart + ")", e);
            op.tellOthersBroken(rank, broken);
            e.addSuppressed(ownPart);
            throw e;
        } catch (IllegalStateException | ClosedException e) { // closed by another thread meanwhile (abortOthers says so)
            broken = e;
            throw e;
        } catch (RuntimeException | Error e) {
            broken = new GroupException("rank " + rank + " could not tell every member that its own part of " + op.kind
                    + " failed (" + ownPart + "): " + e.getMessage(), e);
            op.tellOthersBroken(rank, broken);
            ownPart.addSuppressed(e);
        }
    }

    /** This member's own part of a collective operation failed (its arguments, the combining function). */
    private static final class OwnPartFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final RuntimeException reason;

        OwnPartFailed(RuntimeException reason) {
            super(reason.getMessage(), reason, false, false);
            this.reason = reason;
        }
    }

    private void formView(long deadline) throws InterruptedException {
        MemberTable.Snapshot[] members;
        try {
            members = awaitView(deadline);
        } catch (IllegalStateException unmapped) {
            throw closedDuring(unmapped, "waiting for the group to fill for its first collective operation");
        }
        if (members == null) {
            throw new GroupTimeoutException("group '" + name + "' did not fill its " + size()
                    + " ranks within the collective timeout " + Timeouts.text(options.collectiveTimeout()));
        }
        checkNoneBroken(members);
        view = members;
    }

    /** {@link #formView}, if the view can be formed now, without waiting; false if it cannot (the group is not full). */
    private boolean formViewNow() throws InterruptedException {
        MemberTable.Snapshot[] members;
        try {
            members = viewNow();
        } catch (IllegalStateException unmapped) {
            throw closedDuring(unmapped, "looking whether the group is full for its first collective operation");
        }
        if (members == null) {
            return false;
        }
        checkNoneBroken(members);
        view = members;
        return true;
    }

    /**
     * Before the view {@code members} is taken: none of its live members has said that its
     * collective operations broke (a notice in this member's inbox, a mark in the group's file):
     * such a member takes no further part, so the operation ends with
     * {@link GroupMemberLostException} before anything is sent, and this member's collective
     * operations stay usable (no view is kept: the next operation forms one, with whoever holds
     * the rank then). A mark about an earlier member of a rank than the view's (this member's own
     * rank, say, which it took over from the lost member) names the marking member, not that rank.
     * Until 2026-12-07 the view was taken and the first operation failed as any other, which broke
     * this member's collective operations for good: a newcomer in a lost member's rank was told
     * "rank 0 reports rank 1 lost" about itself, and the group could not recover even after rank 0
     * left and joined again.
     */
    private void checkNoneBroken(MemberTable.Snapshot[] members) {
        GroupEnvelope notice = collectiveInbox.brokenNoticeNow(members);
        if (notice != null) {
            throw noticeBeforeView(notice);
        }
        for (int r = 0; r < members.length; r++) {
            if (r == rank || members[r].token() == 0) {
                continue; // left after taking part: viewNow looked at its notice and mark
            }
            MemberTable.BrokenMark mark = table.broken(r, members[r].incarnation());
            if (mark != null && mark.lost() >= 0 && mark.lost() < members.length) {
                throw markedLost(r, mark, members[mark.lost()].incarnation(), "");
            }
        }
    }

    /**
     * The exception for another member's notice that its collective operations broke, found before
     * this member has a view: one about this member's own rank is about an earlier member of it
     * (this one has taken part in nothing), so it names the sender, which takes no further part.
     */
    private GroupException noticeBeforeView(GroupEnvelope notice) {
        GroupException e = lostByNotice(notice);
        if (e instanceof GroupMemberLostException lost && lost.rank() == rank && notice.sender() != rank) {
            return new GroupMemberLostException(notice.sender(), "rank " + notice.sender() + " can take no further part"
                    + " in collective operations: it reports an earlier member of rank " + rank + " lost ("
                    + e.getMessage() + ")");
        }
        return e;
    }

    /**
     * The exception for rank {@code r}'s mark that its collective operations broke, where this member
     * knows the lost rank's member as incarnation {@code known}: names the lost rank if the mark is
     * about that member (or does not say), else {@code r}, which takes no further part either way.
     */
    private GroupMemberLostException markedLost(int r, MemberTable.BrokenMark mark, int known, String after) {
        int lost = mark.lost();
        if (lost == r) {
            return new GroupMemberLostException(r, "rank " + r + " can take no further part in collective operations"
                    + " (its mark in group '" + name + "')" + after);
        }
        if (mark.about(known)) {
            return new GroupMemberLostException(lost, "rank " + r + " reports rank " + lost + " lost (its mark in group '"
                    + name + "')" + after);
        }
        return new GroupMemberLostException(r, "rank " + r + " can take no further part in collective operations: it"
                + " reports an earlier member of rank " + lost + " (incarnation " + Integer.toUnsignedString((int) mark.lostIncarnation())
                + ") lost (its mark in group '" + name + "')" + after);
    }

    /**
     * Waits for the view of the first collective operation: every rank has a live member, or had one
     * that took part in that operation and left (or died) since: its part of it, of the rank's last
     * incarnation, is in this member's inbox. Such a member saw the group full, and a gather's or
     * reduce's non-root goes on as soon as its part is delivered, so it may leave before the root
     * begins (its view entry has token 0: it is not waited for, and a later operation that needs it
     * finds it gone). Wakes on membership changes and every liveness interval (parts do not wake it).
     * A rank whose last member left (or died) after saying that its collective operations broke
     * (its notice in this member's inbox, or its mark in the group's file) will not take part: the
     * wait ends with {@link GroupMemberLostException} (this member's collective operations stay
     * usable: once another process takes the rank, the next collective operation forms a view with
     * it, and the old notice, about an earlier incarnation, does not count against it).
     *
     * @return the view, or {@code null} at the deadline
     * @throws GroupMemberLostException as said
     */
    private MemberTable.Snapshot[] awaitView(long deadline) throws InterruptedException {
        return awaitMembership(deadline, this::viewNow);
    }

    /** The first operation's view if it can be formed now ({@link #awaitView}), else {@code null}. */
    private MemberTable.Snapshot[] viewNow() throws InterruptedException {
        MemberTable.Snapshot[] members = new MemberTable.Snapshot[size()];
        boolean drained = false;
        for (int r = 0; r < members.length; r++) {
            members[r] = table.liveMember(r);
            if (members[r] != null) {
                continue;
            }
            if (r == rank) {
                return null;
            }
            int incarnation = table.incarnation(r);
            if (!drained) {
                drainCollectiveInbox();
                drained = true;
            }
            MemberTable.Snapshot now = table.member(r);
            boolean gone = incarnation != 0 && (now == null || !ProcessIdentity.isAlive(now.token()));
            if (!gone) {
                return null;
            }
            boolean tookPart = collectiveInbox.holdsPartNow(sequence + 1, r, incarnation);
            if (table.incarnation(r) != incarnation) {
                return null; // taken over meanwhile
            }
            if (tookPart) {
                members[r] = new MemberTable.Snapshot(r, 0L, incarnation); // took part, and left
                continue;
            }
            // it left (or died) after saying that its collective operations broke: it will not take part (until
            // 2026-12-06 this waited for the rank to fill again, and the notice then failed the newcomer's view)
            GroupEnvelope notice = collectiveInbox.brokenNoticeNow(r, incarnation);
            if (notice != null) {
                throw noticeBeforeView(notice);
            }
            MemberTable.BrokenMark mark = table.broken(r, incarnation);
            if (mark != null && mark.lost() >= 0 && mark.lost() < members.length) {
                int known = mark.lost() == rank ? this.incarnation : table.incarnation(mark.lost());
                throw markedLost(r, mark, known, " and has left");
            }
            return null;
        }
        return members;
    }

    /** The exception for another member's notice that its collective operations broke. */
    private GroupException lostByNotice(GroupEnvelope notice) {
        byte[] p = notice.payload();
        if (p.length < 4) {
            return new GroupProtocolException("rank " + notice.sender() + " sent a broken-collectives notice of "
                    + p.length + " bytes");
        }
        int lost = ByteBuffer.wrap(p).getInt();
        if (lost < 0 || lost >= size()) {
            return new GroupProtocolException("rank " + notice.sender() + " reports rank " + lost + " lost");
        }
        String reason = new String(p, 4, p.length - 4, StandardCharsets.UTF_8);
        return new GroupMemberLostException(lost, lost == notice.sender()
                ? "rank " + lost + " can take no further part in collective operations: " + reason
                : "rank " + notice.sender() + " reports rank " + lost + " lost: " + reason);
    }

    /** Takes every message waiting in the collective inbox's mailbox into its parts, without waiting. */
    private void drainCollectiveInbox() throws InterruptedException {
        collectiveInbox.await(() -> null, System.nanoTime(), NO_CHECK, Timeouts.nanos(options.livenessCheck()), false, true);
    }

    /** One collective operation in progress: its sequence number and deadline, and how it sends and receives parts. */
    private final class Operation {
        private final GroupEnvelope.Op kind;
        private final long seq;
        private final long deadline;
        /** The rank this operation last sent to ({@link #sending}) or waited for, -1 before either: for {@link #doing()}. */
        private int peer = -1;
        private boolean sending;

        Operation(GroupEnvelope.Op kind, long seq, long deadline) {
            this.kind = kind;
            this.seq = seq;
            this.deadline = deadline;
        }

        /**
         * Before the operation: no member has said its collective operations broke. Whether the view
         * members still hold their ranks and run is checked while waiting for one, after the parts
         * already delivered were looked at: a member that ran ahead, delivered its part and left is
         * not lost for this operation (until 2026-12-05 it was checked here, first).
         */
        void checkView() {
            GroupEnvelope notice = collectiveInbox.brokenNoticeNow(view);
            if (notice != null) {
                throw lostByNotice(notice);
            }
            checkMarks();
            checkStray(collectiveInbox.strayNow());
        }

        /**
         * No part of an earlier operation of another kind than this member ran under its number
         * ({@link Inbox#stray()}): members that called different operations each of which only
         * sends to the other (a {@code scatter} against a {@code gather}, a {@code broadcastFrom}
         * against a {@code reduce}) both returned, and this is where one of them finds out.
         */
        void checkStray(Inbox.Stray stray) {
            if (stray != null) {
                GroupEnvelope p = stray.part();
                throw new GroupProtocolException("rank " + p.sender() + " ran " + GroupEnvelope.Op.of(p.op())
                        + " as collective operation " + p.sequence() + ", where rank " + rank + " ran "
                        + GroupEnvelope.Op.of(stray.ownOp()) + ": members called different collective operations"
                        + " (found in " + kind + ", collective operation " + seq + ")");
            }
        }

        /**
         * No view member has marked its collective operations broken in the group's file (the mark
         * that reaches a member whose inbox had no room for the notice; one load per member).
         */
        void checkMarks() {
            for (int r = 0; r < view.length; r++) {
                if (r == rank) {
                    continue;
                }
                MemberTable.BrokenMark mark = table.broken(r, view[r].incarnation());
                if (mark != null && mark.lost() >= 0 && mark.lost() < view.length) {
                    throw markedLost(r, mark, view[mark.lost()].incarnation(), "");
                }
            }
        }

        private GroupMemberLostException left(int r, MemberTable.Snapshot now) {
            return new GroupMemberLostException(r, "rank " + r + (view[r].token() == 0 ? "" : " (pid "
                    + ProcessIdentity.pidOf(view[r].token()) + ")") + " has left group '" + name + "'" + (now == null ? "" : " and pid "
                    + ProcessIdentity.pidOf(now.token()) + " has joined in its place"));
        }

        /**
         * Tells every other view member that this member's collective operations broke, so that none
         * waits for it in vain: first the mark in the group's file (which a waiting member reads every
         * liveness interval), then a notice offered to each inbox, without waiting for room (a member
         * whose inbox is full, e.g. a stopped one, finds the mark).
         */
        void tellOthersBroken(int lost, RuntimeException reason) {
            table.markBroken(rank, incarnation, lost, lost == rank ? incarnation : view[lost].incarnation());
            byte[] text = String.valueOf(reason.getMessage()).getBytes(StandardCharsets.UTF_8);
            byte[] payload = ByteBuffer.allocate(4 + Math.min(text.length, maxMessageSize - 4)).putInt(lost)
                    .put(text, 0, Math.min(text.length, maxMessageSize - 4)).array();
            byte[] wire = GroupEnvelope.encode(GroupEnvelope.ABORT, kind.code(), GroupEnvelope.BROKEN, rank,
                    incarnation, seq, payload);
            for (int r = 0; r < size(); r++) {
                if (r != rank && r != lost) {
                    try {
                        peers.offer(Inbox.Lane.PARTS, r, wire);
                    } catch (RuntimeException gone) {
                        // left, died or full: it finds the mark
                    }
                }
            }
        }

        /** While waiting for rank {@code r}: it must still hold its rank and run. */
        private void checkMember(int r) {
            MemberTable.Snapshot now = table.member(r);
            MemberTable.Snapshot then = view[r];
            if (now == null || now.token() != then.token() || now.incarnation() != then.incarnation()) {
                throw left(r, now);
            }
            if (!ProcessIdentity.isAlive(now.token())) {
                throw new GroupMemberLostException(r, "rank " + r + " (pid " + ProcessIdentity.pidOf(now.token())
                        + ") of group '" + name + "' died");
            }
        }

        /** What the operation is doing, for a failure's message. */
        String doing() {
            return kind + " (collective operation " + seq + ")" + (peer < 0 ? ""
                    : sending ? ", sending to rank " + peer : ", waiting for rank " + peer);
        }

        void send(int to, int step, byte[] payload) throws InterruptedException {
            peer = to;
            sending = true;
            byte[] wire = GroupEnvelope.encode(GroupEnvelope.COLLECTIVE, kind.code(), step, rank, incarnation, seq, payload);
            if (!peers.deliver(Inbox.Lane.PARTS, to, view[to].incarnation(), wire, deadline, this::whileWaitingForRoom)) {
                throw timeout("sending to rank " + to);
            }
        }

        /**
         * Every liveness interval while a send waits for room: takes the parts waiting in this
         * member's own inbox for parts (into the heap), so that a member that waits for room in
         * this one's inbox while this one waits for room in its inbox gets it (two members of an
         * {@link #allGather} whose inboxes cannot hold {@code size - 1} values waited for each
         * other for ever, until 2026-12-06); then no notice or mark says a member's collective
         * operations broke.
         */
        private void whileWaitingForRoom() {
            try {
                drainCollectiveInbox();
            } catch (InterruptedException e) {
                throw new AssertionError("an at-once receive never looks at the interrupt status", e);
            }
            GroupEnvelope notice = collectiveInbox.brokenNoticeNow(view);
            if (notice != null) {
                throw lostByNotice(notice);
            }
            checkMarks();
            checkStray(collectiveInbox.strayNow());
        }

        byte[] receive(int from, int step) throws InterruptedException {
            peer = from;
            sending = false;
            Inbox.PartKey key = new Inbox.PartKey(seq, step, from);
            Inbox.Match<GroupEnvelope> match = () -> {
                GroupEnvelope notice = collectiveInbox.brokenNotice(view);
                if (notice != null) {
                    return notice;
                }
                GroupEnvelope abort = collectiveInbox.abort(seq);
                if (abort != null) {
                    return abort;
                }
                GroupEnvelope other = collectiveInbox.otherOperation(seq, kind.code());
                if (other != null) {
                    return other;
                }
                Inbox.Stray stray = collectiveInbox.stray();
                if (stray != null) {
                    return stray.part();
                }
                while (true) {
                    GroupEnvelope p = collectiveInbox.part(key);
                    if (p == null || p.incarnation() == view[from].incarnation()) {
                        return p;
                    }
                    // from an earlier member of that rank: not part of this view's operation
                }
            };
            GroupEnvelope part;
            try {
                part = collectiveInbox.await(match, deadline, () -> {
                    checkMember(from);
                    checkMarks();
                }, Timeouts.nanos(options.livenessCheck()), false, false);
            } catch (GroupMemberLostException lost) {
                if (lost.rank() != from) {
                    throw lost;
                }
                // it delivered its part before it left (or died)? All it sent is in the mailbox by now
                part = collectiveInbox.await(match, System.nanoTime(), NO_CHECK, Timeouts.nanos(options.livenessCheck()),
                        false, true);
                if (part == null) {
                    throw lost;
                }
            }
            if (part == null) {
                throw timeout("waiting for rank " + from);
            }
            if (part.kind() == GroupEnvelope.COLLECTIVE && part.sequence() != seq) {
                checkStray(collectiveInbox.strayNow());
            }
            if (part.kind() == GroupEnvelope.ABORT && part.step() == GroupEnvelope.BROKEN) {
                throw lostByNotice(part);
            }
            if (part.kind() == GroupEnvelope.ABORT) {
                throw new CollectiveAbortedException(part.sender(), "rank " + part.sender() + " gave up "
                        + kind + ": " + new String(part.payload(), StandardCharsets.UTF_8));
            }
            if (part.op() != kind.code() && isAllReduce(kind) && isAllReduce(GroupEnvelope.Op.of(part.op()))) {
                // rank 0, before it sent anything down: the members give this operation up, and the next one works
                throw new OwnPartFailed(new GroupProtocolException("rank " + part.sender() + " is in "
                        + GroupEnvelope.Op.of(part.op()) + " where rank " + rank + " is in " + kind + " (collective operation "
                        + seq + "): members called different allReduce methods"));
            }
            if (part.op() != kind.code()) {
                throw new GroupProtocolException("rank " + part.sender() + " is in " + GroupEnvelope.Op.of(part.op())
                        + " where rank " + rank + " is in " + kind + " (collective operation " + seq + ")");
            }
            return part.payload();
        }

        private static boolean isAllReduce(GroupEnvelope.Op op) {
            return op == GroupEnvelope.Op.ALL_REDUCE || op == GroupEnvelope.Op.ALL_REDUCE_LONG;
        }

        /** The values of every rank in rank order, {@code own} at this member's. */
        List<byte[]> collect(byte[] own) throws InterruptedException {
            List<byte[]> values = new ArrayList<>(size());
            for (int r = 0; r < size(); r++) {
                values.add(r == rank ? own.clone() : receive(r, GroupEnvelope.UP));
            }
            return Collections.unmodifiableList(values);
        }

        /**
         * Tells every other member that this member gave the operation up: first offers the abort to
         * every inbox for parts, then waits for room in those that had none, each wait bounded
         * ({@link #abortBound}). While it waits it checks every liveness interval that the member
         * still runs and holds its rank (a member that left, died, or whose mark says its collective
         * operations broke is skipped: it will not wait for this operation) and takes the parts
         * waiting in this member's own inbox, as {@link #send} does.
         *
         * @throws GroupTimeoutException if a member's inbox had no room within the bound (the caller
         *                               then breaks this member's collective operations: the member
         *                               not told finds the mark)
         * @throws InterruptedException  if interrupted while waiting for room (likewise)
         */
        void abortOthers(RuntimeException reason) throws InterruptedException {
            byte[] text = String.valueOf(reason.getMessage()).getBytes(StandardCharsets.UTF_8);
            byte[] payload = Arrays.copyOf(text, Math.min(text.length, maxMessageSize));
            byte[] wire = GroupEnvelope.encode(GroupEnvelope.ABORT, kind.code(), GroupEnvelope.DOWN, rank, incarnation,
                    seq, payload);
            List<Integer> full = new ArrayList<>();
            for (int r = 0; r < size(); r++) {
                if (r != rank && !tellAborted(r, wire, System.nanoTime())) {
                    full.add(r);
                }
            }
            long giveUp = abortBound();
            for (int r : full) {
                if (!tellAborted(r, wire, giveUp)) {
                    throw new GroupTimeoutException(kind + " (collective operation " + seq + ") of rank " + rank
                            + " in group '" + name + "': the inbox for parts of rank " + r + " had no room for"
                            + " this member's abort within ten liveness intervals (or the collective timeout)");
                }
            }
        }

        /** Delivers the abort {@code wire} to {@code r} by {@code until}; true also if it will not wait for this operation. */
        private boolean tellAborted(int r, byte[] wire, long until) throws InterruptedException {
            try {
                return peers.deliver(Inbox.Lane.PARTS, r, view[r].incarnation(), wire, until, () -> whileWaitingToTell(r));
            } catch (GroupMemberLostException gone) {
                if (gone.rank() != r) {
                    throw gone;
                }
                return true; // it will not wait for this operation any more
            } catch (IllegalStateException | ClosedException e) { // closed by another thread meanwhile
                throw closedDuring(e, kind + " (collective operation " + seq + "), telling rank " + r
                        + " that this member gave it up");
            }
        }

        /** While waiting for room to tell {@code r}: takes this member's own parts; {@code r}'s mark ends the wait. */
        private void whileWaitingToTell(int r) {
            try {
                drainCollectiveInbox();
            } catch (InterruptedException e) {
                throw new AssertionError("an at-once receive never looks at the interrupt status", e);
            }
            if (table.broken(r, view[r].incarnation()) != null) {
                throw new GroupMemberLostException(r, "rank " + r + " can take no further part in collective operations");
            }
        }

        /** How long {@link #abortOthers} waits for room in one member's inbox: ten liveness intervals. */
        private long abortNanos() {
            return 10 * Timeouts.nanos(options.livenessCheck());
        }

        /** The end of {@link #abortOthers}' waits for room: ten liveness intervals from now, or the deadline if sooner. */
        private long abortBound() {
            long bound = System.nanoTime() + abortNanos();
            return deadline != Inbox.FOREVER && deadline - bound < 0 ? deadline : bound;
        }

        private GroupTimeoutException timeout(String doing) {
            return new GroupTimeoutException(kind + " (collective operation " + seq + ") of rank " + rank + " in group '"
                    + name + "' timed out after " + Timeouts.text(options.collectiveTimeout()) + " " + doing);
        }
    }

    private static long deadline(Duration timeout) {
        return Timeouts.deadline(timeout); // Inbox.FOREVER is Timeouts.NO_DEADLINE
    }

    @Override
    public String toString() {
        return "process group '" + name + "', rank " + rank + " of " + table.size() + (closed ? " [closed]" : "");
    }
}
