package io.jipc.pipe;

import io.jipc.platform.FdPoller;
import io.jipc.platform.Pipes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until a descriptor is ready ({@code poll(2)} events), for at most one slice.
 *
 * <ul>
 * <li>A <b>platform thread</b> sleeps in {@code poll} itself, at most {@link #SLICE_NANOS} at a time,
 *     so that an interrupt or a close by another thread is noticed within a slice.</li>
 * <li>A <b>virtual thread</b> must not sleep in a native call (it would pin its carrier). Waiting on
 *     a pipe end ({@link #await(FdHandle, short, long)}) it parks while the process's one
 *     {@link FdPoller} thread watches the descriptor, until the descriptor is ready, the thread is
 *     interrupted (at once; the status stays set), the deadline passes, or the handle is closed
 *     ({@link FdHandle#close()} cancels the registration, which unparks it at once): no slices.
 *     Waiting on a bare descriptor ({@link #await(int, short, long)}, a child's pidfd) it registers
 *     with this class's own poller thread for one slice.</li>
 * </ul>
 * Who may call: a thread that holds the descriptor open for the whole wait (inside a call on its
 * handle). Callers loop: re-try their operation, check closing, interruption and their deadline,
 * and call {@link #await} again. A return says "worth re-trying", never "ready".
 */
final class Readiness {
    /** Longest single wait; bounds how late a close or an interrupt of a platform thread is noticed. */
    static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How long the poller of {@link #await(int, short, long)} sleeps while somebody waits. */
    static final long VIRTUAL_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private Readiness() {
    }

    /** Waits until {@code fd} has one of {@code events}, at most until the deadline or one slice. */
    static void await(int fd, short events, long deadlineNanos) {
        long slice = Deadlines.remaining(deadlineNanos, SLICE_NANOS);
        if (slice <= 0) {
            return;
        }
        if (Thread.currentThread().isVirtual()) {
            Poller.INSTANCE.await(fd, events, slice);
        } else {
            Pipes.poll(fd, events, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(slice)));
        }
    }

    /**
     * Waits until the descriptor of {@code handle} (held by the caller: acquired, so open) has one of
     * {@code events}, at most until the deadline ({@link Deadlines}; a platform thread at most one
     * slice); a close of the handle by another thread ends the wait of a virtual thread at once.
     *
     * @throws io.jipc.ErrnoException if the poller cannot watch the descriptor
     */
    static void await(FdHandle handle, short events, long deadline) {
        if (!Thread.currentThread().isVirtual()) {
            await(handle.fd(), events, deadline);
        } else if (Deadlines.remaining(deadline, 1) > 0) {
            FdPoller.await(handle.fd(), events, deadline == Deadlines.NONE ? FdPoller.FOREVER : deadline,
                    handle::isClosed);
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

        /** Parks until {@code fd} is ready, the slice ends or an interrupt. */
        void await(int fd, short events, long sliceNanos) {
            Waiter waiter = new Waiter(fd, events);
            incoming.add(waiter);
            Pipes.write(wakeWrite, wakeByte, "poller wake-up pipe"); // full pipe: already awake
            long deadline = System.nanoTime() + sliceNanos;
            while (!waiter.fired && !Thread.currentThread().isInterrupted()) {
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
