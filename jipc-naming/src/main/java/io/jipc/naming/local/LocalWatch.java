package io.jipc.naming.local;

import io.jipc.naming.Lifetime;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.platform.Inotify;
import io.jipc.platform.Libc;
import io.jipc.platform.PidFd;
import io.jipc.platform.Poll;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * A watch of the local name service: one platform thread sleeping in {@code poll(2)} on an inotify
 * descriptor of the names directory (registrations are links, removals unlinks), one pidfd per live
 * owner of a watched name (readable when that owner dies), and an eventfd that {@link #close()} writes
 * to. When an owner dies the watch reclaims its name, and the unlink comes back through inotify as the
 * {@link NameEvent.Type#UNREGISTERED} event. No timer, no polling.
 *
 * <p>Only the watch thread touches the descriptors and the known entries; it closes them when it
 * ends. The listener runs on that thread.
 */
final class LocalWatch implements Watch {
    private static final int EVENTS = Inotify.CREATE | Inotify.MOVED_TO | Inotify.DELETE | Inotify.MOVED_FROM
            | Inotify.DELETE_SELF;

    /** A watched name: its entry and, for a live local owner, a pidfd of that owner (else -1). */
    private record Known(NameEntry entry, int pidfd) {
    }

    private final LocalNameService service;
    private final String prefix;
    private final Consumer<NameEvent> listener;
    private final Consumer<LocalWatch> onEnd;
    private final Inotify inotify;
    private final int wakeFd;
    private final Map<String, Known> known = new HashMap<>();
    private final Object lifecycle = new Object();
    private boolean ended;
    private volatile boolean closing;
    private Thread thread;

    private LocalWatch(LocalNameService service, String prefix, Consumer<NameEvent> listener,
                       Consumer<LocalWatch> onEnd, Inotify inotify, int wakeFd) {
        this.service = service;
        this.prefix = prefix;
        this.listener = listener;
        this.onEnd = onEnd;
        this.inotify = inotify;
        this.wakeFd = wakeFd;
    }

    /** Watches {@code prefix}: changes after this returns are reported. */
    static LocalWatch start(LocalNameService service, NameDirectory directory, String prefix,
                            Consumer<NameEvent> listener, Consumer<LocalWatch> onEnd) {
        Inotify inotify = Inotify.open();
        int wakeFd;
        try {
            inotify.addDirectory(directory.path().toString(), EVENTS);
            wakeFd = Poll.newWakeFd();
        } catch (RuntimeException e) {
            inotify.close();
            throw e;
        }
        LocalWatch watch = new LocalWatch(service, prefix, listener, onEnd, inotify, wakeFd);
        try {
            // after the inotify watch exists: a change from now on is either seen here or reported
            for (NameEntry entry : service.list(prefix)) {
                watch.track(entry);
            }
        } catch (RuntimeException e) {
            watch.closeDescriptors();
            throw e;
        }
        watch.thread = Thread.ofPlatform().daemon().name("jipc-name-watch-" + prefix).start(watch::run);
        return watch;
    }

    @Override
    public String prefix() {
        return prefix;
    }

    private void run() {
        try {
            while (!closing) {
                int[] fds = descriptors();
                short[] ready = Poll.await(fds, Poll.IN, -1);
                if (closing) {
                    break;
                }
                if (ready[1] != 0) {
                    for (Inotify.Event event : inotify.read()) {
                        onInotify(event);
                    }
                }
                for (int i = 2; i < fds.length; i++) {
                    if (ready[i] != 0) {
                        onOwnerExit(fds[i]);
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            LocalNameService.LOG.log(System.Logger.Level.ERROR, "watch of '" + prefix + "' stopped", e);
        } finally {
            closeDescriptors();
            onEnd.accept(this);
        }
    }

    private int[] descriptors() {
        List<Integer> pidfds = new ArrayList<>();
        known.values().forEach(k -> {
            if (k.pidfd >= 0) {
                pidfds.add(k.pidfd);
            }
        });
        int[] fds = new int[2 + pidfds.size()];
        fds[0] = wakeFd;
        fds[1] = inotify.fd();
        for (int i = 0; i < pidfds.size(); i++) {
            fds[2 + i] = pidfds.get(i);
        }
        return fds;
    }

    private void onInotify(Inotify.Event event) {
        if (event.is(Inotify.Q_OVERFLOW)) {
            resynchronise();
            return;
        }
        if (event.is(Inotify.DELETE_SELF | Inotify.IGNORED)) {
            LocalNameService.LOG.log(System.Logger.Level.WARNING, "the names directory was removed; watch of '"
                    + prefix + "' ends");
            closing = true;
            return;
        }
        if (event.name().startsWith(".")) {
            return;
        }
        String name = NameSyntax.fromStorageName(event.name());
        if (name == null || !name.startsWith(prefix)) {
            return;
        }
        if (event.is(Inotify.CREATE | Inotify.MOVED_TO)) {
            service.readLive(name).ifPresent(entry -> {
                Known before = known.get(name);
                if (before == null || !before.entry.sameRegistration(entry)) {
                    if (before != null) {
                        untrack(name);
                        emit(new NameEvent(NameEvent.Type.UNREGISTERED, name, before.entry));
                    }
                    track(entry);
                    emit(new NameEvent(NameEvent.Type.REGISTERED, name, entry));
                }
            });
        } else if (event.is(Inotify.DELETE | Inotify.MOVED_FROM)) {
            Known before = known.get(name);
            if (before != null && service.readLive(name).filter(before.entry::sameRegistration).isEmpty()) {
                untrack(name);
                emit(new NameEvent(NameEvent.Type.UNREGISTERED, name, before.entry.withLiveness(
                        before.entry.owner().identity().isAlive() ? Liveness.ALIVE : Liveness.DEAD)));
            }
        }
    }

    /** An owner died: reclaim its names; the unlink comes back as an inotify event. */
    private void onOwnerExit(int pidfd) {
        for (Known k : List.copyOf(known.values())) {
            if (k.pidfd == pidfd) {
                service.readLive(k.entry.name());
                Known now = known.get(k.entry.name());
                if (now != null && now.pidfd == pidfd) {
                    // no longer needed either way: reclaimed now, or the name already changed hands
                    Libc.close(pidfd);
                    known.put(k.entry.name(), new Known(now.entry, -1));
                }
            }
        }
    }

    /** After lost inotify events: compare with the directory and report the differences. */
    private void resynchronise() {
        Map<String, NameEntry> now = new HashMap<>();
        service.list(prefix).forEach(e -> now.put(e.name(), e));
        for (String name : List.copyOf(known.keySet())) {
            NameEntry current = now.get(name);
            Known before = known.get(name);
            if (current == null || !current.sameRegistration(before.entry)) {
                untrack(name);
                emit(new NameEvent(NameEvent.Type.UNREGISTERED, name, before.entry));
            }
        }
        now.forEach((name, entry) -> {
            if (!known.containsKey(name)) {
                track(entry);
                emit(new NameEvent(NameEvent.Type.REGISTERED, name, entry));
            }
        });
    }

    private void track(NameEntry entry) {
        int pidfd = -1;
        if (entry.lifetime() == Lifetime.OWNER && entry.liveness() == Liveness.ALIVE) {
            OptionalInt fd = PidFd.open(entry.owner().identity());
            if (fd.isEmpty()) {
                // died meanwhile: reclaim now; the unlink will be reported
                service.readLive(entry.name());
            } else {
                pidfd = fd.getAsInt();
            }
        }
        Known before = known.put(entry.name(), new Known(entry, pidfd));
        if (before != null && before.pidfd >= 0) {
            Libc.close(before.pidfd);
        }
    }

    private void untrack(String name) {
        Known before = known.remove(name);
        if (before != null && before.pidfd >= 0) {
            Libc.close(before.pidfd);
        }
    }

    private void emit(NameEvent event) {
        if (closing) {
            return;
        }
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            LocalNameService.LOG.log(System.Logger.Level.WARNING, "listener of the watch of '" + prefix
                    + "' failed on " + event, e);
        }
    }

    private void closeDescriptors() {
        synchronized (lifecycle) {
            if (ended) {
                return;
            }
            ended = true;
            known.values().forEach(k -> {
                if (k.pidfd >= 0) {
                    Libc.close(k.pidfd);
                }
            });
            known.clear();
            inotify.close();
            Libc.close(wakeFd);
        }
    }

    @Override
    public void close() {
        closing = true;
        synchronized (lifecycle) {
            if (!ended) {
                Poll.wake(wakeFd);
            }
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "watch of '" + prefix + "' in the local name service";
    }
}
