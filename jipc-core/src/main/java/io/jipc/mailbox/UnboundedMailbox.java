package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.ErrnoException;
import io.jipc.Timeouts;
import io.jipc.WaitStrategy;
import io.jipc.platform.Errno;
import io.jipc.platform.FileIdentity;
import io.jipc.platform.FileLocks;
import io.jipc.platform.Libc;
import io.jipc.platform.Printable;
import io.jipc.platform.ProcessIdentity;
import io.jipc.ring.AscendingCopy;
import io.jipc.ring.FaultInjection;
import io.jipc.ring.RecordHandler;
import io.jipc.ring.RecordRing;
import io.jipc.ring.RingConfig;
import io.jipc.ring.RingDescriptor;
import io.jipc.ring.WakeSignal;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SegmentNotReadyException;
import io.jipc.segment.SharedSegment;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import static io.jipc.mailbox.UnboundedMailboxDescriptor.CEILING_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.DEAD_SENDER_TIMEOUT_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.FIRST_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.LAST_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.PERMISSIONS_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.RECEIVER_LEASE_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.RING_CAPACITY_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SEGMENT_LENGTH_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.SENDER_SLOTS_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.STATE_OFFSET;
import static io.jipc.mailbox.UnboundedMailboxDescriptor.WAIT_STRATEGY_OFFSET;

/**
 * A mailbox with unbounded buffering (seed 002, "Buffering"): a sender never waits for room. Its
 * messages go to a chain of segment files, each a many-sender ring of
 * {@link MailboxOptions#capacityBytes()} bytes; when the newest segment is full the sender appends
 * a further one, and the receiver removes each older segment once it has drained it, so the
 * mailbox's storage grows with its backlog and shrinks back to one segment when drained. A
 * configured <em>ceiling</em> bounds the bytes of its segment files: a send that would need more
 * fails clearly ({@link #offer} returns false, {@link #put} throws
 * {@link MailboxCeilingException}) instead of exhausting {@code /dev/shm}.
 *
 * <p>Any number of processes and threads send; one process at a time receives (its threads take
 * turns), like an {@linkplain ReceivePolicy#EXCLUSIVE exclusive} {@link Mailbox}. Messages of one
 * sender are received in the order it sent them; nothing committed is lost or duplicated. Verbs:
 * {@code offer}/{@code put} (which never wait for room, and for a sender slot at most the
 * dead-sender timeout), {@code poll} (at once), {@code take} (blocks),
 * {@code poll(timeout)}, and in-place {@link #drain} with a {@link MessageHandler}.
 *
 * <h2>How the chain moves (see {@link UnboundedMailboxDescriptor})</h2>
 * The control file holds {@code first} and {@code last}, the indexes of the oldest and the newest
 * segment. A sender claims room in segment {@code last}; if it is full (or every sender slot of it
 * stayed held for the dead-sender timeout, see Crashes), it creates segment {@code last + 1} (or
 * finds it created by a racing sender) and moves {@code last} on with a compare-and-set, unless
 * the ceiling forbids it. The receiver reads segment {@code first} in
 * ring order; when it is empty and a newer segment exists, it <em>retires</em> it: it sets the
 * segment's retiring flag, then checks that no claim is in flight (tail equal to head). A sender
 * checks the flag after its claim has moved the tail, and aborts and moves on if it is set; the
 * claim's compare-and-set and the receiver's flag store are both sequentially consistent, so
 * either the receiver sees the claim (and waits for it) or the sender sees the flag (or both). The
 * receiver then unlinks the segment's file and moves {@code first} on.
 *
 * <h2>Crashes</h2>
 * A sender killed in the middle of a send leaves a claim that the receiver skips once the sender
 * is dead (after {@link MailboxOptions#deadSenderTimeout()}), as in a {@link Mailbox}. Its sender
 * slot comes back only then: while senders killed (or stopped) mid-send hold every slot of
 * segment {@code last} and no receiver runs, a send waits for a slot for at most the dead-sender
 * timeout and then appends a newer segment as for a full one (subject to the ceiling), so that
 * sends go on. That keeps each sender's order (its later messages go to a later segment) and
 * leaves the chain's rules as they are: the receiver skips the dead claims of the segment left
 * behind, drains it and retires it once a newer one exists, as any other. (Until 2026-12-07 the
 * send waited for a slot there without limit, ignoring interrupts: {@code offer} and {@code put}
 * hung until a receiver ran.) A live sender descheduled for that long, holding every slot, costs
 * at worst a segment appended early. A sender
 * killed while appending leaves at worst a segment file that is not yet in the chain: the next
 * appender uses it (or replaces it, if it never became ready). An appender that is only slow
 * (stopped for longer than the 2 s ready timeout) is told from a dead one by the file's version
 * word: the replacing sender condemns the unready file with a compare-and-set before it removes
 * it, and the creator makes it ready with a compare-and-set, so exactly one of them wins (see
 * {@link UnboundedMailboxDescriptor}). A receiver killed at any point is
 * followed by the next one, which finishes a retirement it finds half done; messages of a batch
 * that a killed receiver was handling are delivered again.
 *
 * <p>A sender that stops (or hangs) in the middle of a send holds the receiver up for as long as
 * it lives, as in a {@link Mailbox}: its claim is recorded in the segment ring's intent slots and
 * a live claimer is waited for. A ring whose tail was moved on with no claim recorded at all (live
 * or dead) cannot come from senders and is reported instead: the receive throws
 * {@link CorruptSegmentException} once it has found that twice, a dead-sender timeout apart.
 *
 * <h2>Damaged and destroyed files</h2>
 * A segment file the receiver or a sender needs that is not this mailbox's segment of that index
 * (truncated, another magic or major version, another index or owner, an impossible ring or
 * record) is refused with {@link CorruptSegmentException} naming the file, as is a missing one
 * that the chain ({@code first..last}) still names: the newest segment, or the one the receiver
 * moves on to after retiring its predecessor. (A missing <em>oldest</em> segment that a receiver
 * finds when it starts is taken for one its killed predecessor had unlinked before it moved
 * {@code first} on, and skipped; so is a file there that never became ready, which a sender
 * killed while it (slowly) re-created that passed segment left: it is removed.) Once the mailbox was {@linkplain #destroy() destroyed} (by any
 * handle or process, or its control file removed), a handle's operation that needs a segment it
 * has not mapped (a receive that moves on to the next segment, the first receive of the handle, a
 * send that maps the newest segment or appends one) throws {@link MailboxNotFoundException}
 * ("was destroyed"), also when a mailbox of the same name was created since: the handle never
 * maps, changes or removes that one's files.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a sender before it sends a message happen-before the receiver's receive of that
 * message returns (or its handler runs).
 *
 * <p>Thread-safe. A handle maps the segment its senders use; the one it replaces is unmapped as
 * soon as no send of the handle is inside that mapping: each send counts itself in and out of the
 * mapping it uses (two atomic instructions), and the send that leaves a replaced
 * mapping last unmaps it, whatever sends on the newer mappings do; a send leaves its mapping
 * before it waits (for the append's lock or a sender slot). So the mappings of a handle whose threads
 * send back to back stay a few (until 2026-12-07 they were unmapped only once no thread at all was
 * inside a send, which several threads sending back to back almost never let happen: one mapping per
 * segment passed piled up until {@code mmap} failed with {@code ENOMEM} at
 * {@code vm.max_map_count} and the JVM aborted), and no unmapping leaves a claim unfinished. The
 * handle's current send segment stays mapped until it sends again or closes, also once the receiver
 * has unlinked it: a quiet sender keeps that one segment's memory.
 * {@link #close()} waits for the sends inside its mappings (they never wait for room in there, and a
 * send waiting for a sender slot sees the close within a millisecond, so briefly) before it unmaps;
 * it gives up after 10 s (a send stopped inside its claim, in a debugger), and such a send's claim
 * then holds the receiver up while its process lives, as a stopped sender's does.
 */
public final class UnboundedMailbox implements AutoCloseable {
    /** Ceiling of {@link #create(String)}: 256 MiB of segment files. */
    public static final long DEFAULT_CEILING = 256L << 20;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,199}");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(2);
    private static final long FOREVER = Long.MAX_VALUE;
    /** The role wait of an at-once receive: as long as another thread holds the role (see {@link RoleGate#UNTIL_FREE}). */
    private static final long AT_ONCE = RoleGate.UNTIL_FREE;
    private static final int DRAIN_BATCH = 256;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** Control files (by file key) that a handle of this process receives from. */
    private static final Set<String> RECEIVING = new HashSet<>();

    private final String name;
    private final SharedSegment control;
    private final MemorySegment memory;
    private final MemorySegment doorbell;
    /** The doorbell's signal, on which the receiver sleeps: every segment ring's data signal. */
    private final WakeSignal doorbellSignal;
    private final long id;
    private final RingConfig ringConfig;
    /** Whether an in-place receive polls a while before it waits with idle state (not under FUTEX). */
    private final boolean quickPolls;
    private final long segmentLength;
    private final long ceiling;
    private final int maxMessageSize;
    private final int permissions;
    private final long self = ProcessIdentity.current().token();

    // ---- sending: the segment this handle's senders use (one they moved past is unmapped by its last user)
    private volatile ChainSegment sendSegment;
    private final Object sendLock = new Object();
    /**
     * Mappings the senders moved past while sends were inside them (each is unmapped by the last to
     * leave it; {@link #close()} waits for those): guarded by {@link #sendLock}, pruned at each move.
     */
    private final List<ChainSegment> passed = new ArrayList<>();

    // ---- receiving: guarded by the receiving role
    private final ProcessRole receiving = new ProcessRole(this::takeReceiverLease);
    /** Hands read messages to the handler of the receive in progress; the receiving thread's only. */
    private final InPlaceAdapter inPlace = new InPlaceAdapter(2); // the segment drained and the next
    private volatile ChainSegment receiveSegment;
    /**
     * The segment this handle's receiver moved {@code first} to when it retired the one before: its
     * file must exist (a missing one is not the leftover of a killed receiver); -1 if none.
     */
    private long retiredInto = -1;
    private volatile boolean leased;
    /**
     * Orders the taking of the receiver's leases (the control file's, a segment's consumer lease)
     * against {@link #closeReceiver}, which gives them up: a receive entering while the handle
     * closes must not take one after the give-up, which would leave this live process holding it.
     */
    private final Object receiverLock = new Object();
    /** Whether {@link #closeReceiver} gave the leases up; guarded by {@link #receiverLock}. */
    private boolean receiverGivenUp;
    private boolean handling;
    /** Set by a {@link #close()} from inside a handler of this handle; the receive running it finishes the close. */
    private boolean closeAfterHandler;

    private volatile boolean closed;

    private UnboundedMailbox(String name, SharedSegment control) {
        this.name = name;
        this.control = control;
        this.memory = control.memory();
        this.id = control.objectId();
        long capacity = memory.get(ValueLayout.JAVA_LONG, RING_CAPACITY_OFFSET);
        int maxMessage = memory.get(ValueLayout.JAVA_INT, MAX_MESSAGE_SIZE_OFFSET);
        int slots = memory.get(ValueLayout.JAVA_INT, SENDER_SLOTS_OFFSET);
        WaitStrategy strategy = WaitStrategy.ofCode(memory.get(ValueLayout.JAVA_INT, WAIT_STRATEGY_OFFSET));
        long stall = memory.get(ValueLayout.JAVA_LONG, DEAD_SENDER_TIMEOUT_OFFSET);
        try {
            this.ringConfig = new RingConfig(capacity, maxMessage, slots, false, Objects.requireNonNull(strategy), stall);
            this.quickPolls = Idle.quickPollsFirst(strategy);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CorruptSegmentException(control.path() + ": impossible segment ring (capacity " + capacity
                    + ", max message " + maxMessage + ", " + slots + " sender slots, wait strategy code "
                    + memory.get(ValueLayout.JAVA_INT, WAIT_STRATEGY_OFFSET) + ", dead-sender timeout " + stall + ")");
        }
        this.segmentLength = memory.get(ValueLayout.JAVA_LONG, SEGMENT_LENGTH_OFFSET);
        this.ceiling = memory.get(ValueLayout.JAVA_LONG, CEILING_OFFSET);
        this.maxMessageSize = maxMessage;
        this.permissions = memory.get(ValueLayout.JAVA_INT, PERMISSIONS_OFFSET);
        long first = first();
        long last = last();
        if (segmentLength != ChainSegment.fileLength(ringConfig) || ceiling < segmentLength
                || (permissions & ~0777) != 0 || (permissions & 0600) != 0600
                || first < 0 || last < first || last - first >= ceiling / segmentLength) {
            throw new CorruptSegmentException(control.path() + ": segments of " + segmentLength + " bytes (ring "
                    + capacity + "), ceiling " + ceiling + ", permissions 0" + Integer.toOctalString(permissions)
                    + ", segments " + first + ".." + last + " are impossible together");
        }
        this.doorbell = memory.asSlice(UnboundedMailboxDescriptor.DOORBELL_OFFSET,
                UnboundedMailboxDescriptor.DOORBELL_LENGTH);
        this.doorbellSignal = new WakeSignal(doorbell, RingDescriptor.CONSUMER_WAITING_OFFSET,
                RingDescriptor.DATA_SIGNAL_OFFSET, false); // only woken through: the flag matters to waiters
    }

    // =================================================================== lifecycle

    /**
     * Creates an unbounded mailbox with segments of 1 MiB, messages of up to 64 KiB and a
     * {@linkplain #DEFAULT_CEILING ceiling} of 256 MiB.
     */
    public static UnboundedMailbox create(String name) {
        return create(name, MailboxOptions.defaults(), DEFAULT_CEILING);
    }

    /**
     * Creates an unbounded mailbox; fails if one of that name exists.
     *
     * @param segmentOptions how each segment is made: {@link MailboxOptions#capacityBytes()} (the
     *                       ring of one segment), {@link MailboxOptions#maxMessageSize()},
     *                       {@link MailboxOptions#senderSlots()}, {@link MailboxOptions#waitStrategy()},
     *                       {@link MailboxOptions#deadSenderTimeout()} and
     *                       {@link MailboxOptions#permissions()}; single sender, headers, priorities,
     *                       message limits and receive policies other than exclusive are refused
     * @param ceilingBytes   the most bytes the segment files may occupy together (at least one segment)
     * @throws MailboxExistsException   if the name is taken
     * @throws IllegalArgumentException if an option is not one an unbounded mailbox has, or the
     *                                  ceiling is below one segment
     * @throws MailboxNotFoundException if another process removed the control file while this one
     *                                  was still creating it (a creator stopped for longer than the
     *                                  2 s ready timeout is taken for dead by {@link #destroy(String)}
     *                                  and so by {@code jipc rm}): the name may be another
     *                                  mailbox's by then, whose files are left alone
     * @throws ErrnoException           e.g. {@code ENOSPC} when {@code /dev/shm} has no room; what this
     *                                  call created is removed, each file only if its name still
     *                                  names it (see {@link SharedSegment#unlinkIfSame()})
     */
    public static UnboundedMailbox create(String name, MailboxOptions segmentOptions, long ceilingBytes) {
        checkName(name);
        Objects.requireNonNull(segmentOptions, "segmentOptions");
        if (segmentOptions.singleSender() || segmentOptions.headers() || segmentOptions.priorities() != 1
                || segmentOptions.messageLimit() != MailboxOptions.UNLIMITED
                || segmentOptions.receivePolicy() != ReceivePolicy.EXCLUSIVE) {
            throw new IllegalArgumentException("an unbounded mailbox has many senders, one receiver and no"
                    + " headers, priorities or message limit: " + segmentOptions);
        }
        RingConfig config = ringConfig(segmentOptions);
        long segmentLength = ChainSegment.fileLength(config);
        if (ceilingBytes < segmentLength) {
            throw new IllegalArgumentException("ceiling of " + ceilingBytes + " bytes is below one segment of "
                    + segmentLength + " bytes");
        }
        Path directory = JipcRoot.directory(UnboundedMailboxDescriptor.DIRECTORY);
        Path path = directory.resolve(name);
        SharedSegment control;
        try {
            control = SharedSegment.create(path, UnboundedMailboxDescriptor.MAGIC,
                    UnboundedMailboxDescriptor.CONTROL_LENGTH, segmentOptions.permissions());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EEXIST) {
                throw new MailboxExistsException("unbounded mailbox '" + name + "' exists (" + path + ")", e);
            }
            throw e;
        }
        ChainSegment first = null;
        try {
            // the name is ours now, unless our control file was removed meanwhile (taken for a dead
            // creator's unready file by destroy(name), jipc rm) and the name may be another
            // mailbox's: then segment files under the name may be that one's, never removed here
            if (!control.isStillNamed()) {
                throw new MailboxNotFoundException("unbounded mailbox '" + name + "' was destroyed while this"
                        + " process created it: its control file " + path + " was removed (taken for a dead"
                        + " creator's unready file) before it was ready", null);
            }
            // segment files of an earlier mailbox of this name are stale
            removeSegmentFiles(directory, name);
            MemorySegment memory = control.memory();
            memory.set(ValueLayout.JAVA_LONG, SEGMENT_LENGTH_OFFSET, segmentLength);
            memory.set(ValueLayout.JAVA_LONG, CEILING_OFFSET, ceilingBytes);
            memory.set(ValueLayout.JAVA_INT, MAX_MESSAGE_SIZE_OFFSET, config.maxPayload());
            memory.set(ValueLayout.JAVA_INT, PERMISSIONS_OFFSET, segmentOptions.permissions());
            memory.set(ValueLayout.JAVA_LONG, RING_CAPACITY_OFFSET, config.capacity());
            memory.set(ValueLayout.JAVA_INT, SENDER_SLOTS_OFFSET, config.intentSlots());
            memory.set(ValueLayout.JAVA_INT, WAIT_STRATEGY_OFFSET, config.waitStrategy().code());
            memory.set(ValueLayout.JAVA_LONG, DEAD_SENDER_TIMEOUT_OFFSET, config.stallTimeoutNanos());
            MemorySegment doorbell = memory.asSlice(UnboundedMailboxDescriptor.DOORBELL_OFFSET,
                    UnboundedMailboxDescriptor.DOORBELL_LENGTH);
            first = ChainSegment.create(segmentPath(directory, name, 0), name, 0, control.objectId(),
                    config, segmentOptions.permissions(), doorbell);
            if (first == null) { // nobody condemns a segment of a control file that is not ready
                throw new CorruptSegmentException(segmentPath(directory, name, 0) + ": segment 0 of unbounded mailbox '"
                        + name + "' was condemned by another process while it was created");
            }
            control.publish(UnboundedMailboxDescriptor.MAJOR_VERSION, UnboundedMailboxDescriptor.MINOR_VERSION);
            UnboundedMailbox mailbox = new UnboundedMailbox(name, control);
            first.close();
            return mailbox;
        } catch (RuntimeException e) {
            // Only this process's own files, each if its name still names it (a failing segment 0
            // removed its own already): once the control file was removed (see above), the names
            // may be a new mailbox's files, which a removal by name lost (its messages, and every
            // later open failed). Still mapped, so that their inodes are not reused meanwhile.
            if (first != null) {
                first.file.unlinkIfSame();
                first.close();
            }
            control.unlinkIfSame();
            control.close();
            throw e;
        }
    }

    /** The ring of each segment of a mailbox made with {@code segmentOptions}. */
    private static RingConfig ringConfig(MailboxOptions segmentOptions) {
        return new RingConfig(segmentOptions.capacityBytes(), segmentOptions.maxMessageSize(),
                segmentOptions.senderSlots(), false, segmentOptions.waitStrategy(),
                Timeouts.nanos(segmentOptions.deadSenderTimeout()));
    }

    /**
     * Bytes of one segment file of a mailbox created with {@code segmentOptions} (its header, ring
     * control block and ring): the unit of the ceiling, see {@link #segmentFileBytes()}.
     */
    public static long segmentFileBytes(MailboxOptions segmentOptions) {
        return ChainSegment.fileLength(ringConfig(segmentOptions));
    }

    /** Opens an existing unbounded mailbox created with permissions 0600. */
    public static UnboundedMailbox open(String name) {
        return open(name, 0600);
    }

    /**
     * Opens an existing unbounded mailbox that was created with {@code permissions}.
     *
     * @throws MailboxNotFoundException        if there is none of that name
     * @throws io.jipc.CorruptSegmentException if the file is not a valid unbounded mailbox of this version
     * @throws io.jipc.InsecureFileException   if the file is a link, foreign or has other permissions, or
     *                                         the jipc root or its kind directory is a link, another
     *                                         user's, or open to others ({@link JipcRoot})
     * @throws IllegalArgumentException        if {@code permissions} are not permission bits (0 to 0777), before
     *                                         anything is looked at ({@link Mailbox#open(String, int)})
     */
    public static UnboundedMailbox open(String name, int permissions) {
        Objects.requireNonNull(name, "name");
        Mailbox.checkPermissions(permissions);
        Path path = existingPath(name);
        SharedSegment control;
        try {
            control = SharedSegment.open(path, UnboundedMailboxDescriptor.MAGIC,
                    UnboundedMailboxDescriptor.MAJOR_VERSION, permissions, READY_TIMEOUT);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new MailboxNotFoundException("no unbounded mailbox '" + name + "' (" + path + ")", e);
            }
            throw e;
        }
        try {
            return new UnboundedMailbox(name, control);
        } catch (RuntimeException e) {
            control.close();
            throw e;
        }
    }

    /**
     * Opens the unbounded mailbox, creating it with these settings if it does not exist. A create
     * that loses to another process (the name taken meanwhile, or this process's control file
     * removed while it created it: see {@link #create(String, MailboxOptions, long)}) opens what has
     * the name then, or creates again.
     */
    public static UnboundedMailbox openOrCreate(String name, MailboxOptions segmentOptions, long ceilingBytes) {
        while (true) {
            try {
                return open(name, segmentOptions.permissions());
            } catch (MailboxNotFoundException notFound) {
                try {
                    return create(name, segmentOptions, ceilingBytes);
                } catch (MailboxExistsException raced) {
                    // created by another process in between: open it
                } catch (MailboxNotFoundException destroyedWhileCreated) {
                    // its file removed while this process created it (see create): open what has the name now
                }
            }
        }
    }

    /**
     * Removes the mailbox under {@code name}: its control file and its segment files (see
     * {@link #destroy()}). Open handles keep working on what they have mapped until closed, but
     * senders append no further segment: an operation of theirs that needs another segment throws
     * {@link MailboxNotFoundException}, even once a mailbox of the same name exists again. Returns
     * false if there was no such mailbox.
     *
     * <p>A control file that cannot be opened as a valid one (damaged, of another mode, or never
     * made ready within the 2 s ready timeout: its creator is taken for dead) is removed by name
     * all the same, with every {@code name@k} file: what is under the name is removed by design.
     * A creator that was only slow then fails with {@link MailboxNotFoundException} and leaves a
     * mailbox created under the name since alone (see {@link #create(String, MailboxOptions, long)}).
     * Segment files not recognisably its mailbox's (never made ready, damaged, of another mode) are
     * removed by name afterwards if no control file is under the name then, and left to a mailbox
     * created under the name meanwhile (whose creation removes them), as {@link #destroy()} does;
     * what remains is the moment between that look and the removals.
     *
     * @throws io.jipc.InsecureFileException if the jipc root or its kind directory is a link, another
     *                                       user's, or open to others (nothing removed)
     */
    public static boolean destroy(String name) {
        Path path = existingPath(name);
        try (UnboundedMailbox mailbox = open(name, anyPermissions(path))) {
            return mailbox.destroy(); // its leftovers too, while no mailbox has the name
        } catch (MailboxNotFoundException gone) {
            return false;
        } catch (CorruptSegmentException | io.jipc.InsecureFileException unusable) {
            // a damaged or foreign-mode file of ours: remove it all the same
            boolean removed = SharedSegment.unlink(path);
            removeSegmentFiles(path.getParent(), name);
            return removed;
        }
    }

    private static int anyPermissions(Path path) {
        try {
            return (int) Files.getAttribute(path, "unix:mode") & 0777;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0600;
        }
    }

    /**
     * Removes this mailbox: the mailbox this handle has open, never another one that has its name
     * now. This handle stays usable until closed, on the segments it has mapped (its and other
     * handles' operations that need another segment throw {@link MailboxNotFoundException}, see
     * the class comment). Any handle, any thread; blocks only in the system calls.
     *
     * <p>The control file is removed if its name still names it ({@link SharedSegment#unlinkIfSame()}),
     * then each {@code name@k} file that is a ready segment of this mailbox (its header names this
     * mailbox's id as owner), again only if its name still names the file mapped to read that.
     * Once the control file is gone another process may create a mailbox of the same name at
     * once, and its segment files are left alone: until 2026-12-06 every {@code name@k} file was
     * removed by name, also the new mailbox's, whose messages were then lost and whose later
     * receives and sends failed ("segment 0 ... is missing"). A segment file that is not
     * recognisably this mailbox's (never made ready: a sender killed or stopped while appending
     * it; damaged) is removed by name afterwards if no control file is under the name then, and left
     * to a mailbox created under the name meanwhile (whose creation removes it). What remains is the moment between the name's {@code lstat} and the {@code unlink} of
     * each file (Linux has no unlink by inode), and between the look for a control file and the
     * removal of the leftovers: a mailbox created under the name in exactly that moment can lose a
     * file.
     *
     * @return false if its name is gone or now belongs to another mailbox, which is left alone
     *         (nothing is removed then)
     */
    public boolean destroy() {
        INT.setVolatile(memory, (long) STATE_OFFSET, UnboundedMailboxDescriptor.STATE_DESTROYED);
        boolean removed = control.unlinkIfSame();
        if (removed) {
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.BEFORE_SEGMENTS_REMOVED);
            }
            removeOwnSegmentFiles();
            if (FileIdentity.of(control.path()) == null) {
                // what is left (not ready: a sender killed or stopped while appending it; damaged) is
                // removed by name while no mailbox has the name; once one has, the files may be its
                removeSegmentFiles(control.path().getParent(), name);
            }
        }
        return removed;
    }

    /**
     * Removes the {@code name@k} files that are ready segments of this mailbox (owner in the header
     * this mailbox's id), each only if its name still names the file opened to read that; leaves
     * every other file (gone, another mailbox's, not ready, damaged, of another mode).
     */
    private void removeOwnSegmentFiles() {
        for (Path file : segmentFiles(control.path().getParent(), name, Long.MAX_VALUE)) {
            try (SharedSegment segment = SharedSegment.open(file, UnboundedMailboxDescriptor.SEGMENT_MAGIC,
                    UnboundedMailboxDescriptor.MAJOR_VERSION, permissions, Duration.ZERO)) {
                if (segment.memory().get(ValueLayout.JAVA_LONG, UnboundedMailboxDescriptor.SEGMENT_OWNER_OFFSET)
                        == id) {
                    segment.unlinkIfSame();
                }
            } catch (CorruptSegmentException | io.jipc.InsecureFileException notOurs) {
                // another mailbox's, not ready, damaged: left (see destroy)
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
        }
    }

    /** Whether an unbounded mailbox of that name exists. */
    public static boolean exists(String name) {
        return Files.exists(existingPath(name));
    }

    /** The control file of the unbounded mailbox {@code name}; its directories are neither created nor checked. */
    public static Path path(String name) {
        return JipcRoot.path(UnboundedMailboxDescriptor.DIRECTORY).resolve(checkName(name));
    }

    /** {@link #path}, after checking the root and the kind directory as creates do ({@link JipcRoot#existing}). */
    private static Path existingPath(String name) {
        return JipcRoot.existing(UnboundedMailboxDescriptor.DIRECTORY).resolve(checkName(name));
    }

    private static Path segmentPath(Path directory, String name, long index) {
        return directory.resolve(name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR + index);
    }

    private Path segmentPath(long index) {
        return segmentPath(control.path().getParent(), name, index);
    }

    /** Unlinks every {@code name@<index>} file in {@code directory}. */
    private static void removeSegmentFiles(Path directory, String name) {
        removeSegmentFiles(directory, name, Long.MAX_VALUE);
    }

    /**
     * Unlinks the {@code name@<index>} files in {@code directory} whose index is below {@code below}
     * (files of another name, or whose suffix is not an index, are left alone).
     */
    private static void removeSegmentFiles(Path directory, String name, long below) {
        for (Path file : segmentFiles(directory, name, below)) {
            ChainSegment.unlink(file);
        }
    }

    /**
     * The {@code name@<index>} files in {@code directory} whose index is below {@code below} (files
     * of another name, or whose suffix is not an index, are left out); none if there is no directory.
     * Listed through the native layer ({@link Libc#listDirectory}), so that a failure names its errno.
     *
     * @throws ErrnoException if the directory cannot be listed, such as {@code EMFILE} in a process out
     *                        of descriptors (until 2026-12-07 an {@code UncheckedIOException: listing the
     *                        segments of unbounded mailbox}, which a create short of descriptors threw
     *                        instead of the {@code ErrnoException} it promises)
     */
    private static List<Path> segmentFiles(Path directory, String name, long below) {
        String prefix = name + UnboundedMailboxDescriptor.SEGMENT_SEPARATOR;
        List<String> fileNames;
        try {
            fileNames = Libc.listDirectory(directory.toString());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return List.of(); // no directory, no segments
            }
            throw e;
        }
        List<Path> found = new ArrayList<>();
        for (String fileName : fileNames) {
            if (fileName.length() <= prefix.length() || fileName.length() > prefix.length() + 18
                    || !fileName.startsWith(prefix)) {
                continue;
            }
            String index = fileName.substring(prefix.length());
            if (index.chars().allMatch(c -> c >= '0' && c <= '9') && Long.parseLong(index) < below) {
                found.add(directory.resolve(fileName));
            }
        }
        return found;
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid mailbox name " + Printable.quoted(name)
                    + ": use 1-200 of A-Z a-z 0-9 . _ - (not starting with . or -)");
        }
        return name;
    }

    /**
     * Closes this handle: gives up the receiver role if it held it and unmaps every file. Threads
     * blocked on this handle end with {@link ClosedException}. A close from inside a {@link
     * MessageHandler} of this handle takes effect when the handler returns: its message counts as
     * received, and the receive hands it no further message. The mailbox itself stays. Idempotent.
     *
     * <p>If another process truncated a file of the mailbox, close still closes the handle and
     * releases its mappings, and then reports it: {@link CorruptSegmentException} naming the mailbox,
     * with the fault ({@link InternalError}) as its cause. (Until 2026-12-07 the {@code InternalError}
     * came out of close, with the control file still mapped.)
     *
     * @throws CorruptSegmentException after closing, if the mailbox's memory faulted (a file of it was
     *                                 truncated by another process)
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (handling && receiving.isHeldByCurrentThread()) {
            // from inside a handler of this handle: the receive running it finishes the close once
            // the message is consumed (unmapping now would cut it off and leave the message)
            inPlace.stop();
            closeAfterHandler = true;
            return;
        }
        finishClose();
    }

    private void finishClose() {
        InternalError fault = null;
        try {
            wakeWaiters();
        } catch (InternalError truncated) { // SIGBUS beyond a file's end, as HotSpot reports it
            fault = truncated;
        } finally { // whatever the wake threw, the mappings are released (until 2026-12-07 they were not)
            try {
                closeSenderMappings();
            } finally {
                try {
                    closeReceiver();
                } catch (InternalError truncated) { // giving a lease back; the mappings are released all the same
                    fault = fault == null ? truncated : fault;
                } finally {
                    control.close();
                }
            }
        }
        if (fault != null) {
            CorruptSegmentException e = new CorruptSegmentException("unbounded mailbox '" + name + "': its memory"
                    + " faulted at close (was a file of it truncated by another process?); this handle is closed and"
                    + " its mappings released");
            e.initCause(fault);
            throw e;
        }
    }

    /**
     * The close's wake of the waiters that it must end: a receiver of this handle about to sleep
     * (on the doorbell, in the control file, which the close unmaps last). (A sender of it waiting
     * for a sender slot sleeps on nothing: it naps, at most 1 ms at a time, and looks at the close
     * each time; the wake through the send segment also rings its space signal.) The send segment is woken
     * through only once the close is counted in its mapping, as a send is: a sender of the handle
     * that had passed its open check before the close may move the senders on meanwhile, and the
     * last to leave the old mapping unmaps it. The receive segment is never woken through: the
     * handle's receiving thread may retire and unmap it meanwhile. (Until 2026-12-07 the close woke
     * through either mapping without that count, and the wake's {@code FUTEX_WAKE} on a mapping
     * unmapped under it failed with {@code EFAULT}, which left the handle closed with its mappings
     * kept for the life of the process, rev66b.)
     */
    private void wakeWaiters() {
        ChainSegment s = sendSegment;
        while (s != null && !s.enter()) {
            // unmapped as unused once the senders moved on, after they wrote sendSegment: it names a newer one
            ChainSegment newer = sendSegment;
            s = newer != s ? newer : null;
        }
        if (s == null) {
            doorbellSignal.wakeAll();
            return;
        }
        try {
            s.ring.wakeAllWaiters(); // its data signal is the doorbell
        } finally {
            leave(s);
        }
    }

    /**
     * Unmaps the senders' mappings once no send of this handle is inside them (a send never waits
     * for room in there, so this is short), so that no claim of this handle is left unfinished by the
     * unmapping, nor a commit's ring of the doorbell, which is in the control file. Under
     * {@link #sendLock}, so that no send maps a newer segment meanwhile (they check {@code closed},
     * set before, under it); a send that tries to enter a mapping once it is unmapped sees
     * {@code closed}. Gives up waiting after 10 s and unmaps anyway.
     */
    private void closeSenderMappings() {
        synchronized (sendLock) {
            List<ChainSegment> mapped = new ArrayList<>(passed);
            if (sendSegment != null) {
                mapped.add(sendSegment);
            }
            SendsInside.awaitUntil(() -> {
                mapped.removeIf(ChainSegment::closeIfUnused);
                return mapped.isEmpty();
            });
            for (ChainSegment s : mapped) { // sends stopped inside for 10 s (a debugger)
                s.closeForSenders();
            }
            passed.clear();
        }
    }

    /**
     * Gives the receiver lease back and unmaps the receiver's segment, if this handle received; a
     * receiving thread still inside ends with {@link ClosedException} (its memory is gone).
     */
    void closeReceiver() {
        synchronized (receiverLock) { // no lease is taken after this: see receiverLock
            receiverGivenUp = true;
            ChainSegment s = receiveSegment;
            if (s != null) {
                try {
                    s.ring.releaseConsumer();
                } catch (IllegalStateException unmapped) {
                    // already unmapped
                } finally {
                    s.close(); // also after a fault of its truncated file (InternalError)
                }
            }
            if (leased) {
                try {
                    // read first: on a truncated file the read faults as an InternalError, where a
                    // compare-and-set that the JVM still interprets would abort the JVM
                    if ((long) LONG.getVolatile(memory, (long) RECEIVER_LEASE_OFFSET) == self) {
                        LONG.compareAndSet(memory, (long) RECEIVER_LEASE_OFFSET, self, 0L);
                    }
                } finally {
                    synchronized (RECEIVING) {
                        RECEIVING.remove(control.fileKey());
                    }
                }
            }
        }
    }

    /** The exception of a receive that would take a lease after {@link #closeReceiver}. Holds {@link #receiverLock}. */
    private void ensureReceiverNotGivenUp() {
        if (receiverGivenUp) {
            throw new ClosedException("unbounded mailbox '" + name + "' was closed");
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // =================================================================== properties

    public String name() {
        return name;
    }

    /** The unique 64-bit id chosen when the mailbox was created. */
    public long id() {
        return id;
    }

    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** Bytes of the ring of one segment. */
    public long segmentCapacityBytes() {
        return ringConfig.capacity();
    }

    /** Bytes of one segment file (its ring, the ring's control block and the segment header). */
    public long segmentFileBytes() {
        return segmentLength;
    }

    /** The most bytes the segment files may occupy together. */
    public long ceilingBytes() {
        return ceiling;
    }

    public WaitStrategy waitStrategy() {
        return ringConfig.waitStrategy();
    }

    /** Segment files in the chain now (a snapshot): 1 when drained, more while a backlog lasts. */
    public int segmentCount() {
        checkOpen();
        return (int) (last() - first() + 1);
    }

    /** Bytes the segment files occupy now (a snapshot). */
    public long storageBytes() {
        return segmentCount() * segmentLength;
    }

    @Override
    public String toString() {
        return "UnboundedMailbox[" + name + ", segments of " + ringConfig.capacity() + " bytes, ceiling " + ceiling
                + ", maxMessageSize=" + maxMessageSize + ", " + ringConfig.waitStrategy() + "]";
    }

    private long first() {
        return (long) LONG.getVolatile(memory, (long) FIRST_OFFSET);
    }

    private long last() {
        return (long) LONG.getVolatile(memory, (long) LAST_OFFSET);
    }

    // =================================================================== sending

    /**
     * Sends {@code message}; false only if the ceiling forbids the segment it would need. Never
     * waits for room. While every sender slot of the current segment is held (see
     * {@link MailboxOptions.Builder#senderSlots}) although it has room, it waits for one in naps
     * growing from 10 µs to 1 ms, for at most the {@linkplain MailboxOptions#deadSenderTimeout()
     * dead-sender timeout}: slots held by live senders come back within microseconds. Slots still
     * held then (by senders killed mid-send, whose slots come back only once a receiver has
     * skipped their claims, or by stopped ones) are left behind: the send appends a newer segment,
     * as for a full one, and sends there; false if the ceiling forbids it. An interrupted thread
     * waits for a slot only 100 µs (spinning and yielding) and then appends, keeping its interrupt
     * status; if the ceiling forbids that append, it waits on, through the interrupt, up to the
     * dead-sender timeout before it returns false. A {@link #close()} of the handle ends the wait
     * with {@link ClosedException}.
     *
     * @throws ClosedException if this handle is (or is being) closed; nothing was sent
     */
    public boolean offer(byte[] message) {
        Objects.requireNonNull(message, "message");
        return offer(MemorySegment.ofArray(message), 0, checkSize(message.length));
    }

    /** Sends {@code length} bytes of {@code message} from {@code offset}; see {@link #offer(byte[])}. */
    public boolean offer(byte[] message, int offset, int length) {
        Objects.requireNonNull(message, "message");
        Objects.checkFromIndexSize(offset, length, message.length);
        return offer(MemorySegment.ofArray(message), offset, checkSize(length));
    }

    /** Sends the {@code remaining()} bytes of {@code message} (then advances its position); see {@link #offer(byte[])}. */
    public boolean offer(ByteBuffer message) {
        Objects.requireNonNull(message, "message");
        int length = checkSize(message.remaining());
        if (offer(MemorySegment.ofBuffer(message), 0, length)) {
            message.position(message.position() + length);
            return true;
        }
        return false;
    }

    /** Sends the bytes of {@code message}; see {@link #offer(byte[])}. */
    public boolean offer(MemorySegment message) {
        Objects.requireNonNull(message, "message");
        return offer(message, 0, checkSize(message.byteSize()));
    }

    /**
     * Sends {@code message}. It never waits for room (a sender of an unbounded mailbox never does),
     * and for a sender slot at most the dead-sender timeout, as {@link #offer(byte[])}.
     *
     * @throws MailboxCeilingException if the mailbox would have to grow past its ceiling (also to
     *                                 leave a segment whose every slot stayed held)
     * @throws ClosedException         if this handle is (or is being) closed; nothing was sent
     */
    public void put(byte[] message) {
        require(offer(message));
    }

    /** Sends the remaining bytes of {@code message}; see {@link #put(byte[])}. */
    public void put(ByteBuffer message) {
        require(offer(message));
    }

    /** Sends the bytes of {@code message}; see {@link #put(byte[])}. */
    public void put(MemorySegment message) {
        require(offer(message));
    }

    private void require(boolean sent) {
        if (!sent) {
            long used = storageBytes();
            throw new MailboxCeilingException("unbounded mailbox '" + name + "' is at its ceiling: its segment files"
                    + " hold " + used + " bytes, another segment of " + segmentLength + " bytes would exceed "
                    + ceiling + " bytes", ceiling, used);
        }
    }

    private boolean offer(MemorySegment message, long offset, int length) {
        MessageMemory.requireAccessible(message, "nothing was sent");
        try {
            SlotWait slotWait = null; // made when this send first finds every slot held
            while (true) {
                checkOpen(); // a close waits for the sends inside its mappings: see closeSenderMappings
                ChainSegment s = enterSendSegment();
                boolean slotsHeld; // the claim found no room: every sender slot held (else the segment full)
                try {
                    RecordRing ring = s.ring;
                    long position = ring.tryClaim(length);
                    if (position == RecordRing.FULL) {
                        if (s.retiring()) {
                            requireNewerSegment(s);
                            continue;
                        }
                        slotsHeld = ring.hasRoomFor(length);
                    } else {
                        try {
                            AscendingCopy.copy(message, offset, ring.buffer(), ring.payloadOffset(position), length);
                        } catch (Throwable e) { // the message's arena closed meanwhile: nothing is sent
                            ring.abort(position);
                            throw e;
                        }
                        // the claim's compare-and-set came first: see the class comment
                        if (s.retiring()) {
                            ring.abort(position);
                            requireNewerSegment(s);
                            continue;
                        }
                        ring.commit(position);
                        return true;
                    }
                } finally {
                    leave(s);
                }
                // Out of the mapping before waiting for a slot or for the append's lock: a thread counted
                // in a mapping while it waits keeps it mapped after the senders moved past it (until
                // 2026-12-07 each sender queued on the append kept one: hundreds with 1000 threads)
                if (slotsHeld) {
                    // every sender slot held, not full: wait for one, for at most the dead-sender
                    // timeout, then append a newer segment as if this one were full (see offer's javadoc)
                    if (slotWait == null) {
                        slotWait = new SlotWait(ringConfig.stallTimeoutNanos());
                    }
                    if (slotWait.napFor(s.index)) {
                        continue;
                    }
                }
                if (!append(s.index)) {
                    // the ceiling: a send that left its segment before the bound (interrupted) waits
                    // on for a slot there, and fails only once the slots stayed held that long
                    if (slotsHeld && slotWait.napThroughInterrupt(s.index)) {
                        continue;
                    }
                    return false;
                }
            }
        } catch (IllegalStateException e) {
            throw closed ? closedException(e) : e;
        }
    }

    /**
     * The segment senders send to ({@link #sendSegment()}), with the caller counted in its mapping
     * ({@link ChainSegment#enter()}) until its {@link #leave}. A mapping unmapped between the read
     * and the count (senders moved past it, and its last user left) is passed over for the newer one.
     */
    private ChainSegment enterSendSegment() {
        while (true) {
            ChainSegment s = sendSegment();
            if (s.enter()) {
                return s;
            }
            checkOpen(); // unmapped by a close, or else moved past: sendSegment names a newer one
        }
    }

    /**
     * Counts the caller out of the mapping it {@linkplain #enterSendSegment() entered}; if it was the
     * last one in and senders have moved past the mapping, unmaps it. The count's atomic decrement
     * comes before the read of {@link #sendSegment}, and {@link #sendSegment()} writes that before it
     * tries the unmap itself, so one of the two sees the other: the mapping is never left mapped.
     */
    private void leave(ChainSegment s) {
        if (s.leave() && sendSegment != s) {
            s.closeIfUnused();
        }
    }

    /**
     * Checks that a segment a sender found retiring is not the newest: the receiver retires only a
     * segment it saw a newer one for, and it reads {@code last} before it sets the flag, so a
     * sender that sees the flag then sees that newer segment. Otherwise the file was forged, and the
     * sender would spin on it forever.
     */
    private void requireNewerSegment(ChainSegment s) {
        if (last() == s.index) {
            throw new CorruptSegmentException(s.file.path() + ": the newest segment of unbounded mailbox '" + name
                    + "' is marked retiring");
        }
    }

    /**
     * The segment senders send to: {@code last}, mapped (the caller is in no mapping). The mapping
     * it replaces is unmapped at once if no send is in it, else by the last send to
     * {@linkplain #leave leave} it (and {@link #passed} holds it until then, for a close).
     */
    private ChainSegment sendSegment() {
        long last = last();
        ChainSegment s = sendSegment;
        if (s != null && s.index == last) {
            return s;
        }
        synchronized (sendLock) {
            checkOpen();
            while (true) {
                last = last();
                s = sendSegment;
                if (s != null && s.index == last) {
                    return s;
                }
                ChainSegment next;
                try {
                    next = ChainSegment.open(segmentPath(last), name, last, id, ringConfig, permissions, doorbell);
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.ENOENT && last() != last) {
                        continue; // retired meanwhile: the chain moved on twice
                    }
                    throw e.errno() == Errno.ENOENT ? unusableSegment(last, e) : e;
                } catch (CorruptSegmentException | io.jipc.InsecureFileException e) {
                    throw unusableSegment(last, e);
                }
                if (FaultInjection.ENABLED) {
                    FaultInjection.point(FaultInjection.BEFORE_SEND_SEGMENT_MOVED);
                }
                sendSegment = next;
                if (s != null && !s.closeIfUnused()) { // after the write above: see leave
                    passed.removeIf(ChainSegment::closeIfUnused);
                    passed.add(s); // its last send unmaps it; a close waits for that
                }
                return next;
            }
        }
    }

    private MailboxNotFoundException gone(Throwable cause) {
        return new MailboxNotFoundException("unbounded mailbox '" + name + "' was destroyed", cause);
    }

    /**
     * Whether this handle's mailbox was destroyed: its state says so ({@link #destroy()}), or its
     * name is gone or names another mailbox created since. The segment files under its name are
     * then none of its own.
     */
    private boolean destroyed() {
        return (int) INT.getVolatile(memory, (long) STATE_OFFSET) != UnboundedMailboxDescriptor.STATE_LIVE
                || !control.isStillNamed();
    }

    /**
     * The exception for segment {@code index} of the chain, which could not be opened ({@code e}:
     * its file is missing, is not this mailbox's segment {@code index}, or is a link or of another
     * mode):
     * {@link MailboxNotFoundException} if the mailbox was destroyed (the file is another mailbox's
     * of the same name, or gone with the rest), else {@link CorruptSegmentException}.
     */
    private RuntimeException unusableSegment(long index, RuntimeException e) {
        if (destroyed()) {
            return gone(e);
        }
        if (e instanceof ErrnoException missing && missing.errno() == Errno.ENOENT) {
            CorruptSegmentException corrupt = new CorruptSegmentException(segmentPath(index) + ": segment " + index
                    + " of unbounded mailbox '" + name + "' is missing, though its chain runs from segment " + first()
                    + " to " + last() + " (removed by something that is not jipc)");
            corrupt.initCause(e);
            return corrupt;
        }
        return e;
    }

    /**
     * Adds segment {@code full + 1} after segment {@code full} (full, or with every sender slot
     * held for the dead-sender timeout), unless another sender did; returns false if the ceiling
     * forbids it.
     */
    private boolean append(long full) {
        synchronized (sendLock) {
            checkOpen();
            if (last() != full) {
                return true;
            }
            if (destroyed()) {
                throw gone(null);
            }
            long next = full + 1;
            if ((next - first() + 1) * segmentLength > ceiling) {
                return false;
            }
            Path path = segmentPath(next);
            while (true) {
                try {
                    // A slow sender may get here after the chain moved past `full` and the receiver
                    // retired segment `next`: its file is gone and O_EXCL succeeds, recreating it.
                    // Such a file must never take a message (nobody would receive it): it is made
                    // ready marked retiring, and removed.
                    try (ChainSegment created = ChainSegment.create(path, name, next, id, ringConfig, permissions,
                            doorbell, () -> last() != full)) {
                        if (created == null) {
                            // condemned before it was ready by a sender (or receiver) that waited
                            // for it longer than the ready timeout: not ours; look again
                            if (last() != full) {
                                return true;
                            }
                            continue;
                        }
                        if (created.retiring()) {
                            created.file.unlinkIfSame();
                            return true;
                        }
                    }
                    break;
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EEXIST) {
                        throw e;
                    }
                }
                // created by a racing sender (which may have died before linking it in), or left by a
                // mailbox of this name destroyed earlier: use it if it is ours and ready, else replace it
                Object found = FileIdentity.of(path);
                try {
                    ChainSegment.open(path, name, next, id, ringConfig, permissions, doorbell).close();
                    break;
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                } catch (SegmentNotReadyException notReady) {
                    if (last() != full) {
                        return true;
                    }
                    if (destroyed()) {
                        throw gone(notReady);
                    }
                    // its creator may only be slow (stopped, swapped out): condemned unless it made
                    // the file ready meanwhile, which is then used
                    removeUnusable(next, found, true);
                } catch (CorruptSegmentException stale) {
                    if (last() != full) {
                        return true;
                    }
                    if (destroyed()) { // the file may be the segment of a mailbox created under the name since
                        throw gone(stale);
                    }
                    removeUnusable(next, found, false);
                }
            }
            if (FaultInjection.ENABLED) {
                FaultInjection.point(FaultInjection.BEFORE_SEGMENT_LINKED);
            }
            LONG.compareAndSet(memory, (long) LAST_OFFSET, full, next);
            return true;
        }
    }

    /**
     * Removes the file of segment {@code index} if it is still the file {@code found} unusable.
     * Other senders may have waited on that file too, and one of them may have replaced it already
     * by a segment that is linked in by now: the check and the removal are one step for all
     * senders, under the {@code flock(2)} lock of the control file, taken through a descriptor of
     * its own (owned by that open file description: it excludes the other threads of this process
     * too, is not dropped when another descriptor of the file is closed, and is released if the
     * holder dies).
     *
     * <p>A file that was never made ready ({@code neverReady}) may belong to a creator that is only
     * slow (stopped or swapped out for longer than the ready timeout), not dead: it is condemned
     * first ({@link SharedSegment#condemn}: a compare-and-set of its version word that the
     * creator's publish races with), so that exactly one wins. If the creator made it ready first,
     * it is a segment like any other (the creator links it in and sends to it) and is left; else
     * the creator finds it condemned and does not use it. Until 2026-12-06 it was removed outright,
     * also after its creator had woken up, linked it in and sent to it: those messages were lost,
     * and every later open of the segment failed ("is missing").
     *
     * <p>A file found damaged (not {@code neverReady}) is opened again first, under the lock and
     * without waiting: if it is this mailbox's ready, valid segment {@code index} now, it is left
     * (the damage seen was this process's view of it, say a mapping made while a condemner had
     * given the file only its header's length, before its creator sized and published it, and
     * its creator may have linked it in since); if it is not ready now, it is condemned as above;
     * else (damaged for real) it is removed. Until 2026-12-06 it was removed without a look, also
     * after its creator had linked it in.
     *
     * @return whether the file turned out ready (made so by its creator first) and was left
     */
    private boolean removeUnusable(long index, Object found, boolean neverReady) {
        if (found == null) {
            return false;
        }
        Path path = segmentPath(index);
        String file = control.path().toString();
        int fd = Libc.open(file, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            FileLocks.flockExclusive(fd, file);
            if (found.equals(FileIdentity.of(path))) {
                if (FaultInjection.ENABLED) {
                    FaultInjection.point(FaultInjection.BEFORE_UNUSABLE_REMOVED);
                }
                if (!neverReady) {
                    try {
                        ChainSegment.open(path, name, index, id, ringConfig, permissions, doorbell, Duration.ZERO)
                                .close();
                        return true; // ready and valid now: not this process's to remove
                    } catch (SegmentNotReadyException notReady) {
                        neverReady = true;
                    } catch (CorruptSegmentException | io.jipc.InsecureFileException damaged) {
                        // damaged for real: removed below
                    } catch (ErrnoException e) {
                        if (e.errno() == Errno.ENOENT) {
                            return false;
                        }
                        throw e;
                    }
                }
                if (neverReady) {
                    return !SharedSegment.condemn(path, found, permissions);
                }
                ChainSegment.unlink(path);
            }
            return false;
        } finally {
            Libc.close(fd); // releases the lock
        }
    }

    // =================================================================== receiving

    /** Receives the next message if there is one now; null if the mailbox is empty. */
    public byte[] poll() {
        return poll(AT_ONCE);
    }

    /** {@link #poll()}, waiting for the receiving role at most until {@code gateDeadline} (see {@link #receive}). */
    private byte[] poll(long gateDeadline) {
        CopyOut copy = new CopyOut();
        return receive(copy, null, 1, gateDeadline) == 1 ? copy.message : null;
    }

    /** Receives the next message, waiting as long as needed. */
    public byte[] take() throws InterruptedException {
        return pollUntil(FOREVER);
    }

    /** Receives the next message, waiting at most {@code timeout}; null if none came. */
    public byte[] poll(Duration timeout) throws InterruptedException {
        return pollUntil(deadline(timeout));
    }

    private byte[] pollUntil(long deadline) throws InterruptedException {
        Idle idle = null;
        while (true) {
            byte[] message;
            try {
                message = poll(deadline);
            } catch (RoleBusy busy) {
                if (!checkpoint(deadline)) {
                    return null;
                }
                continue;
            }
            if (message != null) {
                return message;
            }
            if (idle == null) {
                idle = new Idle(ringConfig.waitStrategy());
            }
            if (!awaitMessage(idle, deadline)) {
                return null;
            }
        }
    }

    /** Hands the next message, in place, to {@code handler} if there is one now; false if empty. */
    public boolean poll(MessageHandler handler) {
        return drain(handler, 1) == 1;
    }

    /** Hands the next message, in place, to {@code handler}, waiting as long as needed. */
    public void take(MessageHandler handler) throws InterruptedException {
        pollUntil(handler, FOREVER);
    }

    /** Hands the next message, in place, to {@code handler}, waiting at most {@code timeout}; false if none came. */
    public boolean poll(MessageHandler handler, Duration timeout) throws InterruptedException {
        return pollUntil(handler, deadline(timeout));
    }

    /**
     * The in-place receives' wait. Unless the strategy sleeps at once ({@link WaitStrategy#FUTEX}),
     * it first polls {@value Idle#QUICK_POLLS} more times back to back, without idle state: a hand-off
     * under traffic (a ping-pong's reply) arrives within them, and such a receive then allocates
     * nothing (an {@link Idle} per wait was a 40-odd-byte object per round trip). A longer wait
     * goes on as every wait does, with a new {@code Idle}: its pause-free spins, then the strategy's.
     */
    private boolean pollUntil(MessageHandler handler, long deadline) throws InterruptedException {
        Objects.requireNonNull(handler, "handler");
        try {
            if (receive(null, handler, 1, deadline) == 1) {
                return true;
            }
            if (quickPolls) {
                for (int i = 0; i < Idle.QUICK_POLLS; i++) {
                    if (receive(null, handler, 1, deadline) == 1) {
                        return true;
                    }
                }
            }
        } catch (RoleBusy busy) { // the loop below waits on for the role
        }
        Idle idle = new Idle(ringConfig.waitStrategy());
        while (true) {
            if (!awaitMessage(idle, deadline)) {
                return false;
            }
            try {
                if (receive(null, handler, 1, deadline) == 1) {
                    return true;
                }
            } catch (RoleBusy busy) {
                if (!checkpoint(deadline)) {
                    return false;
                }
            }
        }
    }

    /** Hands every message available now (up to 256), in place and in order, to {@code handler}. */
    public int drain(MessageHandler handler) {
        return drain(handler, DRAIN_BATCH);
    }

    /**
     * Hands up to {@code limit} messages available now, in place and in order, to {@code handler};
     * returns how many. Their space is freed when this returns. If the handler throws, the message
     * it was given counts as received and the exception propagates. A handler must not receive
     * from this mailbox.
     */
    public int drain(MessageHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        return receive(null, handler, limit, AT_ONCE);
    }

    /**
     * Reads up to {@code limit} messages in the receiving role, retiring drained segments on the
     * way: to {@code records}, or, if that is null, in place to {@code inPlaceHandler} through the
     * reused {@link #inPlace} adapter (which may only be given its handler inside the role).
     */
    private int receive(RecordHandler records, MessageHandler inPlaceHandler, int limit, long gateDeadline) {
        checkOpen();
        if (handling && receiving.isHeldByCurrentThread()) {
            throw new IllegalStateException("a MessageHandler of unbounded mailbox '" + name
                    + "' must not receive from it");
        }
        boolean entered = receiving.enter(gateDeadline);
        handling = true;
        RecordHandler handler = records != null ? records : inPlace.handling(inPlaceHandler);
        try {
            ChainSegment s = receiveSegment();
            while (true) {
                int count = s.ring.read(handler, limit);
                if (count > 0 || last() == s.index || s.ring.claimPending()) {
                    return count;
                }
                // empty, and a newer segment exists: retire this one unless a claim got in first
                s.markRetiring();
                if (s.ring.claimPending()) {
                    return 0; // it commits (read next time) or, having seen the flag, aborts
                }
                if (FaultInjection.ENABLED) {
                    FaultInjection.point(FaultInjection.BEFORE_SEGMENT_RETIRED);
                }
                s = retire(s);
            }
        } catch (InPlaceAdapter.Stopped stopped) {
            return inPlace.handed(); // the handler closed this handle
        } catch (IllegalStateException e) {
            throw closed ? closedException(e) : e;
        } finally {
            if (records == null) {
                inPlace.handling(null);
            }
            handling = false;
            try {
                if (closeAfterHandler) { // in the role: a receive waiting for it ends with ClosedException
                    closeAfterHandler = false;
                    finishClose();
                }
            } finally {
                receiving.exit(entered);
            }
        }
    }

    /** The receiver's segment: {@code first}, mapped, with its ring's consumer lease. */
    private ChainSegment receiveSegment() {
        ChainSegment s = receiveSegment;
        if (s != null) {
            return s;
        }
        synchronized (receiverLock) {
            ensureReceiverNotGivenUp();
            return openReceiveSegment();
        }
    }

    /**
     * {@link #receiveSegment()}'s opening of {@code first}, under {@link #receiverLock}.
     *
     * @throws MailboxNotFoundException if the mailbox was destroyed (see {@link #destroy()})
     * @throws CorruptSegmentException  if the file is not this mailbox's segment {@code first}, or
     *                                  is missing where no killed receiver can have removed it
     */
    private ChainSegment openReceiveSegment() {
        while (true) {
            ChainSegment s;
            long first = first();
            Object found = FileIdentity.of(segmentPath(first));
            try {
                s = ChainSegment.open(segmentPath(first), name, first, id, ringConfig, permissions, doorbell);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT && first < last() && first != retiredInto && !destroyed()) {
                    // a receiver died after unlinking it and before moving `first` on: finish that
                    LONG.compareAndSet(memory, (long) FIRST_OFFSET, first, first + 1);
                    continue;
                }
                throw e.errno() == Errno.ENOENT ? unusableSegment(first, e) : e;
            } catch (SegmentNotReadyException e) {
                if (first < last() && first != retiredInto && !destroyed()) {
                    // Segment `first` was in the chain, so it was ready once; a file that never became
                    // ready under its name is a slow sender's re-creation after a receiver, killed
                    // mid-retirement, had unlinked it: remove that leftover and finish the retirement.
                    // Condemned, as a sender condemns it: if its (slow) creator made it ready first, it
                    // is a superseded re-creation marked retiring, which is opened and retired as usual
                    if (!removeUnusable(first, found, true)) {
                        LONG.compareAndSet(memory, (long) FIRST_OFFSET, first, first + 1);
                    }
                    continue;
                }
                throw unusableSegment(first, e);
            } catch (CorruptSegmentException | io.jipc.InsecureFileException e) {
                throw unusableSegment(first, e);
            }
            long holder;
            try {
                holder = s.ring.acquireConsumer();
            } catch (RuntimeException | InternalError e) { // InternalError: its file truncated under us
                s.close();
                throw e;
            }
            if (holder != 0) {
                s.close();
                throw new MailboxBusyException("unbounded mailbox '" + name + "' already has a receiver: "
                        + ProcessIdentity.describe(holder), ProcessIdentity.pidOf(holder));
            }
            receiveSegment = s;
            return s;
        }
    }

    /** Removes the drained segment {@code s} and moves to the next one. */
    private ChainSegment retire(ChainSegment s) {
        long received = s.ring.delivered();
        s.file.unlinkIfSame();
        retiredInto = s.index + 1;
        LONG.setVolatile(memory, (long) FIRST_OFFSET, s.index + 1);
        LONG.setRelease(memory, (long) UnboundedMailboxDescriptor.RETIRED_RECEIVED_OFFSET,
                (long) LONG.getVolatile(memory, (long) UnboundedMailboxDescriptor.RETIRED_RECEIVED_OFFSET) + received);
        s.ring.releaseConsumer();
        s.close();
        receiveSegment = null;
        if (FaultInjection.ENABLED) {
            FaultInjection.point(FaultInjection.AFTER_SEGMENT_RETIRED);
        }
        return receiveSegment();
    }

    /**
     * Takes the receiver role for this process (the first receive does): the control file's
     * receiver lease (free, this process's, or a dead process's).
     */
    private void takeReceiverLease() {
        synchronized (receiverLock) {
            ensureReceiverNotGivenUp();
            takeReceiverLeaseNow();
        }
    }

    private void takeReceiverLeaseNow() {
        synchronized (RECEIVING) {
            if (!RECEIVING.add(control.fileKey())) {
                throw new MailboxBusyException("unbounded mailbox '" + name + "' is already received from"
                        + " through another handle of this process", ProcessIdentity.current().pid());
            }
        }
        try {
            while (true) {
                long holder = (long) LONG.getVolatile(memory, (long) RECEIVER_LEASE_OFFSET);
                if (holder == self) {
                    break;
                }
                if (holder != 0 && ProcessIdentity.isAlive(holder)) {
                    throw new MailboxBusyException("unbounded mailbox '" + name + "' already has a receiver: "
                            + ProcessIdentity.describe(holder), ProcessIdentity.pidOf(holder));
                }
                if (LONG.compareAndSet(memory, (long) RECEIVER_LEASE_OFFSET, holder, self)) {
                    break;
                }
            }
            leased = true;
            if (destroyed()) {
                // the files under its name are none or another mailbox's: never remove those
                throw gone(null);
            }
            // segments are retired in order: a file below `first` is a leftover of a sender killed
            // while it (slowly) created a segment the chain had already moved past; nobody uses it
            removeSegmentFiles(control.path().getParent(), name, first());
        } catch (RuntimeException e) {
            synchronized (RECEIVING) {
                RECEIVING.remove(control.fileKey());
            }
            throw e;
        }
    }

    /** The checks of a blocked receive now and then: closed, interrupted; false once the deadline passed. */
    private boolean checkpoint(long deadline) throws InterruptedException {
        checkOpen();
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return deadline == FOREVER || System.nanoTime() - deadline < 0;
    }

    /** One step of waiting for a message; false once the deadline passed. */
    private boolean awaitMessage(Idle idle, long deadline) throws InterruptedException {
        if (idle.checkpoint() && !checkpoint(deadline)) {
            return false;
        }
        if (!idle.idle()) {
            return true;
        }
        int signal;
        long sleepUntil = deadline;
        RecordRing ring;
        boolean entered;
        try {
            entered = receiving.enter(deadline);
        } catch (RoleBusy busy) {
            return checkpoint(deadline);
        }
        try {
            ChainSegment s = receiveSegment();
            ring = s.ring;
            signal = ring.prepareDataWait();
            // `closed` is read after the signal: a close() from now on moves the doorbell
            boolean pending = ring.claimPending();
            if (closed || ring.hasCommitted() || ring.checkStall() || (!pending && last() != s.index)) {
                return true;
            }
            if (pending) {
                // a sender is mid-send or dead: wake up in time to check
                long checkAt = System.nanoTime() + ringConfig.stallTimeoutNanos();
                sleepUntil = deadline == FOREVER || checkAt - deadline < 0 ? checkAt : deadline;
            }
        } catch (IllegalStateException e) {
            throw closed ? closedException(e) : e;
        } finally {
            receiving.exit(entered);
        }
        try {
            ring.awaitData(signal, sleepUntil);
        } catch (IllegalStateException e) {
            throw closed ? closedException(e) : e;
        }
        return true;
    }

    // =================================================================== helpers

    private int checkSize(long length) {
        if (length > maxMessageSize) {
            throw new MessageTooLargeException("message of " + length + " bytes exceeds the maximum of "
                    + maxMessageSize + " bytes of unbounded mailbox '" + name + "'",
                    (int) Math.min(length, Integer.MAX_VALUE), maxMessageSize);
        }
        return (int) length;
    }

    private void checkOpen() {
        if (closed) {
            throw new ClosedException("unbounded mailbox '" + name + "' is closed");
        }
    }

    private ClosedException closedException(IllegalStateException cause) {
        ClosedException e = new ClosedException("unbounded mailbox '" + name + "' was closed");
        e.initCause(cause);
        return e;
    }

    private static long deadline(Duration timeout) {
        long nanos = Timeouts.nanos(timeout);
        long now = System.nanoTime();
        long deadline = now + nanos;
        return deadline - now < 0 || deadline == FOREVER ? FOREVER - 1 : deadline;
    }

    /** Copies one record out into a new array. */
    private static final class CopyOut implements RecordHandler {
        byte[] message;

        @Override
        public void onRecord(MemorySegment buffer, long offset, int length) {
            byte[] copy = new byte[length];
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, copy, 0, length);
            message = copy;
        }
    }
}
