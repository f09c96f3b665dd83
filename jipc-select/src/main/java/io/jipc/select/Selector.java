package io.jipc.select;

import io.jipc.ClosedException;
import io.jipc.ErrnoException;
import io.jipc.JipcException;
import io.jipc.Selectable;
import io.jipc.platform.Errno;
import io.jipc.platform.FdPoller;
import io.jipc.platform.FutexVector;
import io.jipc.platform.Libc;
import io.jipc.platform.Readiness;
import io.jipc.platform.Sockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Waits until any of many channels of any kind is ready: sockets, POSIX message queues, pipes
 * and FIFOs, mailboxes; everything that implements {@link Selectable}. Like
 * {@link java.nio.channels.Selector}, but simpler: {@link #register} returns a
 * {@link SelectionKey}, {@link #select(Duration)} returns the keys found ready, {@link #wakeup()}
 * ends a select from another thread.
 *
 * <h2>Readiness is a level-triggered hint</h2>
 * A key is returned by every select while its channel is ready; the caller then uses the channel's
 * non-blocking verb ({@code poll()}, {@code offer(...)}, {@code accept(Duration.ZERO)}), which may
 * still find nothing (another thread or process was faster, or a stream socket holds half a frame).
 * What "readable" means per kind is in each channel's {@code readinessSource()} and in
 * {@code docs/select.md}.
 *
 * <h2>How it waits</h2>
 * The selecting thread sleeps in {@code epoll_wait(2)} on every registered descriptor plus one
 * {@code eventfd} of its own. Mailboxes have no descriptor: their readiness is a futex word in
 * shared memory (their doorbell). Before sleeping, the selector announces itself on every
 * doorbell, checks the mailboxes, and arms a {@linkplain DoorbellWatcher helper thread} that
 * sleeps in {@code futex_waitv(2)} on the doorbells and writes the eventfd when one rings. So
 * nothing spins and nothing polls on a timer: every wake-up is a kernel event. Two exceptions,
 * where nothing would ring, make the selector look again every 1 ms:
 * <ul>
 * <li>a mailbox whose receiving role another thread of this process holds (a handler running
 *     inside a receive, a receiver binding, a listener's handler) is not ready for that round
 *     ({@link Selectable.Doorbell.Look#BUSY}: the look does not wait for the holder), and nothing
 *     rings when the holder lets go; this lasts while it is busy. A select thus keeps its timeout
 *     and ends on an interrupt whoever holds a role;</li>
 * <li>a mailbox whose wait strategy never sleeps ({@code SPIN}, {@code YIELD}) has senders that
 *     never ring its doorbell ({@link Selectable.Doorbell#rings()} is false); this lasts while it
 *     is registered, and costs about a thousand wake-ups a second of the selecting thread and the
 *     helper. (Until 2026-12-05 such a message was seen only at the select's timeout, or when
 *     another channel woke the select.)</li>
 * </ul>
 * The step is a constant 1 ms, not {@code io.jipc.mailbox.MailboxSelector}'s 50 µs doubling to
 * 1 ms, because {@code epoll_wait} counts in milliseconds: a shorter sleep is rounded up to one.
 *
 * <p>A mailbox whose receiver is another live process (its receive policy allows one) is not
 * ready for this process ({@link Selectable.Doorbell.Look#NOT_READY}; the look throws nothing, so
 * the other keys are reported as usual). Nothing rings when that process dies or closes its last
 * handle, so the look asks to be repeated by the mailbox's dead-sender timeout ({@link
 * Selectable.Doorbell#lookAgainBy()}), and the look after that takes the role over.
 *
 * <p>A sender killed between claim and commit leaves its unfinished record at the head of a
 * mailbox. Messages committed behind it ring the doorbell, but the look finds the claim and counts
 * them only once a look after the mailbox's dead-sender timeout (100 ms by default) has skipped it;
 * nothing rings when that timeout passes. So a look that finds a claim pending at the head makes
 * the select sleep no longer than that timeout ({@link Selectable.Doorbell#lookAgainBy()}), as a
 * blocked {@code take()} does: a message behind a dead sender's claim is selected within about the
 * timeout. (Until 2026-12-05 the select slept on until another message, channel or its timeout
 * woke it.) A live sender's claim costs one extra look per timeout while it is held.
 *
 * <p>A virtual thread that selects does not pin its carrier and costs no platform thread: it parks
 * while the process's one poller thread watches the selector's epoll descriptor, as a virtual
 * thread blocked on a pipe, socket or queue of jipc does. {@link Thread#interrupt()} of the selecting
 * thread ends the wait at once ({@link InterruptedException}).
 *
 * <h2>Threads</h2>
 * One thread selects at a time (another gets {@link IllegalStateException}). {@link #register},
 * {@link SelectionKey#cancel()}, {@link #wakeup()} and {@link #close()} may be called from any
 * thread; a registration or cancellation during a select takes effect in that select (it is
 * restarted). A registration racing the channel's close returns the key (dropped at the next
 * select) or throws {@link ClosedException}: the descriptor is added, and removed, while the
 * channel keeps it open ({@link Selectable.Descriptor#whileOpen}), so another file that took the
 * number is never added. Keys of channels that were closed are dropped. Epoll watches the open
 * file, not the number: a closed channel whose open file lives on elsewhere (a duplicate, a child)
 * leaves an entry that no {@code epoll_ctl} can reach; its events name no key (each key has its
 * own token as the event's data), and when two waits in a row report such an event the selecting
 * thread rebuilds the epoll set from the live keys, so it never spins on it. Cancelling a key
 * <em>before</em> closing such a channel saves that rebuild.
 *
 * <p>Limits: {@value DoorbellWatcher#MAX_DOORBELLS} mailboxes per selector ({@code futex_waitv}
 * takes 128 words, one is the watcher's own); descriptors are limited only by the process's open
 * files. Needs Linux 5.16+ for mailboxes: where {@code futex_waitv} is missing or refused
 * ({@link FutexVector#isAvailable()}), registering a mailbox throws
 * {@link UnsupportedOperationException}. Should the watcher thread fail later (an unexpected errno,
 * a bug), it wakes the select in progress, which throws {@link JipcException} with the failure as
 * its cause, as every later select does: no select sleeps on mailboxes nobody watches.
 */
public final class Selector implements AutoCloseable {
    /** Interest in (and readiness for) receiving or accepting: {@link Selectable#OP_READ}. */
    public static final int OP_READ = Selectable.OP_READ;
    /** Interest in (and readiness for) sending: {@link Selectable#OP_WRITE}. */
    public static final int OP_WRITE = Selectable.OP_WRITE;
    private static final int EPOLLIN = Sockets.POLLIN;
    private static final int EPOLLOUT = Sockets.POLLOUT;
    private static final int EPOLLERR = Sockets.POLLERR;
    private static final int EPOLLHUP = Sockets.POLLHUP;
    private static final int BATCH = 256;
    private static final String SUBJECT = "selector";
    /** The epoll data of the selector's eventfd; a key's token is positive. */
    private static final long EVENTFD_TOKEN = 0;
    /**
     * How soon the selector looks again at a {@linkplain Selectable.Doorbell.Look#BUSY busy} doorbell
     * or one that does not {@linkplain Selectable.Doorbell#rings() ring} (epoll's resolution).
     */
    private static final long BUSY_RECHECK_NANOS = 1_000_000;
    /** Timeouts from this long on mean "no timeout". */
    private static final Duration LONGEST_TIMEOUT = Duration.ofNanos(Long.MAX_VALUE / 4);

    /** The epoll instance; replaced only by {@link #rebuild}, on the selecting thread under {@code this}. */
    private int epfd;
    private final int eventFd;
    private final MemorySegment events = Arena.ofAuto().allocate((long) BATCH * Sockets.EPOLL_EVENT_SIZE, 8);
    private final InterruptHook interruptHook = new InterruptHook(this::nudge);
    /** Descriptor → key; guarded by {@code this}. */
    private final Map<Integer, SelectionKey> descriptors = new HashMap<>();
    /** Epoll data → key of {@link #descriptors}, the same keys; guarded by {@code this}. */
    private final Map<Long, SelectionKey> tokens = new HashMap<>();
    /** The last key's token; the eventfd's is {@link #EVENTFD_TOKEN}. */
    private final AtomicLong lastToken = new AtomicLong();
    /** Mailbox-style keys in registration order; guarded by {@code this}. */
    private final Map<Selectable, SelectionKey> doorbells = new LinkedHashMap<>();
    /** Held by the selecting thread; {@link #close()} takes it to know that no select uses the descriptors. */
    private final ReentrantLock selecting = new ReentrantLock();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    /** Started with the first doorbell; guarded by {@code this}. */
    private DoorbellWatcher watcher;
    /** How the watcher sleeps: {@code futex_waitv}, or a test's failure. */
    private final DoorbellWatcher.Sleep doorbellSleep;
    /** Guarded by {@code this}: see {@link #rebuilds()}. */
    private int rebuilds;
    /** Whether the last epoll wait reported an event whose token names no key; selecting thread only. */
    private boolean staleSeen;
    /** Whether a failed {@link #rebuild} was logged; selecting thread only. */
    private boolean rebuildFailureLogged;
    private volatile boolean closed;

    private Selector(DoorbellWatcher.Sleep doorbellSleep) {
        this.doorbellSleep = doorbellSleep;
        epfd = Sockets.epollCreate();
        try {
            eventFd = Readiness.eventFd(SUBJECT);
        } catch (RuntimeException e) {
            Libc.close(epfd);
            throw e;
        }
        int rc = Sockets.epollCtl(epfd, Sockets.EPOLL_CTL_ADD, eventFd, EPOLLIN, EVENTFD_TOKEN);
        if (rc != 0) {
            Libc.close(eventFd);
            FdPoller.cancel(epfd); // a virtual thread's wait registered it: before the number can be reused
            Libc.close(epfd);
            throw Errno.exception(rc, "epoll_ctl", SUBJECT + " eventfd");
        }
    }

    /** A selector with no channels: an epoll instance and an eventfd (closed by {@link #close()}). */
    public static Selector open() {
        return new Selector(DoorbellWatcher.FUTEX_WAITV);
    }

    /** A selector whose mailbox watcher sleeps with {@code doorbellSleep}; for tests that inject a failure. */
    static Selector open(DoorbellWatcher.Sleep doorbellSleep) {
        return new Selector(doorbellSleep);
    }

    /** Registers {@code channel} for {@code interestOps} without an attachment. */
    public SelectionKey register(Selectable channel, int interestOps) {
        return register(channel, interestOps, null);
    }

    /**
     * Registers {@code channel} for {@code interestOps} ({@link Selectable#OP_READ},
     * {@link Selectable#OP_WRITE} or both, among those the channel supports).
     *
     * @throws IllegalArgumentException if the interest is empty or not supported by the channel, or
     *                                  the channel is already registered here (cancel its key first)
     * @throws IllegalStateException    if this selector already watches its most mailboxes
     * @throws ClosedException          if the channel or this selector is closed
     * @throws UnsupportedOperationException for a mailbox, if this kernel lacks {@code futex_waitv}
     *                                  (before Linux 5.16) or refuses it (a seccomp filter); the cause
     *                                  is the {@link ErrnoException} ({@code ENOSYS}, {@code EPERM})
     */
    public SelectionKey register(Selectable channel, int interestOps, Object attachment) {
        Objects.requireNonNull(channel, "channel");
        Selectable.Source source = channel.readinessSource();
        int supported = source.operations();
        if (interestOps == 0 || (interestOps & ~supported) != 0) {
            throw new IllegalArgumentException("interest " + SelectionKey.opsName(interestOps) + " (" + interestOps
                    + ") is not a non-empty subset of what " + channel + " supports: "
                    + SelectionKey.opsName(supported));
        }
        SelectionKey key = new SelectionKey(this, channel, source, interestOps, attachment,
                lastToken.incrementAndGet());
        synchronized (this) {
            checkOpen();
            dropClosed();
            switch (source) {
                case Selectable.Descriptor d -> addDescriptor(key, d, channel);
                case Selectable.Doorbell b -> addDoorbell(key, channel);
            }
        }
        nudge(); // a select in progress restarts with the new key
        return key;
    }

    /**
     * Adds a descriptor key to the epoll set and the maps. The {@code epoll_ctl} runs inside the
     * channel's {@link Selectable.Descriptor#whileOpen}: a close of the channel from another thread
     * meanwhile cannot release the number before it, so the set never gets another file that took
     * the number (until 2026-12-05 it could: the key was then dropped as closed and that file stayed
     * in the set without a key, and select spun). Holds the lock.
     *
     * @throws ClosedException if the channel was closed
     */
    private void addDescriptor(SelectionKey key, Selectable.Descriptor d, Selectable channel) {
        int fd = d.fd();
        int rc = epollAdd(epfd, key, d, channel, () -> {
            // the channel is open here, so the number is its own: a key that has it is a channel registered
            // twice, or one closed since the last select whose number this channel got (dropped here)
            SelectionKey existing = descriptors.get(fd);
            if (existing != null) {
                if (!existing.source().isClosed()) {
                    throw new IllegalArgumentException(channel + " is already registered (descriptor " + fd + ")");
                }
                if (existing.markCancelled()) {
                    forget(existing); // no DEL: its channel is closed (a stale entry of its file is rebuilt away)
                }
            }
        });
        if (rc != 0) {
            throw Errno.exception(rc, "epoll_ctl", channel.toString());
        }
        descriptors.put(fd, key);
        tokens.put(key.token(), key);
    }

    /**
     * {@code EPOLL_CTL_ADD} of a key's descriptor to {@code epoll}, with the key's token as the data,
     * inside the channel's {@link Selectable.Descriptor#whileOpen}, after {@code check} (also inside:
     * the number is the channel's while it runs); returns 0 or the errno.
     *
     * @throws ClosedException if the channel is closed (before a registration's duplicate check: a
     *                         closed channel's number may already be another registered channel's)
     */
    private static int epollAdd(int epoll, SelectionKey key, Selectable.Descriptor d, Selectable channel,
                                Runnable check) {
        int fd = d.fd();
        int events = ((key.interestOps() & Selectable.OP_READ) != 0 ? EPOLLIN : 0)
                | ((key.interestOps() & Selectable.OP_WRITE) != 0 ? EPOLLOUT : 0);
        int[] rc = new int[1];
        boolean open = d.whileOpen(() -> {
            check.run();
            rc[0] = Sockets.epollCtl(epoll, Sockets.EPOLL_CTL_ADD, fd, events, key.token());
            if (rc[0] == Errno.EEXIST) { // the open file of a channel closed without cancelling, kept alive elsewhere
                rc[0] = Sockets.epollCtl(epoll, Sockets.EPOLL_CTL_MOD, fd, events, key.token());
            }
        });
        if (!open) {
            throw new ClosedException(channel + " is closed");
        }
        return rc[0];
    }

    private void addDoorbell(SelectionKey key, Selectable channel) {
        if (doorbells.containsKey(channel)) {
            throw new IllegalArgumentException(channel + " is already registered");
        }
        if (doorbells.size() == DoorbellWatcher.MAX_DOORBELLS) {
            throw new IllegalStateException("a selector waits for at most " + DoorbellWatcher.MAX_DOORBELLS
                    + " mailboxes (futex_waitv's limit)");
        }
        if (watcher == null) {
            FutexVector.ensureAvailability(); // here rather than as a failed watcher at the first select
            watcher = new DoorbellWatcher(eventFd, SUBJECT, doorbellSleep);
        }
        doorbells.put(channel, key);
    }

    /** Removes a key (idempotent). */
    void deregister(SelectionKey key) {
        synchronized (this) {
            if (!key.markCancelled() || closed) {
                return;
            }
            forget(key);
        }
        nudge();
    }

    /**
     * Removes a key from the maps and, for a descriptor whose channel is open, from the epoll set
     * (inside {@link Selectable.Descriptor#whileOpen}: the number is still the channel's). A closed
     * channel's descriptor left the set when it was closed, unless its open file is still open
     * elsewhere: that entry is removed when it reports an event ({@link #rebuild}). Holds the lock.
     */
    private void forget(SelectionKey key) {
        switch (key.source()) {
            case Selectable.Descriptor d -> {
                int fd = d.fd();
                if (descriptors.get(fd) == key) {
                    descriptors.remove(fd);
                    tokens.remove(key.token());
                    d.whileOpen(() -> Sockets.epollCtl(epfd, Sockets.EPOLL_CTL_DEL, fd, 0));
                }
            }
            case Selectable.Doorbell b -> doorbells.remove(key.channel());
        }
    }

    /** Drops the keys of closed channels (the kernel already dropped their descriptors). Holds the lock. */
    private void dropClosed() {
        for (SelectionKey key : List.copyOf(descriptors.values())) {
            if (key.source().isClosed() && key.markCancelled()) {
                forget(key);
            }
        }
        for (SelectionKey key : List.copyOf(doorbells.values())) {
            if (key.source().isClosed() && key.markCancelled()) {
                forget(key);
            }
        }
    }

    /** The registered keys (a snapshot, without those of closed channels). */
    public synchronized Set<SelectionKey> keys() {
        checkOpen();
        dropClosed();
        Set<SelectionKey> keys = new java.util.LinkedHashSet<>(descriptors.values());
        keys.addAll(doorbells.values());
        return keys;
    }

    /**
     * The keys ready now, without waiting (possibly none).
     *
     * @throws JipcException if the mailbox watcher failed, as {@link #select(Duration)}
     */
    public List<SelectionKey> selectNow() {
        try {
            return selectUntil(System.nanoTime(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a select that does not wait is not interrupted
            return List.of();
        }
    }

    /**
     * Waits at most {@code timeout} until at least one registered channel is ready, or
     * {@link #wakeup()}; returns the ready keys (empty after the timeout, or a wake-up with nothing
     * ready: a woken select returns the keys ready then, as {@code java.nio}'s does). An
     * interrupted thread gets the keys ready now (or the empty list of a pending wake-up) and keeps
     * its status.
     *
     * @throws InterruptedException  if the thread is interrupted before or while waiting, or at the
     *                               timeout (also a zero or negative one), with nothing ready
     * @throws IllegalStateException if another thread is selecting
     * @throws ClosedException       if this selector is closed (also when closed while waiting)
     * @throws JipcException         if the mailbox watcher failed (also while waiting; the failure is
     *                               the cause): mailboxes are no longer watched, close the selector
     */
    public List<SelectionKey> select(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(LONGEST_TIMEOUT) >= 0) {
            return select(); // centuries: no deadline arithmetic that could wrap
        }
        long deadline = System.nanoTime() + (timeout.isNegative() ? 0 : timeout.toNanos());
        return selectUntil(deadline == Long.MAX_VALUE ? deadline - 1 : deadline, false);
    }

    /**
     * Waits as long as needed until a registered channel is ready or {@link #wakeup()}; returns the
     * ready keys. An interrupted thread gets what is ready now and keeps its status; with nothing
     * ready it gets {@link InterruptedException}. Throws as {@link #select(Duration)} does.
     */
    public List<SelectionKey> select() throws InterruptedException {
        return selectUntil(Long.MAX_VALUE, false);
    }

    /**
     * Makes the select in progress return at once, or else the next one (like
     * {@link java.nio.channels.Selector#wakeup()}). Any thread.
     */
    public Selector wakeup() {
        wakeupPending.set(true);
        nudge();
        return this;
    }

    /** Ends the current epoll wait so that the selecting thread looks again. */
    private void nudge() {
        if (!closed) {
            synchronized (this) {
                if (!closed) {
                    Readiness.signal(eventFd, SUBJECT);
                }
            }
        }
    }

    private List<SelectionKey> selectUntil(long deadline, boolean now) throws InterruptedException {
        if (!selecting.tryLock()) {
            checkOpen(); // close() sets closed before it takes the lock to release the descriptors
            throw new IllegalStateException("another thread is selecting on this selector");
        }
        try {
            interruptHook.enter();
            try {
                return selectLoop(deadline, now);
            } finally {
                interruptHook.leave();
            }
        } finally {
            selecting.unlock();
        }
    }

    /**
     * Selects until something is ready, the deadline or a wake-up. An interrupted thread (before or
     * while it waits) gets what is ready now or a pending wake-up, keeping its status, and
     * {@link InterruptedException} if there is neither, also at a deadline that has passed
     * (docs/architecture.md, "Interrupts and timeouts"); {@code now} never looks at the status.
     */
    private List<SelectionKey> selectLoop(long deadline, boolean now) throws InterruptedException {
        while (true) {
            boolean interrupted = !now && Thread.currentThread().isInterrupted();
            boolean woken = interrupted && wakeupPending.get();
            try {
                List<SelectionKey> result = selectOnce(deadline, now || interrupted);
                if (result != null && (!result.isEmpty() || now || woken
                        || !Thread.currentThread().isInterrupted())) {
                    return result;
                }
                if (interrupted) {
                    Thread.interrupted();
                    throw new InterruptedException();
                }
                // nothing yet, or interrupted meanwhile with nothing ready: the next round looks once more
            } catch (ClosedException e) {
                if (closed) {
                    throw e;
                }
                // a channel was closed while we looked at it: its key is dropped next round
            }
        }
    }

    /**
     * One round: announce, check, sleep, collect. Returns the ready keys, or null to look again (only
     * the eventfd: a doorbell rang for a message another receiver took, a registration changed, or an
     * interrupt).
     */
    private List<SelectionKey> selectOnce(long deadline, boolean now) {
        List<SelectionKey> bells;
        DoorbellWatcher armed;
        synchronized (this) {
            checkOpen();
            armed = watcher;
            if (armed != null) {
                armed.checkAlive(); // a select asleep when the watcher failed was woken to throw here
            }
            dropClosed();
            bells = List.copyOf(doorbells.values());
        }
        long[] addresses = new long[bells.size()];
        int[] expected = new int[bells.size()];
        for (int i = 0; i < addresses.length; i++) {
            Selectable.Doorbell bell = (Selectable.Doorbell) bells.get(i).source();
            expected[i] = bell.prepareWait(); // announce first: a later commit moves the word
            addresses[i] = bell.waitAddress();
        }
        Map<SelectionKey, Integer> ready = new LinkedHashMap<>();
        long readableBy = collectLocal(bells, ready);
        boolean woken = wakeupPending.get();
        // a frame's timeout turns its channel readable without an event, and a busy mailbox, one
        // whose senders never ring or one with a claim pending (a dead sender's is skipped by a
        // look after the dead-sender timeout) is looked at again: sleep no longer than that
        long wake = readableBy != Long.MAX_VALUE && (deadline == Long.MAX_VALUE || readableBy - deadline < 0)
                ? readableBy : deadline;
        int timeoutMillis = now || woken || !ready.isEmpty() ? 0 : millisUntil(wake);
        boolean watching = timeoutMillis != 0 && addresses.length > 0;
        if (watching) {
            armed.arm(addresses, expected);
        }
        int n;
        try {
            n = epollWait(timeoutMillis);
        } finally {
            if (watching) {
                armed.disarm();
            }
        }
        boolean bellRang = collectDescriptors(n, ready);
        if (bellRang && watching) {
            collectLocal(bells, ready); // (the earliest readableBy is looked at again next round)
        }
        woken |= wakeupPending.getAndSet(false);
        if (!ready.isEmpty() || woken || now || deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0) {
            List<SelectionKey> result = new ArrayList<>(ready.size());
            ready.forEach((key, ops) -> {
                key.readyOps(ops);
                result.add(key);
            });
            return result;
        }
        return null;
    }

    /**
     * Adds the ready mailboxes and the descriptors with input already read into the process; returns
     * the earliest of the others' {@link Selectable.Descriptor#readableBy()} and
     * {@link Selectable.Doorbell#lookAgainBy()}, and the instant to look again at a
     * {@linkplain Selectable.Doorbell.Look#BUSY busy} mailbox, or one whose doorbell does not
     * {@linkplain Selectable.Doorbell#rings() ring} (MAX_VALUE: none).
     */
    private long collectLocal(List<SelectionKey> bells, Map<SelectionKey, Integer> ready) {
        boolean lookAgain = false; // nothing would ring when this mailbox turns ready
        long earliest = Long.MAX_VALUE;
        for (SelectionKey key : bells) {
            Selectable.Doorbell bell = (Selectable.Doorbell) key.source();
            if (bell.isClosed()) {
                continue;
            }
            switch (bell.look()) {
                case READY -> ready.put(key, Selectable.OP_READ);
                case BUSY -> lookAgain = true;
                case NOT_READY -> {
                    lookAgain |= !bell.rings();
                    earliest = earlier(earliest, bell.lookAgainBy()); // e.g. a dead sender's claim to skip
                }
            }
        }
        List<SelectionKey> descriptorKeys;
        synchronized (this) {
            descriptorKeys = List.copyOf(descriptors.values());
        }
        if (lookAgain) {
            earliest = earlier(earliest, System.nanoTime() + BUSY_RECHECK_NANOS);
        }
        for (SelectionKey key : descriptorKeys) {
            if ((key.interestOps() & Selectable.OP_READ) == 0) {
                continue;
            }
            Selectable.Descriptor source = (Selectable.Descriptor) key.source();
            if (source.hasBufferedInput()) {
                ready.merge(key, Selectable.OP_READ, (a, b) -> a | b);
            } else {
                earliest = earlier(earliest, source.readableBy());
            }
        }
        return earliest;
    }

    /** The earlier of two {@link System#nanoTime()} instants, {@link Long#MAX_VALUE} meaning none. */
    private static long earlier(long a, long b) {
        return a == Long.MAX_VALUE || b != Long.MAX_VALUE && b - a < 0 ? b : a;
    }

    /**
     * Adds the keys of the first {@code n} epoll events; returns whether the eventfd was among them
     * (and drains it). An event whose token names no key comes from an entry left in the set by a
     * channel closed while registered whose open file is still open elsewhere (a duplicate, a
     * child): no {@code epoll_ctl} can remove it, as its number is gone or names another file, and
     * it would end every {@code epoll_wait} at once while that file is ready; so the epoll set is
     * {@linkplain #rebuild rebuilt} without it. Such an event also comes, once, for a key cancelled
     * by another thread after the wait returned (its entry is gone): so the set is rebuilt only when
     * two waits in a row report one, as a stale entry of a ready file does (level-triggered).
     */
    private boolean collectDescriptors(int n, Map<SelectionKey, Integer> ready) {
        boolean eventFdReady = false;
        boolean stale = false;
        for (int i = 0; i < n; i++) {
            long token = Sockets.epollEventData(events, i);
            int mask = Sockets.epollEventEvents(events, i);
            if (token == EVENTFD_TOKEN) {
                eventFdReady = true;
                continue;
            }
            SelectionKey key;
            synchronized (this) {
                key = tokens.get(token);
            }
            if (key == null) {
                stale = true; // cancelled meanwhile (its entry is gone now), or left behind: rebuild
                continue;
            }
            if (key.source().isClosed()) {
                continue; // dropped next round; its entry, if the file lives on, then is stale
            }
            int ops = ((mask & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 ? Selectable.OP_READ : 0)
                    | ((mask & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0 ? Selectable.OP_WRITE : 0);
            ops &= key.interestOps();
            if (ops != 0) {
                ready.merge(key, ops, (a, b) -> a | b);
            }
        }
        if (eventFdReady) {
            synchronized (this) {
                if (!closed) {
                    Readiness.reset(eventFd, SUBJECT);
                }
            }
        }
        if (stale && staleSeen) {
            try {
                rebuild();
                stale = false;
            } catch (ErrnoException e) {
                // e.g. EMFILE: no descriptor for the new set. The ready keys are still returned, and the next
                // wait that reports the stale entry tries again (until then each wait returns at once)
                warnRebuildFailed(e);
            }
        }
        staleSeen = stale;
        return eventFdReady;
    }

    /**
     * Replaces the epoll instance by a new one holding the eventfd and the descriptors of the keys
     * whose channels are open (each added inside its {@link Selectable.Descriptor#whileOpen}; a key
     * whose channel is closed is dropped), and closes the old one, with whatever entries were left in
     * it. Only the selecting thread calls this (it alone waits on {@link #epfd}); costs one
     * {@code epoll_ctl} per descriptor key, once per event of an entry left behind. Counted in
     * {@link #rebuilds()}.
     */
    private void rebuild() {
        synchronized (this) {
            if (closed) {
                return;
            }
            int fresh = Sockets.epollCreate();
            try {
                int rc = Sockets.epollCtl(fresh, Sockets.EPOLL_CTL_ADD, eventFd, EPOLLIN, EVENTFD_TOKEN);
                if (rc != 0) {
                    throw Errno.exception(rc, "epoll_ctl", SUBJECT + " eventfd");
                }
                for (SelectionKey key : List.copyOf(descriptors.values())) {
                    Selectable.Descriptor d = (Selectable.Descriptor) key.source();
                    try {
                        rc = epollAdd(fresh, key, d, key.channel(), () -> { });
                    } catch (ClosedException e) {
                        if (key.markCancelled()) {
                            forget(key); // no DEL: the channel is closed
                        }
                        continue;
                    }
                    if (rc != 0) {
                        throw Errno.exception(rc, "epoll_ctl", key.channel().toString());
                    }
                }
            } catch (RuntimeException e) {
                Libc.close(fresh);
                throw e;
            }
            int old = epfd;
            epfd = fresh;
            rebuilds++;
            FdPoller.cancel(old); // a virtual thread's wait registered it: before the number can be reused
            Libc.close(old);
        }
    }

    /**
     * Says once per selector, on standard error, that a rebuild failed (the selector goes on with the
     * old set). A plain line, as jipc-net's server says it cannot accept for want of descriptors: the
     * logging system may need files to format a record (its configuration, the time zone data), and
     * with no descriptor left it stayed silent for the whole process or threw an {@code Error}.
     */
    private void warnRebuildFailed(ErrnoException e) {
        if (!rebuildFailureLogged) {
            rebuildFailureLogged = true;
            System.err.println("jipc: selector: an epoll entry of a channel closed while registered, whose open"
                    + " file lives on elsewhere, could not be removed (" + e.getMessage() + "); selects return at"
                    + " once while that file is ready, and the removal is tried again at each");
        }
    }

    /** How many times the epoll set was {@linkplain #rebuild rebuilt}; for tests. */
    synchronized int rebuilds() {
        return rebuilds;
    }

    /** The epoll descriptor now; for tests (its {@code /proc/self/fdinfo} lists the set). */
    synchronized int epollDescriptor() {
        return epfd;
    }

    /**
     * {@code epoll_wait} on this thread; a virtual thread instead parks while the process's
     * {@link FdPoller} watches the epoll descriptor (readable once one of its descriptors is ready; a
     * native call would pin the carrier), and then collects the events without waiting: no platform
     * thread per waiting virtual thread (until 2026-12-05 one "jipc-selector-wait" thread each). An
     * interrupt or {@link #close()} writes the eventfd, which ends either wait; the parked thread also
     * returns at once, with no events, when it is interrupted (the caller checks the status).
     */
    private int epollWait(int timeoutMillis) {
        if (timeoutMillis == 0 || !Thread.currentThread().isVirtual()) {
            return Sockets.epollWait(epfd, events, BATCH, timeoutMillis);
        }
        long deadline = timeoutMillis < 0 ? FdPoller.FOREVER
                : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            int n = Sockets.epollWait(epfd, events, BATCH, 0);
            if (n != 0 || Thread.currentThread().isInterrupted() || closed
                    || deadline != FdPoller.FOREVER && System.nanoTime() - deadline >= 0) {
                return n;
            }
            FdPoller.await(epfd, Sockets.POLLIN, deadline, () -> closed);
        }
    }

    /** Milliseconds to the deadline, rounded up, for {@code epoll_wait}; -1 for none. */
    private static int millisUntil(long deadline) {
        if (deadline == Long.MAX_VALUE) {
            return -1;
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, (remaining + 999_999) / 1_000_000);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the selector: a select in progress ends with {@link ClosedException}, the keys are
     * cancelled, the helper thread ends, the epoll instance and the eventfd are closed. The channels
     * stay open. Idempotent; any thread.
     */
    @Override
    public void close() {
        DoorbellWatcher w;
        synchronized (this) {
            if (closed) {
                return;
            }
            Readiness.signal(eventFd, SUBJECT); // ends a select in progress
            closed = true;
            descriptors.values().forEach(SelectionKey::markCancelled);
            doorbells.values().forEach(SelectionKey::markCancelled);
            descriptors.clear();
            doorbells.clear();
            w = watcher;
            watcher = null;
        }
        if (w != null) {
            w.close();
        }
        selecting.lock(); // the selecting thread leaves its epoll_wait at once (the eventfd)
        try {
            Libc.close(eventFd);
            FdPoller.cancel(epfd); // a virtual thread's wait registered it: before the number can be reused
            Libc.close(epfd);
        } finally {
            selecting.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new ClosedException("selector is closed");
        }
    }

    @Override
    public String toString() {
        synchronized (this) {
            return "Selector[" + descriptors.size() + " descriptors, " + doorbells.size() + " mailboxes"
                    + (closed ? ", closed" : "") + "]";
        }
    }
}
