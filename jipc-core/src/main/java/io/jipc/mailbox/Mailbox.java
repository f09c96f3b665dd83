package io.jipc.mailbox;

import io.jipc.ClosedException;
import io.jipc.CorruptSegmentException;
import io.jipc.ErrnoException;
import io.jipc.Selectable;
import io.jipc.Timeouts;
import io.jipc.WaitStrategy;
import io.jipc.platform.Errno;
import io.jipc.platform.Futex;
import io.jipc.platform.MemorySync;
import io.jipc.platform.Printable;
import io.jipc.platform.ProcessIdentity;
import io.jipc.ring.RecordDescriptor;
import io.jipc.ring.RecordHandler;
import io.jipc.ring.RecordRing;
import io.jipc.ring.RingConfig;
import io.jipc.ring.RingDescriptor;
import io.jipc.segment.JipcRoot;
import io.jipc.segment.SharedSegment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A mailbox (a port): a named queue of messages in shared memory through which separate processes
 * on one host pass messages, with the verbs of {@link java.util.concurrent.BlockingQueue}.
 *
 * <p>A mailbox is a file under the jipc root ({@code /dev/shm/jipc-<uid>/mailbox/<name>} by default,
 * see {@link JipcRoot}). It exists from {@link #create} until {@link #destroy}, independently of the
 * processes that use it, like a POSIX message queue. No daemon is involved.
 *
 * <h2>Verbs</h2>
 * <table class="striped">
 * <caption>Sending and receiving</caption>
 * <tr><th></th><th>at once</th><th>blocks</th><th>blocks at most</th><th>zero copy</th></tr>
 * <tr><td>send</td><td>{@link #offer(byte[])}: false if full</td><td>{@link #put(byte[])}</td>
 *     <td>{@link #offer(byte[], Duration)}</td><td>{@link #tryClaim}, {@link #claim(int)}</td></tr>
 * <tr><td>receive</td><td>{@link #poll()}: null if empty</td><td>{@link #take()}</td>
 *     <td>{@link #poll(Duration)}</td><td>{@link #poll(MessageHandler)}, {@link #take(MessageHandler)},
 *     {@link #drain}</td></tr>
 * </table>
 * Messages are {@code byte[]}, {@link ByteBuffer} or {@link MemorySegment}; each is delivered whole,
 * with its boundaries, once, in the order it was sent by its sender (with priorities, in that
 * order within its level; see {@link MailboxOptions.Builder#priorities}). A receiver killed before
 * its receive of a message returned makes that delivery at-least-once: the next receiver gets the
 * message again (see "When a peer dies"). A message larger than {@link #maxMessageSize()} is
 * refused with {@link MessageTooLargeException}, and so is a receive
 * into a buffer too small for the message (which stays in the mailbox): nothing is truncated unless
 * the receiver asks for it ({@link #pollTruncating(ByteBuffer)}, lecture 004's
 * {@code receive(from, msg, sz)}).
 *
 * <p>A send goes whole or not at all. A send of a {@code MemorySegment} (or of a {@code ByteBuffer}
 * that is a segment's {@code asByteBuffer()}) whose arena is closed, or confined to another thread,
 * fails before it claims any room, with the exception the JDK throws for that access
 * ({@link IllegalStateException}, {@link WrongThreadException}); a send whose copy fails anyway (a
 * shared arena closed by another thread during the copy) gives its claimed room back before it
 * throws. Either way nothing is sent, and the messages sent after it are delivered as usual.
 *
 * <h2>Who may call</h2>
 * A handle is safe for use by many threads, platform or virtual. Any number of processes may send
 * (unless created {@linkplain MailboxOptions.Builder#singleSender single-sender}: one process at a
 * time, others get {@link MailboxBusyException}). One process at a time receives: the first receive
 * takes the receiver role, and another live process that tries gets {@link MailboxBusyException};
 * the role passes on when its holder closes the mailbox or dies.
 *
 * <p>In a single-sender mailbox each send takes a process-local gate (one atomic instruction);
 * a thread that sends much binds the role to itself with {@link #bindSender()} and then sends
 * without any. Likewise each receive takes a process-local lock, which a thread that receives much
 * avoids with {@link #bindReceiver()}. An open {@link MailboxClaim} holds this process's sending role:
 * other threads' sends wait until it is committed or aborted, and the claiming thread itself may
 * not send meanwhile. In a many-sender mailbox claims are independent for the senders; but the
 * receiver cannot get past an open claim: messages committed after it at its priority level wait
 * behind it, while lower levels are delivered (see {@link MailboxClaim}). An aborted claim's room
 * is reused once the receiver has passed it.
 *
 * <p>A role may be held for long: by an open claim, a binding, or a {@link MessageHandler} that runs
 * inside a receive (with {@linkplain ReceivePolicy#SHARED shared receivers}, also by another
 * process's receive). A blocking or timed call that waits for it gives up at its own deadline (the
 * timed forms return null or false) and ends on an interrupt, as every other wait of theirs does.
 * An at-once call ({@code offer}, {@code poll}, {@code tryClaim}, {@code drain}) waits as long as
 * the role is held, like the lock of {@link java.util.concurrent.LinkedBlockingQueue#poll()}. A
 * selector's readiness check ({@link MailboxSelector}, {@code io.jipc.select.Selector}) does not
 * wait for it: the mailbox is not ready for that round ({@link Selectable.Doorbell.Look#BUSY}),
 * and the selector looks again after at most 1 ms while the role stays held, so a select keeps its
 * timeout and ends on an interrupt.
 *
 * <h2>Blocking</h2>
 * Blocked calls wait according to the mailbox's {@link WaitStrategy} (by default a 20 µs spin, then
 * a {@code futex} sleep: no CPU is used while idle). They are interruptible (within 50 ms while
 * asleep, see {@link Futex}) and safe on virtual threads, which never pin their carrier in the
 * kernel. A {@link #close()} from another thread ends them with {@link ClosedException}. A
 * blocking call throws {@link InterruptedException} only when it has to wait: a message (or room)
 * that is available at once is taken even by an interrupted thread. A thread bound to the receiving
 * role that has taken 64 or more messages without waiting and then finds none, under a spinning
 * strategy, pauses 5 µs before it looks again (system property {@code jipc.streamPauseNanos}; 0
 * turns it off): it has caught up with a streaming sender, and polling the record being written
 * would slow that sender down. A message sent right then waits up to the pause.
 *
 * <h2>When a peer dies</h2>
 * <ul>
 * <li>A sender killed at any point never blocks the mailbox: a message it was writing (claimed,
 *     not committed) is skipped by the receiver after the dead-sender timeout (100 ms by default)
 *     once the sender's death is confirmed; committed messages are delivered (a receiver blocked in
 *     a receive, and a selector over the mailbox, look again by themselves within that timeout:
 *     nothing rings when it passes). On a rendezvous
 *     mailbox that includes the message of a sender killed while it waited in {@code put}: it is
 *     delivered to a later receiver, unless another sender reclaimed the dead one's ticket first.
 *     A sender killed while it woke a sleeping receiver leaves the wake to the next sender (its own
 *     last message is taken at that wake, or when the receive's deadline ends its sleep).</li>
 * <li>A receiver killed at any point leaves its unfinished batch in the mailbox: the next receiver
 *     gets those messages again (at most the messages of one {@link #drain} call), including one
 *     whose {@link MessageHandler} the dead receiver was running: delivery is at-least-once, for
 *     every receive policy ({@linkplain ReceivePolicy#SHARED shared receivers} too). That includes
 *     a rendezvous message the dead receiver had taken: its sender's send has completed (a {@link
 *     #transfer} names the dead receiver), and the next receiver gets the message. A receiver
 *     killed while it woke a sender asleep for room (after freeing that room) leaves the sender to
 *     see the room by itself: a sender waiting for room sleeps at most the dead-sender timeout at
 *     a time, and a receiver that takes over the dead one's role wakes it at once.</li>
 * <li>A mailbox outlives every process; {@link #destroy} removes it.</li>
 * </ul>
 *
 * <h2>Memory consistency effects</h2>
 * Actions in a thread (of any process) before it sends a message happen-before actions after the
 * receipt of that message by the receiving thread.
 */
public final class Mailbox implements AutoCloseable, Selectable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,199}");
    private static final long FOREVER = Long.MAX_VALUE;
    /**
     * The "deadline" of an at-once call's wait for a role that another thread of this process holds
     * (or, with shared receivers, another process): as long as it is held, not interruptibly.
     */
    private static final long AT_ONCE = RoleGate.UNTIL_FREE;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(2);
    /** What a send refused for its message memory ({@link MessageMemory}) leaves behind. */
    private static final String NOTHING_SENT = "nothing was sent";
    /** What a receive refused for its buffer ({@link MessageMemory}) leaves behind. */
    private static final String MESSAGE_STAYS = "the message stays in the mailbox";
    private static final int DRAIN_BATCH = 256;
    /** The {@code sendLength} of {@link #until} for a receive. */
    private static final int RECEIVE = -1;

    private final MappedMailbox mapped;
    private final RecordRing ring;
    /** The rings with envelopes (headers, priorities, limits), or null: the plain byte path. */
    private final Lanes lanes;
    /** The rendezvous state, or null unless the mailbox has zero capacity. */
    private final Rendezvous rendezvous;
    /** Whether several processes receive at once (each receive takes the shared consumer lock). */
    private final boolean sharedReceivers;
    private final boolean singleSender;
    /** Whether messages travel in the ring without envelopes, to one receiving process at a time. */
    private final boolean plainRing;
    private final long id;
    private final CopyOut copyOut = new CopyOut();
    private volatile boolean closed;
    /** Claims made through this handle and not yet committed or aborted; {@link #close()} aborts them. */
    private final java.util.Set<MailboxClaim> openClaims = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** This process's shared state of the mailbox (for tests in this package). */
    MappedMailbox mapped() {
        return mapped;
    }

    private Mailbox(MappedMailbox mapped) {
        this.mapped = mapped;
        this.ring = mapped.ring;
        this.lanes = mapped.lanes;
        this.rendezvous = mapped.rendezvous ? lanes.rendezvous : null;
        this.sharedReceivers = mapped.policy == ReceivePolicy.SHARED;
        this.singleSender = mapped.singleSenderRing != null;
        this.plainRing = lanes == null && !sharedReceivers;
        this.id = mapped.segment.objectId();
    }

    // =================================================================== lifecycle

    /**
     * Creates a mailbox; fails if one of that name exists. Its name is bound in the host's name
     * service as {@code mailbox/<name>} (see {@code docs/naming.md}), where it stays until
     * {@link #destroy}.
     *
     * <p>If creation fails after the file was created (no room for it or for the name, say), the
     * file is removed if its name still names it, never another file: a creator stopped (or slow)
     * after it created its file may find it removed meanwhile ({@link #destroy(String)},
     * {@code jipc rm}) and the name another mailbox's, and then fails with
     * {@link MailboxNotFoundException} and leaves that mailbox and its name binding alone. Until
     * 2026-12-06 it unlinked the name, that is the new mailbox's file.
     *
     * @throws MailboxExistsException   if the name is taken
     * @throws MailboxNotFoundException if another process removed the file while this one created it
     * @throws ErrnoException           e.g. {@code ENOSPC} when {@code /dev/shm} has no room
     */
    public static Mailbox create(String name, MailboxOptions options) {
        checkName(name);
        Objects.requireNonNull(options, "options");
        // only then the directories: a refused create makes nothing (until 2026-12-07 the root and mailbox/)
        Path path = JipcRoot.directory(MailboxDescriptor.DIRECTORY).resolve(name);
        Mailbox mailbox = create(path, name, options, false);
        try {
            if (!mailbox.mapped.segment.isStillNamed()) {
                // never bound: its binding would replace that of a mailbox created under the name since
                throw new MailboxNotFoundException("mailbox '" + name + "' was destroyed while this process"
                        + " created it: its file " + path + " was removed before its name was bound", null);
            }
            MailboxNames.bind(name, mailbox.id(), path);
        } catch (RuntimeException e) {
            mailbox.mapped.segment.unlinkIfSame(); // still mapped: its inode is not reused meanwhile
            mailbox.close();
            throw e;
        }
        return mailbox;
    }

    /**
     * Creates a <em>durable</em> mailbox: the regular file {@code file} (on a disk, not under
     * {@code /dev/shm}) instead of a file of the jipc root. Its messages survive every process, and
     * a restart of the machine once written back ({@link #force()}, or the kernel's write-back
     * within seconds); open it with {@link #openDurable(Path)}. Its name is the file's name. Its
     * header says it is durable ({@link MailboxDescriptor#FLAG_DURABLE}), so {@code jipc ls} does not
     * call it stale and {@code jipc gc} never removes it once its creator has exited, wherever the
     * file lies (only {@code jipc rm}, or deleting the file, does).
     *
     * @throws MailboxExistsException if the file exists
     * @throws IllegalArgumentException if {@code file} names no file (the root) or its name is not a mailbox name
     */
    public static Mailbox createDurable(Path file, MailboxOptions options) {
        Path absolute = Objects.requireNonNull(file, "file").toAbsolutePath();
        Objects.requireNonNull(options, "options");
        return create(absolute, checkName(durableName(absolute)), options, true);
    }

    /** Opens a durable mailbox created with {@link #createDurable} (permissions 0600). */
    public static Mailbox openDurable(Path file) {
        return openDurable(file, 0600);
    }

    /**
     * Opens a durable mailbox created with {@code permissions} (see {@link
     * MailboxOptions.Builder#permissions}).
     *
     * @throws io.jipc.InsecureFileException if the file is a link, another user's, or has other permissions
     * @throws IllegalArgumentException      if {@code permissions} are not permission bits (0 to 0777), before
     *                                       the file is looked at
     */
    public static Mailbox openDurable(Path file, int permissions) {
        Path absolute = Objects.requireNonNull(file, "file").toAbsolutePath();
        checkPermissions(permissions);
        return open(absolute, checkName(durableName(absolute)), permissions);
    }

    /** The name of the durable mailbox at {@code file}: the file's name; a path without one (the root) is refused. */
    private static String durableName(Path file) {
        Path name = file.getFileName();
        if (name == null) {
            throw new IllegalArgumentException("'" + file + "' names no file: a durable mailbox is a file, named as it");
        }
        return name.toString();
    }

    /**
     * Writes this mailbox's file back to its device and waits until it is written: for a durable
     * mailbox, every message committed before the call then survives a crash of the machine (a
     * mailbox under {@code /dev/shm} lives in memory: there this only costs a system call).
     */
    public void force() {
        checkOpen();
        MemorySync.sync(mapped.segment.memory(), mapped.segment.path().toString());
    }

    private static Mailbox create(Path path, String name, MailboxOptions options, boolean durable) {
        Objects.requireNonNull(options, "options");
        int recordPayload = options.messageLimit() > 0
                ? (int) EnvelopeDescriptor.slotLength(options.maxMessageSize()) - RecordDescriptor.HEADER_LENGTH
                : options.maxMessageSize() + (options.headers() ? EnvelopeDescriptor.LENGTH : 0);
        RingConfig config = new RingConfig(options.capacityBytes(), recordPayload,
                options.senderSlots(), options.singleSender(), options.waitStrategy(),
                Timeouts.nanos(options.deadSenderTimeout()), options.ringLimit());
        long ringLength = RingDescriptor.length(config);
        int levels = options.priorities();
        SharedSegment segment;
        try {
            segment = SharedSegment.create(path, MailboxDescriptor.MAGIC,
                    MailboxDescriptor.RING_OFFSET + levels * ringLength, options.permissions());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EEXIST) {
                throw new MailboxExistsException("mailbox '" + name + "' exists (" + path + ")", e);
            }
            throw e;
        }
        try {
            MemorySegment memory = segment.memory();
            memory.set(ValueLayout.JAVA_LONG, MailboxDescriptor.RING_OFFSET_OFFSET, MailboxDescriptor.RING_OFFSET);
            memory.set(ValueLayout.JAVA_LONG, MailboxDescriptor.RING_LENGTH_OFFSET, ringLength);
            memory.set(ValueLayout.JAVA_INT, MailboxDescriptor.MAX_MESSAGE_SIZE_OFFSET, options.maxMessageSize());
            memory.set(ValueLayout.JAVA_INT, MailboxDescriptor.PERMISSIONS_OFFSET, options.permissions());
            memory.set(ValueLayout.JAVA_INT, MailboxDescriptor.FEATURES_OFFSET,
                    (options.headers() ? MailboxDescriptor.FEATURE_HEADERS : 0)
                            | (options.rendezvous() ? MailboxDescriptor.FEATURE_RENDEZVOUS : 0));
            memory.set(ValueLayout.JAVA_INT, MailboxDescriptor.PRIORITIES_OFFSET, levels);
            memory.set(ValueLayout.JAVA_INT, MailboxDescriptor.MESSAGE_LIMIT_OFFSET, options.messageLimit());
            memory.set(ValueLayout.JAVA_INT, MailboxDescriptor.RECEIVE_POLICY_OFFSET, options.receivePolicy().ordinal());
            byte[] protocol = options.protocol().getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(protocol, 0, memory, ValueLayout.JAVA_BYTE, MailboxDescriptor.PROTOCOL_OFFSET, protocol.length);
            memory.set(ValueLayout.JAVA_INT, MailboxDescriptor.FLAGS_OFFSET, durable ? MailboxDescriptor.FLAG_DURABLE : 0);
            for (int level = 0; level < levels; level++) {
                RingDescriptor.format(memory.asSlice(MailboxDescriptor.RING_OFFSET + level * ringLength, ringLength),
                        config);
            }
            segment.publish(MailboxDescriptor.MAJOR_VERSION, MailboxDescriptor.MINOR_VERSION);
        } catch (RuntimeException e) {
            segment.unlinkIfSame(); // the name may be another mailbox's since (see create)
            segment.close();
            throw e;
        }
        return new Mailbox(MappedMailbox.acquire(name, segment));
    }

    /** Creates a mailbox with the {@linkplain MailboxOptions#defaults() default options}. */
    public static Mailbox create(String name) {
        return create(name, MailboxOptions.defaults());
    }

    /**
     * Opens an existing mailbox, resolving its name through the host's name service
     * ({@code mailbox/<name>}); a mailbox whose creator died before binding the name is found by
     * its file and its name bound. That binding is a repair: if it fails (the name directory full,
     * say) the open still succeeds, and a warning is logged once per process.
     *
     * @throws MailboxNotFoundException        if there is none of that name
     * @throws io.jipc.CorruptSegmentException if the file is not a valid mailbox of this version
     * @throws io.jipc.InsecureFileException   if the file is a link, foreign or has other permissions than 0600,
     *                                         or the jipc root or its {@code mailbox/} directory is a link,
     *                                         another user's, or open to others ({@link JipcRoot})
     */
    public static Mailbox open(String name) {
        return open(name, 0600);
    }

    /**
     * Opens an existing mailbox that was created with {@code permissions} (see {@link
     * MailboxOptions.Builder#permissions}): a file of other permissions is refused.
     *
     * @throws IllegalArgumentException if {@code permissions} are not permission bits (0 to 0777), before
     *                                  anything is looked at (until 2026-12-07 -1 or 01000 was compared with
     *                                  the file's mode: {@link io.jipc.InsecureFileException}, or
     *                                  {@link MailboxNotFoundException} for a missing mailbox)
     */
    public static Mailbox open(String name, int permissions) {
        Objects.requireNonNull(name, "name");
        checkPermissions(permissions);
        Path path = existingPath(name); // refuses an unsafe root or mailbox/ before resolving the name
        Optional<Path> named = MailboxNames.resolve(name);
        Mailbox mailbox = open(named.orElse(path), name, permissions);
        if (named.isEmpty()) {
            try {
                MailboxNames.repair(name, mailbox.id(), path); // warns of a failure, does not throw it
            } catch (RuntimeException | Error e) {
                mailbox.close(); // not left mapped for the life of the process
                throw e;
            }
        }
        return mailbox;
    }

    private static Mailbox open(Path path, String name, int permissions) {
        SharedSegment segment;
        try {
            segment = SharedSegment.open(path, MailboxDescriptor.MAGIC, MailboxDescriptor.MAJOR_VERSION,
                    permissions, READY_TIMEOUT);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new MailboxNotFoundException("no mailbox '" + name + "' (" + path + ")", e);
            }
            throw e;
        }
        return new Mailbox(MappedMailbox.acquire(name, segment));
    }

    /**
     * Opens the mailbox whose unique {@linkplain #id() id} is {@code id}, whatever its name: looked
     * up by id in the name service, else the
     * mailboxes of the jipc root are searched (their headers read), so this costs a directory scan;
     * keep the name when you have it. Opened with permissions 0600 (see {@link #open(String, int)}).
     *
     * @throws MailboxNotFoundException if no mailbox has that id (it was destroyed, or never existed)
     */
    public static Mailbox open(long id) {
        return open(id, 0600);
    }

    /**
     * Opens the mailbox of that {@linkplain #id() id}, created with {@code permissions}; see {@link #open(long)}.
     *
     * @throws IllegalArgumentException if {@code permissions} are not permission bits (0 to 0777), before
     *                                  anything is looked at
     */
    public static Mailbox open(long id, int permissions) {
        checkPermissions(permissions);
        List<String> candidates = new ArrayList<>();
        MailboxNames.nameOf(id).ifPresent(candidates::add);
        candidates.addAll(MailboxIds.namesWithId(id)); // a mailbox whose name was never bound
        for (String name : candidates) {
            try {
                Mailbox mailbox = open(name, permissions);
                if (mailbox.id() == id) {
                    return mailbox;
                }
                mailbox.close(); // replaced meanwhile by another mailbox of that name
            } catch (MailboxNotFoundException destroyedMeanwhile) {
                // look further
            }
        }
        throw new MailboxNotFoundException("no mailbox with id " + Long.toHexString(id) + " in "
                + JipcRoot.path(MailboxDescriptor.DIRECTORY), null);
    }

    /**
     * Opens the mailbox, creating it with {@code options} if it does not exist. A create that
     * loses to another process (the name taken meanwhile, or this process's file removed while it
     * created it and the name given to another mailbox: see {@link #create(String, MailboxOptions)})
     * opens what has the name then, or creates again.
     */
    public static Mailbox openOrCreate(String name, MailboxOptions options) {
        checkName(name);
        Objects.requireNonNull(options, "options");
        while (true) {
            try {
                return open(name, options.permissions());
            } catch (MailboxNotFoundException notFound) {
                try {
                    return create(name, options);
                } catch (MailboxExistsException raced) {
                    // created by another process in between: open it
                } catch (MailboxNotFoundException destroyedWhileCreated) {
                    // its file removed while this process created it (see create): open what has the name now
                }
            }
        }
    }

    /**
     * Removes the mailbox's name: later opens fail, while open handles keep working until closed
     * (like {@code unlink} of a POSIX queue). Returns false if there was no such mailbox.
     *
     * @throws io.jipc.InsecureFileException if the jipc root or its {@code mailbox/} directory is a
     *                                       link, another user's, or open to others (nothing removed)
     */
    public static boolean destroy(String name) {
        Path path = existingPath(name);
        boolean removed = SharedSegment.unlink(path);
        MailboxNames.unbind(name, path);
        return removed;
    }

    /**
     * Whether a mailbox of that name exists.
     *
     * @throws io.jipc.InsecureFileException if the jipc root or its {@code mailbox/} directory is a
     *                                       link, another user's, or open to others
     */
    public static boolean exists(String name) {
        return existingPath(name).toFile().exists();
    }

    /** The file of the mailbox {@code name}; its directories are neither created nor checked. */
    public static Path path(String name) {
        return JipcRoot.path(MailboxDescriptor.DIRECTORY).resolve(checkName(name));
    }

    /** {@link #path}, after checking the root and {@code mailbox/} as creates do ({@link JipcRoot#existing}). */
    private static Path existingPath(String name) {
        return JipcRoot.existing(MailboxDescriptor.DIRECTORY).resolve(checkName(name));
    }

    /**
     * {@code permissions} if they are permission bits (0 to 0777: no set-id or sticky bit, nothing
     * else), as an opener's expectation of a file's mode; the message is that of the synchronization
     * objects' open ({@code ProcessSemaphore.open}).
     */
    static int checkPermissions(int permissions) {
        if (permissions < 0 || permissions > 0777) {
            throw new IllegalArgumentException("permissions must be permission bits (0 to 0777): 0"
                    + Integer.toOctalString(permissions));
        }
        return permissions;
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
     * Removes this mailbox's name and its name-service record (see {@link #destroy(String)}); this
     * handle stays usable until closed. Returns false if the name is gone or now belongs to another
     * mailbox (created under the same name after this one was destroyed), which is left alone: the
     * name is removed only if it still names this handle's file ({@code lstat} against the mapped
     * file's device and inode), and the name-service record only if it holds this mailbox's id.
     * What remains is the moment between that {@code lstat} and the {@code unlink} (Linux has no
     * unlink by inode). Any thread; blocks only in the system calls.
     */
    public boolean destroy() {
        boolean removed = mapped.segment.unlinkIfSame();
        if (removed) {
            MailboxNames.unbind(mapped.name, mapped.segment.path(), id);
        }
        return removed;
    }

    /**
     * Whether this handle's name still names its file: false once the mailbox was destroyed, also
     * when another mailbox was created under the name since (one {@code lstat} against the mapped
     * file's device and inode, which are not reused while this handle maps the file; after {@link
     * #close()} the answer may be wrong). Any thread; blocks only in the system call. For {@link
     * Endpoint}, whose cached handle of a peer's endpoint must not outlive a close and reopen of it,
     * and for a process that must notice that a peer removed (or replaced) a mailbox both still map,
     * as an RPC client does with its server's mailbox and its own reply mailbox (public since
     * 2026-12-07).
     *
     * @throws ErrnoException if the name cannot be looked at (other than {@code ENOENT}:
     *         no permission on the directory, say)
     */
    public boolean isStillNamed() {
        return mapped.segment.isStillNamed();
    }

    /**
     * Closes this handle: aborts the claims of this handle not yet committed or aborted (see
     * {@link MailboxClaim}), gives up the receiver or sender role if this was the process's last
     * handle of the mailbox, and unmaps it, after waiting for sends of other threads that have
     * claimed room to commit (they never wait there; at most 10 s; a thread {@linkplain
     * #bindSender() bound} to the sending role excepted: see there). Threads blocked on this handle end with
     * {@link ClosedException}, and so do sends that start afterwards: a send either went whole or
     * not at all. A rendezvous send (or {@link #transfer}) waiting for a taker when the last handle
     * closes is settled by the close: its message is withdrawn (no receiver gets it) and it ends
     * with {@code ClosedException}, or, if a receiver took the message first, it succeeds; its
     * ticket slot is given back either way. A first receive (or single sender's send) of another
     * thread that would take the role while the last handle closes ends with {@code
     * ClosedException} too, and takes no lease
     * that would stay in the file.
     *
     * <p>The close of the process's last handle also waits, at most 10 s and also when the closing
     * thread is interrupted, for a receive of another thread in progress — one copying a message
     * out, or running a {@link MessageHandler} (a handler that waits for something the closing
     * thread holds costs the whole 10 s, and is then cut off: its receive ends with the JDK's
     * {@code IllegalStateException} and its message stays in the mailbox) — and holds the process's
     * receiving role until it has unmapped: no receive is inside the mapping when it goes, and the
     * receives that wait meanwhile end with {@code ClosedException}. An open of the same mailbox by
     * another thread during that wait takes this mapping up again (it is then not unmapped). Not for
     * a thread {@linkplain #bindReceiver() bound} to the receiving role, which must not be inside a
     * receive then (with {@linkplain ReceivePolicy#SHARED shared receivers}, such a receive could
     * keep the per-receive lock, and other processes' receives would wait for it).
     *
     * <p>A close from inside a {@link MessageHandler} of this mailbox (a handler that closes on a
     * "stop" message) takes effect when the handler returns: its message counts as received (it is
     * not delivered again), and a receive on this handle, or any receive once the process's last
     * handle is closed, hands the handler no further message (a {@link #drain} returns the count so
     * far); for the last handle, the receive gives the role up and unmaps before it leaves the role,
     * so receives of other threads waiting for it end with {@code ClosedException}. The mailbox
     * itself stays (see {@link #destroy()}). Idempotent.
     *
     * <p>If another process truncated the mailbox's file, close still closes the handle and (for the
     * process's last handle) releases the mapping, and then reports it: waking this handle's sleepers,
     * or giving up this process's leases, faults on the memory beyond the file's new end, and close
     * throws {@link io.jipc.CorruptSegmentException} naming the mailbox, with the fault
     * ({@link InternalError}) as its cause. A second close returns at once. (Until 2026-12-07 the
     * {@code InternalError} came out of close and the mapping stayed until the process exited.)
     *
     * @throws io.jipc.CorruptSegmentException after closing, if the mailbox's memory faulted (its file
     *                                         was truncated by another process)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (mapped.insideHandler() && mapped.handling == this) {
            mapped.handlerAdapter.stop(); // the receive on this handle running the handler hands it no further message
        }
        // a claim left open would hold every receiver up for as long as this process lives (only a
        // dead sender's claim is skipped): give its room back while the mapping is still there
        InternalError fault = null;
        for (MailboxClaim claim : openClaims) {
            try {
                claim.abortForClose();
            } catch (RuntimeException ignored) {
                // the mapping failed under us: nothing more to give back
            } catch (InternalError truncated) { // SIGBUS beyond the file's end, as HotSpot reports it
                fault = truncated;
            }
        }
        try {
            // moves the signal words on: a thread of this handle that checked `closed` before and
            // prepared its wait does not fall asleep for good after this wake-up; every level's
            // ring: a send waits for room on the space signal of its own level
            if (lanes == null) {
                ring.wakeAllWaiters();
            } else {
                for (RecordRing level : lanes.rings()) {
                    level.wakeAllWaiters();
                }
            }
            if (rendezvous != null) {
                rendezvous.taken.wakeAll();
            }
        } catch (RuntimeException ignored) {
            // nothing sleeps
        } catch (InternalError truncated) {
            fault = fault == null ? truncated : fault;
        }
        if (fault != null) {
            mapped.markFaulted();
        }
        try {
            mapped.release(); // the last handle's waits for sends still inside the mapping (see beginSend)
        } catch (InternalError truncated) { // at the give-up of the leases; the mapping is released
            fault = fault == null ? truncated : fault;
        }
        if (fault != null) {
            CorruptSegmentException e = new CorruptSegmentException("mailbox '" + mapped.name
                    + "': its memory faulted at close (was its file truncated by another process?); this handle is"
                    + " closed and its mapping released");
            e.initCause(fault);
            throw e;
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Enters a send's access to the mapping (after the sending gate, which may wait), so that the
     * close of the process's last handle does not unmap under it ({@link MappedMailbox#release}); a
     * send that finds the handle closed leaves. A many-sender mailbox counts its sends in (one
     * atomic add each way); a single sender's send is seen by the sending gate it holds, at no extra
     * cost. Either way a full fence (the add, or the gate's compare-and-set) comes before the read
     * of the volatile {@code closed}, so either the send sees {@code closed} or the close sees the
     * send. Returns whether it counted, for {@link #endSend}.
     */
    private boolean beginSend() {
        boolean counted = !singleSender;
        if (counted) {
            mapped.enterSend();
        }
        if (closed) {
            endSend(counted);
            throw new ClosedException("mailbox '" + mapped.name + "' is closed");
        }
        return counted;
    }

    private void endSend(boolean counted) {
        if (counted) {
            mapped.exitSend();
        }
    }

    /**
     * Enters the commit or abort of a claim (by {@link MailboxClaim}, before it marks the claim
     * finished): counted like a send, but not refused when closed, so that a claim that won the
     * race with {@link #close()} is finished before the mapping goes.
     */
    void beginFinish() {
        mapped.enterSend();
    }

    void endFinish() {
        mapped.exitSend();
    }

    // =================================================================== properties

    public String name() {
        return mapped.name;
    }

    /** The unique 64-bit id chosen when the mailbox was created. */
    public long id() {
        return id;
    }

    /**
     * The process that created the mailbox, as its header records it (pid and start time, so that a
     * reused pid does not pass for it: {@link ProcessIdentity#isAlive()}).
     */
    public ProcessIdentity creator() {
        checkOpen();
        return mapped.segment.creator();
    }

    /**
     * The protocol label its creator gave the mailbox ({@link MailboxOptions.Builder#protocol}), or the
     * empty string: what its receiver expects, for a sender to check before it sends.
     */
    public String protocol() {
        return mapped.protocol;
    }

    /** Largest message this mailbox takes, in bytes. */
    public int maxMessageSize() {
        return mapped.maxMessageSize;
    }

    /** Whether each message carries a header, readable with {@link #takeMessage()}. */
    public boolean hasHeaders() {
        return lanes != null;
    }

    /** Priority levels (0..priorities()-1); 1 for a mailbox without priorities. */
    public int priorities() {
        return lanes == null ? 1 : lanes.levels();
    }

    /**
     * The exact bound on pending messages per priority level, 0 for a rendezvous mailbox, or
     * {@link MailboxOptions#UNLIMITED} (bounded by {@link #capacityBytes()} only).
     */
    public int messageLimit() {
        return mapped.messageLimit;
    }

    /** Whether sends complete only once a receiver took the message (zero capacity). */
    public boolean isRendezvous() {
        return rendezvous != null;
    }

    /**
     * Bytes of the ring, per priority level (messages take their length plus 16, rounded up to 16,
     * plus the header's 40 bytes in a mailbox with headers).
     */
    public long capacityBytes() {
        return ring.config().capacity();
    }

    public WaitStrategy waitStrategy() {
        return mapped.strategy;
    }

    /**
     * Who receives: one process at a time ({@link ReceivePolicy#EXCLUSIVE}, the default) or several
     * ({@link ReceivePolicy#SHARED}, which has no {@linkplain #takeDelivery() acknowledged mode}).
     */
    public ReceivePolicy receivePolicy() {
        return mapped.policy;
    }

    /** Whether one process at a time may send. */
    public boolean isSingleSender() {
        return singleSender;
    }

    /**
     * Bytes of the ring in use (a snapshot): messages sent and not yet received with their 16-byte
     * headers and alignment, padding at the wrap, sends still being written, and aborted claims of
     * a many-sender mailbox and rendezvous messages their senders withdrew, until a receiver passes
     * them. With a message limit every message takes a whole slot.
     */
    public long pendingBytes() {
        return statistic(lanes == null ? ring::usedBytes : () -> lanes.sum(RecordRing::usedBytes));
    }

    /** Messages received from this mailbox since it was created, by all receivers. */
    public long receivedCount() {
        return statistic(lanes == null ? ring::delivered
                : () -> lanes.sum(RecordRing::delivered) - lanes.rendezvous.withdrawn());
    }

    /** Messages of senders that died before finishing them, skipped so far. */
    public long skippedDeadSends() {
        return statistic(lanes == null ? ring::stalledClaimsSkipped
                : () -> lanes.sum(RecordRing::stalledClaimsSkipped));
    }

    /** Reads a counter of the ring, failing with {@link ClosedException} on a closed handle. */
    private long statistic(LongSupplier counter) {
        checkOpen();
        try {
            return counter.getAsLong();
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
    }

    @Override
    public String toString() {
        return "Mailbox[" + name() + ", capacity=" + capacityBytes() + ", maxMessageSize=" + maxMessageSize()
                + ", " + (singleSender ? "single sender" : "many senders") + ", " + waitStrategy()
                + (lanes == null ? "" : ", headers, " + priorities() + (priorities() == 1 ? " priority" : " priorities"))
                + (isRendezvous() ? ", rendezvous" : messageLimit() > 0 ? ", limit " + messageLimit() + " messages" : "")
                + (receivePolicy() == ReceivePolicy.EXCLUSIVE ? "" : ", " + receivePolicy() + " receive policy")
                + (protocol().isEmpty() ? "" : ", protocol " + protocol()) + "]";
    }

    // =================================================================== sending

    /**
     * Sends {@code message} if there is room now; returns false if the mailbox is full, or if every
     * sender slot of a many-sender mailbox stays held for a few microseconds (see {@link
     * MailboxOptions.Builder#senderSlots}). On a rendezvous mailbox: hands it to a receiver blocked
     * in a receive now (not to one waiting in a select), waiting for that receiver's take at most the
     * {@linkplain MailboxOptions.Builder#deadSenderTimeout dead-sender timeout}; see {@link
     * #offer(byte[], int)}.
     */
    public boolean offer(byte[] message) {
        Objects.requireNonNull(message, "message");
        return offer(message, 0, message.length);
    }

    /** Sends {@code length} bytes of {@code message} from {@code offset} if there is room now. */
    public boolean offer(byte[] message, int offset, int length) {
        Objects.requireNonNull(message, "message");
        Objects.checkFromIndexSize(offset, length, message.length);
        return offer(MemorySegment.ofArray(message), offset, length);
    }

    /** Sends the {@code remaining()} bytes of {@code message} if there is room now (then advances its position). */
    public boolean offer(ByteBuffer message) {
        Objects.requireNonNull(message, "message");
        int length = message.remaining();
        if (offer(MemorySegment.ofBuffer(message))) {
            message.position(message.position() + length);
            return true;
        }
        return false;
    }

    /** Sends the bytes of {@code message} if there is room now. */
    public boolean offer(MemorySegment message) {
        Objects.requireNonNull(message, "message");
        return offer(message, 0, checkSize(message.byteSize()));
    }

    /**
     * The at-once send of the copying verbs; it calls the ring's or the lanes' send directly (one
     * call layer less than through {@code offer(..., priority, gateDeadline)}): the send inside a
     * handler of a cross-process ping-pong is this method (docs/benchmarks.md, 2026-12-04).
     */
    private boolean offer(MemorySegment message, long offset, int length) {
        if (lanes != null) {
            return offerToLane(message, offset, length, 0, AT_ONCE);
        }
        return offerToRing(message, offset, length, AT_ONCE);
    }

    /** A send without a priority or on a mailbox without them; {@code gateDeadline} as in {@link #enterSend(long)}. */
    private boolean offerToRing(MemorySegment message, long offset, int length, long gateDeadline) {
        checkSize(length);
        checkOpen();
        MessageMemory.requireAccessible(message, NOTHING_SENT);
        boolean entered = enterSend(gateDeadline);
        try {
            boolean counted = beginSend();
            try {
                return ring.offer(message, offset, length);
            } finally {
                endSend(counted);
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            exitSend(entered);
        }
    }

    /**
     * Before a send on a single-sender mailbox: passes this process's sending gate, unless the
     * calling thread holds it already (a binding or an open claim); returns whether it took it.
     * The sender lease is taken on the first send. {@code gateDeadline}: {@link #AT_ONCE} for an
     * at-once send (waits as long as another thread holds the gate), else the blocking send's
     * deadline, as in {@link #enterReceive(long)}.
     *
     * @throws RoleBusy if it gave up
     */
    private boolean enterSend(long gateDeadline) {
        return singleSender && mapped.sending.enter(gateDeadline);
    }

    private void exitSend(boolean entered) {
        mapped.sending.exit(entered);
    }

    /**
     * Binds this process's sending role to the calling thread until the binding is closed: on a
     * single-sender mailbox, that thread's sends then take no lock at all (no atomic instruction
     * per message: the fastest path, like an exclusive publication), while other threads' sends
     * wait until the binding is closed. Waits for a send, claim or binding of another thread to
     * end first: at once if there is none, whatever the interrupt status; a {@link #close()} of
     * this handle by another thread ends the wait with {@link ClosedException}, an interrupt with a
     * {@link MailboxException} caused by an {@link InterruptedException} (this method declares none;
     * the status stays set), and nothing is bound (until 2026-12-07 the wait ignored both and then
     * bound a closed handle). On a many-sender mailbox the binding changes nothing (sends never
     * lock there).
     *
     * <p>Only the binding thread may close it. Its sends take no gate that a {@link #close()} of
     * another thread could see: it must not be inside a send while another thread closes the
     * process's last handle of the mailbox (close the binding first).
     *
     * @throws MailboxBusyException if another process is the single sender
     * @throws IllegalStateException if this thread already holds a binding or an open claim
     * @throws ClosedException       if this handle is closed, also while it waits
     * @throws MailboxException      caused by an {@link InterruptedException} if interrupted while it waits
     */
    public RoleBinding bindSender() {
        checkOpen();
        return singleSender ? mapped.sending.bind("sending role of mailbox '" + mapped.name + "'", this::checkOpen)
                : new RoleBinding(null);
    }

    /** Sends {@code message}, waiting for room as long as needed. */
    public void put(byte[] message) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        offerUntil(MemorySegment.ofArray(message), FOREVER);
    }

    /** Sends the remaining bytes of {@code message}, waiting for room as long as needed. */
    public void put(ByteBuffer message) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        int length = message.remaining();
        offerUntil(MemorySegment.ofBuffer(message), FOREVER);
        message.position(message.position() + length);
    }

    /** Sends {@code message}, waiting for room as long as needed. */
    public void put(MemorySegment message) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        if (lanes == null) {
            try {
                if (offerToRing(message, 0, checkSize(message.byteSize()), FOREVER)) {
                    return; // the common case: room at once, without the blocking loop
                }
            } catch (RoleBusy busy) { // the blocking loop waits on for the role (or reports the interrupt)
            }
        }
        offerUntil(message, FOREVER);
    }

    /** Sends {@code message}, waiting at most {@code timeout} for room; false if it timed out. */
    public boolean offer(byte[] message, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        return offerUntil(MemorySegment.ofArray(message), deadline(timeout));
    }

    /** Sends the remaining bytes of {@code message}, waiting at most {@code timeout}; false if it timed out. */
    public boolean offer(ByteBuffer message, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        int length = message.remaining();
        if (offerUntil(MemorySegment.ofBuffer(message), deadline(timeout))) {
            message.position(message.position() + length);
            return true;
        }
        return false;
    }

    /** Sends {@code message}, waiting at most {@code timeout} for room; false if it timed out. */
    public boolean offer(MemorySegment message, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        return offerUntil(message, deadline(timeout));
    }

    private boolean offerUntil(MemorySegment message, long deadline) throws InterruptedException {
        return offerUntil(message, 0, deadline);
    }

    private boolean offerUntil(MemorySegment message, int priority, long deadline) throws InterruptedException {
        int length = checkSize(message.byteSize());
        if (rendezvous != null) {
            return handOver(message, 0, length, priority, deadline, false) != 0;
        }
        checkPriority(priority);
        try {
            if (offer(message, 0, length, priority, deadline)) {
                return true; // the common case, without the blocking loop's lambda
            }
        } catch (RoleBusy busy) { // the blocking loop waits on for the role
        }
        return until(gate -> offer(message, 0, length, priority, gate) ? Boolean.TRUE : null, length, priority,
                deadline) != null;
    }

    // ------------------------------------------------------------ with priorities

    /**
     * Sends {@code message} at {@code priority} if there is room in its level now; false if full.
     * On a rendezvous mailbox: hands the message to a receiver that is blocked in a receive at this
     * moment, and returns true once it took it; false at once if none is waiting or no ticket slot
     * is free (all 64 held by live senders' sends, or lost to receivers killed at one instant of
     * their take, as docs/message-passing.md describes), and false (the
     * message withdrawn, never delivered) if that receiver does not hand it out at once but would
     * hold it: an {@link Endpoint}'s {@code receive(Q)} that waits for another sender declines it,
     * so this call never waits for the receiving application. Nor for a receiver that does not
     * take it within the mailbox's {@linkplain MailboxOptions.Builder#deadSenderTimeout dead-sender
     * timeout} (100 ms by default): one stopped ({@code SIGSTOP}, a debugger), descheduled on a
     * loaded machine, or whose process's receive is held up (another thread of it runs a {@link
     * MessageHandler}): the message is then withdrawn (never delivered) and the call returns false;
     * a message taken in the meantime counts as sent (true). Until 2026-12-07 it waited for such a
     * receiver with no bound. A sender that must not lose the hand-over to a slow receiver uses a
     * timed {@code offer} or {@code put}. A receiver waiting in a select ({@link MailboxSelector},
     * {@code io.jipc.select.Selector}) is not blocked in a receive: this returns false while it
     * selects; a timed {@link #offer(byte[], Duration)} or {@link #put} reaches it (see {@link
     * MailboxSelector}).
     *
     * @throws IllegalArgumentException if {@code priority} is not in {@code 0..priorities()-1}
     */
    public boolean offer(byte[] message, int priority) {
        Objects.requireNonNull(message, "message");
        return offer(MemorySegment.ofArray(message), priority);
    }

    /** Sends the bytes of {@code message} at {@code priority} if there is room now; see {@link #offer(byte[], int)}. */
    public boolean offer(MemorySegment message, int priority) {
        Objects.requireNonNull(message, "message");
        return offer(message, 0, checkSize(message.byteSize()), priority, AT_ONCE);
    }

    /** Sends {@code message} at {@code priority}, waiting for room (or, rendezvous, for a receiver to take it). */
    public void put(byte[] message, int priority) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        offerUntil(MemorySegment.ofArray(message), priority, FOREVER);
    }

    /** Sends the bytes of {@code message} at {@code priority}, waiting as {@link #put(byte[], int)} does. */
    public void put(MemorySegment message, int priority) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        offerUntil(message, priority, FOREVER);
    }

    /**
     * Sends {@code message} at {@code priority}, waiting at most {@code timeout} for room (or,
     * rendezvous, for a receiver to take it: if none did in time, the message is withdrawn and
     * no receiver ever gets it); false if it timed out.
     */
    public boolean offer(byte[] message, int priority, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        return offerUntil(MemorySegment.ofArray(message), priority, deadline(timeout));
    }

    /** Sends the bytes of {@code message} at {@code priority}, waiting at most {@code timeout}; see {@link #offer(byte[], int, Duration)}. */
    public boolean offer(MemorySegment message, int priority, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        return offerUntil(message, priority, deadline(timeout));
    }

    private boolean offer(MemorySegment message, long offset, int length, int priority, long gateDeadline) {
        if (lanes == null) {
            checkPriority(priority);
            return offerToRing(message, offset, length, gateDeadline);
        }
        return offerToLane(message, offset, length, priority, gateDeadline);
    }

    private void checkPriority(int priority) {
        if (priority < 0 || priority >= priorities()) {
            throw new IllegalArgumentException("priority " + priority + " outside 0.." + (priorities() - 1)
                    + " of mailbox '" + mapped.name + "'");
        }
    }

    /** A non-blocking send with an envelope (on a rendezvous mailbox: a hand-over to a waiting receiver). */
    private boolean offerToLane(MemorySegment message, long offset, int length, int priority, long gateDeadline) {
        checkSize(length);
        checkPriority(priority); // arguments before state, as the blocking verbs do
        checkOpen();
        MessageMemory.requireAccessible(message, NOTHING_SENT);
        if (rendezvous != null) {
            // an at-once offer does not look at the interrupt status (as no verb that does not wait
            // does): set aside while it waits for the receiver's take, set again on return; an
            // interrupt that comes meanwhile withdraws the message (false) and is kept too
            boolean interrupted = Thread.interrupted();
            try {
                // the waiting receiver may be stopped, or held up in this process: wait for its
                // take no longer than the dead-sender timeout, then withdraw (it never got it)
                return handOver(message, offset, length, priority,
                        System.nanoTime() + ring.config().stallTimeoutNanos(), true) != 0;
            } catch (InterruptedException e) {
                interrupted = true; // the message was withdrawn
                return false;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return sendToLane(message, offset, length, priority, 0, gateDeadline);
    }

    private boolean sendToLane(MemorySegment message, long offset, int length, int priority, long ticket,
                               long gateDeadline) {
        boolean entered = enterSend(gateDeadline);
        try {
            boolean counted = beginSend();
            try {
                return lanes.offer(message, offset, length, priority, ticket);
            } finally {
                endSend(counted);
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            exitSend(entered);
        }
    }

    /** {@link #sendToLane} as the first try of a blocking send: false if it gave up waiting for the role. */
    private boolean firstSendToLane(MemorySegment message, long offset, int length, int priority, long ticket,
                                    long gateDeadline) {
        try {
            return sendToLane(message, offset, length, priority, ticket, gateDeadline);
        } catch (RoleBusy busy) { // the blocking loop waits on for the role
            return false;
        }
    }

    // ------------------------------------------------------------ rendezvous

    /**
     * Sends {@code length} bytes of {@code message} from {@code offset} with a ticket and waits until
     * a receiver took it; returns the receiver's process token (a receipt). Withdraws the message
     * (and returns 0) once the deadline passed (an at-once offer's is the dead-sender timeout,
     * {@link #offerToLane}) or, with {@code onlyToWaitingReceiver} (an at-once offer), when no
     * receiver is (still) blocked in a receive; such a message is marked, and a
     * receiver that would hold it instead of handing it out declines it (0 as well, see {@link
     * Rendezvous}). A send that gets no ticket slot (all {@value MailboxDescriptor#TICKETS} held by
     * live senders, or lost) by its deadline, and an at-once offer that finds none free, send nothing
     * and return 0. The send is tried once before the blocking loop,
     * whose attempt is a capturing lambda: with room at once (the common case), nothing is allocated.
     * A {@link #close()} of another thread that unmaps the mailbox meanwhile ends it with {@link
     * ClosedException} (its message withdrawn by the close: no receiver gets it), or with the
     * receipt of a receiver that took it before the close; never with the {@link
     * IllegalStateException} of the unmapped memory.
     */
    private long handOver(MemorySegment message, long offset, int length, int priority, long deadline,
                             boolean onlyToWaitingReceiver) throws InterruptedException {
        checkOpen();
        checkPriority(priority);
        MessageMemory.requireAccessible(message, NOTHING_SENT);
        Rendezvous tickets = lanes.rendezvous;
        try {
            if (onlyToWaitingReceiver && !tickets.receiverWaiting(false)) {
                return 0;
            }
            // an at-once offer takes a free slot or none; a timed send waits for one until its deadline
            long ticket = tickets.issueTicket(onlyToWaitingReceiver,
                    onlyToWaitingReceiver ? System.nanoTime() : deadline);
            if (ticket == 0) {
                return 0; // no slot by the deadline: nothing sent
            }
            try {
                boolean sent = firstSendToLane(message, offset, length, priority, ticket,
                        onlyToWaitingReceiver ? AT_ONCE : deadline)
                        || (!onlyToWaitingReceiver
                        && until(gate -> sendToLane(message, offset, length, priority, ticket, gate) ? Boolean.TRUE : null,
                        length, priority, deadline) != null);
                return sent ? awaitTaken(ticket, deadline, onlyToWaitingReceiver) : 0;
            } finally {
                tickets.release(ticket); // not after the close of the last handle: that gave it back
            }
        } catch (IllegalStateException e) { // unmapped by a close() of another thread
            throw closedOr(e);
        }
    }

    /**
     * Waits until the message of {@code ticket} is taken; withdraws it when giving up (see
     * {@link #handOver}). When the close of this process's last handle (by another thread) ends the
     * wait, the close has settled the ticket for it ({@link Rendezvous#leave()}): withdrawn (then
     * {@link ClosedException}), or taken by a receiver just before (then its receipt). A sleep
     * lasts at most the dead-sender timeout: a receiver killed between its take (the ticket's
     * compare-and-set) and its wake rings nobody, and the sender sees the take at its next look.
     */
    private long awaitTaken(long ticket, long deadline, boolean whileReceiverWaits) throws InterruptedException {
        Rendezvous tickets = lanes.rendezvous;
        long checkAliveAt = System.nanoTime() + ring.config().stallTimeoutNanos();
        try {
            if (Idle.quickPollsFirst(mapped.strategy)) {
                // a receiver that is waiting takes it within these: then no idle state is made
                for (int i = 0; i < Idle.QUICK_POLLS; i++) {
                    if (!tickets.pending(ticket)) {
                        return reported(tickets.settle(ticket, false));
                    }
                }
            }
            Idle idle = new Idle(mapped.strategy);
            while (tickets.pending(ticket)) {
                if (idle.checkpoint()) {
                    // a close is the end of the call, also with the interrupt status set (the JDK
                    // sets it when it unmaps under this thread's look at the ticket): settled below
                    // (an at-once offer comes with the status set aside: offerToLane)
                    if (!closed && Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    long now = System.nanoTime();
                    boolean pastDeadline = deadline != FOREVER && now - deadline >= 0;
                    if (closed || pastDeadline
                            || (whileReceiverWaits && !tickets.receiverWaiting(now - checkAliveAt >= 0))) {
                        if (pastDeadline && whileReceiverWaits) {
                            // an at-once offer's bound (the dead-sender timeout) came before its liveness
                            // look: the look clears the marks of receivers that died while they waited, so
                            // that the next offer returns false at once rather than wait for them too
                            tickets.receiverWaiting(true);
                        }
                        long outcome = tickets.settle(ticket, true);
                        if (outcome == Rendezvous.WITHDRAWN) {
                            checkOpen();
                            return 0;
                        }
                        return reported(outcome);
                    }
                }
                if (idle.idle()) {
                    int signal = tickets.taken.prepare();
                    if (tickets.pending(ticket) && !closed) {
                        // a receiver that stops waiting does not ring: look again every 10 ms then; and a
                        // receiver killed between its take (the ticket's compare-and-set) and its wake
                        // rings nobody: look again after the dead-sender timeout in any case
                        long sleepUntil = System.nanoTime()
                                + (whileReceiverWaits ? 10_000_000L : ring.config().stallTimeoutNanos());
                        tickets.taken.await(signal, deadline - sleepUntil < 0 ? deadline : sleepUntil);
                    }
                }
            }
            return reported(tickets.settle(ticket, false));
        } catch (InterruptedException e) {
            long outcome = tickets.settle(ticket, true);
            if (outcome == Rendezvous.WITHDRAWN || outcome == Rendezvous.WITHDRAWN_BY_CLOSE || outcome == 0) {
                throw e; // withdrawn, or declined: not sent
            }
            Thread.currentThread().interrupt(); // taken after all: the send succeeded
            return outcome;
        } catch (IllegalStateException e) {
            if (tickets.hasLeft()) { // unmapped by the close of the last handle, which settled the ticket
                return reported(tickets.settle(ticket, false));
            }
            throw closedOr(e);
        }
    }

    /**
     * What a send whose ticket is settled ({@link Rendezvous#settle}) returns: its receipt, or 0 if
     * declined; {@link ClosedException} if the close of the last handle withdrew its message.
     */
    private long reported(long outcome) {
        if (outcome == Rendezvous.WITHDRAWN_BY_CLOSE) {
            throw new ClosedException("mailbox '" + mapped.name + "' was closed (the message was withdrawn)");
        }
        return outcome;
    }

    // ------------------------------------------------------------ transfer (with a receipt)

    /**
     * Sends {@code message} and waits until a receiver took it, like
     * {@link java.util.concurrent.TransferQueue#transfer}; returns the receiving process (a
     * receipt: with {@linkplain ReceivePolicy#SHARED shared receivers}, which one the system
     * picked). Needs a mailbox with headers. If interrupted before a receiver took it, the message
     * is withdrawn (no receiver ever gets it).
     *
     * @throws IllegalStateException if the mailbox was created without headers
     */
    public ProcessIdentity transfer(byte[] message) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        return transfer(message, 0);
    }

    /** {@link #transfer(byte[])} at {@code priority}. */
    public ProcessIdentity transfer(byte[] message, int priority) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        return receiver(transferUntil(message, priority, FOREVER));
    }

    /**
     * Sends {@code message} and waits at most {@code timeout} until a receiver took it; returns the
     * receiving process, or null if none took it in time: the message is then withdrawn.
     */
    public ProcessIdentity tryTransfer(byte[] message, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        return receiver(transferUntil(message, 0, deadline(timeout)));
    }

    private long transferUntil(byte[] message, int priority, long deadline) throws InterruptedException {
        requireHeaders("transfer");
        int length = checkSize(message.length);
        return handOver(MemorySegment.ofArray(message), 0, length, priority, deadline, false);
    }

    /** The receipt as a process identity: null if not taken; pid 0 if the receiver can no longer be named. */
    private static ProcessIdentity receiver(long token) {
        if (token == 0) {
            return null;
        }
        return token == -1 ? new ProcessIdentity(0, 0)
                : new ProcessIdentity(ProcessIdentity.pidOf(token), token & 0xFFFF_FFFFL);
    }

    /**
     * One attempt of a blocking call, made on {@code mailbox} with {@code argument}: non-null once
     * it succeeded. {@code gateDeadline} is the call's deadline, for the wait for a role that
     * another thread holds ({@link #enterReceive(long)}). The receives pass lambdas that capture
     * nothing (one instance for every call), so that a receive that waits allocates nothing.
     */
    @FunctionalInterface
    private interface Attempt<A, T> {
        T make(Mailbox mailbox, A argument, long gateDeadline);
    }

    /** {@link #until(Attempt, Object, int, int, long)} with an attempt that may capture (sends: they wait only when full). */
    private <T> T until(LongFunction<T> attempt, int sendLength, int priority, long deadline)
            throws InterruptedException {
        return until((mailbox, function, gate) -> function.apply(gate), attempt, sendLength, priority, deadline);
    }

    /**
     * The blocking loop of every send and receive: makes {@code attempt} with {@code argument}
     * until it returns non-null, idling between attempts (for room for {@code sendLength} bytes, or
     * for a message when {@code sendLength} is negative); null once the deadline passed. An
     * attempt or idle step that gave up waiting for a role held by another thread ({@link
     * RoleBusy}: the deadline passed, or this thread was interrupted) ends here in the checks of
     * a blocked call.
     */
    private <A, T> T until(Attempt<A, T> attempt, A argument, int sendLength, int priority, long deadline)
            throws InterruptedException {
        Idle idle = null;
        boolean announced = false; // as a receiver waiting for a rendezvous sender
        try {
            while (true) {
                T result;
                try {
                    result = attempt.make(this, argument, deadline);
                } catch (RoleBusy busy) {
                    if (!checkpoint(deadline)) {
                        return null;
                    }
                    continue;
                }
                if (result != null) {
                    return result;
                }
                if (idle == null) {
                    idle = sendLength < 0 ? mapped.receiveIdle() : new Idle(mapped.strategy);
                    if (sendLength < 0 && rendezvous != null) {
                        rendezvous.receiverWaits();
                        announced = true;
                    }
                }
                boolean goOn;
                try {
                    goOn = sendLength < 0 ? awaitMessage(idle, deadline)
                            : awaitRoom(idle, sendLength, priority, deadline);
                } catch (RoleBusy busy) {
                    goOn = checkpoint(deadline);
                }
                if (!goOn) {
                    return null;
                }
            }
        } finally {
            if (announced) {
                rendezvous.receiverDone();
            }
        }
    }

    /**
     * Claims room for a message of {@code length} bytes to be written in place, or returns null if
     * the mailbox is full now (or, many senders, every sender slot stays held for a few
     * microseconds: see {@link MailboxOptions.Builder#senderSlots}). See {@link MailboxClaim}.
     */
    public MailboxClaim tryClaim(int length) {
        return tryClaim(length, 0);
    }

    /**
     * Claims room for a message of {@code length} bytes at {@code priority}, or returns null if its
     * level is full now. The message's header is written at {@link MailboxClaim#commit()}.
     *
     * @throws UnsupportedOperationException on a rendezvous mailbox (a claim cannot wait for a receiver)
     */
    public MailboxClaim tryClaim(int length, int priority) {
        return tryClaim(length, priority, AT_ONCE);
    }

    private MailboxClaim tryClaim(int length, int priority, long gateDeadline) {
        checkSize(length);
        checkPriority(priority); // arguments before state, as the blocking verbs do
        checkOpen();
        if (rendezvous != null) {
            throw new UnsupportedOperationException("mailbox '" + mapped.name + "' is a rendezvous: use put or offer");
        }
        boolean entered = enterSend(gateDeadline);
        boolean claimed = false;
        boolean counted;
        try {
            counted = beginSend();
        } catch (ClosedException e) {
            exitSend(entered);
            throw e;
        }
        try {
            long position = lanes == null ? ring.tryClaim(length) : lanes.tryClaim(length, priority);
            if (position == RecordRing.FULL) {
                return null;
            }
            claimed = true;
            // a claim that took the gate keeps it until it is committed or aborted
            MemorySegment bytes = lanes == null ? ring.buffer().asSlice(ring.payloadOffset(position), length)
                    : lanes.claimed(priority, position, length);
            MailboxClaim claim = new MailboxClaim(this, position, bytes, entered, priority);
            openClaims.add(claim);
            if (closed) { // closed meanwhile, maybe after close() aborted the open claims: not left behind
                claim.abortForClose();
                throw new ClosedException("mailbox '" + mapped.name + "' was closed during the claim");
            }
            return claim;
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            endSend(counted);
            if (!claimed) {
                exitSend(entered);
            }
        }
    }

    /** Claims room for a message of {@code length} bytes, waiting as long as needed. */
    public MailboxClaim claim(int length) throws InterruptedException {
        return claimUntil(length, 0, FOREVER);
    }

    /** Claims room for a message of {@code length} bytes, waiting at most {@code timeout}; null if it timed out. */
    public MailboxClaim claim(int length, Duration timeout) throws InterruptedException {
        return claimUntil(length, 0, deadline(timeout));
    }

    /** Claims room for a message of {@code length} bytes at {@code priority}, waiting as long as needed. */
    public MailboxClaim claim(int length, int priority) throws InterruptedException {
        return claimUntil(length, priority, FOREVER);
    }

    private MailboxClaim claimUntil(int length, int priority, long deadline) throws InterruptedException {
        return until(gate -> tryClaim(length, priority, gate), length, priority, deadline);
    }

    void finishClaim(MailboxClaim claim, long position, boolean commit, boolean tookGate, int priority, int length) {
        openClaims.remove(claim);
        try {
            if (lanes != null) {
                lanes.finish(priority, position, length, commit);
            } else if (commit) {
                ring.commit(position);
            } else {
                ring.abort(position);
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            exitSend(tookGate);
        }
    }

    /**
     * One step of waiting for room; false once the deadline passed. A sleep lasts at most the
     * dead-sender timeout ({@link RecordRing#awaitSpace}): a receiver killed between freeing the
     * room and its wake rings nobody, and the sender sees the room at its next look. A send that
     * found room but no free sender slot (all held by sends in flight, or by senders killed
     * mid-send whose messages no receiver has skipped yet) naps instead ({@link
     * RecordRing#awaitSlot}, {@link Idle#slotNap()}): a sender that gives its slot back rings
     * nothing.
     */
    private boolean awaitRoom(Idle idle, int length, int priority, long deadline) throws InterruptedException {
        RecordRing ring = lanes == null ? this.ring : lanes.ring(priority);
        int claimLength = lanes == null ? length : lanes.claimLength(length);
        if (idle.checkpoint() && !checkpoint(deadline)) {
            return false;
        }
        if (!idle.idle()) {
            return true;
        }
        int signal;
        boolean slotHeld = false;
        try {
            boolean entered = enterSend(deadline); // a single sender's room check reads its own tail
            try {
                signal = ring.prepareSpaceWait();
                if (closed) {
                    return true;
                }
                if (ring.hasRoomFor(claimLength)) {
                    if (ring.hasFreeSlot()) {
                        return true;
                    }
                    slotHeld = true;
                }
            } finally {
                exitSend(entered);
            }
            if (slotHeld) {
                ring.awaitSlot(signal, idle.slotNap(), deadline);
            } else {
                ring.awaitSpace(signal, deadline);
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
        return true;
    }

    // =================================================================== receiving

    /** Receives the next message if there is one now; null if the mailbox is empty. */
    public byte[] poll() {
        return poll(AT_ONCE);
    }

    /** {@link #poll()}, waiting for the receiving role at most until {@code gateDeadline} (see {@link #enterReceive(long)}). */
    private byte[] poll(long gateDeadline) {
        checkOpen();
        boolean entered = enterReceive(gateDeadline);
        try {
            copyOut.message = null;
            if (lanes != null) {
                lanes.receive(copyOut);
            } else {
                ring.read(copyOut, 1);
            }
            byte[] message = copyOut.message;
            copyOut.message = null;
            return message;
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            exitReceive(entered);
        }
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
        byte[] message;
        try {
            message = poll(deadline);
        } catch (RoleBusy busy) { // the blocking loop waits on for the role
            message = null;
        }
        return message != null ? message
                : until((mailbox, unused, gate) -> mailbox.poll(gate), null, RECEIVE, 0, deadline);
    }

    /**
     * Receives the next message into {@code destination} (from its position, which is advanced) if
     * there is one now; returns its length, or -1 if the mailbox is empty.
     *
     * @throws MessageTooLargeException if the message does not fit in {@code destination.remaining()}
     *                                  bytes; the message stays in the mailbox
     * @throws ReadOnlyBufferException  if {@code destination} is read-only; the message stays in the mailbox
     * @throws IllegalStateException    if {@code destination} is a segment's {@code asByteBuffer()} of a
     *                                  closed arena ({@link WrongThreadException}: of a confined arena of
     *                                  another thread); the message stays in the mailbox, as it does when
     *                                  such an arena is closed during the copy (it is consumed only once
     *                                  copied). The same holds for every receive into a buffer.
     */
    public int poll(ByteBuffer destination) {
        Objects.requireNonNull(destination, "destination");
        return pollInto(destination, false, AT_ONCE);
    }

    /**
     * Truncating receive, the {@code receive(from, msg, sz)} of lecture 004: receives the next
     * message if there is one now, copies as much of it as fits in {@code destination.remaining()}
     * bytes into {@code destination} (from its position, which is advanced by the bytes copied) and
     * discards the rest; returns the message's whole length, or -1 if the mailbox is empty. The
     * message was truncated if that length exceeds the bytes copied; like {@code recv(2)} with
     * {@code MSG_TRUNC}, the caller learns how much it lost. Only for a caller that asked: every
     * other receive refuses a message that does not fit ({@link MessageTooLargeException}).
     *
     * @throws ReadOnlyBufferException if {@code destination} is read-only; the message stays in the mailbox
     */
    public int pollTruncating(ByteBuffer destination) {
        Objects.requireNonNull(destination, "destination");
        return pollInto(destination, true, AT_ONCE);
    }

    /** {@link #pollTruncating(ByteBuffer)}, waiting as long as needed for a message. */
    public int takeTruncating(ByteBuffer destination) throws InterruptedException {
        Objects.requireNonNull(destination, "destination");
        return pollUntil(destination, true, FOREVER);
    }

    /** {@link #pollTruncating(ByteBuffer)}, waiting at most {@code timeout}; -1 if none came. */
    public int pollTruncating(ByteBuffer destination, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(destination, "destination");
        return pollUntil(destination, true, deadline(timeout));
    }

    /** Receives into {@code destination}: refusing a message that does not fit, or truncating it. */
    private int pollInto(ByteBuffer destination, boolean truncate, long gateDeadline) {
        if (destination.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        checkOpen();
        boolean entered = enterReceive(gateDeadline);
        try {
            if (lanes != null) {
                return pollLane(destination, truncate);
            }
            int length = ring.nextMessageLength();
            if (length < 0) {
                return -1;
            }
            int copied = fitting(length, destination, truncate);
            MemorySegment target = MemorySegment.ofBuffer(destination);
            MessageMemory.requireAccessible(target, MESSAGE_STAYS);
            // consumed only once copied: a copy that fails anyway (the arena closed meanwhile) leaves it
            ring.readIfHandled((buffer, offset, len) -> MemorySegment.copy(buffer, offset, target, 0, copied));
            destination.position(destination.position() + copied);
            return length;
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            exitReceive(entered);
        }
    }

    /** The bytes of a {@code length}-byte message to copy into {@code destination}; refused if it must fit and does not. */
    private static int fitting(int length, ByteBuffer destination, boolean truncate) {
        if (length <= destination.remaining()) {
            return length;
        }
        if (truncate) {
            return destination.remaining();
        }
        throw new MessageTooLargeException("message of " + length + " bytes does not fit in a buffer with "
                + destination.remaining() + " bytes remaining", length, destination.remaining());
    }

    /** {@link #pollInto} from the lanes, under the receive lock. */
    private int pollLane(ByteBuffer destination, boolean truncate) {
        while (true) {
            int length = lanes.peekLength();
            if (length < 0) {
                return -1;
            }
            int copied = fitting(length, destination, truncate);
            MemorySegment target = MemorySegment.ofBuffer(destination);
            MessageMemory.requireAccessible(target, MESSAGE_STAYS);
            if (lanes.receiveCopyFrom(lanes.peekedLevel(),
                    (buffer, envelope, offset, len) -> MemorySegment.copy(buffer, offset, target, 0, copied))) {
                destination.position(destination.position() + copied);
                return length;
            }
            // withdrawn by its rendezvous sender meanwhile: the next one
        }
    }

    /** Receives the next message into {@code destination}, waiting as long as needed; returns its length. */
    public int take(ByteBuffer destination) throws InterruptedException {
        Objects.requireNonNull(destination, "destination");
        return pollUntil(destination, false, FOREVER);
    }

    /** Receives the next message into {@code destination}, waiting at most {@code timeout}; -1 if none came. */
    public int poll(ByteBuffer destination, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(destination, "destination");
        return pollUntil(destination, false, deadline(timeout));
    }

    private int pollUntil(ByteBuffer destination, boolean truncate, long deadline) throws InterruptedException {
        try {
            int n = pollInto(destination, truncate, deadline);
            if (n >= 0) {
                return n; // the common case, without the blocking loop
            }
        } catch (RoleBusy busy) { // the blocking loop waits on for the role
        }
        Integer length = until((mailbox, buffer, gate) -> {
            int received = mailbox.pollInto(buffer, truncate, gate);
            return received >= 0 ? received : null;
        }, destination, RECEIVE, 0, deadline);
        return length == null ? -1 : length;
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

    private boolean pollUntil(MessageHandler handler, long deadline) throws InterruptedException {
        Objects.requireNonNull(handler, "handler");
        if (plainRing && mapped.receiving.isHeldByCurrentThread() && mapped.handling == null) {
            return boundPollUntil(handler, deadline);
        }
        return unboundPollUntil(handler, deadline);
    }

    /**
     * {@link #pollUntil(MessageHandler, long)} without a binding: kept out of it, so that the bound
     * receiver's path stays a small method (the spinning cross-process round trip's median was
     * about 0.1 µs longer in most runs while this code was inline there: docs/benchmarks.md,
     * 2026-12-04).
     */
    private boolean unboundPollUntil(MessageHandler handler, long deadline) throws InterruptedException {
        try {
            if (drain(handler, 1, deadline) == 1) {
                return true; // the common case, without the blocking loop's lambda
            }
        } catch (RoleBusy busy) { // the blocking loop waits on for the role
        }
        return until((mailbox, h, gate) -> mailbox.drain(h, 1, gate) == 1 ? Boolean.TRUE : null, handler, RECEIVE,
                0, deadline) != null;
    }

    /**
     * {@link #pollUntil} for the thread that holds the receiving role of a mailbox without
     * envelopes (a binding, see {@link #bindReceiver()}): the role cannot change hands and no other
     * thread of this process reads the ring meanwhile, so the wait polls the ring directly. Between
     * seeing a message and handing it to {@code handler} there is nothing but the ring's read. The
     * first polls come in bursts ({@link Idle#burstAllowed()}) with the checks of a receive (closed,
     * interrupted, deadline) once per burst; later ones go through {@link #awaitMessage}.
     *
     * <p>A receiver that has taken a backlog of at least {@link Idle#STREAM_BACKLOG} messages
     * without waiting (here or in {@link #drain}) and then finds the ring empty has caught up with
     * a sender that streams: under a spinning strategy it pauses first ({@link Idle#streamPause},
     * 5 µs by default) instead of polling the record the sender is writing. If a message is there
     * right after the pause, the stream goes on, and the next catch-up pauses again.
     *
     * <p>Every poll is the same call of the ring's {@code read}, so the compiler inlines the read,
     * and the handler with it, once. With a call for the first poll, one in the burst and one after
     * a wait, a round trip's processor work in one thread ({@code EchoPathBenchmark}) was about 8 ns
     * longer.
     */
    private boolean boundPollUntil(MessageHandler handler, long deadline) throws InterruptedException {
        checkOpen();
        if (mapped.outstanding != null) {
            enterReceive(AT_ONCE); // throws: a delivery is not acknowledged
        }
        InPlaceAdapter adapter = mapped.handlerAdapter.handling(handler);
        mapped.handling = this;
        try {
            Idle idle = null;
            boolean inBurst = false;
            int burstLeft = 0;
            int backlog = mapped.backlog;
            boolean waited = false;
            boolean paused = false; // true for the poll right after a stream pause
            // the only call of read (see above)
            while (ring.read(adapter, 1) != 1) {
                if (!waited) { // the first empty poll: caught up
                    waited = true;
                    mapped.backlog = 0;
                    if (Idle.pausesAfterStream(mapped.strategy, backlog)) {
                        mapped.streamPauses++;
                        paused = true;
                        Idle.streamPause(deadline);
                        continue;
                    }
                }
                paused = false; // empty after the pause too: the stream has ended
                if (burstLeft > 0) {
                    burstLeft--;
                    Idle.gap();
                    continue;
                }
                if (idle == null) {
                    idle = mapped.receiveIdle();
                } else if (inBurst) {
                    inBurst = false;
                    idle.burstDone();
                    if (!checkpoint(deadline)) {
                        return false;
                    }
                }
                if (idle.burstAllowed()) {
                    inBurst = true;
                    burstLeft = Idle.BURST - 1;
                    Idle.gap();
                } else if (!awaitMessage(idle, deadline, true)) {
                    return false;
                }
            }
            if (!waited) {
                mapped.backlog = Math.min(backlog + 1, Idle.STREAM_BACKLOG);
            } else if (paused) {
                mapped.backlog = Idle.STREAM_BACKLOG; // the stream goes on: pause again when caught up
            }
            return true;
        } catch (InPlaceAdapter.Stopped stopped) {
            return true; // the handler closed a handle of this mailbox
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            mapped.handling = null;
            adapter.handling(null);
            mapped.finishReleaseAfterHandler();
        }
    }

    /** Hands every message available now (up to 256), in place and in order, to {@code handler}. */
    public int drain(MessageHandler handler) {
        return drain(handler, DRAIN_BATCH);
    }

    /**
     * Hands up to {@code limit} messages available now, in place and in order, to {@code handler};
     * returns how many. The messages' space is freed when this returns. If the handler throws, the
     * message it was given counts as received and the exception propagates.
     */
    public int drain(MessageHandler handler, int limit) {
        return drain(handler, limit, AT_ONCE);
    }

    private int drain(MessageHandler handler, int limit, long gateDeadline) {
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        boolean entered = enterReceive(gateDeadline);
        mapped.handling = this;
        try {
            if (lanes != null) {
                Lanes.Receiver receiver = mapped.handlerAdapter.handling(handler);
                int count = 0;
                while (count < limit && !mapped.handlerAdapter.stopped() && lanes.receive(receiver)) {
                    count++;
                }
                return count;
            }
            int read = ring.read(mapped.handlerAdapter.handling(handler), limit);
            if (read > 0 && mapped.backlog < Idle.STREAM_BACKLOG) {
                mapped.backlog = (int) Math.min((long) mapped.backlog + read, Idle.STREAM_BACKLOG);
            }
            return read;
        } catch (InPlaceAdapter.Stopped stopped) {
            return mapped.handlerAdapter.handed(); // the handler closed a handle of this mailbox
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            mapped.handling = null;
            mapped.handlerAdapter.handling(null);
            try {
                mapped.finishReleaseAfterHandler(); // in the role: no receive waiting for it gets in before the unmapping
            } finally {
                exitReceive(entered);
            }
        }
    }

    /**
     * Starts a listener: a virtual thread that receives every message as it arrives and hands it,
     * in place, to {@code handler}, until {@link MailboxListener#close()} (asynchronous
     * notification). It takes this process's receiving role like any receive, here before it
     * starts, so that a listener that could never receive is refused at once.
     *
     * @throws MailboxBusyException  if another live process is the receiver (the receive policy allows one)
     * @throws IllegalStateException if called from a handler of this mailbox, or while a delivery of
     *                               this process is not acknowledged
     */
    public MailboxListener listen(MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        boolean entered = enterReceive(AT_ONCE); // takes the receiver lease now, or throws
        exitReceive(entered);
        return new MailboxListener(this, handler);
    }

    /**
     * This mailbox as something a {@link MailboxSelector} waits for: readiness is checked, and the
     * wait announced, in this process's receiving role (taking it on first use). A check does not
     * wait for another thread that holds the role (see {@link Selectable.Doorbell.Look#BUSY}).
     */
    MailboxSelector.Waitable waitable() {
        return waitable;
    }

    private final MailboxSelector.Waitable waitable = new MailboxSelector.Waitable() {
        /** What the last look found for {@link #lookAgainBy()}: written and read by the selecting thread. */
        private volatile long lookAgainBy = Long.MAX_VALUE;

        @Override
        public boolean isReady() {
            return look() == Look.READY;
        }

        @Override
        public Look look() {
            checkOpen();
            if (mapped.outstanding != null) {
                // a delivery not acknowledged yet: a receive would be refused until ack() or release(),
                // which rings nothing, so look again soon (as for a role another thread holds)
                return Look.BUSY;
            }
            boolean entered;
            try {
                entered = enterReceive(RoleGate.passedDeadline()); // a brief try: the holder may hold for long
            } catch (RoleBusy busy) {
                return Look.BUSY;
            } catch (MailboxBusyException heldElsewhere) {
                // another live process is the receiver: nothing here is ours to receive while it
                // lives, and nothing rings when it dies or closes, so look again (and take the role
                // over) by the dead-sender timeout; not BUSY, which would look again every 1 ms
                lookAgainBy = System.nanoTime() + ring.config().stallTimeoutNanos();
                return Look.NOT_READY;
            }
            try {
                if (lanes == null ? ring.hasCommitted() || (ring.checkStall() && ring.hasCommitted())
                        : lanes.hasCommitted() || (lanes.checkStall() && lanes.hasCommitted())) {
                    return Look.READY;
                }
                // a sender is mid-send or dead: a look after the stall timeout skips a dead one's
                // claim, which rings nothing, so the selector must look again by then (as take() wakes)
                lookAgainBy = (lanes == null ? ring.claimPending() : lanes.claimPending())
                        ? System.nanoTime() + ring.config().stallTimeoutNanos() : Long.MAX_VALUE;
                return Look.NOT_READY;
            } catch (IllegalStateException e) {
                throw closedOr(e);
            } finally {
                exitReceive(entered);
            }
        }

        @Override
        public int prepareWait() {
            checkOpen();
            try {
                return ring.prepareDataWait(); // ring 0's wait block is every level's doorbell
            } catch (IllegalStateException e) {
                throw closedOr(e);
            }
        }

        @Override
        public long waitAddress() {
            return ring.dataSignalAddress();
        }

        /** The dead-sender timeout from the last look, if it found a claim pending at the head. */
        @Override
        public long lookAgainBy() {
            return lookAgainBy;
        }

        /** Senders ring only if receivers may sleep: not with {@code SPIN} or {@code YIELD}. */
        @Override
        public boolean rings() {
            return mapped.strategy.sleeps();
        }

        @Override
        public boolean isClosed() {
            return Mailbox.this.isClosed();
        }
    };

    /**
     * This mailbox's doorbell, for an {@code io.jipc.select.Selector}: readable when a receive by
     * this process would find a message (at any priority level; with shared receivers another
     * process may take it first). Checking readiness takes this process's receiving role, without
     * waiting for it: while another thread holds it (a handler, a binding, a listener; with shared
     * receivers, another process's receive) the mailbox is not ready for that select round
     * ({@link Selectable.Doorbell.Look#BUSY}) and the selector looks again after at most 1 ms.
     * The senders of a mailbox whose {@linkplain #waitStrategy() strategy} never sleeps ({@code
     * SPIN}, {@code YIELD}) do not ring the doorbell ({@link Selectable.Doorbell#rings()} is
     * false), so while one is registered the selector looks again every 1 ms as well. A look that
     * finds a claim not yet committed at the head (a sender mid-send, or killed between claim and
     * commit) asks the selector to look again within the {@linkplain MailboxOptions#deadSenderTimeout()
     * dead-sender timeout} ({@link Selectable.Doorbell#lookAgainBy()}): a look after it skips a dead
     * sender's claim, so the messages committed behind it are selected, as a blocked {@link #take()}
     * gets them. While another live process is the receiver (the {@linkplain ReceivePolicy receive
     * policy} allows one) the mailbox is not ready for this process ({@link
     * Selectable.Doorbell.Look#NOT_READY}, no {@link MailboxBusyException}), and the selector looks
     * again by the dead-sender timeout: nothing rings when that process dies or closes its last
     * handle, and a look after that takes the role over.
     */
    @Override
    public Selectable.Doorbell readinessSource() {
        checkOpen();
        return waitable;
    }

    // ------------------------------------------------------------ acknowledged mode

    /**
     * Receives the next message in acknowledged mode if there is one now: it stays in the mailbox
     * until {@link Delivery#ack()}, and is delivered again if this process dies first (see
     * {@link Delivery}); null if the mailbox is empty.
     *
     * @throws IllegalStateException         if a delivery of this process is outstanding
     * @throws UnsupportedOperationException with {@linkplain ReceivePolicy#SHARED shared receivers}
     */
    public Delivery pollDelivery() {
        refuseDeliveriesIfShared();
        return pollDelivery(AT_ONCE);
    }

    /**
     * Acknowledged deliveries leave the message at the head until it is acknowledged: shared
     * receivers would all see the same head (one message delivered twice, the next consumed by the
     * second acknowledgement unseen), so every delivery verb refuses them before it waits.
     */
    private void refuseDeliveriesIfShared() {
        if (sharedReceivers) {
            throw new UnsupportedOperationException("mailbox '" + mapped.name + "' has shared receivers:"
                    + " acknowledged deliveries need one receiving process at a time");
        }
    }

    private Delivery pollDelivery(long gateDeadline) {
        return inReceivingRole(gateDeadline, () -> {
            CopyOutMessage copy = new CopyOutMessage();
            int level = 0;
            if (lanes != null) {
                while (lanes.peekLength() >= 0) {
                    level = lanes.peekedLevel();
                    if (lanes.peekLive(level, copy)) {
                        break;
                    }
                }
            } else {
                ring.peek((buffer, offset, length) -> copy.message = new Message(
                        buffer.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE), 0, 0, 0, 0));
            }
            if (copy.message == null) {
                return null;
            }
            Delivery delivery = new Delivery(this, copy.message.payload(), lanes == null ? null : copy.message,
                    level);
            mapped.outstanding = delivery;
            return delivery;
        });
    }

    /** Runs {@code receive} in this process's receiving role (see {@link #enterReceive(long)}). */
    private <T> T inReceivingRole(long gateDeadline, Supplier<T> receive) {
        checkOpen();
        boolean entered = enterReceive(gateDeadline);
        try {
            return receive.get();
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            exitReceive(entered);
        }
    }

    /**
     * Receives the next message in acknowledged mode, waiting as long as needed; see {@link #pollDelivery()}.
     *
     * @throws UnsupportedOperationException with shared receivers, at once (as {@link #pollDelivery()})
     */
    public Delivery takeDelivery() throws InterruptedException {
        refuseDeliveriesIfShared();
        return until((mailbox, unused, gate) -> mailbox.pollDelivery(gate), null, RECEIVE, 0, FOREVER);
    }

    /**
     * Receives the next message in acknowledged mode, waiting at most {@code timeout}; null if none came.
     *
     * @throws UnsupportedOperationException with shared receivers, at once (as {@link #pollDelivery()})
     */
    public Delivery pollDelivery(Duration timeout) throws InterruptedException {
        long deadline = deadline(timeout);
        refuseDeliveriesIfShared();
        return until((mailbox, unused, gate) -> mailbox.pollDelivery(gate), null, RECEIVE, 0, deadline);
    }

    /** Acknowledges (consumes) or releases the outstanding delivery. */
    void finishDelivery(Delivery delivery, boolean consume) {
        if (mapped.outstanding != delivery) {
            throw new IllegalStateException("not this process's outstanding delivery of mailbox '" + mapped.name + "'");
        }
        if (closed) { // the handle it came through is closed: released, so the process's other handles go on
            mapped.outstanding = null;
            throw new ClosedException("mailbox '" + mapped.name + "' is closed: the delivery was released (it will"
                    + " be delivered again), not acknowledged");
        }
        boolean entered = enterRole(AT_ONCE);
        try {
            if (consume) {
                if (lanes != null) {
                    lanes.receiveFrom(delivery.level, (buffer, envelope, offset, length) -> { });
                } else {
                    ring.read((buffer, offset, length) -> { }, 1);
                }
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            mapped.outstanding = null;
            exitReceive(entered);
        }
    }

    // ------------------------------------------------------------ with headers

    /**
     * Receives the next message with its header (sender, sequence, send time, priority) if there is
     * one now; null if the mailbox is empty.
     *
     * @throws IllegalStateException if the mailbox was created without {@linkplain
     *                               MailboxOptions.Builder#headers headers}
     */
    public Message pollMessage() {
        return pollMessage(AT_ONCE);
    }

    private Message pollMessage(long gateDeadline) {
        requireHeaders("takeMessage/pollMessage");
        return inReceivingRole(gateDeadline, () -> {
            CopyOutMessage copy = new CopyOutMessage();
            lanes.receive(copy);
            return copy.message;
        });
    }

    private void requireHeaders(String what) {
        if (lanes == null) {
            throw new IllegalStateException("mailbox '" + mapped.name + "' was created without message headers"
                    + " (MailboxOptions.Builder.headers): " + what + " needs them");
        }
    }

    /** Receives the next message with its header, waiting as long as needed; see {@link #pollMessage()}. */
    public Message takeMessage() throws InterruptedException {
        return until((mailbox, unused, gate) -> mailbox.pollMessage(gate), null, RECEIVE, 0, FOREVER);
    }

    /** Receives the next message with its header, waiting at most {@code timeout}; null if none came. */
    public Message pollMessage(Duration timeout) throws InterruptedException {
        return until((mailbox, unused, gate) -> mailbox.pollMessage(gate), null, RECEIVE, 0, deadline(timeout));
    }

    // ------------------------------------------------------------ held messages (Endpoint)

    /**
     * Receives the next message with its header, waiting as long as needed, like {@link
     * #takeMessage()}, but leaves its rendezvous ticket pending: its sender goes on waiting until
     * {@link #release(long)} takes it. For {@link Endpoint}'s {@code receive(Q)}, which keeps other
     * senders' messages in its process; receiving role, as every receive.
     */
    HeldMessage takeHeld() throws InterruptedException {
        return until((mailbox, unused, gate) -> mailbox.pollHeld(gate), null, RECEIVE, 0, FOREVER);
    }

    /** As {@link #takeHeld()}, waiting at most {@code timeout} (zero: at once); null if none came. */
    HeldMessage pollHeld(Duration timeout) throws InterruptedException {
        return until((mailbox, unused, gate) -> mailbox.pollHeld(gate), null, RECEIVE, 0, deadline(timeout));
    }

    private HeldMessage pollHeld(long gateDeadline) {
        requireHeaders("a held receive");
        return inReceivingRole(gateDeadline, () -> {
            CopyOutHeld copy = new CopyOutHeld();
            lanes.receiveHeld(copy);
            return copy.held;
        });
    }

    /**
     * Takes the ticket of a {@linkplain #takeHeld() held} message, so that its sender's send
     * completes (with this process as the receipt); true if the message is to be handed out, false
     * if its sender withdrew it meanwhile (gave up, or was interrupted): it is then dropped (and
     * counted as withdrawn, not received). Any thread of the receiving process.
     */
    boolean release(long ticket) {
        if (ticket == 0) {
            return true;
        }
        checkOpen();
        try {
            if (lanes.rendezvous.take(ticket)) {
                return true;
            }
        } catch (IllegalStateException e) { // unmapped by a close() of another thread
            throw closedOr(e);
        }
        countWithdrawnHeld();
        return false;
    }

    /**
     * Declines a {@linkplain #takeHeld() held} message that the receive will not hand out now, if
     * its sender made an at-once offer ({@link #offer(byte[], int)} on a rendezvous mailbox): that
     * offer returns false instead of waiting for a later receive. True if so: the message is
     * withdrawn (counted as withdrawn) and the caller drops it; false for any other message (its
     * sender waits, or does not wait: keep it). Any thread of the receiving process.
     */
    boolean declineAtOnce(long ticket) {
        if (ticket == 0) {
            return false;
        }
        checkOpen();
        try {
            if (!lanes.rendezvous.decline(ticket)) {
                return false;
            }
        } catch (IllegalStateException e) { // unmapped by a close() of another thread
            throw closedOr(e);
        }
        countWithdrawnHeld();
        return true;
    }

    /**
     * Whether the sender of a held message has withdrawn it (so it must never be handed out); if so
     * it is counted as withdrawn: the caller drops it. Any thread of the receiving process.
     */
    boolean dropIfWithdrawn(long ticket) {
        if (ticket == 0) {
            return false;
        }
        checkOpen();
        try {
            if (lanes.rendezvous.pending(ticket)) {
                return false;
            }
        } catch (IllegalStateException e) { // unmapped by a close() of another thread
            throw closedOr(e);
        }
        countWithdrawnHeld();
        return true;
    }

    /** The withdrawn count has one writer at a time: the thread in the receiving role. */
    private void countWithdrawnHeld() {
        inReceivingRole(AT_ONCE, () -> {
            lanes.rendezvous.countWithdrawn();
            return null;
        });
    }

    /**
     * Before a receive: passes this process's receiving gate (the ring has one consumer), unless
     * the calling thread holds it already (a binding); takes the receiver lease on first use;
     * returns whether it took the gate. A receive from inside a {@link MessageHandler} of the same
     * mailbox would re-enter the ring's read before it has moved the head past the message being
     * handled, and so hand out that message a second time: it is refused.
     *
     * <p>{@code gateDeadline}: how long to wait while another thread of this process (or, with
     * shared receivers, another process) holds the role. {@link #AT_ONCE} for an at-once receive:
     * as long as it is held. A blocking receive passes its deadline, and gives up at that deadline
     * or an interrupt ({@link RoleBusy}): a holder may hold the role for long (a handler, a binding,
     * or a shared receiver that is stopped), and the wait must stay within the call's own.
     *
     * @throws RoleBusy if it gave up
     */
    private boolean enterReceive(long gateDeadline) {
        if (mapped.handling != null && mapped.receiving.isHeldByCurrentThread()) {
            throw new IllegalStateException("a MessageHandler of mailbox '" + mapped.name
                    + "' must not receive from it");
        }
        boolean entered = enterRole(gateDeadline);
        // checked in the role: a delivery taken by another thread sets it there, so a receive that
        // passed a check made before the gate could still consume the delivered message (and the
        // later ack() the next one, which nobody saw)
        if (mapped.outstanding != null) {
            exitReceive(entered);
            throw new IllegalStateException("mailbox '" + mapped.name + "' has a delivery of this process"
                    + " that is not acknowledged yet: ack() or release() it first");
        }
        return entered;
    }

    /** Passes the receiving gate (and, for shared receivers, the cross-process lock); see {@link #enterReceive(long)}. */
    private boolean enterRole(long gateDeadline) {
        boolean entered = mapped.receiving.enter(gateDeadline);
        if (sharedReceivers) {
            try {
                mapped.lockShared(gateDeadline);
            } catch (RuntimeException e) {
                mapped.receiving.exit(entered);
                throw e instanceof IllegalStateException unmapped ? closedOr(unmapped) : e;
            }
        }
        return entered;
    }

    private void exitReceive(boolean entered) {
        if (!sharedReceivers) {
            mapped.receiving.exit(entered);
            return;
        }
        try {
            mapped.unlockShared();
        } catch (IllegalStateException unmapped) {
            // the last handle was closed meanwhile: the lease went with the mapping
        } finally {
            mapped.receiving.exit(entered);
        }
    }

    /**
     * Binds this process's receiving role to the calling thread until the binding is closed: that
     * thread's receives then take no lock, and those that wait allocate nothing (the fastest path,
     * for a thread that receives much), while other threads' receives wait until the binding is
     * closed. Waits for a receive (a handler inside it) or binding of another thread to end first:
     * at once if there is none, whatever the interrupt status; a {@link #close()} of this handle by
     * another thread ends the wait with {@link ClosedException}, an interrupt with a
     * {@link MailboxException} caused by an {@link InterruptedException} (this method declares none;
     * the status stays set), and nothing is bound (until 2026-12-07 the wait ignored both and then
     * bound a closed handle).
     *
     * <p>Only the binding thread may close it.
     *
     * @throws MailboxBusyException  if another live process is the receiver
     * @throws IllegalStateException if this thread is already bound, or is inside a handler of this mailbox
     * @throws ClosedException       if this handle is closed, also while it waits
     * @throws MailboxException      caused by an {@link InterruptedException} if interrupted while it waits
     */
    public RoleBinding bindReceiver() {
        checkOpen();
        return mapped.receiving.bind("receiving role of mailbox '" + mapped.name + "'", this::checkOpen);
    }

    /** One step of waiting for a message; false once the deadline passed. */
    private boolean awaitMessage(Idle idle, long deadline) throws InterruptedException {
        return awaitMessage(idle, deadline, false);
    }

    /**
     * One step of waiting for a message; false once the deadline passed. {@code roleHeld}: the
     * calling thread holds the receiving role throughout (a bound receive on a plain ring), so
     * the step does not pass the role's gate again.
     */
    private boolean awaitMessage(Idle idle, long deadline, boolean roleHeld) throws InterruptedException {
        if (idle.checkpoint() && !checkpoint(deadline)) {
            return false;
        }
        return !idle.idle() || sleepForMessage(deadline, roleHeld);
    }

    /** The checks of a blocked call now and then: closed, interrupted; false once the deadline passed. */
    private boolean checkpoint(long deadline) throws InterruptedException {
        checkOpen();
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return deadline == FOREVER || System.nanoTime() - deadline < 0;
    }

    /** The sleeping part of {@link #awaitMessage}: sleeps on the ring's data signal unless a message (or a stall) is there. */
    private boolean sleepForMessage(long deadline, boolean roleHeld) throws InterruptedException {
        int signal;
        long sleepUntil = deadline;
        boolean entered = !roleHeld && enterReceive(deadline);
        try {
            signal = ring.prepareDataWait();
            // `closed` is read after the signal: a close() from now on moves the signal (see close())
            if (closed || (lanes == null ? ring.hasCommitted() || ring.checkStall()
                    : lanes.hasCommitted() || lanes.checkStall())) {
                return true;
            }
            if (lanes == null ? ring.claimPending() : lanes.claimPending()) {
                // a sender is mid-send or dead: wake up in time to check
                long checkAt = System.nanoTime() + ring.config().stallTimeoutNanos();
                sleepUntil = deadline == FOREVER || checkAt - deadline < 0 ? checkAt : deadline;
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        } finally {
            if (!roleHeld) {
                exitReceive(entered);
            }
        }
        try {
            ring.awaitData(signal, sleepUntil);
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
        return true;
    }

    // =================================================================== helpers

    /** Copies one record (or one message of a lane) out into a new array; used under the receive lock. */
    private static final class CopyOut implements RecordHandler, Lanes.Receiver {
        byte[] message;

        @Override
        public void onRecord(MemorySegment buffer, long offset, int length) {
            byte[] copy = new byte[length];
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, copy, 0, length);
            message = copy;
        }

        @Override
        public void onMessage(MemorySegment buffer, long envelope, long message, int length) {
            onRecord(buffer, message, length);
        }
    }

    /** Receives with the header; used under the receive lock. */
    private static final class CopyOutMessage implements Lanes.Receiver {
        Message message;

        @Override
        public void onMessage(MemorySegment buffer, long envelope, long offset, int length) {
            message = Lanes.message(buffer, envelope, offset, length);
        }
    }

    private static final class CopyOutHeld implements Lanes.Receiver {
        HeldMessage held;

        @Override
        public void onMessage(MemorySegment buffer, long envelope, long offset, int length) {
            held = new HeldMessage(Lanes.message(buffer, envelope, offset, length), Lanes.ticket(buffer, envelope));
        }
    }

    private int checkSize(long length) {
        if (length > mapped.maxMessageSize) {
            throw new MessageTooLargeException("message of " + length + " bytes exceeds the maximum of "
                    + mapped.maxMessageSize + " bytes of mailbox '" + mapped.name + "'",
                    (int) Math.min(length, Integer.MAX_VALUE), mapped.maxMessageSize);
        }
        return (int) length;
    }

    private void checkOpen() {
        if (closed) {
            throw new ClosedException("mailbox '" + mapped.name + "' is closed");
        }
    }

    private RuntimeException closedOr(IllegalStateException e) {
        if (closed || !mapped.segment.isOpen()) {
            ClosedException closedException = new ClosedException("mailbox '" + mapped.name + "' was closed");
            closedException.initCause(e);
            return closedException;
        }
        return e;
    }

    private static long deadline(Duration timeout) {
        long nanos = Timeouts.nanos(timeout);
        long now = System.nanoTime();
        long deadline = now + nanos;
        return deadline - now < 0 || deadline == FOREVER ? FOREVER - 1 : deadline;
    }
}
