package io.jipc.naming.local;

import io.jipc.ErrnoException;
import io.jipc.Uninterruptibly;
import io.jipc.naming.Lifetime;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.naming.spi.WatchedNames;
import io.jipc.platform.Inotify;
import io.jipc.platform.Libc;
import io.jipc.platform.Readiness;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A watch of the local name service: one platform thread sleeping in {@code poll(2)} on an inotify
 * descriptor of the names directory (registrations are links, removals unlinks), one pidfd per
 * watched name with a live owner (readable when that owner dies; two names of one owner hold two), and
 * an eventfd that {@link #close()} writes to. When an owner dies the watch reclaims its name, and the
 * unlink comes back through inotify as the {@link NameEvent.Type#UNREGISTERED} event. No timer, no
 * polling, while every name can be checked.
 *
 * <p>A name this process cannot check for want of a resource ({@code EMFILE}, {@code ENFILE},
 * {@code ENOMEM} from opening its owner's pidfd, its entry or {@code /proc}) is <em>unsettled</em>:
 * the watch logs a warning once, checks every unsettled name again each {@value #RECHECK_MILLIS} ms
 * (reading the entry, reporting what changed, opening the pidfd again), and logs when all are settled.
 * An owner that dies meanwhile is reported within that period, never lost (until 2026-12-06 such a
 * name was kept without a pidfd and without a word, and its owner's death was never reported).
 *
 * <p>Only the watch thread touches the descriptors and the known names; it closes them when it ends.
 * The listener runs on that thread.
 */
final class LocalWatch implements Watch, WatchedNames.Tracker {
    private static final int EVENTS = Inotify.CREATE | Inotify.MOVED_TO | Inotify.DELETE | Inotify.MOVED_FROM
            | Inotify.DELETE_SELF;

    private final LocalNameService service;
    private final String prefix;
    private final WatchedNames watched;
    private final Consumer<LocalWatch> onEnd;
    private final Inotify inotify;
    private final int wakeFd;
    /** How often the unsettled names are checked again (see the class comment). */
    static final int RECHECK_MILLIS = 1000;

    /** A pidfd of the live owner of each watched name held for its owner's life. */
    private final Map<String, Integer> pidfds = new HashMap<>();
    /** Names that could not be checked for want of a resource; checked again every {@link #RECHECK_MILLIS}. */
    private final Set<String> unsettled = new LinkedHashSet<>();
    /** Whether an inotify overflow's listing failed for want of a resource, and is to be made again. */
    private boolean relist;
    /** Whether the warning that some name cannot be checked was given, and the all-clear not yet. */
    private boolean degraded;
    private final Object lifecycle = new Object();
    private boolean ended;
    private volatile boolean closing;
    private Thread thread;

    private LocalWatch(LocalNameService service, String prefix, Consumer<NameEvent> listener,
                       Consumer<LocalWatch> onEnd, Inotify inotify, int wakeFd) {
        this.service = service;
        this.prefix = prefix;
        // once closing, the rest of what the thread is handling is not reported: one inotify read, or
        // one replaced name, may make several events, and a close from the listener itself waits for none
        this.watched = new WatchedNames(prefix, event -> {
            if (!closing) {
                service.callListener(listener, event);
            }
        }, LocalNameService::judge, this, LocalNameService.log());
        this.onEnd = onEnd;
        this.inotify = inotify;
        this.wakeFd = wakeFd;
    }

    /** Watches {@code prefix}: changes after this returns are reported. */
    static LocalWatch start(LocalNameService service, NameDirectory directory, String prefix,
                            Consumer<NameEvent> listener, Consumer<LocalWatch> onEnd) {
        directory.ensureMade(); // inotify watches a directory that exists
        Inotify inotify = Inotify.open();
        int wakeFd;
        try {
            inotify.addDirectory(directory.path().toString(), EVENTS);
            wakeFd = Readiness.eventFd("name watch");
        } catch (RuntimeException e) {
            inotify.close();
            throw e;
        }
        LocalWatch watch = new LocalWatch(service, prefix, listener, onEnd, inotify, wakeFd);
        try {
            // after the inotify watch exists: a change from now on is either in this listing or reported
            watch.watched.start(service.list(prefix));
        } catch (RuntimeException e) {
            watch.closeDescriptors();
            throw e;
        }
        Thread thread = Thread.ofPlatform().daemon().name("jipc-name-watch-" + prefix).unstarted(watch::run);
        watch.thread = thread; // before it runs: a listener's close must know it is on the watch thread
        thread.start();
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
                short[] ready = awaitReady(fds, unsettled.isEmpty() && !relist ? -1
                        : TimeUnit.MILLISECONDS.toNanos(RECHECK_MILLIS));
                if (closing) {
                    break;
                }
                if (ready[1] != 0) {
                    for (Inotify.Event event : inotify.read()) {
                        if (closing) {
                            break; // the watch was closed (by its listener, say): the rest of this read is not reported
                        }
                        onInotify(event);
                    }
                }
                for (int i = 2; i < fds.length; i++) {
                    if (ready[i] != 0) {
                        onOwnerExit(fds[i]);
                    }
                }
                if (!closing && (!unsettled.isEmpty() || relist)) {
                    recheck();
                }
            }
        } catch (RuntimeException | Error e) {
            LocalNameService.log().log(System.Logger.Level.ERROR, "watch of '" + prefix + "' stopped", e);
        } finally {
            closeDescriptors();
            onEnd.accept(this);
        }
    }

    /**
     * Sleeps until one of {@code fds} is readable, a signal interrupts, or {@code timeoutNanos} pass
     * (negative: no limit); returns each one's ready events.
     */
    private short[] awaitReady(int[] fds, long timeoutNanos) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = Readiness.pollSet(arena, fds.length);
            for (int i = 0; i < fds.length; i++) {
                Readiness.set(set, i, fds[i], Readiness.POLLIN);
            }
            Readiness.poll(set, timeoutNanos, "name watch of '" + prefix + "'");
            short[] ready = new short[fds.length];
            for (int i = 0; i < fds.length; i++) {
                ready[i] = Readiness.ready(set, i);
            }
            return ready;
        }
    }

    /** The eventfd, the inotify descriptor, then the pidfds. */
    private int[] descriptors() {
        int[] fds = new int[2 + pidfds.size()];
        fds[0] = wakeFd;
        fds[1] = inotify.fd();
        int i = 2;
        for (int pidfd : pidfds.values()) {
            fds[i++] = pidfd;
        }
        return fds;
    }

    private void onInotify(Inotify.Event event) {
        if (event.is(Inotify.Q_OVERFLOW)) {
            relist();
            return;
        }
        if (event.is(Inotify.DELETE_SELF | Inotify.IGNORED)) {
            if (!closing) { // the kernel reports both: say it once
                LocalNameService.log().log(System.Logger.Level.WARNING, "the names directory was removed; watch of '"
                        + prefix + "' ends");
            }
            closing = true;
            return;
        }
        if (event.name().startsWith(".")) {
            return;
        }
        String name = NameSyntax.fromStorageName(event.name());
        if (!watched.covers(name)) {
            return;
        }
        try {
            if (event.is(Inotify.CREATE | Inotify.MOVED_TO)) {
                service.readLive(name).ifPresent(watched::registered);
            } else if (event.is(Inotify.DELETE | Inotify.MOVED_FROM) && watched.known(name) != null) {
                watched.changed(name, service.readLive(name).orElse(null));
            }
        } catch (ErrnoException e) {
            unsettle(name, e);
        }
    }

    /** Compares with a fresh listing (after an inotify overflow); made again later if it cannot be read now. */
    private void relist() {
        try {
            watched.resynchronise(service.list(prefix));
            relist = false;
        } catch (ErrnoException e) {
            relist = true;
            degrade("cannot list the names after an inotify overflow (" + e.getMessage() + "); listing again every "
                    + RECHECK_MILLIS + " ms until it can");
        }
    }

    /** Checks each unsettled name again: reports what changed, and opens its owner's pidfd if it can now. */
    private void recheck() {
        if (relist) {
            relist();
        }
        for (String name : List.copyOf(unsettled)) {
            unsettled.remove(name);
            settle(name);
        }
        if (unsettled.isEmpty() && !relist && degraded) {
            degraded = false;
            warn("every watched name can be checked again");
        }
    }

    private void settle(String name) {
        Optional<NameEntry> now;
        try {
            now = service.readLive(name); // a dead owner's name is reclaimed here; its unlink is reported
        } catch (ErrnoException e) {
            unsettled.add(name);
            return;
        }
        NameEntry known = watched.known(name);
        if (now.isEmpty()) {
            if (known != null) {
                watched.changed(name, null);
            }
        } else if (known != null && known.sameRegistration(now.get())) {
            if (!pidfds.containsKey(name)) {
                tracked(now.get());
            }
        } else {
            watched.registered(now.get());
        }
    }

    /** {@code name} could not be checked for want of a resource: checked again later; said once per episode. */
    private void unsettle(String name, ErrnoException e) {
        unsettled.add(name);
        degrade("cannot check '" + name + "' now (" + e.getMessage() + "); checking it, and any other name"
                + " that cannot be checked, every " + RECHECK_MILLIS + " ms until it can");
    }

    private void degrade(String warning) {
        if (!degraded) {
            degraded = true;
            warn(warning);
        }
    }

    /**
     * Logs a warning of this watch. A process out of descriptors may fail to (the log formatter's first
     * use opens a file of the JDK): that failure is dropped, as the watch goes on either way.
     */
    private void warn(String message) {
        try {
            LocalNameService.log().log(System.Logger.Level.WARNING, "watch of '" + prefix + "': " + message);
        } catch (RuntimeException e) {
            // no descriptor to log with
        } catch (Error e) { // e.g. Error(FileNotFoundException: .../lib/tzdb.dat (Too many open files))
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
        }
    }

    /** An owner died: reclaim its names; each unlink comes back as an inotify event. */
    private void onOwnerExit(int pidfd) {
        for (Map.Entry<String, Integer> e : List.copyOf(pidfds.entrySet())) {
            if (e.getValue() == pidfd) {
                pidfds.remove(e.getKey());
                Libc.close(pidfd);
                try {
                    service.readLive(e.getKey());
                } catch (ErrnoException notNow) {
                    unsettle(e.getKey(), notNow);
                }
            }
        }
    }

    @Override
    public void tracked(NameEntry entry) {
        if (entry.lifetime() != Lifetime.OWNER || entry.liveness() != Liveness.ALIVE) {
            return;
        }
        try {
            OptionalInt fd = entry.owner().identity().openPidfd();
            if (fd.isPresent()) {
                pidfds.put(entry.name(), fd.getAsInt());
            } else {
                service.readLive(entry.name()); // died meanwhile: reclaimed now, the unlink will be reported
            }
        } catch (ErrnoException e) {
            unsettle(entry.name(), e);
        }
    }

    @Override
    public void untracked(NameEntry entry) {
        unsettled.remove(entry.name());
        Integer pidfd = pidfds.remove(entry.name());
        if (pidfd != null) {
            Libc.close(pidfd);
        }
    }

    private void closeDescriptors() {
        synchronized (lifecycle) {
            if (ended) {
                return;
            }
            ended = true;
            watched.close();
            pidfds.values().forEach(Libc::close);
            pidfds.clear();
            inotify.close();
            Libc.close(wakeFd);
        }
    }

    /**
     * Stops the watch without waiting: the listener is not called from now on, except for a call in
     * progress, which goes on; the thread ends after it. Idempotent; any thread.
     */
    void stop() {
        closing = true;
        synchronized (lifecycle) {
            if (!ended) {
                Readiness.signal(wakeFd, "name watch");
            }
        }
    }

    /**
     * Stops the watch ({@link #stop()}) and waits for its thread to end, so for a call of the listener
     * in progress, however long it takes and whatever interrupts the caller (they are kept): after this
     * returns the listener is not called again. From the listener itself it does not wait, and the
     * listener is not called again after that call returns.
     */
    @Override
    public void close() {
        stop();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            Uninterruptibly.join(t);
        }
    }

    @Override
    public String toString() {
        return "watch of '" + prefix + "' in the local name service";
    }
}
