package io.jipc.mailbox;

import io.jipc.ErrnoException;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameServiceBusyException;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.spi.WarnOnce;
import io.jipc.platform.Errno;
import io.jipc.platform.Printable;
import io.jipc.segment.JipcRoot;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names of mailboxes in the host's name service: a mailbox {@code orders} is the persistent
 * name {@code mailbox/orders} of the local name service (kind {@value #KIND}, id the mailbox's
 * {@linkplain Mailbox#id() id} in hex, address the mailbox's file), bound when the mailbox is
 * created and removed when it is destroyed — so {@code jipc names}, watches and lookups by id see
 * every mailbox, and a name outlives its creator like the mailbox itself (like a POSIX queue).
 *
 * <p>The local backend is used whatever naming the process is configured with: a mailbox is a
 * shared-memory object of this host, found under this host's jipc root. (A gateway that makes a
 * mailbox reachable from other hosts registers it in the configured, possibly cluster-wide, service
 * under its plain name; see {@code io.jipc.remote}.)
 *
 * <p>The name and the file are two objects: a process killed between creating the file and
 * binding the name leaves a file without a name, and one killed while destroying leaves a name
 * without a file. Both are repaired here: opening a mailbox whose name is missing binds it, and
 * creating one whose name points at a missing or different file replaces the stale name.
 *
 * <p>Thread-safe; one service per jipc root is opened on first use and kept for the life of the
 * process.
 */
final class MailboxNames {
    static final String KIND = "mailbox";
    static final String PREFIX = "mailbox/";

    private record Service(Path directory, NameService names) {
    }

    private static volatile Service service;

    /**
     * A record {@link #unbindIf} could not remove for a shortage of the moment (or the lock held): the
     * name, in the name directory {@code directory}, of the mailbox file {@code address} destroyed, with
     * its id in hex ({@code null} when the destroy did not know it).
     */
    private record PendingRemoval(Path directory, String name, String address, String id) {
        boolean ours(NameRecord r) {
            return r.address().equals(address) && (id == null || r.id().equals(id));
        }
    }

    /** At most this many records wait in {@link #PENDING}; more are left to {@code jipc gc} and the next create. */
    static final int PENDING_LIMIT = 1024;
    /** Records whose removal failed for a shortage of the moment, retried at the next destroy of a mailbox in this process. */
    private static final Set<PendingRemoval> PENDING = ConcurrentHashMap.newKeySet();
    /** Warnings about a name that could not be bound, repaired or removed as it should: once per process and text. */
    private static final WarnOnce WARNINGS = new WarnOnce(() -> System.getLogger("io.jipc.mailbox"));

    private MailboxNames() {
    }

    /** The local name service of the current jipc root (it may change between tests). */
    private static NameService names() {
        Path directory = JipcRoot.path("names");
        Service s = service;
        if (s == null || !s.directory().equals(directory)) {
            synchronized (MailboxNames.class) {
                s = service;
                if (s == null || !s.directory().equals(directory)) {
                    s = new Service(directory, NameService.open(NamingConfiguration.LOCAL));
                    service = s;
                }
            }
        }
        return s.names();
    }

    private static NameRecord record(long id, Path file) {
        return new NameRecord(KIND, Long.toHexString(id), file.toString(), Map.of());
    }

    /**
     * Binds the name of a mailbox just created at {@code file}, replacing a stale name of an earlier
     * mailbox; a record of another kind bound there (by a program, through the name service) is left
     * in place, with a warning once per process and name, and the mailbox works without its name
     * (until 2026-12-06 it was replaced silently).
     */
    static void bind(String name, long id, Path file) {
        NameService names = names();
        for (int attempt = 0; ; attempt++) {
            try {
                names.bind(PREFIX + name, record(id, file));
                return;
            } catch (NameTakenException taken) {
                Optional<NameEntry> held = names.lookup(PREFIX + name);
                if (held.isPresent() && isCurrent(held.get(), id, file)) {
                    return; // an opener of the new mailbox bound its name first (see repair)
                }
                if (held.isPresent() && !held.get().record().kind().equals(KIND)) {
                    NameRecord foreign = held.get().record();
                    WARNINGS.warn("the name " + PREFIX + name + " of mailbox " + name + " is bound to a "
                            + Printable.quoted(foreign.kind()) + " (" + Printable.quoted(foreign.address())
                            + "), not to a mailbox: left in place, so lookups by the name do not find the mailbox");
                    return;
                }
                if (attempt > 0) {
                    throw taken;
                }
                // a stale name (its file was destroyed, or replaced by the mailbox just created)
                held.ifPresent(entry -> names.unregister(PREFIX + name));
            }
        }
    }

    private static boolean isCurrent(NameEntry entry, long id, Path file) {
        NameRecord r = entry.record();
        return r.kind().equals(KIND) && r.id().equals(Long.toHexString(id)) && r.address().equals(file.toString());
    }

    /** The file the name service gives for mailbox {@code name}, if it is bound and the file exists. */
    static Optional<Path> resolve(String name) {
        return names().lookup(PREFIX + name)
                .map(NameEntry::record)
                .filter(r -> r.kind().equals(KIND))
                .map(r -> Path.of(r.address()))
                .filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * Binds the name of an opened mailbox that has none (its creator died before binding it). A
     * repair that fails (the name directory full, {@code ENOSPC}; out of descriptors; its lock held
     * by a stopped process) is warned about once per process and text, not thrown: the mailbox was
     * opened and works without its name, and the next open repairs it again (until 2026-12-07 the
     * open threw {@link io.jipc.naming.NamingException} and left the handle it had opened mapped).
     * Never throws a {@link RuntimeException}.
     */
    static void repair(String name, long id, Path file) {
        try {
            names().bind(PREFIX + name, record(id, file));
        } catch (NameTakenException boundMeanwhile) {
            // another process repaired it, or a new mailbox of that name was created
        } catch (RuntimeException e) {
            try {
                WARNINGS.warn("mailbox '" + name + "' was opened, but its missing name " + PREFIX + name
                        + " could not be bound (" + e.getMessage() + "): lookups by the name do not find it"
                        + " until an open binds it");
            } catch (RuntimeException cannotLog) {
                // out of descriptors, logging may fail too: the name is repaired by a later open
            }
        }
    }

    /** The name of the mailbox with this id, if the name service has it. */
    static Optional<String> nameOf(long id) {
        return names().lookupById(KIND, Long.toHexString(id))
                .map(NameEntry::name)
                .filter(n -> n.startsWith(PREFIX))
                .map(n -> n.substring(PREFIX.length()));
    }

    /**
     * Removes the name of the destroyed mailbox {@code name} if it names {@code file}. (Between the
     * look-up and the removal another process may destroy and re-create a mailbox of that name; its
     * name is then bound again by its next open.)
     */
    static void unbind(String name, Path file) {
        unbindIf(name, file.toString(), null);
    }

    /** Removes the name of the destroyed mailbox {@code name} if it names {@code file} and {@code id}. */
    static void unbind(String name, Path file, long id) {
        unbindIf(name, file.toString(), Long.toHexString(id));
    }

    /**
     * Removes the record of a mailbox already destroyed, if it names {@code address} (and {@code id}
     * unless null). A shortage of the moment ({@code EMFILE}, {@code ENFILE}, {@code ENOMEM}: the
     * removal opens two files), or the name directory's lock held by another process for the whole
     * wait ({@link NameServiceBusyException}: one stopped while it removed a name), is warned about,
     * not thrown: the mailbox is destroyed, and the record is removed later, after the next destroy of
     * a mailbox in this process has removed its own ({@link #removePending}), else by {@code jipc gc}
     * (a name whose mailbox file is gone is dangling) or the next create of the name (until 2026-12-06
     * the destroy threw after removing the mailbox, and a retry returned false; for the lock, until
     * 2026-12-07; until 2026-12-07 the record was left to the next create of the name alone, which
     * never comes for a name used once, such as an RPC client's reply mailbox: one record was left
     * for good per client closed short of descriptors).
     */
    private static void unbindIf(String name, String address, String id) {
        PendingRemoval removal = new PendingRemoval(JipcRoot.path("names"), name, address, id);
        try {
            NameService names = names();
            remove(names, removal);
            removePending(names); // after this one's: one wait at most for a lock held by a stopped process
        } catch (NameServiceBusyException e) {
            pend(removal, e);
        } catch (ErrnoException e) {
            if (!isShortage(e)) {
                throw e; // not a shortage of this moment (EACCES, EIO, ...): the caller must hear of it
            }
            pend(removal, e);
        }
    }

    /** Removes the record {@code removal} names if it is a mailbox's, {@link PendingRemoval#ours ours}. */
    private static void remove(NameService names, PendingRemoval removal) {
        names.lookup(PREFIX + removal.name())
                .filter(e -> e.record().kind().equals(KIND) && removal.ours(e.record()))
                .ifPresent(e -> names.unregister(PREFIX + removal.name()));
    }

    private static boolean isShortage(ErrnoException e) {
        return e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE || e.errno() == Errno.ENOMEM;
    }

    /** Keeps {@code removal} (while fewer than {@link #PENDING_LIMIT} are kept) for {@link #removePending}, and warns. */
    private static void pend(PendingRemoval removal, RuntimeException why) {
        if (PENDING.size() < PENDING_LIMIT) {
            PENDING.add(removal);
        }
        boolean kept = PENDING.contains(removal);
        try {
            WARNINGS.warn("mailbox '" + removal.name() + "' was destroyed, but its name-service record could not be removed ("
                    + why.getMessage() + "): " + (kept ? "it is removed at the next destroy of a mailbox in this"
                    + " process, else by jipc gc or the next create of the name"
                    : "jipc gc removes it, or the next create of the name replaces it"));
        } catch (RuntimeException | Error cannotLog) {
            // out of descriptors, logging may fail too: the record is removed later all the same
        }
    }

    /**
     * Removes the records kept by {@link #pend} for the current name directory, each still only if it
     * names the destroyed mailbox's file and id, and only while no file is at that address (a mailbox
     * created there since bound its own record, replacing the stale one). One that fails again for a
     * shortage stays for the next time, without a second warning; at the first that finds the lock
     * held all the wait, the rest wait for the next time too. Never throws a {@link RuntimeException}.
     */
    private static void removePending(NameService names) {
        if (PENDING.isEmpty()) {
            return;
        }
        Path directory = JipcRoot.path("names");
        for (PendingRemoval removal : PENDING) {
            if (!removal.directory().equals(directory)) {
                continue; // another jipc root's (tests change it): removed when that root is used again
            }
            try {
                if (!Files.exists(Path.of(removal.address()), LinkOption.NOFOLLOW_LINKS)) {
                    remove(names, removal);
                }
            } catch (NameServiceBusyException busy) {
                return;
            } catch (ErrnoException e) {
                if (isShortage(e)) {
                    continue;
                }
            } catch (RuntimeException e) {
                // not a shortage (a corrupt entry, EACCES): not retried; jipc gc and ls show it
            }
            PENDING.remove(removal);
        }
    }
}
