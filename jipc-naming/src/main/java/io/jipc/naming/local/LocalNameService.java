package io.jipc.naming.local;

import io.jipc.ErrnoException;
import io.jipc.naming.CorruptNameEntryException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.Liveness;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameEvent;
import io.jipc.naming.NameOwner;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameServiceBusyException;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.Registration;
import io.jipc.naming.Watch;
import io.jipc.naming.spi.AbstractNameService;
import io.jipc.naming.spi.NameEntryCodec;
import io.jipc.naming.spi.NameListing;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.naming.spi.WarnOnce;
import io.jipc.platform.ProcessIdentity;
import io.jipc.segment.JipcRoot;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The name service of one host and user, without a daemon: one file per name in
 * {@code <jipc root>/names/} (see {@link NameDirectory} for the protocol). Liveness of an owner is its
 * pid and start time read from {@code /proc} ({@link ProcessIdentity}); a dead owner's name is
 * reclaimed by whichever process next reads it, and watches learn of deaths through pidfds.
 *
 * <p>Opened with the URI {@code local:/}; the directory follows {@link JipcRoot} (system property
 * {@code jipc.root}, environment variable {@code JIPC_ROOT}, else {@code /dev/shm/jipc-<euid>}).
 */
public final class LocalNameService extends AbstractNameService<LocalRegistration, LocalWatch> {
    /**
     * Names of closed registrations waiting for the directory's lock, in order ({@link #removeOwn});
     * a remover thread runs while it is not empty. Guarded by itself.
     */
    private final java.util.ArrayDeque<NameEntry> pendingRemovals = new java.util.ArrayDeque<>();

    /** The warnings of this process's local name services, each logged once. */
    private static final WarnOnce WARNINGS = new WarnOnce(LocalNameService::log);

    /**
     * Logs {@code warning} the first time this process has it: every listing and lookup passes over
     * a foreign or corrupt file again (one {@code jipc ls} lists several times), and one warning says
     * it ({@link WarnOnce}).
     */
    static void warnOnce(String warning) {
        WARNINGS.warn(warning);
    }

    /** The naming log, looked up on first use: the lookup costs a process about 20 ms at start. */
    static System.Logger log() {
        return Log.LOGGER;
    }

    private static final class Log {
        static final System.Logger LOGGER = System.getLogger("io.jipc.naming");
    }

    /** The subdirectory of the jipc root. */
    public static final String KIND = "names";

    private final NameDirectory directory;
    private final ChangeWaits changeWaits = new ChangeWaits(this);

    private LocalNameService(URI uri, Path dir) {
        super(uri);
        this.directory = new NameDirectory(dir, () -> {
            Path made = JipcRoot.directory(KIND);
            if (!made.equals(dir)) {
                throw new IllegalStateException("the jipc root moved from " + dir + " to " + made
                        + " while a name service of it was open");
            }
        });
        whenClosed(changeWaits::serviceClosed); // for good: waiting awaitChange calls end with ClosedException
    }

    /**
     * Opens the local name service; {@code uri} must be {@code local:/}. Opening creates nothing: the
     * directory (and the jipc root) is made by the first registration or watch, so that looking up
     * and listing leave no trace on a host where nothing was registered. The directory is checked
     * (owned by this user, mode 0700, not a link) before it is first read or written.
     */
    public static LocalNameService open(URI uri) {
        if (!uri.equals(NamingConfiguration.LOCAL)) {
            throw new IllegalArgumentException("the local name service URI is 'local:/' (the directory follows "
                    + JipcRoot.PROPERTY + "/" + JipcRoot.ENVIRONMENT + "), not '" + uri + "'");
        }
        return new LocalNameService(uri, JipcRoot.path(KIND));
    }

    /** The directory holding the names (it may not exist yet). */
    public Path directory() {
        return directory.path();
    }

    @Override
    public Registration register(String name, NameRecord what) {
        return adopt(new LocalRegistration(this, publish(name, what, Lifetime.OWNER)));
    }

    @Override
    public NameEntry bind(String name, NameRecord what) {
        return publish(name, what, Lifetime.PERSISTENT);
    }

    private NameEntry publish(String name, NameRecord what, Lifetime lifetime) {
        NameEntry entry = newEntry(name, what, lifetime);
        byte[] bytes = NameEntryCodec.encode(entry);
        while (!directory.publish(name, bytes)) {
            Optional<NameEntry> holder;
            try {
                holder = directory.read(name);
            } catch (CorruptNameEntryException e) {
                throw new CorruptNameEntryException("cannot register '" + name + "': " + e.getMessage()
                        + "; unregister the name to remove it");
            }
            if (holder.isPresent()) {
                NameEntry judged = judge(holder.get());
                if (!reclaimable(judged) && !closedHere(judged)) {
                    if (stillHolds(name, judged)) {
                        throw new NameTakenException(judged);
                    }
                    continue; // a closed registration's name, removed since by this process's remover: again
                }
                removeIfStill(judged, NameDirectory.LOCK_WAIT_MILLIS);
            }
        }
        return entry;
    }

    @Override
    public Optional<NameEntry> lookup(String name) {
        ensureOpen();
        NameSyntax.check(name);
        return readLive(name);
    }

    /**
     * The judged entry of {@code name} with a dead owner's name reclaimed (or, while another process
     * holds the directory's lock, left for a later reclaim: a read does not wait for the lock);
     * corrupt ones reported, empty.
     */
    Optional<NameEntry> readLive(String name) {
        Optional<NameEntry> stored;
        try {
            stored = directory.read(name);
        } catch (CorruptNameEntryException e) {
            warnOnce(e.getMessage() + " (skipped)");
            return Optional.empty();
        }
        if (stored.isEmpty()) {
            return stored;
        }
        NameEntry judged = judge(stored.get());
        if (reclaimable(judged)) {
            try {
                removeIfStill(judged, 0);
            } catch (NameServiceBusyException lockHeld) {
                // another process holds the lock (a remover, or one stopped while it removed): the dead
                // owner's name waits for a later reclaim, and this read does not wait for it
            }
            return Optional.empty();
        }
        return Optional.of(judged);
    }

    @Override
    public boolean unregister(String name) {
        ensureOpen();
        NameSyntax.check(name);
        if (!directory.usable()) {
            return false; // no directory, no names
        }
        return directory.locked(false, NameDirectory.LOCK_WAIT_MILLIS, () -> {
            Optional<NameEntry> stored;
            try {
                stored = directory.read(name);
            } catch (CorruptNameEntryException e) {
                boolean removed = directory.unlinkLocked(name); // refuses a directory that is not empty
                if (removed) {
                    log().log(System.Logger.Level.WARNING, "removed " + e.getMessage());
                }
                return removed;
            }
            if (stored.isEmpty()) {
                return false;
            }
            NameEntry judged = judge(stored.get());
            if (judged.lifetime() == Lifetime.OWNER && judged.liveness() != Liveness.DEAD
                    && !judged.owner().identity().equals(ProcessIdentity.current())) {
                throw new NameTakenException(judged);
            }
            return directory.unlinkLocked(name);
        });
    }

    @Override
    public List<NameEntry> list(String prefix) {
        ensureOpen();
        NameSyntax.checkPrefix(prefix);
        directory.sweepTemporaryFiles();
        return NameListing.select(directory.names(), prefix, this::readLive);
    }

    @Override
    public Watch watch(String prefix, Consumer<NameEvent> listener) {
        ensureOpen();
        NameSyntax.checkPrefix(prefix);
        Objects.requireNonNull(listener, "listener");
        return adoptWatch(LocalWatch.start(this, directory, prefix, listener, this::forgetWatch));
    }

    /**
     * As {@link io.jipc.naming.NameService#awaitChange}; the calls of this service that wait at once
     * share one watch of every name ({@link ChangeWaits}), so their number is not bounded by the
     * user's inotify instances.
     */
    @Override
    public Optional<NameEvent> awaitChange(String prefix, Duration timeout) throws InterruptedException {
        ensureOpen();
        NameSyntax.checkPrefix(prefix);
        Objects.requireNonNull(timeout, "timeout");
        return changeWaits.await(prefix, timeout);
    }

    /** The awaitChange calls that wait now, their prefix listed (for tests). */
    int awaitingChange() {
        return changeWaits.listening();
    }

    /** The watch {@link ChangeWaits} shares: every name; {@code ended} is told when it ends (closed, or by itself). */
    LocalWatch watchEverything(Consumer<NameEvent> listener, Consumer<LocalWatch> ended) {
        ensureOpen();
        return adoptWatch(LocalWatch.start(this, directory, "", listener, watch -> {
            forgetWatch(watch);
            ended.accept(watch);
        }));
    }

    /**
     * Removes {@code entry} (a dead owner's, or one of this process) if the file still holds that very
     * registration: under the directory lock, so that a registration made since {@code entry} was read
     * is never removed.
     *
     * @param waitMillis how long to wait for the lock if another process holds it
     * @return whether it was removed here
     * @throws NameServiceBusyException if another process held the lock for {@code waitMillis}
     */
    boolean removeIfStill(NameEntry entry, long waitMillis) {
        return directory.locked(false, waitMillis, () -> {
            Optional<NameEntry> now;
            try {
                now = directory.read(entry.name());
            } catch (CorruptNameEntryException e) {
                return false;
            }
            return now.isPresent() && now.get().sameRegistration(entry) && directory.unlinkLocked(entry.name());
        });
    }

    /**
     * Removes the object a persistent name stands for and the name together, for an object whose removal
     * needs no file descriptor (jipc-mq's {@code unlink}: {@code mq_unlink(3)}): holding the directory's
     * lock, reads the entry of {@code entry.name()}, runs {@code removal}, and removes the entry if
     * {@code removal} returned true and the entry is still {@code entry} (a name bound again since,
     * to another object, is left). Everything that needs a descriptor is done before {@code removal} runs,
     * so that a process short of descriptors either removes both or neither (until 2026-12-07 a queue's
     * unlink with one descriptor free removed the queue and left its name). Any thread; blocks in the
     * system calls, and while another process holds the lock.
     *
     * @return what {@code removal} returned
     * @throws io.jipc.ErrnoException   if this process lacks a resource ({@code EMFILE}, {@code ENFILE},
     *                                  {@code ENOMEM}) to lock the directory or read the entry:
     *                                  {@code removal} did not run, nothing changed
     * @throws NameServiceBusyException if another process held the lock for {@link NameDirectory#LOCK_WAIT_MILLIS};
     *                                  {@code removal} did not run
     * @throws io.jipc.naming.NamingException if the kernel refuses the entry's removal after {@code removal}
     *                                  ran and returned true (the object is gone, its name is left)
     */
    public boolean unbindAround(NameEntry entry, java.util.function.BooleanSupplier removal) {
        ensureOpen();
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(removal, "removal");
        Boolean removed = directory.locked(null, NameDirectory.LOCK_WAIT_MILLIS, () -> {
            Optional<NameEntry> now;
            try {
                now = directory.read(entry.name());
            } catch (CorruptNameEntryException e) {
                now = Optional.empty(); // not the entry: left
            }
            boolean done = removal.getAsBoolean();
            if (done && now.isPresent() && now.get().sameRegistration(entry)) {
                directory.unlinkLocked(entry.name());
            }
            return done;
        });
        return removed != null ? removed : removal.getAsBoolean(); // no directory, no name: the removal alone
    }

    /**
     * Removes this process's registration {@code entry} (its {@link LocalRegistration#close()}): at
     * once if the directory's lock comes within {@link NameDirectory#LOCK_WAIT_MILLIS}, else it is
     * queued for this service's remover, a virtual thread that waits for the lock (another process
     * holds it: one stopped while it removed a name) for as long as that takes and then removes every
     * queued name, warned once, so that the close returns. While names are queued, a close queues its
     * own at once rather than wait too (a service closing many registrations, a gateway exporting many
     * mailboxes, takes one wait, not one per name). The names are still there meanwhile, with this live
     * process as their owner; they go once the lock comes, in the order they were closed. A removal this
     * process lacks a resource for ({@code EMFILE}, {@code ENFILE}, {@code ENOMEM}: it takes two
     * descriptors) is queued the same way, silently (a warning would itself need a descriptor), and the
     * remover tries again every {@value #RETRY_MILLIS} ms (until 2026-12-07 the close threw that
     * {@code ErrnoException}, closed, and left the name held by this live process, so that its own
     * register of the name again failed with {@link NameTakenException}).
     */
    void removeOwn(NameEntry entry) {
        synchronized (pendingRemovals) {
            if (!pendingRemovals.isEmpty()) {
                pendingRemovals.add(entry);
                return;
            }
        }
        try {
            removeIfStill(entry, NameDirectory.LOCK_WAIT_MILLIS);
        } catch (NameServiceBusyException busy) {
            warnOnce("names of closed registrations are removed once the name directory's lock comes: " + busy.getMessage());
            queueRemoval(entry);
        } catch (ErrnoException e) {
            if (!NameDirectory.lacksResource(e)) {
                throw e;
            }
            queueRemoval(entry);
        }
    }

    /** How long the remover waits before it tries again a removal this process lacked a resource for. */
    private static final long RETRY_MILLIS = 100;

    private void queueRemoval(NameEntry entry) {
        synchronized (pendingRemovals) {
            pendingRemovals.add(entry);
            if (pendingRemovals.size() == 1) {
                Thread.ofVirtual().name("jipc-names-removal").start(this::removePending);
            }
        }
    }

    /** The remover ({@link #removeOwn}): removes the queued names, waiting for the lock as long as it takes. */
    private void removePending() {
        while (true) {
            NameEntry next;
            synchronized (pendingRemovals) {
                next = pendingRemovals.peek();
            }
            try {
                removeIfStill(next, NameDirectory.LOCK_WAIT_MILLIS);
            } catch (NameServiceBusyException stillBusy) {
                continue; // another round
            } catch (ErrnoException e) {
                if (NameDirectory.lacksResource(e)) {
                    try {
                        Thread.sleep(RETRY_MILLIS);
                    } catch (InterruptedException ignored) {
                        // nobody interrupts this thread: another round
                    }
                    continue;
                }
                log().log(System.Logger.Level.WARNING, "could not remove the name '" + next.name() + "': " + e);
            } catch (RuntimeException e) {
                log().log(System.Logger.Level.WARNING, "could not remove the name '" + next.name() + "': " + e);
            }
            synchronized (pendingRemovals) {
                pendingRemovals.poll();
                if (pendingRemovals.isEmpty()) {
                    return; // the next close that meets the busy lock starts another remover
                }
            }
        }
    }

    /**
     * Whether the name's entry is still {@code holder}'s registration, read again after {@link #closedHere}
     * said no: the remover removes a queued name's entry before it takes it off its queue, so a holder
     * read before that removal and judged after it is gone by now (until 2026-12-07 a register racing
     * the remover was told that this very process held the name, rev67). A corrupt entry is not the
     * holder: the caller's next read reports it.
     */
    private boolean stillHolds(String name, NameEntry holder) {
        try {
            return directory.read(name).filter(holder::sameRegistration).isPresent();
        } catch (CorruptNameEntryException e) {
            return false;
        }
    }

    /**
     * Whether {@code entry} is a registration of this process that was closed and waits for the remover
     * ({@link #removeOwn}): a new registration of its name replaces it, as it would a dead owner's,
     * rather than report this very process as the name's live owner.
     */
    private boolean closedHere(NameEntry entry) {
        synchronized (pendingRemovals) {
            return pendingRemovals.stream().anyMatch(entry::sameRegistration);
        }
    }

    /** Whether names of closed registrations still wait for the remover (for tests). */
    boolean removalsPending() {
        synchronized (pendingRemovals) {
            return !pendingRemovals.isEmpty();
        }
    }

    /** Whether a name this process registered is still in the directory. */
    boolean holds(NameEntry entry) {
        try {
            return directory.read(entry.name()).filter(entry::sameRegistration).isPresent();
        } catch (CorruptNameEntryException e) {
            return false;
        }
    }

    /** The entry with the liveness of its owner as seen from this host. */
    static NameEntry judge(NameEntry stored) {
        NameOwner owner = stored.owner();
        if (!owner.isLocal()) {
            return stored.withLiveness(Liveness.UNKNOWN);
        }
        return stored.withLiveness(owner.identity().isAlive() ? Liveness.ALIVE : Liveness.DEAD);
    }

    static boolean reclaimable(NameEntry judged) {
        return judged.lifetime() == Lifetime.OWNER && judged.liveness() == Liveness.DEAD;
    }

    /** Every watch is stopped before the first is waited for: see {@link AbstractNameService#stopWatch}. */
    @Override
    protected void stopWatch(LocalWatch watch) {
        watch.stop();
    }

    @Override
    protected void closeBackend() {
        // nothing of its own: the directory stays for the other processes
    }

    @Override
    public String toString() {
        return "local name service at " + directory.path();
    }
}
