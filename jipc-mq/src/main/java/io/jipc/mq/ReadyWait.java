package io.jipc.mq;

import io.jipc.platform.Libc;
import io.jipc.platform.Readiness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Waits in {@code ppoll(2)} until a queue descriptor is ready for the asked events, the handle is
 * closed (its close event descriptor becomes readable), the thread is interrupted or a deadline
 * passes. Returns in every case but an interruption; callers retry their operation and check
 * their deadline in a loop, so early (spurious) returns are harmless.
 *
 * <p>{@link Thread#interrupt()} cannot reach a thread inside {@code ppoll}. Each waiting thread
 * also polls an event descriptor of its own, and while waiters exist an <em>interrupt watchdog</em>
 * thread looks every {@value #WATCH_MILLIS} ms for interrupted ones and signals their descriptor:
 * an interrupt ends a wait within that time. A thread's event descriptor is created on its first
 * wait and closed once the thread is gone (a {@link Cleaner}).
 *
 * <p>The wait blocks the OS thread: a virtual thread pins its carrier while it waits.
 */
final class ReadyWait {
    /** Deadline of a wait without a time limit. */
    static final long FOREVER = Long.MAX_VALUE;
    private static final long WATCH_MILLIS = 50;

    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<WakeFd> WAKE_FD = ThreadLocal.withInitial(WakeFd::new);
    private static final ConcurrentHashMap<Thread, WakeFd> WAITERS = new ConcurrentHashMap<>();
    private static final Object WATCHDOG_LOCK = new Object();
    private static Thread watchdog;

    private ReadyWait() {
    }

    /**
     * Waits until {@code mqd} is ready for {@code events}, {@code closeFd} is readable, the
     * deadline ({@link System#nanoTime()} based, or {@link #FOREVER}) passes, or an interrupt.
     *
     * @throws InterruptedException if the thread is interrupted before or while waiting
     */
    static void await(int mqd, short events, int closeFd, long deadlineNanos, String subject)
            throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long timeout = -1;
        if (deadlineNanos != FOREVER) {
            timeout = deadlineNanos - System.nanoTime();
            if (timeout <= 0) {
                return;
            }
        }
        Thread self = Thread.currentThread();
        WakeFd wake = WAKE_FD.get();
        WAITERS.put(self, wake);
        startWatchdog();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = Readiness.pollSet(arena, 3);
            Readiness.set(set, 0, mqd, events);
            Readiness.set(set, 1, closeFd, Readiness.POLLIN);
            Readiness.set(set, 2, wake.fd, Readiness.POLLIN);
            if (!self.isInterrupted()) {
                Readiness.poll(set, timeout, subject);
                if ((Readiness.ready(set, 2) & Readiness.POLLIN) != 0) {
                    Readiness.reset(wake.fd, "the interrupt event descriptor of " + self);
                }
            }
        } finally {
            WAITERS.remove(self);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    private static void startWatchdog() {
        synchronized (WATCHDOG_LOCK) {
            if (watchdog == null) {
                watchdog = Thread.ofPlatform().daemon().name("jipc-mq-interrupt-watchdog").start(ReadyWait::watch);
            }
        }
    }

    /** Signals the event descriptor of every interrupted waiter; ends when no thread waits. */
    private static void watch() {
        while (true) {
            try {
                TimeUnit.MILLISECONDS.sleep(WATCH_MILLIS);
            } catch (InterruptedException e) {
                // not interruptible by design: waiters depend on it
            }
            synchronized (WATCHDOG_LOCK) {
                if (WAITERS.isEmpty()) {
                    watchdog = null;
                    return;
                }
            }
            WAITERS.forEach((thread, wake) -> {
                if (thread.isInterrupted()) {
                    Readiness.signal(wake.fd, "the interrupt event descriptor of " + thread);
                }
            });
        }
    }

    /** A thread's own event descriptor, closed when the thread (and so this object) is gone. */
    private static final class WakeFd {
        final int fd;

        WakeFd() {
            int created = Readiness.eventFd("an interrupt event descriptor");
            this.fd = created;
            CLEANER.register(this, () -> Libc.close(created));
        }
    }
}
