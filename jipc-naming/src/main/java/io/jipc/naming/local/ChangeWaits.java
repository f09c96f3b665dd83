package io.jipc.naming.local;

import io.jipc.ClosedException;
import io.jipc.Timeouts;
import io.jipc.Turns;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link LocalNameService#awaitChange awaitChange} calls of one local name service, sharing one
 * watch of every name (one inotify instance and one thread, where a watch per call ran out of
 * inotify instances — {@code fs.inotify.max_user_instances}, 128 by default, per user across the
 * machine — past about 128 concurrent calls). The first call starts the watch, the last one to
 * return closes it; a watch that ended by itself (the service closed, the directory removed) is
 * replaced by the next call that starts.
 *
 * <p>A call joins the waiters, then lists its prefix: an event for a registration the listing shows
 * is one that happened before (its report was still on its way), so a registration is reported
 * only if the listing did not hold it, and a removal only if it did — as a watch started by the call
 * would report it. Any thread may call; a call waits for another's start of the watch no longer
 * than its own deadline, and interruptibly. A call that waits when the service is closed ends
 * with {@link ClosedException} ({@link #serviceClosed()}, which the service runs first in its close).
 */
final class ChangeWaits {
    private final LocalNameService service;
    /** Held while a call starts the watch: a call that needs it waits for that start. */
    private final ReentrantLock starting = new ReentrantLock();
    /** Guards {@link #waiters} and {@link #watch}; held briefly, never while a watch starts or closes. */
    private final ReentrantLock state = new ReentrantLock();
    private final Set<Waiter> waiters = new HashSet<>();
    /** The shared watch, or null while nobody waits (or after it ended by itself). */
    private LocalWatch watch;
    /** Calls that joined and listed their prefix, and wait. */
    private final AtomicInteger listening = new AtomicInteger();
    /** What a waiter finds in its queue once the service closed. */
    private static final Object CLOSED = new Object();

    ChangeWaits(LocalNameService service) {
        this.service = service;
    }

    /** One call's prefix and the events of its prefix since it joined, in order (identity: one per call). */
    private static final class Waiter {
        final String prefix;
        /** {@link NameEvent}s, or {@link #CLOSED}. */
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

        Waiter(String prefix) {
            this.prefix = prefix;
        }
    }

    /** As {@link io.jipc.naming.NameService#awaitChange}; {@code prefix} is checked by the caller. */
    Optional<NameEvent> await(String prefix, Duration timeout) throws InterruptedException {
        long deadline = Timeouts.deadline(timeout);
        Waiter waiter = new Waiter(prefix);
        if (!join(waiter, deadline)) {
            return Optional.empty();
        }
        try {
            Map<String, NameEntry> present = new HashMap<>();
            for (NameEntry entry : service.list(prefix)) {
                present.put(entry.name(), entry);
            }
            listening.incrementAndGet();
            try {
                return next(waiter, present, deadline);
            } finally {
                listening.decrementAndGet();
            }
        } finally {
            leave(waiter);
        }
    }

    /** Calls that joined, listed their prefix and wait for an event now (for tests). */
    int listening() {
        return listening.get();
    }

    /** The first event of {@code waiter} that is a change from {@code present}, or empty at the deadline. */
    private Optional<NameEvent> next(Waiter waiter, Map<String, NameEntry> present, long deadline)
            throws InterruptedException {
        while (true) {
            Object next = deadline == Timeouts.NO_DEADLINE ? waiter.events.take()
                    : waiter.events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                return Optional.empty();
            }
            if (next == CLOSED) {
                throw new ClosedException("name service " + service.uri() + " is closed");
            }
            NameEvent event = (NameEvent) next;
            // a registration the listing held, or a removal of one it did not, happened before
            boolean wasThere = event.entry().sameRegistration(present.get(event.name()));
            if (wasThere == (event.type() == NameEvent.Type.UNREGISTERED)) {
                return Optional.of(event);
            }
        }
    }

    /**
     * Adds {@code waiter}, the shared watch running (started here if needed) when this returns: every
     * change from then on reaches the waiter. False if {@code deadline} passed while another call
     * started the watch; an interrupted thread then throws, also at a deadline that had passed when
     * it came (it cannot complete at once: docs/architecture.md, "Interrupts and timeouts").
     */
    private boolean join(Waiter waiter, long deadline) throws InterruptedException {
        if (!Turns.take(starting, deadline)) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return false;
        }
        try {
            state.lock();
            try {
                waiters.add(waiter);
                if (watch != null) {
                    return true;
                }
            } finally {
                state.unlock();
            }
            LocalWatch started;
            try {
                started = service.watchEverything(this::dispatch, this::ended);
            } catch (RuntimeException | Error e) {
                leave(waiter);
                throw e;
            }
            state.lock();
            try {
                watch = started;
            } finally {
                state.unlock();
            }
            return true;
        } finally {
            starting.unlock();
        }
    }

    /** Removes {@code waiter}; the last one closes the watch. */
    private void leave(Waiter waiter) {
        LocalWatch idle = null;
        state.lock();
        try {
            waiters.remove(waiter);
            if (waiters.isEmpty()) {
                idle = watch;
                watch = null;
            }
        } finally {
            state.unlock();
        }
        if (idle != null) {
            idle.close(); // joins the watch thread: outside the state lock, which its listener takes
        }
    }

    /** The listener of the shared watch, on its thread: hands {@code event} to the waiters of its prefix. */
    private void dispatch(NameEvent event) {
        state.lock();
        try {
            for (Waiter waiter : waiters) {
                if (event.name().startsWith(waiter.prefix)) {
                    waiter.events.add(event);
                }
            }
        } finally {
            state.unlock();
        }
    }

    /**
     * The service is closing: every call that waits ends with {@link ClosedException}. Run by the
     * service before it closes its watches; a call that joins later fails its listing (the service
     * is closed), and one that listed before the close is a waiter here already.
     */
    void serviceClosed() {
        state.lock();
        try {
            for (Waiter waiter : waiters) {
                waiter.events.add(CLOSED);
            }
        } finally {
            state.unlock();
        }
    }

    /** The shared watch ended (closed, or by itself): the next call starts another. */
    private void ended(LocalWatch ended) {
        state.lock();
        try {
            if (watch == ended) {
                watch = null;
            }
        } finally {
            state.unlock();
        }
    }
}
