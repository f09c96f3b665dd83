package io.jipc.mq;

import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.Selectable;
import io.jipc.Timeouts;
import io.jipc.naming.NameEntry;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;
import io.jipc.platform.MessageQueues;
import io.jipc.platform.Printable;
import io.jipc.platform.Readiness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A POSIX message queue: a queue of prioritised messages that the kernel keeps under a name
 * ({@code "/orders"}), shared by any processes of the host that know the name, C programs using
 * {@code <mqueue.h>} included. The receiver always gets the oldest message of the highest priority.
 *
 * <p>A queue exists from its creation until {@link #unlink} and the last close, independently of
 * the processes that use it (not across reboots). Its capacity and message size are fixed at
 * creation ({@link MqAttributes}) within the limits of {@link MqLimits}; exceeding one is an
 * {@link MqLimitException} that names it.
 *
 * <h2>Names</h2>
 * A queue jipc creates is also a persistent name {@code mq/<name without the slash>} of the host's
 * local name service (kind {@code mq}, address {@code mq:/<name>}), bound by its creator and removed
 * by {@link #unlink}: so {@code jipc ls} lists the queue with its creator's pid even where the
 * {@code mqueue} file system is not mounted, and {@code jipc names} shows it. The name is an index,
 * not the queue: a failure of the name service is logged and never fails a queue operation, and a
 * queue name the service cannot hold (characters other than {@code A-Z a-z 0-9 . _ - : @ +}, or more
 * than 237 characters after the slash) simply gets none.
 *
 * <h2>Verbs</h2>
 * <table class="striped">
 * <caption>Sending and receiving</caption>
 * <tr><th></th><th>at once (non-blocking)</th><th>blocks</th><th>blocks at most</th><th>when one arrives</th></tr>
 * <tr><td>send</td><td>{@link #offer(byte[], int)}: false if full</td><td>{@link #put(byte[], int)}</td>
 *     <td>{@link #offer(byte[], int, Duration)}</td><td></td></tr>
 * <tr><td>receive</td><td>{@link #poll()}: null if empty</td><td>{@link #take()}</td>
 *     <td>{@link #poll(Duration)}</td><td>{@link #subscribe(MqListener)}</td></tr>
 * </table>
 * Priorities run from 0 (lowest, the default) to 32767; within a priority messages come out in the
 * order they went in. A message longer than {@link #maxMessageSize()} is refused with
 * {@link MqMessageTooLargeException}, never truncated.
 *
 * <h2>Who may call</h2>
 * Any number of processes and threads may send and receive on one queue; each message goes to
 * exactly one receiver. A handle is safe for use by many threads.
 *
 * <h2>Blocking</h2>
 * The handle's descriptor is in non-blocking mode ({@code O_NONBLOCK}): every transfer is one
 * {@code mq_send}/{@code mq_receive} that never sleeps, and blocking calls wait between attempts
 * for the descriptor to become ready (the kernel makes it readable when the queue is not empty and
 * writable when it is not full). A waiting thread parks; the process's one poller thread waits in
 * {@code epoll_wait} on behalf of the waiters of every handle and unparks them when their queue is
 * ready (a handle costs no thread of its own). So a virtual thread never pins its carrier, and an
 * interrupt ends a wait at once.
 * A blocked call returns when it succeeds, its timeout passes (measured on the monotonic clock, so
 * a change of the wall clock does not shorten or lengthen it), the thread is interrupted
 * ({@link InterruptedException}) or {@link #close()} is called from another thread
 * ({@link ClosedException}). Waiting threads use no CPU.
 *
 * <p>Interrupts follow the library's rule (docs/architecture.md, "Interrupts and timeouts"): a
 * {@code put}, {@code take} or timed {@code offer}/{@code poll} that can complete at once completes
 * and leaves the interrupt status set; one that cannot and finds the thread interrupted throws
 * {@link InterruptedException} and clears the status — also with a zero or negative timeout, which
 * would otherwise return false or null. The at-once {@code offer} and {@code poll} never look at it.
 *
 * <h2>When a peer dies</h2>
 * Nothing happens to the queue: a message is in it or not (the kernel copies it whole in
 * {@code mq_send}), so a sender or receiver killed at any point loses nothing that was sent and
 * leaves nothing half-written. A receiver killed after {@code mq_receive} returned loses that one
 * message with it.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a thread (of any process) before it sends a message happen-before the actions of the
 * thread that receives that message, after the receipt (the kernel's queue lock orders them).
 */
public final class PosixMessageQueue implements AutoCloseable, Selectable {
    private static final Pattern NAME = Pattern.compile("/[^/\\x00]{1,255}");
    /**
     * Copies of up to this many bytes (a message of 64 KiB and the 4-byte priority slot of a receive)
     * go through a per-thread native buffer kept between calls; longer ones through the handle's
     * {@link #spare} buffer.
     */
    private static final long KEPT_BUFFER = 64 * 1024 + 4;
    private static final ThreadLocal<MemorySegment> BUFFER = new ThreadLocal<>();
    private static final Duration CENTURY = Duration.ofDays(36525);

    private final String name;
    private final int mqd;
    /**
     * A native buffer of {@code maxMessageSize + 4} bytes for the copies longer than
     * {@link #KEPT_BUFFER}, taken by one call at a time (another call meanwhile allocates its own), so
     * that a queue of large messages does not allocate and zero a buffer of that size at every try
     * (until 2026-12-07 every receive, every {@code poll()} of an empty queue and every retry of a
     * wait did, for messages of 64 KiB and more). Null while a call has it, or before the first.
     */
    private final AtomicReference<MemorySegment> spare = new AtomicReference<>();
    private final MqAccess access;
    private final int maxMessages;
    private final int maxMessageSize;
    private final UseCount uses;
    private final QueueWaiters waiters;
    private final List<MqSubscription> subscriptions = new CopyOnWriteArrayList<>();

    private PosixMessageQueue(String name, int mqd, MqAccess access) {
        this.name = name;
        this.mqd = mqd;
        this.access = access;
        MessageQueues.Attributes attributes = MessageQueues.attributes(mqd, name);
        this.maxMessages = (int) attributes.maxMessages();
        this.maxMessageSize = (int) attributes.messageSize();
        this.uses = new UseCount(this::release);
        this.waiters = new QueueWaiters(mqd, uses);
    }

    // =================================================================== lifecycle

    /**
     * Creates a queue with {@code attributes}, readable and writable by this user only
     * ({@code 0600}); fails if one of that name exists. Binds its name {@code mq/...} (see
     * "Names" in the class comment), replacing one left bound to an earlier queue of that name.
     *
     * @throws MqExistsException if the name is taken
     * @throws MqLimitException  if {@code attributes} exceed a limit of {@link MqLimits}
     */
    public static PosixMessageQueue create(String name, MqAttributes attributes) {
        return create(name, attributes, 0600);
    }

    /**
     * Creates a queue with {@code attributes} and exactly the permission bits {@code permissions}
     * (e.g. {@code 0622}: others may send; the umask does not apply); fails if one of that name exists.
     * Binds its name as {@link #create(String, MqAttributes)} does.
     *
     * @throws MqExistsException if the name is taken
     * @throws MqLimitException  if {@code attributes} exceed a limit of {@link MqLimits}
     * @throws ErrnoException    the error of {@code mq_open} otherwise, e.g. {@code EMFILE} when the
     *                           process has no descriptor left (as it is when the limits cannot be read to
     *                           explain it: that failure is suppressed in it)
     * @throws IllegalArgumentException if {@code permissions} are not permission bits that include {@code 0600}
     *                                  (as a mailbox's: the creator's user must be able to open its queue)
     */
    public static PosixMessageQueue create(String name, MqAttributes attributes, int permissions) {
        checkName(name);
        Objects.requireNonNull(attributes, "attributes");
        if ((permissions & ~0777) != 0 || (permissions & 0600) != 0600) { // the creator's user must keep its own queue
            throw new IllegalArgumentException("permissions must be within 0777 and include 0600: 0"
                    + Integer.toOctalString(permissions));
        }
        int mqd;
        try {
            mqd = MessageQueues.open(name, MqAccess.SEND_AND_RECEIVE.flags | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NONBLOCK
                    | Libc.O_CLOEXEC, permissions, attributes.maxMessages(), attributes.maxMessageSize());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EEXIST) {
                throw new MqExistsException("POSIX message queue " + name + " exists", e);
            }
            MqLimitException limit = explainLimit(name, attributes, e);
            throw limit != null ? limit : e;
        }
        PosixMessageQueue queue;
        try {
            Libc.fchmod(mqd, permissions, name);
            queue = new PosixMessageQueue(name, mqd, MqAccess.SEND_AND_RECEIVE);
        } catch (RuntimeException e) {
            MessageQueues.close(mqd, name);
            MessageQueues.unlink(name);
            throw e;
        }
        MqNames.created(name, mqd);
        return queue;
    }

    /**
     * The limit that made {@code mq_open} fail with {@code cause}, or null. Best effort: reading the
     * limits opens files under {@code /proc}, which fails for the reason {@code mq_open} did when the
     * process is out of descriptors ({@code EMFILE}); then {@code cause} stays the error, with the
     * failure to read the limits suppressed in it.
     */
    private static MqLimitException explainLimit(String name, MqAttributes attributes, ErrnoException cause) {
        try {
            return MqLimits.current().explain(name, attributes, cause);
        } catch (RuntimeException unreadable) {
            cause.addSuppressed(unreadable);
            return null;
        }
    }

    /**
     * Opens an existing queue to send and receive.
     *
     * @throws MqNotFoundException if there is none of that name
     * @throws ErrnoException      e.g. {@code EACCES} when its permissions do not allow it
     */
    public static PosixMessageQueue open(String name) {
        return open(name, MqAccess.SEND_AND_RECEIVE);
    }

    /** Opens an existing queue for {@code access} only (e.g. to send to a queue others may only write to). */
    public static PosixMessageQueue open(String name, MqAccess access) {
        checkName(name);
        Objects.requireNonNull(access, "access");
        int mqd;
        try {
            mqd = MessageQueues.open(name, access.flags | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0, 0, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new MqNotFoundException("no POSIX message queue " + name, e);
            }
            throw e;
        }
        try {
            return new PosixMessageQueue(name, mqd, access);
        } catch (RuntimeException e) {
            MessageQueues.close(mqd, name);
            throw e;
        }
    }

    /**
     * Opens the queue, creating it with {@code attributes} and permissions {@code 0600} if it does
     * not exist (as {@code mq_open} with {@code O_CREAT} does; an existing queue keeps its attributes).
     * Creating binds the queue's name as {@link #create(String, MqAttributes)} does; opening an existing
     * queue whose name is missing or bound to an earlier queue (it was made by a C program, or by a
     * process killed before it bound the name) binds it, recording the creator as unknown (attribute
     * {@code creator=unknown}).
     */
    public static PosixMessageQueue openOrCreate(String name, MqAttributes attributes) {
        return openOrCreate(name, attributes, MqAccess.SEND_AND_RECEIVE);
    }

    /**
     * As {@link #openOrCreate(String, MqAttributes)}, opening an existing queue for {@code access} only:
     * a queue of another user whose mode lets this user send but not receive ({@code 0622}), or
     * receive but not send ({@code 0644}), is opened for what its mode allows. A queue this call
     * creates is this user's and opened for both.
     */
    public static PosixMessageQueue openOrCreate(String name, MqAttributes attributes, MqAccess access) {
        Objects.requireNonNull(access, "access");
        while (true) {
            try {
                PosixMessageQueue queue = open(name, access);
                MqNames.opened(name, queue.mqd);
                return queue;
            } catch (MqNotFoundException notFound) {
                try {
                    return create(name, attributes);
                } catch (MqExistsException raced) {
                    // created by another process in between: open it
                }
            }
        }
    }

    /**
     * Removes the queue's name ({@code mq_unlink}): later opens fail, open handles (in any process)
     * keep working, and the kernel destroys the queue and its messages when the last is closed.
     * Removes the queue's name {@code mq/...} too, unless a queue created meanwhile under the same
     * name has bound it again. (A queue unlinked otherwise, e.g. by a C program, leaves its name
     * dangling: the next create of that name replaces it, {@code jipc gc} removes it.)
     *
     * The queue and its name go together: the name's entry is read, and the name directory locked,
     * before the queue is unlinked.
     *
     * @return false if there was no queue of that name
     * @throws ErrnoException {@code EMFILE} ({@code ENFILE}, {@code ENOMEM}) if this process lacks a file
     *                        descriptor to read or remove the name: nothing was removed, and the call may
     *                        be made again (until 2026-12-07 such an unlink removed the queue and left its
     *                        name); the error of {@code mq_unlink} otherwise, e.g. {@code EACCES}
     */
    public static boolean unlink(String name) {
        Optional<NameEntry> binding = MqNames.beforeUnlink(checkName(name));
        return binding.isPresent() ? MqNames.unlink(name, binding.get()) : MessageQueues.unlink(name);
    }

    /**
     * Whether a queue of that name exists in this process's IPC namespace, whether or not this
     * process may open it: a queue whose permissions refuse this user both ways ({@code EACCES}) exists
     * all the same, and {@link #open} of it fails. Opens the queue to send, if it may, and closes it at
     * once; takes no message and does not block.
     */
    public static boolean exists(String name) {
        try (PosixMessageQueue ignored = open(name, MqAccess.SEND)) {
            return true;
        } catch (MqNotFoundException e) {
            return false;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EACCES) {
                return true;
            }
            throw e;
        }
    }

    /**
     * Checks a queue name: {@code "/"} followed by 1 to 255 bytes in UTF-8 (the C library strips the
     * slash and the kernel allows {@code NAME_MAX}, 255, for the rest), none of them {@code '/'} or
     * NUL, and no unpaired surrogate (which UTF-8 would turn into {@code '?'}, so that two names
     * would be one queue).
     */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches() || name.equals("/.") || name.equals("/..")
                || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 256 || hasUnpairedSurrogate(name)) {
            throw new IllegalArgumentException("invalid POSIX message queue name " + Printable.quoted(name)
                    + ": a '/' followed by 1 to 255 bytes of UTF-8 (a character may take up to 4), none of them '/'");
        }
        return name;
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Closes this handle. In this order: the handle is marked closed, so new calls on it throw
     * {@link ClosedException} and calls blocked on it in other threads (a listener's among them) end
     * with {@link ClosedException} at once; then its subscriptions are stopped (none takes another
     * message; a message a listener was given is its own, and the messages still in the queue stay
     * there); then this call waits until each listener call in progress has returned and the
     * subscriptions' threads have ended. The descriptor is closed, exactly once, when the last call
     * in progress on the handle has returned. The queue itself stays until {@link #unlink}.
     *
     * <p>Any thread may call, any number of times, also concurrently: every call made outside a
     * listener returns only once the listeners of the subscriptions of this handle have ended (their
     * last calls have returned, {@link MqSubscription#isActive()} is false; a subscription whose
     * {@link #subscribe} raced the close never calls its listener, though it may report active a
     * moment longer). A call made on a listener thread (of a subscription of this or any other
     * handle, see {@link MqSubscription}) does all the above but does not wait for listeners: it
     * returns at once, while the other listeners finish the message they hold, so listeners that
     * close their handle never wait for each other. A listener call blocked in something other than this handle (another
     * handle, a lock) keeps a close made outside the listeners waiting until it returns. An interrupt
     * does not end the wait (the status is kept).
     */
    @Override
    public void close() {
        if (uses.enter()) {
            try {
                if (uses.close()) {
                    waiters.closing(); // the descriptor is still open: this call holds a use
                }
            } finally {
                uses.exit(); // the last one out releases the descriptor
            }
        }
        // after the mark: a listener blocked in a call on this handle has been released and cannot block again
        for (MqSubscription subscription : subscriptions) {
            subscription.stop();
        }
        for (MqSubscription subscription : subscriptions) {
            subscription.awaitEnd(); // returns at once on a listener thread
        }
    }

    private void release() {
        waiters.closing(); // out of the poller's epoll set before the number can be reused
        MessageQueues.close(mqd, name);
    }

    public boolean isClosed() {
        return uses.isClosed();
    }

    /**
     * The queue descriptor, for an {@code io.jipc.select.Selector}: readable while the queue holds
     * a message (a {@link #poll()} would return one, unless another receiver takes it first),
     * writable while it has room; only the directions of this handle's {@link #access()}. The
     * selector watches the descriptor itself (Linux's {@code mqd_t} is pollable), and adds it to
     * its epoll set, or removes it, while it holds a use of this handle
     * ({@link Selectable.Descriptor#whileOpen}): a {@link #close()} meanwhile releases the
     * descriptor only after that, so the number never names another file there.
     */
    @Override
    public Selectable.Descriptor readinessSource() {
        enter(); // throws if closed
        uses.exit();
        int operations = (access.receives() ? OP_READ : 0) | (access.sends() ? OP_WRITE : 0);
        return Selectable.Descriptor.of(mqd, operations, this::whileOpen, uses::isClosed, () -> false,
                () -> Long.MAX_VALUE);
    }

    /** Runs {@code action} holding a use (the descriptor stays open); false, without running it, if closed. */
    private boolean whileOpen(Runnable action) {
        if (!uses.enter()) {
            return false;
        }
        try {
            action.run();
            return true;
        } finally {
            uses.exit();
        }
    }

    // =================================================================== properties

    /** The queue's name, e.g. {@code "/orders"}. */
    public String name() {
        return name;
    }

    /** What this handle may do. */
    public MqAccess access() {
        return access;
    }

    /** The queue's capacity in messages. */
    public int maxMessages() {
        return maxMessages;
    }

    /** The longest message the queue takes, in bytes. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** The queue's attributes now ({@code mq_getattr}), with the number of messages it holds. */
    public MqAttributes attributes() {
        enter();
        try {
            MessageQueues.Attributes a = MessageQueues.attributes(mqd, name);
            return new MqAttributes((int) a.maxMessages(), (int) a.messageSize(), a.currentMessages());
        } finally {
            uses.exit();
        }
    }

    @Override
    public String toString() {
        return "PosixMessageQueue[" + name + ", " + maxMessages + " x " + maxMessageSize + " bytes, " + access
                + (isClosed() ? ", closed" : "") + "]";
    }

    // =================================================================== send

    /** Sends {@code message} with priority 0 if the queue has room now; false if it is full. */
    public boolean offer(byte[] message) {
        return offer(message, 0);
    }

    /** Sends {@code message} with {@code priority} if the queue has room now; false if it is full. */
    public boolean offer(byte[] message, int priority) {
        checkSend(message, priority);
        enter();
        try {
            return trySend(message, priority);
        } finally {
            uses.exit();
        }
    }

    /** Sends {@code message} with priority 0, waiting while the queue is full. */
    public void put(byte[] message) throws InterruptedException {
        put(message, 0);
    }

    /** Sends {@code message} with {@code priority}, waiting while the queue is full. */
    public void put(byte[] message, int priority) throws InterruptedException {
        send(message, priority, QueueWaiters.FOREVER);
    }

    /**
     * Sends {@code message} with priority 0, waiting at most {@code timeout} for room; false if none came.
     *
     * @throws InterruptedException as {@link #offer(byte[], int, Duration)}
     */
    public boolean offer(byte[] message, Duration timeout) throws InterruptedException {
        return offer(message, 0, timeout);
    }

    /**
     * Sends {@code message} with {@code priority}, waiting at most {@code timeout} for room; false if none came.
     *
     * @throws InterruptedException if interrupted while waiting, or already when the queue has no room
     *                              at once, whatever the timeout (also zero or negative); nothing was sent
     */
    public boolean offer(byte[] message, int priority, Duration timeout) throws InterruptedException {
        return send(message, priority, deadline(timeout));
    }

    private boolean send(byte[] message, int priority, long deadline) throws InterruptedException {
        checkSend(message, priority);
        return retry(() -> trySend(message, priority) ? Boolean.TRUE : null, Readiness.POLLOUT, deadline) != null;
    }

    private boolean trySend(byte[] message, int priority) {
        MemorySegment buffer = buffer(message.length);
        try {
            MemorySegment.copy(message, 0, buffer, ValueLayout.JAVA_BYTE, 0, message.length);
            return MessageQueues.send(mqd, buffer.asSlice(0, message.length), priority, name) == 0;
        } finally {
            giveBack(buffer);
        }
    }

    private void checkSend(byte[] message, int priority) {
        Objects.requireNonNull(message, "message");
        if (priority < 0 || priority >= MessageQueues.PRIORITY_LIMIT) {
            throw new IllegalArgumentException("priority must be 0 to " + (MessageQueues.PRIORITY_LIMIT - 1) + ": " + priority);
        }
        if (message.length > maxMessageSize) {
            throw new MqMessageTooLargeException("a message of " + message.length + " bytes is longer than the "
                    + maxMessageSize + " bytes POSIX message queue " + name + " takes");
        }
        if (!access.sends()) {
            throw new IllegalStateException(name + " was opened to receive only");
        }
    }

    // =================================================================== receive

    /** Takes the oldest message of the highest priority if there is one now; null if the queue is empty. */
    public MqMessage poll() {
        checkReceive();
        enter();
        try {
            return tryReceive();
        } finally {
            uses.exit();
        }
    }

    /** Takes the oldest message of the highest priority, waiting while the queue is empty. */
    public MqMessage take() throws InterruptedException {
        return receive(QueueWaiters.FOREVER);
    }

    /**
     * Takes the oldest message of the highest priority, waiting at most {@code timeout}; null if none came.
     *
     * @throws InterruptedException if interrupted while waiting, or already when the queue is empty,
     *                              whatever the timeout (also zero or negative); nothing was taken
     */
    public MqMessage poll(Duration timeout) throws InterruptedException {
        return receive(deadline(timeout));
    }

    private MqMessage receive(long deadline) throws InterruptedException {
        checkReceive();
        return retry(this::tryReceive, Readiness.POLLIN, deadline);
    }

    /**
     * Runs {@code attempt} until it returns non-null, waiting between attempts until the queue is
     * ready for {@code events}; null once the deadline has passed. A thread found interrupted after a
     * failed attempt throws (also at the deadline, and for a deadline passed already).
     */
    private <T> T retry(Supplier<T> attempt, short events, long deadline) throws InterruptedException {
        enter();
        try {
            while (true) {
                T result = attempt.get();
                if (result != null) {
                    return result;
                }
                if (deadline != QueueWaiters.FOREVER && deadline - System.nanoTime() <= 0) {
                    if (Thread.interrupted()) { // interrupted rather than timed out, also for a zero timeout
                        throw new InterruptedException();
                    }
                    return null;
                }
                waiters.await(events, deadline);
                checkOpen();
            }
        } finally {
            uses.exit();
        }
    }

    private MqMessage tryReceive() {
        MemorySegment buffer = buffer(maxMessageSize + 4L);
        try {
            MemorySegment priority = buffer.asSlice(0, 4);
            long length = MessageQueues.receive(mqd, buffer.asSlice(4, maxMessageSize), priority, name);
            if (length == MessageQueues.WOULD_BLOCK) {
                return null;
            }
            byte[] payload = buffer.asSlice(4, length).toArray(ValueLayout.JAVA_BYTE);
            return new MqMessage(payload, priority.get(ValueLayout.JAVA_INT, 0));
        } finally {
            giveBack(buffer);
        }
    }

    private void checkReceive() {
        if (!access.receives()) {
            throw new IllegalStateException(name + " was opened to send only");
        }
    }

    // =================================================================== notification

    /**
     * Receives every message that arrives from now on, and those already in the queue, first, and
     * hands each to {@code listener}, on a virtual thread of the subscription, one at a time, until
     * the subscription or this handle is closed.
     * The thread waits parked while the queue is empty (no CPU is used); other receivers of the
     * queue, in this or other processes, compete for the messages as usual.
     *
     * <p>The listener may use this handle (e.g. reply with {@link #put}): when the handle is closed
     * such a call blocked in it ends with {@link ClosedException}, which ends the subscription with
     * that failure if the listener lets it out. The listener may close its subscription, another
     * subscription or this handle; see {@link #close()} for what such a close waits for.
     *
     * @throws ClosedException if this handle is closed
     */
    public MqSubscription subscribe(MqListener listener) {
        Objects.requireNonNull(listener, "listener");
        checkReceive();
        enter();
        try {
            MqSubscription subscription = new MqSubscription(this, listener, subscriptions::remove);
            subscriptions.add(subscription);
            subscription.start();
            return subscription;
        } finally {
            uses.exit();
        }
    }

    // =================================================================== helpers

    private void enter() {
        if (!uses.enter()) {
            throw new ClosedException("POSIX message queue handle " + name + " is closed");
        }
    }

    private void checkOpen() {
        if (uses.isClosed()) {
            throw new ClosedException("POSIX message queue handle " + name + " was closed while waiting");
        }
    }

    /** The {@link System#nanoTime()} deadline {@code timeout} from now; {@link ReadyWait#FOREVER} if beyond a century. */
    private static long deadline(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(CENTURY) >= 0) {
            return QueueWaiters.FOREVER;
        }
        return System.nanoTime() + Timeouts.nanos(timeout);
    }

    /**
     * A native buffer of at least {@code size} bytes (at most {@code maxMessageSize + 4}) for this
     * thread's current call: the thread's kept one up to {@link #KEPT_BUFFER} bytes, else the handle's
     * {@link #spare}, or a new one if another call has it; hand it to {@link #giveBack} after the call.
     */
    private MemorySegment buffer(long size) {
        if (size <= KEPT_BUFFER) {
            MemorySegment kept = BUFFER.get();
            if (kept == null || kept.byteSize() < size) {
                // as large as asked, not KEPT_BUFFER: each thread that touches a queue of small messages
                // keeps only that much (direct memory, for the thread's life)
                kept = Arena.ofAuto().allocate(Math.max(size, 256), 8);
                BUFFER.set(kept);
            }
            return kept;
        }
        MemorySegment taken = spare.getAndSet(null);
        return taken != null ? taken : Arena.ofAuto().allocate(maxMessageSize + 4L, 8);
    }

    /** Ends the use of a {@link #buffer}: one longer than {@link #KEPT_BUFFER} becomes the handle's spare. */
    private void giveBack(MemorySegment buffer) {
        if (buffer.byteSize() > KEPT_BUFFER) {
            spare.set(buffer);
        }
    }
}
