package io.jipc.naming.spi;

import io.jipc.ClosedException;
import io.jipc.Timeouts;
import io.jipc.Uninterruptibly;
import io.jipc.naming.Lifetime;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NameOwner;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.Watch;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The parts of a {@link NameService} every backend shares: new entries, the open registrations and
 * watches, and closing (watches first, then registrations, then the backend's own resources).
 *
 * @param <R> the backend's registrations
 * @param <W> the backend's watches
 */
public abstract class AbstractNameService<R extends AbstractRegistration, W extends Watch> implements NameService {
    /** Drawn from on the first registration: a SecureRandom costs a process about 10 ms to set up. */
    private static final class Serials {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    private final URI uri;
    private final Set<R> registrations = ConcurrentHashMap.newKeySet();
    private final Set<W> watches = ConcurrentHashMap.newKeySet();
    /** Wakes callers blocked in this service (awaitChange) when it closes; see {@link #whenClosed}. */
    private final Set<Runnable> closeWakers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Counted down when the first {@link #close()} has finished; a racing close waits for it. */
    private final CountDownLatch closeFinished = new CountDownLatch(1);
    /** The watches the first {@link #close()} closes; a racing close waits for their calls in progress too. */
    private volatile List<W> closedWatches = List.of();
    /** The threads calling a listener of one of this service's watches now ({@link #callListener}). */
    private final Set<Thread> listenerThreads = ConcurrentHashMap.newKeySet();
    /** What a waiting {@link #awaitChange} call finds in its queue when the service closed. */
    private static final Object CLOSED = new Object();

    protected AbstractNameService(URI uri) {
        this.uri = uri;
    }

    @Override
    public final URI uri() {
        return uri;
    }

    /**
     * A new entry of this process for {@code name}, after checking the service is open and the name valid.
     *
     * @throws ClosedException if the service is closed
     * @throws IllegalArgumentException if the name is not valid
     */
    protected final NameEntry newEntry(String name, NameRecord what, Lifetime lifetime) {
        ensureOpen();
        NameSyntax.check(name);
        Objects.requireNonNull(what, "what");
        return new NameEntry(name, what, NameOwner.current(), lifetime, Instant.now(), Serials.RANDOM.nextLong(),
                Liveness.ALIVE);
    }

    /** Keeps {@code registration} to close with the service (closes it at once if the service closed meanwhile). */
    protected final R adopt(R registration) {
        registrations.add(registration);
        if (closed) {
            registration.close();
            throw new ClosedException("name service " + uri + " closed during the registration");
        }
        return registration;
    }

    /** Keeps {@code watch} to close with the service. */
    protected final W adoptWatch(W watch) {
        watches.add(watch);
        if (closed) {
            watch.close();
            throw new ClosedException("name service " + uri + " closed while the watch started");
        }
        return watch;
    }

    /** Forgets a registration that closed or lost its name. */
    public final void forget(R registration) {
        registrations.remove(registration);
    }

    /** Forgets a watch that ended. */
    public final void forgetWatch(W watch) {
        watches.remove(watch);
    }

    /**
     * Calls {@code listener} with {@code event}, the thread marked as a listener's meanwhile: every
     * backend calls its watches' listeners through this, so that a {@link #close()} made by a listener
     * of this service while another thread's close runs is known as such and returns without waiting
     * (that close waits for this very call). Called by a watch's own thread.
     */
    public final void callListener(Consumer<NameEvent> listener, NameEvent event) {
        Thread self = Thread.currentThread();
        boolean outermost = listenerThreads.add(self);
        try {
            listener.accept(event);
        } finally {
            if (outermost) {
                listenerThreads.remove(self);
            }
        }
    }

    /** The registrations still open. */
    protected final List<R> openRegistrations() {
        return List.copyOf(registrations);
    }

    /** The watches still running. */
    protected final List<W> openWatches() {
        return List.copyOf(watches);
    }

    protected final boolean isClosed() {
        return closed;
    }

    /** @throws ClosedException if the service is closed */
    protected final void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    /** The exception of a call made on, or blocked in, this service once it is closed. */
    protected final ClosedException closedException() {
        return new ClosedException("name service " + uri + " is closed");
    }

    /**
     * Has {@link #close()} run {@code waker} (once, first, before it closes watches and registrations),
     * to end a call blocked in this service with {@link ClosedException}; {@link #forgetWhenClosed}
     * when the call returns. A call must register before its last {@link #ensureOpen()}: a close
     * after that check then finds the waker.
     */
    protected final void whenClosed(Runnable waker) {
        closeWakers.add(waker);
    }

    /** Undoes {@link #whenClosed}. */
    protected final void forgetWhenClosed(Runnable waker) {
        closeWakers.remove(waker);
    }

    /**
     * As {@link NameService#awaitChange}, with a watch of its own; a {@link #close()} of this
     * service from another thread ends the wait with {@link ClosedException}, as every blocked call
     * of a closed jipc handle ends.
     */
    @Override
    public Optional<NameEvent> awaitChange(String prefix, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        Runnable waker = () -> events.add(CLOSED);
        whenClosed(waker);
        try {
            ensureOpen();
            Watch watch;
            try {
                watch = watch(prefix, events::add);
            } catch (RuntimeException e) {
                if (closed) { // closed while the watch started: the backend's own failure says less
                    ClosedException closedNow = closedException();
                    closedNow.initCause(e);
                    throw closedNow;
                }
                throw e;
            }
            try (watch) {
                Object event = events.poll(Timeouts.nanos(timeout), TimeUnit.NANOSECONDS);
                if (event == CLOSED) {
                    throw closedException();
                }
                return Optional.ofNullable((NameEvent) event);
            }
        } finally {
            forgetWhenClosed(waker);
        }
    }

    /**
     * Stops {@code watch} calling its listener, without waiting for a call in progress (which goes on):
     * {@link #close()} stops every open watch so before it closes each, so that listeners busy when the
     * service closes are waited for together (as long as the longest of them), and no watch goes on
     * reporting while another's listener is waited for. By default nothing: each watch stops when
     * closed. Called once per watch by the thread that closes the service.
     */
    protected void stopWatch(W watch) {
    }

    /** Releases the backend's own resources; called once by {@link #close()}, after watches and registrations. */
    protected abstract void closeBackend();

    /**
     * {@inheritDoc}
     *
     * <p>The first close runs the close; a close racing it (another thread's: a shutdown hook, say)
     * returns only once the first has finished and the listener calls in progress have returned
     * (the first closer's own, when a listener closed the service), waiting however long it takes
     * and whatever interrupts it (they are kept). A close racing it from a listener of one of this
     * service's watches returns at once: the first close waits for that very call, so waiting for
     * the first close would never end.
     */
    @Override
    public final void close() {
        boolean first;
        synchronized (this) {
            first = !closed;
            closed = true;
        }
        if (!first) {
            if (!listenerThreads.contains(Thread.currentThread())) {
                awaitClose();
            }
            return;
        }
        try {
            closeWakers.forEach(Runnable::run);
            List<W> running = openWatches();
            closedWatches = running;
            running.forEach(this::stopWatch);
            running.forEach(Watch::close);
            openRegistrations().forEach(AbstractRegistration::close);
            closeBackend();
        } finally {
            closeFinished.countDown();
        }
    }

    /** For a racing close: waits for the first close, then for the listener calls still in progress. */
    private void awaitClose() {
        Uninterruptibly.await(closeFinished);
        // closed already: each close waits for the watch's call in progress, keeping interrupts
        closedWatches.forEach(Watch::close);
    }
}
