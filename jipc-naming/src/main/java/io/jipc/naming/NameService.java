package io.jipc.naming;

import io.jipc.Timeouts;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A name service: processes register names for the objects they offer, and others look them up,
 * list them and watch them change.
 *
 * <h2>Backends</h2>
 * Chosen by a naming URI ({@link #open(URI)}), or by configuration ({@link #open()}, see
 * {@link NamingConfiguration} for where it is read):
 * <ul>
 * <li>{@code local:/} (the default) — processes of one host and user, no daemon: one file per name
 *     under the jipc root directory ({@code /dev/shm/jipc-<euid>/names/}).</li>
 * <li>{@code zk://host:port[,host:port...]/chroot} — processes of many hosts: one node per name in
 *     Apache ZooKeeper (module {@code io.jipc.naming.zk} on the path).</li>
 * </ul>
 *
 * <h2>Names</h2>
 * 1 to {@value io.jipc.naming.spi.NameSyntax#MAX_LENGTH} characters of {@code A-Z a-z 0-9 . _ - : @ + /},
 * starting with a letter, digit or {@code _}; {@code /} groups names by convention
 * ({@code printers/lab1}), and {@link #list} and {@link #watch} select by prefix.
 *
 * <h2>Ownership and liveness</h2>
 * A name {@link #register registered} belongs to its owner's life: while the owner runs nobody else
 * can take it ({@link NameTakenException} names the owner), and once it died — however, even
 * {@code SIGKILL} — the name is free again: the next lookup, listing, registration or watch of it
 * reclaims it. The owner is identified by pid <em>and</em> start time, so a reused pid does not keep a
 * dead owner's name, and a stopped ({@code SIGSTOP}) owner keeps it. That is the local backend's
 * rule; with ZooKeeper ({@code zk://}) a registered name lives as long as the owner's session, so a
 * killed owner's name stays until the ensemble expires the session (the {@code session=} timeout,
 * 20 s by default), and an owner stopped longer than that loses it (docs/naming.md). A name
 * {@link #bind bound} is persistent: it stays until {@link #unregister unregistered}, like a file
 * name. When two processes race to register one free name, exactly one wins.
 *
 * <table>
 * <caption>Operations</caption>
 * <tr><th>register</th><th>look up</th><th>remove</th><th>observe</th></tr>
 * <tr><td>{@link #register} (owner's life), {@link #bind} (persistent)</td>
 *     <td>{@link #lookup}, {@link #lookupById}, {@link #list}</td>
 *     <td>{@link Registration#close()}, {@link #unregister}</td>
 *     <td>{@link #watch} (callback), {@link #awaitChange} (blocks at most a timeout)</td></tr>
 * </table>
 *
 * <p>Blocking: the local backend reads and links files and reads {@code /proc}; it never waits for
 * another process, except that removals (unregistering, reclaiming a dead owner's name, which a
 * lookup, list or registration that meets one does first) take the directory's lock, which is held
 * only for a read and an unlink (but for as long as a stopped holder holds it). The ZooKeeper backend waits for the ensemble, retrying
 * through short disconnections, at most its {@code timeout=} (15 s by default) in all for one call
 * (plus the time the client takes to give up a connection under way; {@link #watch} and the start
 * of {@link #awaitChange} too, since 2026-12-07, docs/naming.md), and then fails with
 * {@link NameServiceUnavailableException}; {@link Watch#close()} and {@link #close()} wait for it at
 * most the {@code timeout=}, without that addition (since 2026-12-07: they waited until the client gave a
 * connection to a silent server up, two thirds of its {@code session=}, and a watch's removal longer).
 * {@link #awaitChange} blocks up to its timeout and is interruptible; it never completes at once,
 * so a thread interrupted before it is called gets {@link InterruptedException} whatever the
 * timeout, zero included (docs/architecture.md, "Interrupts and timeouts"). Every other call is short and
 * is carried out whole with an interrupt pending (or arriving), which it keeps for the caller: a
 * lookup interrupted half-way could only report the name free, and a removal given up half-way may
 * still have been made. The exception is a ZooKeeper call ({@link #watch} included) waiting for an
 * ensemble it cannot reach: an interrupt pending or arriving then ends it at once with
 * {@link NameServiceUnavailableException} (its cause the {@link InterruptedException}), the
 * interrupt status still set, as the timeout would have ended it ({@link #awaitChange}: its
 * {@link InterruptedException}); a removal (or a registration's create) so ended may or may not
 * have been made, as after any such failure.
 *
 * <p>Thread safety: every method may be called from any thread. Memory consistency effects: actions
 * of a process before it registers a name happen-before the actions of a process after its lookup
 * returned that entry (the entry is published by an atomic link or a ZooKeeper write).
 */
public interface NameService extends AutoCloseable {

    /**
     * Opens the name service configured for this process ({@link NamingConfiguration#uri()}: the system
     * property {@code jipc.naming}, the environment variable {@code JIPC_NAMING}, the file
     * {@code ~/.config/jipc/naming}, else {@code local:/}).
     *
     * @throws NameServiceUnavailableException if it cannot be reached or its backend is missing
     */
    static NameService open() {
        return open(NamingConfiguration.uri());
    }

    /**
     * Opens the name service at {@code uri} ({@code local:/} or {@code zk://...}).
     *
     * @throws NameServiceUnavailableException if it cannot be reached or no backend serves the scheme
     * @throws IllegalArgumentException if the URI is malformed for its scheme
     */
    static NameService open(URI uri) {
        return NamingConfiguration.open(Objects.requireNonNull(uri, "uri"));
    }

    /** The URI this service was opened with. */
    URI uri();

    /**
     * Registers {@code name} for {@code what}, held until the returned registration is closed, this
     * service is closed, or this process dies.
     *
     * @throws NameTakenException if a live owner holds the name, or it is a persistent name
     * @throws CorruptNameEntryException if an unreadable entry occupies the name
     * @throws NameServiceBusyException if the name must first be reclaimed (a dead owner's, or a
     *                                  registration of this process closed while the local directory's
     *                                  lock was held, whose removal still waits for it) and another
     *                                  process held the lock that removal needs for 5 s
     * @throws NamingException if the name cannot be stored (local backend: a full file system)
     * @throws io.jipc.ErrnoException if this process lacks a resource to store or read the entry (local
     *                                backend: {@code EMFILE}, {@code ENFILE}, {@code ENOMEM}; until
     *                                2026-12-07 a {@code NamingException} "Too many open files" with no
     *                                errno); nothing was stored
     * @throws IllegalArgumentException if the name is not valid or the record too large
     */
    Registration register(String name, NameRecord what);

    /**
     * Binds {@code name} to {@code what} persistently: it stays until {@link #unregister}ed, whether or
     * not this process lives.
     *
     * @return the entry as stored
     * @throws NameTakenException if a live owner holds the name, or it is already bound
     * @throws CorruptNameEntryException if an unreadable entry occupies the name
     * @throws NamingException if the name cannot be stored (local backend: a full file system)
     * @throws io.jipc.ErrnoException as {@link #register}, if this process lacks a resource
     */
    NameEntry bind(String name, NameRecord what);

    /**
     * The entry of {@code name}, or empty if the name is free. A dead owner's name is reclaimed here and
     * reported free; an unreadable entry is reported to the logger and reported free.
     *
     * @throws io.jipc.ErrnoException if this process lacks a resource to read the entry (local
     *                                backend: {@code EMFILE}, {@code ENFILE}, {@code ENOMEM}): the name
     *                                is then neither free nor corrupt, and nothing is removed
     */
    Optional<NameEntry> lookup(String name);

    /** The first entry (in name order) of the given kind and id, e.g. to find a mailbox's name. */
    default Optional<NameEntry> lookupById(String kind, String id) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        return list("").stream().filter(e -> e.record().kind().equals(kind) && e.record().id().equals(id))
                .findFirst();
    }

    /**
     * Removes {@code name}: a persistent name, a name of this process, or a dead owner's name (an
     * unreadable entry too).
     *
     * @return whether there was a name to remove
     * @throws NameTakenException if another live process holds it for its life
     * @throws CorruptNameEntryException if the entry is one that is not removed: with the local backend,
     *                                   a directory that is not empty (nothing jipc made), which the
     *                                   message names; it is left for a person to look into
     * @throws io.jipc.ErrnoException if this process lacks a resource to lock the directory or read the
     *                                entry (local backend: {@code EMFILE}, {@code ENFILE}, {@code ENOMEM});
     *                                nothing was removed
     */
    boolean unregister(String name);

    /**
     * Every entry whose name starts with {@code prefix} ({@code ""}: all), sorted by name; skips as
     * lookup, and throws as lookup when an entry, or the list of names (local backend: the directory),
     * cannot be read for want of a resource (until 2026-12-07 the local backend's listing threw a
     * {@code NamingException} "Too many open files" with no errno).
     */
    List<NameEntry> list(String prefix);

    /**
     * Calls {@code listener} for every change of a name starting with {@code prefix} from the moment this
     * method returns until the watch is closed: registrations, and removals (an owner's death included:
     * the watch reclaims the name and reports it, without polling). Names present when it starts are not
     * reported (call {@link #list} after it to see them without missing a change). A name registered and
     * removed before the watch could read it may go unreported.
     *
     * @throws io.jipc.ErrnoException if this process lacks a resource to start the watch (local backend:
     *                                {@code EMFILE}, {@code ENFILE}, {@code ENOMEM} for its inotify
     *                                instance, eventfd or first listing); nothing is left running
     */
    Watch watch(String prefix, Consumer<NameEvent> listener);

    /**
     * Waits for the next change of a name starting with {@code prefix}, at most {@code timeout}.
     * A change made before the call is not reported, and, as with {@link #watch}, a name registered
     * and removed again before the change could be read may go unreported: the call then goes on
     * waiting (to its timeout, if nothing else changes). Compare {@link #list} before and after to
     * learn what changed, whatever the call reported.
     *
     * @return the change, or empty when the timeout passed first
     * @throws InterruptedException if the thread was interrupted before or while waiting, or at the
     *                              timeout (also a zero or negative one)
     * @throws io.jipc.ClosedException if the service is closed, or another thread closes it while
     *                                 this call waits
     * @throws io.jipc.ErrnoException  as {@link #watch}, if this process lacks a resource to start waiting
     */
    default Optional<NameEvent> awaitChange(String prefix, Duration timeout) throws InterruptedException {
        BlockingQueue<NameEvent> events = new LinkedBlockingQueue<>();
        try (Watch watch = watch(prefix, events::add)) {
            return Optional.ofNullable(events.poll(Timeouts.nanos(timeout), TimeUnit.NANOSECONDS));
        }
    }

    /**
     * Unregisters every name this service registered for its owner's life, stops every watch, and ends
     * every {@link #awaitChange} call that waits with {@link io.jipc.ClosedException}. The watches
     * stop as {@link Watch#close()} does: every watch stops calling its listener first, then the calls
     * in progress are waited for (all together: as long as the longest, not one after another), except
     * the caller's own when it is a listener; after this returns no listener of the service is called.
     * Idempotent; any thread. A close racing another (a shutdown hook's, say) returns only once that
     * one has finished and the listener calls in progress have returned, waiting however long it
     * takes and whatever interrupts it (they are kept), except when it is made by a listener of one
     * of the service's watches: that returns at once, since the other close waits for its call. A
     * listener that waits for a thread blocked in a close never returns, and neither does the close.
     */
    @Override
    void close();
}
