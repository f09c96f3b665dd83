package io.jipc.mq;

import io.jipc.ClosedException;
import io.jipc.platform.Libc;
import io.jipc.platform.Readiness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads waiting for one queue handle to become ready. No waiting thread sleeps in a system
 * call: a virtual thread there would pin its carrier (a few such waits starve every other virtual
 * thread), and {@link Thread#interrupt()} cannot reach any thread inside one. Each waiter parks
 * instead, and one platform thread per handle (started on the first wait, alive until the handle is
 * closed) waits in {@code ppoll(2)} on everybody's behalf: for the union of the events the parked
 * threads wait for, the handle's close event descriptor, and a wake event descriptor that a new
 * waiter signals so that its events are polled too. When the queue becomes ready the matching
 * waiters are unparked and forgotten; each retries its operation and registers again if another
 * receiver (or sender) was faster. A parked thread sees an interrupt and its deadline by itself.
 */
final class QueueWaiters {
    /** Deadline of a wait without a time limit. */
    static final long FOREVER = Long.MAX_VALUE;
    private static final short TROUBLE = Readiness.POLLERR | Readiness.POLLHUP | Readiness.POLLNVAL;

    private final int mqd;
    private final int closeFd;
    private final String name;
    private final UseCount uses;
    private final Object lock = new Object();
    private final List<Waiter> waiters = new ArrayList<>();
    /** The polling thread and its wake descriptor; guarded by {@link #lock}, -1 / null when not running. */
    private Thread poller;
    private int wakeFd = -1;

    QueueWaiters(int mqd, int closeFd, String name, UseCount uses) {
        this.mqd = mqd;
        this.closeFd = closeFd;
        this.name = name;
        this.uses = uses;
    }

    private static final class Waiter {
        final Thread thread = Thread.currentThread();
        final short events;
        volatile boolean released;

        Waiter(short events) {
            this.events = events;
        }
    }

    /**
     * Parks the calling thread until the queue may be ready for {@code events}, the handle is
     * closed, the deadline passes or an interrupt; spurious returns are possible.
     *
     * @throws InterruptedException if the thread is interrupted
     * @throws ClosedException      if the handle was closed before the wait began
     */
    void await(short events, long deadlineNanos) throws InterruptedException {
        Waiter waiter = new Waiter(events);
        synchronized (lock) {
            if (poller == null) {
                startPoller();
            }
            waiters.add(waiter);
            Readiness.signal(wakeFd, name); // poll for this waiter's events too
        }
        try {
            while (!waiter.released) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
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
            synchronized (lock) {
                waiters.remove(waiter);
            }
        }
    }

    /** Starts the polling thread, which holds a use of the handle (its descriptor stays open) until it ends. */
    private void startPoller() {
        if (!uses.enter()) {
            throw new ClosedException("POSIX message queue handle " + name + " is closed");
        }
        try {
            wakeFd = Readiness.eventFd(name);
        } catch (RuntimeException e) {
            uses.exit();
            throw e;
        }
        poller = Thread.ofPlatform().daemon().name("jipc-mq-waits " + name).start(this::poll);
    }

    private void poll() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = Readiness.pollSet(arena, 3);
            boolean closed = false;
            while (!closed) {
                short events = 0;
                synchronized (lock) {
                    for (Waiter w : waiters) {
                        events |= w.events;
                    }
                }
                Readiness.set(set, 0, events == 0 ? -1 : mqd, events); // nobody waits: do not poll the queue
                Readiness.set(set, 1, closeFd, Readiness.POLLIN);
                Readiness.set(set, 2, wakeFd, Readiness.POLLIN);
                Readiness.poll(set, -1, name);
                if ((Readiness.ready(set, 2) & Readiness.POLLIN) != 0) {
                    Readiness.reset(wakeFd, name);
                }
                closed = Readiness.ready(set, 1) != 0;
                short ready = Readiness.ready(set, 0);
                synchronized (lock) {
                    for (Waiter w : waiters) {
                        if (closed || (ready & (w.events | TROUBLE)) != 0) {
                            w.released = true;
                            LockSupport.unpark(w.thread);
                        }
                    }
                    waiters.removeIf(w -> w.released);
                }
            }
        } finally {
            synchronized (lock) {
                Libc.close(wakeFd);
                wakeFd = -1;
                poller = null;
                for (Waiter w : waiters) {
                    w.released = true;
                    LockSupport.unpark(w.thread);
                }
            }
            uses.exit();
        }
    }
}
