package io.jipc.platform;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits of parked threads for file descriptors to become ready: a waiting thread parks, and one
 * daemon platform thread per process ("jipc-fd-poller", started on first use, alive as long as the
 * JVM with its one epoll descriptor) sleeps in {@code epoll_wait} on behalf of every waiter of
 * every descriptor. A virtual thread must not sleep in a native call itself (that would pin its
 * carrier, and a few such waits would starve every other virtual thread), and
 * {@link Thread#interrupt()} reaches no thread inside one; a parked thread sees an interrupt and its
 * deadline at once. However many descriptors have waiters, this costs one platform thread.
 *
 * <p><b>Library-internal.</b> Public only so that jipc's modules (sockets of jipc-net, POSIX message
 * queues of jipc-mq, pipe ends and pidfds of jipc-pipes) share one poller; applications do not call it.
 *
 * <p><b>Who may call:</b> any thread, platform or virtual, that holds {@code fd} open for the whole
 * {@link #await} (jipc's handles count their calls in and out and close a descriptor only when the
 * last one has left). A registration names the descriptor, the events ({@link Sockets#POLLIN},
 * {@link Sockets#POLLOUT}, which equal {@code EPOLLIN}/{@code EPOLLOUT}), the waiting thread (the
 * caller), its deadline and a cancellation check; the caller parks until
 * <ul>
 * <li>the descriptor reports one of its events, or an error or hang-up (which count for every
 *     event): the poller unparks it;</li>
 * <li>the handle is closed: whoever closes it marks it closed (so that the cancellation check is
 *     true) and then calls {@link #cancel}, which unparks every waiter of the descriptor at once;</li>
 * <li>its thread is interrupted (the status is left set) or its deadline passes.</li>
 * </ul>
 * A return only means "try again": callers retry their non-blocking call, then check closing, the
 * interrupt status and the deadline themselves, and wait again.
 *
 * <p><b>How.</b> Each descriptor is in the epoll set with {@code EPOLLONESHOT}, armed by a new
 * waiter for the union of what its waiters want unless it is armed for that already (so a crowd of
 * waiters on one descriptor costs one {@code epoll_ctl}, not one each). Readiness is level-triggered:
 * a descriptor ready when it is armed reports at once, so nothing that happened between the
 * caller's failed attempt and its registration is missed. An event disarms the descriptor; the
 * poller unparks the waiters it concerns and arms it again for the others. A descriptor stays in
 * the set after its waiters left, until {@link #cancel}.
 *
 * <p><b>Closing a descriptor.</b> {@link #cancel} must run before the descriptor is closed (and
 * after its last waiter has left; jipc's handles call it when they are closed and again when they
 * release the descriptor). epoll watches the open file, not the number: a registration left behind
 * would outlive {@code close} while a forked child or a duplicate holds the file open and report
 * events under a number that a new descriptor has by then, and this poller would take the new
 * descriptor for armed already, so its waiters could sleep for ever.
 */
public final class FdPoller {
    /** Deadline of a wait without a time limit. */
    public static final long FOREVER = Long.MAX_VALUE;
    private static final int TROUBLE = Sockets.POLLERR | Sockets.POLLHUP;
    private static final int BATCH = 64;
    private static volatile FdPoller instance;

    private final int epfd;
    /** Every descriptor in the epoll set, until {@link #cancel}; guarded by {@code this}. */
    private final Map<Integer, Registration> registrations = new HashMap<>();

    /** A descriptor in the epoll set; guarded by the poller's lock. */
    private static final class Registration {
        final Set<Waiter> waiters = new LinkedHashSet<>();
        /** The events it is armed for in the kernel; 0 once a one-shot event disarmed it. */
        int armed;
    }

    private static final class Waiter {
        final Thread thread = Thread.currentThread();
        final int events;
        /** Set (under the poller's lock) when the poller or {@link #cancel} unparked it and forgot it. */
        volatile boolean released;

        Waiter(int events) {
            this.events = events;
        }
    }

    private FdPoller() {
        epfd = Sockets.epollCreate();
        Thread.ofPlatform().daemon().name("jipc-fd-poller").start(this::run);
    }

    private static FdPoller get() {
        FdPoller p = instance;
        if (p == null) {
            synchronized (FdPoller.class) {
                p = instance;
                if (p == null) {
                    p = new FdPoller();
                    instance = p;
                }
            }
        }
        return p;
    }

    /**
     * Parks the calling thread until {@code fd} may be ready for {@code events}, {@code cancelled}
     * is true (checked after the registration, so a {@link #cancel} that came first is not missed),
     * the thread is interrupted (the status stays set), or the {@link System#nanoTime()} deadline
     * ({@link #FOREVER} for none) passes. Returns at once in the last three cases if they hold
     * already. Spurious returns are possible.
     *
     * @throws io.jipc.ErrnoException if the descriptor cannot be watched ({@code epoll_ctl} failed)
     */
    public static void await(int fd, int events, long deadlineNanos, BooleanSupplier cancelled) {
        get().park(fd, events, deadlineNanos, cancelled);
    }

    /**
     * Unparks every thread waiting on {@code fd} and removes {@code fd} from the epoll set. Call it
     * when the descriptor's handle is closed (after marking it closed, while the descriptor is still
     * open), and again right before the descriptor itself is closed.
     */
    public static void cancel(int fd) {
        FdPoller p = instance;
        if (p != null) {
            p.forget(fd);
        }
    }

    private void park(int fd, int events, long deadlineNanos, BooleanSupplier cancelled) {
        Waiter waiter = new Waiter(events);
        synchronized (this) {
            Registration r = registrations.get(fd);
            boolean added = r != null;
            if (!added) {
                r = new Registration();
            }
            try {
                arm(fd, r, added, r.armed | events | TROUBLE);
            } catch (RuntimeException e) {
                if (!added) {
                    Sockets.epollCtl(epfd, Sockets.EPOLL_CTL_DEL, fd, 0);
                }
                throw e;
            }
            registrations.put(fd, r);
            r.waiters.add(waiter);
        }
        try {
            while (!waiter.released) {
                if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                    return;
                }
                if (deadlineNanos == FOREVER) {
                    LockSupport.park(this);
                } else {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    LockSupport.parkNanos(this, left);
                }
            }
        } finally {
            if (!waiter.released) {
                synchronized (this) {
                    Registration r = registrations.get(fd);
                    if (r != null) {
                        r.waiters.remove(waiter); // it stays armed: a later event finds nobody, or newer waiters
                    }
                }
            }
        }
    }

    /**
     * Arms {@code fd} (one-shot) for {@code wanted}, unless it is armed for all of that already (a
     * crowd of waiters of one descriptor then costs one system call, not one each); holds the lock.
     */
    private void arm(int fd, Registration r, boolean added, int wanted) {
        if (added && wanted == r.armed) {
            return;
        }
        int op = added ? Sockets.EPOLL_CTL_MOD : Sockets.EPOLL_CTL_ADD;
        int rc = Sockets.epollCtl(epfd, op, fd, wanted | Sockets.EPOLLONESHOT);
        if (rc == Errno.ENOENT || rc == Errno.EEXIST) { // the set forgot a closed descriptor, or knew it
            op = op == Sockets.EPOLL_CTL_MOD ? Sockets.EPOLL_CTL_ADD : Sockets.EPOLL_CTL_MOD;
            rc = Sockets.epollCtl(epfd, op, fd, wanted | Sockets.EPOLLONESHOT);
        }
        if (rc != 0) {
            throw Errno.exception(rc, "epoll_ctl", "fd " + fd);
        }
        r.armed = wanted;
    }

    private synchronized void forget(int fd) {
        Registration r = registrations.remove(fd);
        if (r != null) {
            r.waiters.forEach(FdPoller::release);
            Sockets.epollCtl(epfd, Sockets.EPOLL_CTL_DEL, fd, 0); // fails only if already closed: then gone anyway
        }
    }

    /**
     * Unparks the waiters of {@code fd} that {@code ready} concerns and arms it again for the others
     * (the event disarmed it); holds the lock.
     */
    private void fire(int fd, int ready) {
        Registration r = registrations.get(fd);
        if (r == null) {
            return; // an event from before a cancel
        }
        r.armed = 0;
        int rest = 0;
        for (Iterator<Waiter> it = r.waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if ((ready & (w.events | TROUBLE)) != 0) {
                it.remove();
                release(w);
            } else {
                rest |= w.events;
            }
        }
        if (rest != 0) {
            try {
                arm(fd, r, true, rest | TROUBLE);
            } catch (RuntimeException e) { // cannot watch it any more: let them retry and register again
                r.waiters.forEach(FdPoller::release);
                r.waiters.clear();
            }
        }
    }

    private static void release(Waiter w) {
        w.released = true;
        LockSupport.unpark(w.thread);
    }

    private void run() {
        MemorySegment events = Arena.ofAuto().allocate((long) BATCH * Sockets.EPOLL_EVENT_SIZE, 8);
        while (true) {
            int n = Sockets.epollWait(epfd, events, BATCH, -1);
            synchronized (this) {
                for (int i = 0; i < n; i++) {
                    fire(Sockets.epollEventFd(events, i), Sockets.epollEventEvents(events, i));
                }
            }
        }
    }

    static {
        Libc.ensureAvailability();
    }
}
