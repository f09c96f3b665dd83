package io.jipc.naming.zk;

import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NamingException;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.NameSyntax;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A watch of names in ZooKeeper: a persistent recursive watch on the names node; its events are
 * handled, and the listener called, on one thread of the watch. After a reconnection the watch is set
 * again and the known names are compared with a fresh listing, so changes made while disconnected are
 * reported too.
 */
final class ZkWatch implements Watch {
    private final ZkNameService service;
    private final String prefix;
    private final Consumer<NameEvent> listener;
    private final ExecutorService thread;
    private final Watcher watcher = this::onEvent;
    /** Touched only on {@link #thread} (and in {@link #start} before the first event is handled). */
    private final Map<String, NameEntry> known = new HashMap<>();
    private volatile boolean closed;

    private ZkWatch(ZkNameService service, String prefix, Consumer<NameEvent> listener) {
        this.service = service;
        this.prefix = prefix;
        this.listener = listener;
        this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name("jipc-zk-name-watch-" + prefix).unstarted(r));
    }

    static ZkWatch start(ZkNameService service, String prefix, Consumer<NameEvent> listener) {
        ZkWatch watch = new ZkWatch(service, prefix, listener);
        try {
            watch.thread.submit(() -> {
                watch.addWatch();
                service.list(prefix).forEach(e -> watch.known.put(e.name(), e));
                return null;
            }).get();
        } catch (Exception e) {
            watch.thread.shutdownNow();
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new NamingException("cannot watch '" + prefix + "': " + cause, cause);
        }
        return watch;
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
        if (name == null || !name.startsWith(prefix)) {
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
            service.readReported(name).ifPresent(entry -> {
                NameEntry before = known.get(name);
                if (before == null || !before.sameRegistration(entry)) {
                    if (before != null) {
                        emit(new NameEvent(NameEvent.Type.UNREGISTERED, name, before));
                    }
                    known.put(name, entry);
                    emit(new NameEvent(NameEvent.Type.REGISTERED, name, entry));
                }
            });
        } catch (NamingException e) {
            // disconnected: the resynchronisation after reconnecting reports it
        }
    }

    private void deleted(String name) {
        NameEntry before = known.get(name);
        if (before == null) {
            return;
        }
        try {
            if (service.readReported(name).filter(before::sameRegistration).isPresent()) {
                return;
            }
        } catch (NamingException e) {
            return; // disconnected: resynchronised later
        }
        known.remove(name);
        emit(new NameEvent(NameEvent.Type.UNREGISTERED, name, before));
    }

    /** After a reconnection: set the watch again (lost with an expired session) and report differences. */
    void resynchronise() {
        submit(() -> {
            try {
                addWatch();
                Map<String, NameEntry> now = new HashMap<>();
                service.list(prefix).forEach(e -> now.put(e.name(), e));
                for (String name : List.copyOf(known.keySet())) {
                    NameEntry current = now.get(name);
                    if (current == null || !current.sameRegistration(known.get(name))) {
                        emit(new NameEvent(NameEvent.Type.UNREGISTERED, name, known.remove(name)));
                    }
                }
                now.forEach((name, entry) -> {
                    if (!known.containsKey(name)) {
                        known.put(name, entry);
                        emit(new NameEvent(NameEvent.Type.REGISTERED, name, entry));
                    }
                });
            } catch (NamingException e) {
                ZkNameService.LOG.log(System.Logger.Level.DEBUG, "cannot resynchronise the watch of '" + prefix
                        + "' yet: " + e.getMessage());
            }
        });
    }

    private void emit(NameEvent event) {
        if (closed) {
            return;
        }
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            ZkNameService.LOG.log(System.Logger.Level.WARNING, "listener of the watch of '" + prefix
                    + "' failed on " + event, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            service.client().watchers().remove(watcher).forPath(ZkNameService.NAMES);
        } catch (Exception e) {
            // gone with the session, or not connected: the closed flag silences it
        }
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        service.forget(this);
    }
}
