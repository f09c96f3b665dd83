package io.jipc.mq;

import io.jipc.ErrnoException;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameRecord;
import io.jipc.naming.NameService;
import io.jipc.naming.NameTakenException;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.naming.local.LocalNameService;
import io.jipc.naming.spi.WarnOnce;
import io.jipc.platform.Errno;
import io.jipc.platform.Libc;
import io.jipc.platform.MessageQueues;
import io.jipc.platform.Printable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The names of the POSIX queues jipc creates, in the host's name service: a queue {@code /orders}
 * created by {@link PosixMessageQueue#create} (or the creating branch of
 * {@link PosixMessageQueue#openOrCreate}) is the persistent name {@code mq/orders} of the local name
 * service, with kind {@value #KIND}, id the queue's inode in the kernel's {@code mqueue} file system
 * in hex (which tells one queue of a name from a later one), and address {@code mq:/orders}. The
 * name is bound right after the queue is created and removed when {@link PosixMessageQueue#unlink}
 * removes the queue; like the queue, it outlives its creator. The kernel records no creator and
 * lists queues only through the {@code mqueue} file system, which need not be mounted: this name is
 * how {@code jipc ls} finds the queues jipc made, with the creator's pid (the binder of the name).
 *
 * <p>The queue is the object and the name only an index: a failure of the name service (an unusable
 * jipc root, a corrupt entry, the name held by a live process's registration) is logged and never
 * fails the queue operation, but for an unlink made short of file descriptors: it fails with the
 * {@code ErrnoException} ({@code EMFILE}) before anything is removed, for the queue and its name go
 * together (until 2026-12-07 such an unlink removed the queue and left its name). A queue name that is not a valid name of the service once behind
 * {@code mq/} (characters other than {@code A-Z a-z 0-9 . _ - : @ +}, or longer than
 * {@value NameSyntax#MAX_LENGTH} characters with the prefix) gets no name; its queue works all the
 * same, and {@code jipc ls} finds it only where {@code /dev/mqueue} is mounted.
 *
 * <p>Repairs, as for mailboxes: a create whose name is still bound to an earlier queue (unlinked
 * behind jipc's back, e.g. by a C program, or by a process killed between the unlink and the
 * unbinding) replaces that stale binding. {@code openOrCreate} finding the queue already there binds
 * the name if it is missing or stale (the queue was made by a C program, or by a process killed
 * before it bound the name), with the attribute {@value #CREATOR}{@code =}{@value #UNKNOWN}: the
 * binder opened the queue and is not its creator. A plain {@link PosixMessageQueue#open} binds
 * nothing. Only a queue's name (kind {@value #KIND}) is replaced: a name {@code mq/<name>} bound to
 * something else (a record of another kind someone bound there) is left in place, as
 * {@link PosixMessageQueue#unlink} leaves it, and the queue works without its name; a warning says
 * so once per process and name. (Until 2026-12-06 a create or repair replaced such a record silently.)
 *
 * <p>IPC namespaces: a queue belongs to the IPC namespace of its creator, but the jipc root is a
 * directory, which processes of several IPC namespaces may share ({@code unshare --ipc}, a systemd
 * service with {@code PrivateIPC=yes}, a container sharing {@code /dev/shm}). So the record has the
 * attribute {@value #IPC_NAMESPACE}, the binder's IPC namespace as {@code /proc/self/ns/ipc} shows it
 * ({@code ipc:[4026531839]}); {@code jipc ls} and {@code gc} in another namespace do not judge the queue
 * by the one of that name they would see, and {@link PosixMessageQueue#unlink} removes only a name
 * of its own namespace (or one without the attribute, bound before it was recorded). A queue name is
 * still one name of the root: the last create or repair in any namespace binds it.
 *
 * <p>The local backend is used whatever naming the process is configured with: a queue is an object
 * of this host. Thread-safe.
 */
final class MqNames {
    static final String KIND = "mq";
    static final String PREFIX = "mq/";
    /** Attribute of a name bound by a process that opened an existing queue: its creator is unknown. */
    static final String CREATOR = "creator";
    static final String UNKNOWN = "unknown";
    /** Attribute of every name jipc binds for a queue: the binder's IPC namespace, {@code ipc:[<inode>]}. */
    static final String IPC_NAMESPACE = "ipc-namespace";

    /** The log, looked up on first use: the lookup costs a process about 20 ms at start. */
    private static System.Logger log() {
        return Log.LOGGER;
    }

    private static final class Log {
        static final System.Logger LOGGER = System.getLogger("io.jipc.mq");
    }

    /** Warnings about a name held by another kind of object: once per process and text, as the naming layer warns. */
    private static final WarnOnce FOREIGN = new WarnOnce(MqNames::log);

    private MqNames() {
    }

    /**
     * The local name service of the current jipc root, opened for one operation: a few system calls
     * next to {@code mq_open}, and it follows the root wherever it is set.
     */
    private static NameService open() {
        return NameService.open(NamingConfiguration.LOCAL);
    }

    /** The name of queue {@code queue} ({@code "/orders"} → {@code "mq/orders"}), or null if it cannot be one. */
    static String nameOf(String queue) {
        String name = PREFIX + queue.substring(1);
        try {
            return NameSyntax.check(name);
        } catch (IllegalArgumentException unrepresentable) {
            return null;
        }
    }

    /**
     * Binds the name of the queue just created as {@code mqd}, replacing a stale binding of an earlier
     * queue; a binding of another kind is left in place (warned once). Never throws.
     */
    static void created(String queue, int mqd) {
        String name = nameOf(queue);
        if (name == null) {
            log().log(System.Logger.Level.DEBUG, "POSIX message queue {0} gets no name: not a valid name behind mq/", queue);
            return;
        }
        try (NameService names = open()) {
            String id = idOf(queue, mqd);
            for (int attempt = 0; ; attempt++) {
                try {
                    names.bind(name, record(queue, id));
                    return;
                } catch (NameTakenException taken) {
                    Optional<NameEntry> held = names.lookup(name);
                    if (held.isPresent() && isOf(held.get(), id)) {
                        return; // an openOrCreate of the new queue bound it first
                    }
                    if (held.isPresent() && !isQueueName(queue, held.get())) {
                        return;
                    }
                    if (attempt > 0) {
                        throw taken;
                    }
                    // stale: bound to an earlier queue of this name (the new one was created with O_EXCL)
                    held.ifPresent(entry -> names.unregister(name));
                }
            }
        } catch (RuntimeException e) {
            log().log(System.Logger.Level.WARNING, "POSIX message queue {0} was created, but its name {1} could not be "
                    + "bound (jipc ls will not find it): {2}", queue, name, e.toString());
        }
    }

    /**
     * Binds the name of an existing queue opened as {@code mqd} by {@code openOrCreate} if the name is
     * missing or bound to an earlier queue of this IPC namespace; the creator is recorded as unknown. A
     * binding of another kind is left in place (warned once), and so is a queue's of another IPC
     * namespace (only a create takes that). Never throws.
     */
    static void opened(String queue, int mqd) {
        String name = nameOf(queue);
        if (name == null) {
            return;
        }
        try (NameService names = open()) {
            String id = idOf(queue, mqd);
            Optional<NameEntry> held = names.lookup(name);
            if (held.isPresent() && (isOf(held.get(), id) || !isQueueName(queue, held.get())
                    || !ofThisIpcNamespace(held.get()))) {
                return; // its own, another kind's (warned), or a queue's of another IPC namespace: only a create takes that
            }
            held.ifPresent(stale -> names.unregister(name));
            names.bind(name, record(queue, id).withAttribute(CREATOR, UNKNOWN));
        } catch (NameTakenException boundMeanwhile) {
            // another opener repaired it, or the queue was re-created and its creator bound it
        } catch (RuntimeException e) {
            log().log(System.Logger.Level.WARNING, "could not bind the missing name {0} of POSIX message queue {1}: {2}",
                    name, queue, e.toString());
        }
    }

    /**
     * The binding of {@code queue} as it is before an unlink, for {@link #unlink}; empty if there is
     * none or the service fails otherwise (logged).
     *
     * @throws ErrnoException if this process lacks a resource to read it ({@code EMFILE}, {@code ENFILE},
     *                        {@code ENOMEM}): the unlink is not to be made (nothing was changed)
     */
    static Optional<NameEntry> beforeUnlink(String queue) {
        String name = nameOf(queue);
        if (name == null) {
            return Optional.empty();
        }
        try (NameService names = open()) {
            return names.lookup(name).filter(e -> e.record().kind().equals(KIND) && ofThisIpcNamespace(e));
        } catch (ErrnoException e) {
            if (lacksResource(e)) {
                throw e;
            }
            return cannotLookUp(queue, name, e);
        } catch (RuntimeException e) {
            return cannotLookUp(queue, name, e);
        }
    }

    private static Optional<NameEntry> cannotLookUp(String queue, String name, RuntimeException e) {
        log().log(System.Logger.Level.WARNING, "cannot look up the name {0} of POSIX message queue {1}: {2}",
                name, queue, e.toString());
        return Optional.empty();
    }

    /**
     * Unlinks {@code queue} ({@code mq_unlink}) and removes its name {@code binding} with it, if the name is
     * still that binding (a queue re-created meanwhile under the name keeps its own): both under the
     * name directory's lock, once the name's entry was read ({@link LocalNameService#unbindAround}), so
     * that a process short of descriptors removes both or neither. A failure of the name service other
     * than that (its lock held for 5 s, an unusable root) is logged, and the queue is unlinked without
     * its name (jipc gc removes the name), as before.
     *
     * @return false if there was no queue of that name
     * @throws ErrnoException if this process lacks a resource ({@code EMFILE}, {@code ENFILE}, {@code ENOMEM})
     *                        to lock the name directory or read the name: nothing was changed; or the
     *                        error of {@code mq_unlink}
     */
    static boolean unlink(String queue, NameEntry binding) {
        int[] step = {0}; // 0: the queue not unlinked yet, 1: mq_unlink running, 2: done
        boolean[] unlinked = {false};
        BooleanSupplier removal = () -> {
            step[0] = 1;
            unlinked[0] = MessageQueues.unlink(queue);
            step[0] = 2;
            return unlinked[0];
        };
        try (NameService names = open()) {
            if (names instanceof LocalNameService local) {
                return local.unbindAround(binding, removal);
            }
            throw new IllegalStateException("the local name service is a " + names.getClass().getName());
        } catch (RuntimeException e) {
            if (step[0] == 1 || step[0] == 0 && e instanceof ErrnoException errno && lacksResource(errno)) {
                throw e; // mq_unlink's own error, or nothing changed: the caller may try again
            }
            log().log(System.Logger.Level.WARNING, "POSIX message queue {0} was unlinked, but its name {1} could not be "
                    + "removed (jipc gc removes it): {2}", queue, binding.name(), e.toString());
            return step[0] == 2 ? unlinked[0] : MessageQueues.unlink(queue);
        }
    }

    /** Whether {@code e} says this process lacks a resource: {@code EMFILE}, {@code ENFILE}, {@code ENOMEM}. */
    private static boolean lacksResource(ErrnoException e) {
        return e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE || e.errno() == Errno.ENOMEM;
    }

    /** The record of queue {@code queue} whose id is {@code id}, with the binder's IPC namespace if it can be read. */
    private static NameRecord record(String queue, String id) {
        NameRecord record = NameRecord.of(KIND, id, "mq:" + queue);
        return ipcNamespace().map(ns -> record.withAttribute(IPC_NAMESPACE, ns)).orElse(record);
    }

    /**
     * This process's IPC namespace as {@code /proc/self/ns/ipc} shows it ({@code ipc:[4026531839]});
     * empty if it cannot be read (no {@code /proc}).
     */
    static Optional<String> ipcNamespace() {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString());
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** Whether {@code entry} was bound in this process's IPC namespace, or does not say where. */
    private static boolean ofThisIpcNamespace(NameEntry entry) {
        String bound = entry.record().attributes().get(IPC_NAMESPACE);
        return bound == null || ipcNamespace().map(bound::equals).orElse(true);
    }

    /** The id of the queue open as {@code mqd}: its inode in hex. */
    private static String idOf(String queue, int mqd) {
        return Long.toHexString(Libc.fstat(mqd, queue).inode());
    }

    /**
     * Whether {@code entry}, which holds the name of {@code queue}, is a queue's name (kind
     * {@value #KIND}), which a create or repair may replace; if not, warns once that it is left in place.
     */
    private static boolean isQueueName(String queue, NameEntry entry) {
        NameRecord held = entry.record();
        if (held.kind().equals(KIND)) {
            return true;
        }
        FOREIGN.warn("the name " + entry.name() + " of POSIX message queue " + queue + " is bound to a "
                + Printable.quoted(held.kind()) + " (" + Printable.quoted(held.address()) + "), not to a queue:"
                + " left in place, so jipc ls does not find the queue by it");
        return false;
    }

    private static boolean isOf(NameEntry entry, String id) {
        return entry.record().kind().equals(KIND) && entry.record().id().equals(id);
    }
}
