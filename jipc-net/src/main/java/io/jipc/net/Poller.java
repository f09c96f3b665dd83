package io.jipc.net;

import io.jipc.platform.Errno;
import io.jipc.platform.Libc;
import io.jipc.platform.Sockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for socket readiness on behalf of virtual threads, so that they park instead of blocking
 * their carrier in a native call.
 *
 * <p>One daemon platform thread per process ("jipc-socket-poller", started on first use) sleeps in
 * {@code epoll_wait}. A virtual thread registers its descriptor with the events it needs
 * ({@code EPOLLONESHOT}, the union of what all its waiters need), parks, and is unparked when the
 * descriptor reports any event, when the socket is closed ({@link #cancel}) or by its deadline or
 * an interrupt. A wake-up only means "try again": callers retry their non-blocking call.
 */
final class Poller {
    private static final int BATCH = 64;
    private static volatile Poller instance;

    private final int epfd;
    /** Descriptor → threads waiting on it; guarded by {@code this}. */
    private final Map<Integer, List<Thread>> waiters = new HashMap<>();
    /** Descriptors known to the epoll set (possibly disarmed after a one-shot event); guarded by {@code this}. */
    private final Set<Integer> added = new HashSet<>();
    private final Map<Integer, Integer> armed = new HashMap<>();

    private Poller() {
        epfd = Sockets.epollCreate();
        Thread.ofPlatform().daemon().name("jipc-socket-poller").start(this::run);
    }

    static Poller get() {
        Poller p = instance;
        if (p == null) {
            synchronized (Poller.class) {
                p = instance;
                if (p == null) {
                    p = new Poller();
                    instance = p;
                }
            }
        }
        return p;
    }

    /** Wakes the waiters of {@code fd}, if a poller exists; called before the descriptor is closed. */
    static void cancel(int fd) {
        Poller p = instance;
        if (p != null) {
            p.wakeAndForget(fd);
        }
    }

    /**
     * Parks the calling virtual thread until {@code fd} may be ready for {@code events}
     * ({@code POLLIN}/{@code POLLOUT}, which equal {@code EPOLLIN}/{@code EPOLLOUT}), the deadline
     * ({@link System#nanoTime()}; {@link Long#MAX_VALUE} for none) or an interrupt.
     */
    void await(int fd, int events, long deadlineNanos) {
        Thread self = Thread.currentThread();
        synchronized (this) {
            waiters.computeIfAbsent(fd, k -> new ArrayList<>()).add(self);
            int wanted = armed.getOrDefault(fd, 0) | events | Sockets.POLLERR | Sockets.POLLHUP;
            armed.put(fd, wanted);
            int op = added.contains(fd) ? Sockets.EPOLL_CTL_MOD : Sockets.EPOLL_CTL_ADD;
            int rc = Sockets.epollCtl(epfd, op, fd, wanted | Sockets.EPOLLONESHOT);
            if (rc == Errno.ENOENT || rc == Errno.EEXIST) {   // the set forgot a closed descriptor, or knew it
                op = op == Sockets.EPOLL_CTL_MOD ? Sockets.EPOLL_CTL_ADD : Sockets.EPOLL_CTL_MOD;
                rc = Sockets.epollCtl(epfd, op, fd, wanted | Sockets.EPOLLONESHOT);
            }
            if (rc != 0) {
                waiters.get(fd).remove(self);
                throw Errno.exception(rc, "epoll_ctl", "fd " + fd);
            }
            added.add(fd);
        }
        try {
            if (deadlineNanos == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, deadlineNanos - System.nanoTime());
            }
        } finally {
            synchronized (this) {
                List<Thread> list = waiters.get(fd);
                if (list != null) {
                    list.remove(self);
                    if (list.isEmpty()) {
                        waiters.remove(fd);
                    }
                }
            }
        }
    }

    private synchronized void wakeAndForget(int fd) {
        wake(fd);
        if (added.remove(fd)) {
            Sockets.epollCtl(epfd, Sockets.EPOLL_CTL_DEL, fd, 0);
        }
    }

    /** Unparks every waiter of {@code fd}; the one-shot registration is disarmed by the kernel. Holds the lock. */
    private void wake(int fd) {
        armed.remove(fd);
        List<Thread> list = waiters.remove(fd);
        if (list != null) {
            list.forEach(LockSupport::unpark);
        }
    }

    private void run() {
        MemorySegment events = Arena.ofAuto().allocate((long) BATCH * Sockets.EPOLL_EVENT_SIZE, 8);
        while (true) {
            int n = Sockets.epollWait(epfd, events, BATCH, -1);
            synchronized (this) {
                for (int i = 0; i < n; i++) {
                    wake(Sockets.epollEventFd(events, i));
                }
            }
        }
    }

    static {
        Libc.ensureAvailability();
    }
}
