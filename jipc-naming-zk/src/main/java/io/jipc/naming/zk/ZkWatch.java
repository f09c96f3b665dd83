package io.jipc.naming.zk;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NamingException;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.naming.spi.WatchedNames;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A watch of names in ZooKeeper: a persistent recursive watch on the names node; its events are
 * handled, and the listener called, on one thread of the watch. After a reconnection the watch is set
 * again and the known names are compared with a fresh listing, so changes made while disconnected are
 * reported too.
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
    /** The watch's thread, which calls the listener (set when the executor makes it). */
    private volatile Thread worker;

    private ZkWatch(ZkNameService service, String prefix, Consumer<NameEvent> listener) {
        this.service = service;
        this.prefix = prefix;
        this.watched = new WatchedNames(prefix, listener, UnaryOperator.identity(), NO_TRACKING, ZkNameService.LOG);
        this.thread = Executors.newSingleThreadExecutor(r -> worker = Thread.ofPlatform().daemon()
                .name("jipc-zk-name-watch-" + prefix).unstarted(r));
    }

    /**
     * Sets the watch and takes the first listing on the watch's thread, waiting for it whatever
     * interrupts the caller (they are kept for it): abandoned half-way, the watch would stay set in
     * ZooKeeper with nobody to remove it.
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

    private void addWatch() {
        try {
            service.client().watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(watcher)
                    .forPath(ZkNameService.NAMES);
        } catch (Exception e) {
            throw service.failure("watch '" + prefix + "'", e);
        }
    }

    @Override
    public String prefix() {
        return prefix;
    }

    private void onEvent(WatchedEvent event) {
        if (closed || event.getPath() == null || !event.getPath().startsWith(ZkNameService.NAMES + "/")) {
            return;
        }
        String name = NameSyntax.fromStorageName(event.getPath().substring(ZkNameService.NAMES.length() + 1));
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

    private void submit(Runnable task) {
        try {
            thread.execute(() -> {
                if (!closed) {
                    task.run();
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

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!service.closing()) { // else the session ends, and its watches with it
            try {
                if (service.connected()) {
                    service.client().watchers().remove(watcher).forPath(ZkNameService.NAMES);
                } else {
                    // not set again at the reconnection, which sets the client's watches only
                    service.client().watchers().remove(watcher).locally().forPath(ZkNameService.NAMES);
                }
            } catch (Exception e) {
                // gone with the session, or the connection went meanwhile: the closed flag silences it
            }
        }
        thread.execute(watched::close);
        thread.shutdown();
        if (Thread.currentThread() != worker) { // from the listener itself: the thread ends after it returns
            try {
                thread.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        service.forgetWatch(this);
    }
}
