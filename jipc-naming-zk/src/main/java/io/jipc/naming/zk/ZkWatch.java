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

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * (which may wait out Curator's retries while the ensemble cannot be reached): whatever the thread
 * does after close is silent, and the thread ends after it.
 */
final class ZkWatch implements Watch {
    private final ZkNameService service;
    private final String prefix;
    private final WatchedNames watched;
    private final ExecutorService thread;
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

    private ZkWatch(ZkNameService service, String prefix, Consumer<NameEvent> listener) {
        this.service = service;
        this.prefix = prefix;
        this.watched = new WatchedNames(prefix, event -> deliver(listener, event), UnaryOperator.identity(),
                NO_TRACKING, ZkNameService.LOG);
        this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name("jipc-zk-name-watch-" + prefix).unstarted(r));
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
     * Sets the watch and takes the first listing on the watch's thread, waiting for it whatever
     * interrupts the caller (they are kept for it): abandoned half-way, the watch would stay set in
     * ZooKeeper with nobody to remove it. If the listing fails after the watch was set, the watch is
     * removed before the failure is thrown (it stayed set for the session's life, set again at every
     * reconnection, and was handed every event of the chroot).
     */
    static ZkWatch start(ZkNameService service, String prefix, Consumer<NameEvent> listener) {
        ZkWatch watch = new ZkWatch(service, prefix, listener);
        java.util.concurrent.Future<?> started = watch.thread.submit(() -> {
            watch.addWatch();
            watch.watched.start(service.list(prefix));
            return null;
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    started.get();
                    return watch;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            watch.closed = true;
            watch.removeWatcher();
            watch.thread.shutdownNow();
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
     * The client without its namespace (the chroot): the watch is set, and removed, on the names node's
     * full path. Curator sets a watch of a namespaced client under the path as given ({@code /names})
     * but removes it under the full path, so it never found the watch to remove (every closed watch,
     * and every {@code awaitChange}, left its watch in the session, set again at each reconnection).
     */
    private CuratorFramework root() {
        return service.client().usingNamespace(null);
    }

    private void addWatch() {
        try {
            root().watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(watcher)
                    .forPath(service.namesPath());
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

    /** Removes the ZooKeeper watch, if it was set (nothing when the service closes: its session takes it). */
    private void removeWatcher() {
        if (service.closing()) {
            return;
        }
        try {
            if (service.connected()) {
                root().watchers().remove(watcher).forPath(service.namesPath());
            } else {
                // not set again at the reconnection, which sets the client's watches only
                root().watchers().remove(watcher).locally().forPath(service.namesPath());
            }
        } catch (Exception e) {
            // never set, gone with the session, or the connection went meanwhile: the closed flag silences it
        }
    }

    /**
     * Stops the watch without waiting: the listener is not called from now on, except for a call in
     * progress, which goes on. The ZooKeeper watch is removed, and the watch's thread ends after the
     * task it runs (its tasks, and the reports of that one, are silent). Idempotent; any thread.
     * {@link ZkNameService}'s close stops every watch so before it closes each.
     */
    void stop() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        removeWatcher();
        thread.execute(watched::close);
        thread.shutdown();
    }

    /**
     * Stops the watch ({@link #stop()}), then waits for a call of the listener in progress on the
     * watch's thread to return, however long it takes and whatever interrupts the caller (they are
     * kept): after this returns the listener is not called again. Called from the listener itself it
     * does not wait for its own call (the monitor is the caller's already), and the listener is not
     * called again after that call returns. A listener that waits for a thread blocked in this close
     * (or in the service's) never returns, as with the local backend.
     */
    @Override
    public void close() {
        stop();
        synchronized (delivery) {
            // taken once the call in progress, if any, returned: none starts after the stop above
        }
        service.forgetWatch(this);
    }
}
