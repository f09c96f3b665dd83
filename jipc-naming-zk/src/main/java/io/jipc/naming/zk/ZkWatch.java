package io.jipc.naming.zk;

import io.jipc.ClosedException;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NamingException;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.naming.spi.WatchedNames;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A watch of names in ZooKeeper: a persistent recursive watch on the names node; its events are
 * handled, and the listener called, on one thread of the watch. After a reconnection the watch is set
 * again and the known names are compared with a fresh listing, so changes made while disconnected are
 * reported too.
 *
 * <p>{@link #close()} keeps {@link Watch#close()}'s promise whatever the watch's thread is doing: the
 * listener is called holding {@link #delivery}, and only while the watch is not closed; close marks
 * the watch closed, then takes that monitor, so it returns only after a call in progress on another
 * thread has returned, and no call starts after it. It does not wait for the thread's ZooKeeper reads
 * (each of which may wait up to the service's timeout while the ensemble cannot be reached): whatever
 * the thread does after close is silent, and the thread ends after it.
 *
 * <p>The ZooKeeper watch is removed on the watch's thread too ({@link #removeInTheBackground}), as its
 * last task: a removal waits for the ensemble's answer, which a server gone silent (stopped, paused)
 * gives only when the client declares the connection lost, after two thirds of the session timeout,
 * and Curator then tries again. {@link #close()}, and a failed start while connected, wait for it at
 * most the service's {@code timeout=} (an interrupted start not at all), so that while the ensemble
 * answers the watch is gone when they return. Until 2026-12-07 the removal ran on the caller's thread: a
 * {@code Watch.close()}, or an {@code awaitChange} whose watch failed to start, took 20 to 75 s with
 * {@code session=20s}, {@code timeout=2s} (the remote63 explorer; {@code ZkSilentCloseTest}).
 */
final class ZkWatch implements Watch {
    private final ZkNameService service;
    private final String prefix;
    private final WatchedNames watched;
    private final ExecutorService thread;
    /** The watch's thread (the executor's one thread), so that a close from the listener does not wait for it. */
    private volatile Thread worker;
    /** The removal of the ZooKeeper watch queued by {@link #stop()}; null before. */
    private volatile Future<?> removal;
    private final Watcher watcher = this::onEvent;
    private static final WatchedNames.Tracker NO_TRACKING = new WatchedNames.Tracker() {
        @Override
        public void tracked(NameEntry entry) {
        }

        @Override
        public void untracked(NameEntry entry) {
        }
    };
    private volatile boolean closed;
    /** Held by the watch's thread while it calls the listener; {@link #close()} takes it to wait for that call. */
    private final Object delivery = new Object();
    /** Guards {@link #runner} and {@link #startInterrupted}: the starting caller's interrupt reaches {@link #begin}. */
    private final Object starting = new Object();
    /** The watch's thread while it runs {@link #begin}, else null. */
    private Thread runner;
    /** Whether the caller of {@link #start} was interrupted while it waited. */
    private boolean startInterrupted;

    private ZkWatch(ZkNameService service, String prefix, Consumer<NameEvent> listener) {
        this.service = service;
        this.prefix = prefix;
        this.watched = new WatchedNames(prefix, event -> deliver(listener, event), UnaryOperator.identity(),
                NO_TRACKING, ZkNameService.LOG);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = Thread.ofPlatform().daemon().name("jipc-zk-name-watch-" + prefix).unstarted(r);
            worker = t;
            return t;
        });
    }

    /**
     * Calls {@code listener} with {@code event} unless the watch is closed, holding {@link #delivery}:
     * one task may report several events (a replaced name, a resynchronisation), and the closed flag
     * of a task's start does not cover the calls after a {@link #close()} made meanwhile.
     */
    private void deliver(Consumer<NameEvent> listener, NameEvent event) {
        synchronized (delivery) {
            if (!closed) {
                service.callListener(listener, event); // a close of the service from it must not wait for it
            }
        }
    }

    /**
     * Sets the watch and takes the first listing on the watch's thread ({@link #begin}), and waits for
     * it: one naming call, bounded as every other by the service's {@code timeout=} while the ensemble
     * cannot be reached. An interrupt of the caller, pending or arriving, is passed on to the watch's
     * thread, whose ZooKeeper calls take it as the caller's own would ({@link ZkNameService#bounded}):
     * while connected the start is made whole; while the ensemble cannot be reached it ends at once
     * with {@link io.jipc.naming.NameServiceUnavailableException} (its cause the
     * {@link InterruptedException}). The caller waits for the thread's task to end; a watch that fails
     * has its ZooKeeper watcher removed by its thread after that, and the caller waits for the removal
     * at most the service's timeout while connected, not at all if it was interrupted or the ensemble
     * cannot be reached (the removal may wait for a silent ensemble: see the class comment); the
     * thread ends after the removal; the interrupt status is set again on return.
     */
    static ZkWatch start(ZkNameService service, String prefix, Consumer<NameEvent> listener) {
        ZkWatch watch = new ZkWatch(service, prefix, listener);
        java.util.concurrent.Future<?> started = watch.thread.submit(watch::begin);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    started.get();
                    return watch;
                } catch (InterruptedException e) {
                    interrupted = true;
                    watch.interruptStart();
                }
            }
        } catch (ExecutionException e) {
            watch.closed = true;
            watch.removal = watch.removeInTheBackground();
            watch.thread.shutdown();
            if (!interrupted && watch.service.connected()) {
                // at most timeout=: while the ensemble answers the watcher is gone on return (left for
                // later, a listing made right after the failure could still find it set); while it
                // cannot be reached, not at all (the start already took its timeout)
                watch.awaitRemoval();
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new NamingException("cannot watch '" + prefix + "': " + e.getCause(), e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The start, on the watch's thread: sets the watch and takes the first listing under one deadline
     * ({@link ZkRetry#deadline}, the service's timeout). If either fails, {@link #start} has the watch
     * removed after the failure, by this thread (left, it stayed set for the session's life, set again at
     * every reconnection, and was handed every event of the chroot).
     */
    private Void begin() {
        synchronized (starting) {
            runner = Thread.currentThread();
            if (startInterrupted) {
                runner.interrupt();
            }
        }
        try (ZkRetry.Deadline deadline = service.callDeadline()) {
            addWatch();
            watched.start(service.list(prefix));
            return null;
        } finally {
            synchronized (starting) {
                runner = null;
                // the caller's interrupt, passed on, is the caller's: the thread goes on to deliver events
                Thread.interrupted();
            }
        }
    }

    /** Passes the starting caller's interrupt on to {@link #begin}, whether it runs yet or not. */
    private void interruptStart() {
        synchronized (starting) {
            startInterrupted = true;
            if (runner != null) {
                runner.interrupt();
            }
        }
    }

    /**
     * The client without its namespace (the chroot): the watch is set, and removed, on the names node's
     * full path. Curator sets a watch of a namespaced client under the path as given ({@code /names})
     * but removes it under the full path, so it never found the watch to remove (every closed watch,
     * and every {@code awaitChange}, left its watch in the session, set again at each reconnection).
     */
    private CuratorFramework root() {
        return service.client().usingNamespace(null);
    }

    /**
     * Sets the ZooKeeper watch as {@link ZkNameService#bounded} runs a call: while the ensemble cannot be
     * reached, until the deadline of the thread's naming call (the start's) or its own, and not past an
     * interrupt. Setting it again is harmless: ZooKeeper keeps a watcher once per path and mode.
     */
    private void addWatch() {
        try {
            service.bounded(again -> root().watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE)
                    .usingWatcher(watcher).forPath(service.namesPath()));
        } catch (Exception e) {
            throw service.failure("watch '" + prefix + "'", e);
        }
    }

    @Override
    public String prefix() {
        return prefix;
    }

    private void onEvent(WatchedEvent event) {
        String names = service.namesPath() + "/"; // events of the root client have full paths
        if (closed || event.getPath() == null || !event.getPath().startsWith(names)) {
            return;
        }
        String name = NameSyntax.fromStorageName(event.getPath().substring(names.length()));
        if (!watched.covers(name)) {
            return;
        }
        switch (event.getType()) {
            case NodeCreated -> submit(() -> created(name));
            case NodeDeleted -> submit(() -> deleted(name));
            default -> {
                // entries are never changed in place
            }
        }
    }

    /**
     * Runs {@code task} on the watch's thread, after the tasks before it, unless the watch is closed by
     * then. A task that meets the service closed (closing this watch too) ends quietly: its
     * ClosedException reached the thread's uncaught-exception handler, which printed it.
     */
    void submit(Runnable task) {
        try {
            thread.execute(() -> {
                if (!closed) {
                    try {
                        task.run();
                    } catch (ClosedException closing) {
                        // the service's close closes this watch next
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // closed
        }
    }

    private void created(String name) {
        try {
            service.readReported(name).ifPresent(watched::registered);
        } catch (NamingException e) {
            // disconnected: the resynchronisation after reconnecting reports it
        }
    }

    private void deleted(String name) {
        if (watched.known(name) == null) {
            return;
        }
        try {
            watched.changed(name, service.readReported(name).orElse(null));
        } catch (NamingException e) {
            // disconnected: resynchronised later
        }
    }

    /** After a reconnection: set the watch again (lost with an expired session) and report differences. */
    void resynchronise() {
        submit(() -> {
            try {
                addWatch();
                watched.resynchronise(service.list(prefix));
            } catch (NamingException e) {
                ZkNameService.LOG.log(System.Logger.Level.DEBUG, "cannot resynchronise the watch of '" + prefix
                        + "' yet: " + e.getMessage());
            }
        });
    }

    /**
     * Queues the removal of the ZooKeeper watch ({@link #removeWatcher}) on the watch's thread, after
     * the task it runs; Curator's retries of it are bounded by the service's timeout. Returns its
     * future (done at once if the thread has ended).
     */
    private Future<?> removeInTheBackground() {
        try {
            return thread.submit(() -> {
                Thread.interrupted(); // a start's interrupt is not the removal's: interrupted, it fails at once
                try (ZkRetry.Deadline deadline = service.callDeadline()) {
                    removeWatcher();
                }
            });
        } catch (RejectedExecutionException ended) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /**
     * Waits for the removal queued by {@link #stop()} at most the service's timeout; not at all on the
     * watch's own thread (a close from the listener), whose removal comes after the call, nor once the
     * service is closing. An interrupt
     * ends the wait (the status is set again).
     */
    private void awaitRemoval() {
        Future<?> queued = removal;
        if (queued == null || Thread.currentThread() == worker || service.closing()) {
            return; // (the service's close: its session takes the watch, the removal is none)
        }
        try {
            queued.get(service.callTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // failed (the watch is silent whatever), or still waiting for the ensemble: it goes on there
        }
    }

    /**
     * Removes the ZooKeeper watch, if it was set (nothing when the service closes: its session takes it).
     * Blocks until the ensemble answers or the client gives the connection up; on the watch's thread only.
     */
    private void removeWatcher() {
        if (service.closing()) {
            return;
        }
        try {
            if (service.connected()) {
                root().watchers().remove(watcher).forPath(service.namesPath());
                return;
            }
        } catch (Exception e) {
            // never set, gone with the session, or the connection went meanwhile: removed locally below
        }
        try {
            // not set again at the reconnection, which sets the client's watches only
            root().watchers().remove(watcher).locally().forPath(service.namesPath());
        } catch (Exception e) {
            // never set, or gone with the session: the closed flag silences it
        }
    }

    /**
     * Stops the watch without waiting: the listener is not called from now on, except for a call in
     * progress, which goes on. The ZooKeeper watch is removed by the watch's thread after the task it
     * runs, and the thread ends after that (its tasks, and the reports of that one, are silent).
     * Idempotent; any thread. {@link ZkNameService}'s close stops every watch so before it closes each.
     */
    void stop() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        removal = removeInTheBackground();
        try {
            thread.execute(watched::close);
        } catch (RejectedExecutionException ended) {
            // the thread ended (a failed start): nothing to report
        }
        thread.shutdown();
    }

    /**
     * Stops the watch ({@link #stop()}), then waits for a call of the listener in progress on the
     * watch's thread to return, however long it takes and whatever interrupts the caller (they are
     * kept): after this returns the listener is not called again. Called from the listener itself it
     * does not wait for its own call (the monitor is the caller's already), and the listener is not
     * called again after that call returns. A listener that waits for a thread blocked in this close
     * (or in the service's) never returns, as with the local backend. Then it waits for the removal of
     * the ZooKeeper watch at most the service's {@code timeout=} (not from the listener); past that the
     * removal goes on in the background (see the class comment).
     */
    @Override
    public void close() {
        stop();
        synchronized (delivery) {
            // taken once the call in progress, if any, returned: none starts after the stop above
        }
        awaitRemoval();
        service.forgetWatch(this);
    }
}
