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
import java.util.function.Predicate;

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
        unbindIf(name, r -> r.address().equals(file.toString()));
    }

    /** Removes the name of the destroyed mailbox {@code name} if it names {@code file} and {@code id}. */
    static void unbind(String name, Path file, long id) {
        unbindIf(name, r -> r.address().equals(file.toString()) && r.id().equals(Long.toHexString(id)));
    }

    /**
     * Removes the record of a mailbox already destroyed, if {@code ours}. A shortage of the moment
     * ({@code EMFILE}, {@code ENFILE}, {@code ENOMEM}), or the name directory's lock held by another
     * process for the whole wait ({@link NameServiceBusyException}: one stopped while it removed a
     * name), is warned about, not thrown: the mailbox is destroyed, and the stale record left is
     * replaced by the next create of the name (until 2026-12-06 the destroy threw after removing the
     * mailbox, and a retry returned false; for the lock, until 2026-12-07).
     */
    private static void unbindIf(String name, Predicate<NameRecord> ours) {
        try {
            NameService names = names();
            names.lookup(PREFIX + name)
                    .filter(e -> e.record().kind().equals(KIND) && ours.test(e.record()))
                    .ifPresent(e -> names.unregister(PREFIX + name));
        } catch (NameServiceBusyException e) {
            WARNINGS.warn("mailbox '" + name + "' was destroyed, but its name-service record could not be removed ("
                    + e.getMessage() + "): the next create of the name replaces it");
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EMFILE && e.errno() != Errno.ENFILE && e.errno() != Errno.ENOMEM) {
                throw e; // not a shortage of this moment (EACCES, EIO, ...): the caller must hear of it
            }
            try {
                WARNINGS.warn("mailbox '" + name + "' was destroyed, but its name-service record could not be"
                        + " removed (" + e.getMessage() + "): the next create of the name replaces it");
            } catch (RuntimeException | Error cannotLog) {
                // out of descriptors, logging may fail too: the record is replaced later all the same
            }
        }
    }
}
