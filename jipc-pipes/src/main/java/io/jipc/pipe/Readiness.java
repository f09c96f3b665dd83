package io.jipc.pipe;

import io.jipc.platform.Pipes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until a descriptor is ready ({@code poll(2)} events), for at most one slice.
 *
 * <ul>
 * <li>A <b>platform thread</b> sleeps in {@code poll} itself, at most {@link #SLICE_NANOS} at a time,
 *     so that an interrupt or a close by another thread is noticed within a slice.</li>
 * <li>A <b>virtual thread</b> must not sleep in a native call (it would pin its carrier): it
 *     registers with the one poller thread of this process, which sleeps in {@code poll} on every
 *     registered descriptor, and parks until the poller unparks it, it is interrupted (at once)
 *     or the slice ends. Waiting on a pipe end ({@link #await(FdHandle, short, long)}), whose
 *     {@link FdHandle#close()} unparks it ({@link #closing}), its slice is
 *     {@link #VIRTUAL_SLICE_NANOS}: with thousands of virtual threads waiting, 50 ms slices made
 *     each re-register 20 times a second and the poller rebuild its whole list each time (most of a
 *     CPU while nothing happened).</li>
 * </ul>
 * Callers loop: re-try their operation, check closing, interruption and their deadline, and call
 * {@link #await} again. A return says "worth re-trying", never "ready".
 */
final class Readiness {
    /** Longest single wait; bounds how late a close or an interrupt of a platform thread is noticed. */
    static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * Longest single wait of a virtual thread on a pipe end, and of the poller while somebody waits:
     * an interrupt unparks the thread at once and a close of the end unparks it ({@link #closing}),
     * so the slice only bounds how long a cancelled registration is watched.
     */
    static final long VIRTUAL_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The virtual threads waiting on each descriptor of a pipe end, for {@link #closing}. */
    private static final ConcurrentHashMap<Integer, Set<Thread>> WAITING = new ConcurrentHashMap<>();

    private Readiness() {
    }

    /** Waits until {@code fd} has one of {@code events}, at most until the deadline or one slice. */
    static void await(int fd, short events, long deadlineNanos) {
        long slice = Deadlines.remaining(deadlineNanos, SLICE_NANOS);
        if (slice <= 0) {
            return;
        }
        if (Thread.currentThread().isVirtual()) {
            Poller.INSTANCE.await(fd, events, slice, null);
        } else {
            Pipes.poll(fd, events, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(slice)));
        }
    }

    /**
     * Waits until the descriptor of {@code handle} (held by the caller: acquired, so open) has one of
     * {@code events}, at most until the deadline or one slice; a close of the handle by another
     * thread ends the wait of a virtual thread at once.
     */
    static void await(FdHandle handle, short events, long deadlineNanos) {
        if (!Thread.currentThread().isVirtual()) {
            await(handle.fd(), events, deadlineNanos);
            return;
        }
        long slice = Deadlines.remaining(deadlineNanos, VIRTUAL_SLICE_NANOS);
        if (slice <= 0) {
            return;
        }
        Integer fd = handle.fd();
        Thread self = Thread.currentThread();
        WAITING.computeIfAbsent(fd, key -> ConcurrentHashMap.newKeySet()).add(self);
        try {
            if (!handle.isClosed()) { // closed before it registered: closing() did not see it
                Poller.INSTANCE.await(handle.fd(), events, slice, handle);
            }
        } finally {
            WAITING.computeIfPresent(fd, (key, threads) -> threads.remove(self) && threads.isEmpty() ? null : threads);
        }
    }

    /**
     * Unparks the virtual threads waiting on {@code fd}, whose handle is being closed (called after it
     * is marked closed, while the descriptor is still open): they see the close at once.
     */
    static void closing(int fd) {
        Set<Thread> threads = WAITING.get(fd);
        if (threads != null) {
            threads.forEach(LockSupport::unpark);
        }
    }

    /** One registration of a virtual thread with the poller; one-shot. */
    private static final class Waiter {
        final int fd;
        final short events;
        final Thread thread = Thread.currentThread();
        volatile boolean fired;
        volatile boolean cancelled;

        Waiter(int fd, short events) {
            this.fd = fd;
            this.events = events;
        }
    }

    /**
     * A daemon platform thread that sleeps in {@code poll} on behalf of waiting virtual threads. A
     * self-pipe wakes it when a registration arrives. It starts on first use and lives as long as the
     * JVM (with its two close-on-exec descriptors).
     */
    private static final class Poller implements Runnable {
        static final Poller INSTANCE = new Poller();

        private final ConcurrentLinkedQueue<Waiter> incoming = new ConcurrentLinkedQueue<>();
        private final int wakeRead;
        private final int wakeWrite;
        private final MemorySegment wakeBuffer = Arena.global().allocate(64);
        /** What a registration writes into the wake-up pipe (from any thread). */
        private final MemorySegment wakeByte = wakeBuffer.asSlice(0, 1);
        /** Where the poller drains the wake-up pipe into (its own thread only). */
        private final MemorySegment drain = wakeBuffer.asSlice(8, 56);

        private Poller() {
            int[] fds = Pipes.pipe();
            wakeRead = fds[0];
            wakeWrite = fds[1];
            Pipes.setNonBlocking(wakeRead, true, "poller wake-up pipe");
            Pipes.setNonBlocking(wakeWrite, true, "poller wake-up pipe");
            Thread.ofPlatform().daemon().name("jipc-pipe-poller").start(this);
        }

        /** Parks until {@code fd} is ready, the slice ends, an interrupt, or {@code handle} (if any) is closed. */
        void await(int fd, short events, long sliceNanos, FdHandle handle) {
            Waiter waiter = new Waiter(fd, events);
            incoming.add(waiter);
            Pipes.write(wakeWrite, wakeByte, "poller wake-up pipe"); // full pipe: already awake
            long deadline = System.nanoTime() + sliceNanos;
            while (!waiter.fired && !Thread.currentThread().isInterrupted() && (handle == null || !handle.isClosed())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                LockSupport.parkNanos(this, left);
            }
            waiter.cancelled = true;
        }

        @Override
        public void run() {
            List<Waiter> active = new ArrayList<>();
            MemorySegment pollfds = null;
            int room = 0;
            while (true) {
                for (Waiter w; (w = incoming.poll()) != null; ) {
                    active.add(w);
                }
                active.removeIf(w -> w.cancelled);
                if (active.size() + 1 > room) {
                    room = Math.max(16, Integer.highestOneBit(active.size() + 1) * 2);
                    pollfds = Arena.ofAuto().allocate(room * Pipes.POLLFD_SIZE, 8);
                }
                Pipes.setPollEntry(pollfds, 0, wakeRead, Pipes.POLLIN);
                for (int i = 0; i < active.size(); i++) {
                    Pipes.setPollEntry(pollfds, i + 1, active.get(i).fd, active.get(i).events);
                }
                // asleep without a timer when nobody waits; else the slice bounds how long cancelled
                // registrations of idle descriptors are watched
                int timeout = active.isEmpty() ? -1 : (int) TimeUnit.NANOSECONDS.toMillis(VIRTUAL_SLICE_NANOS);
                Pipes.poll(pollfds, active.size() + 1, timeout);
                if (Pipes.pollEvents(pollfds, 0) != 0) {
                    while (Pipes.read(wakeRead, drain, "poller wake-up pipe") > 0) {
                        // drained
                    }
                }
                for (int i = active.size() - 1; i >= 0; i--) {
                    if (Pipes.pollEvents(pollfds, i + 1) != 0) {
                        Waiter w = active.remove(i);
                        w.fired = true;
                        LockSupport.unpark(w.thread);
                    }
                }
            }
        }
    }
}
