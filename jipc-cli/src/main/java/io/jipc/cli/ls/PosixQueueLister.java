package io.jipc.cli.ls;

import io.jipc.JipcException;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.platform.FileStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * POSIX message queues ({@code mq:/NAME}). The kernel records no creator and lists queues only
 * through the {@code mqueue} file system, which need not be mounted (and often is not), so three
 * sources are merged:
 * <ul>
 * <li>every queue jipc created: {@code PosixMessageQueue.create} binds the persistent name
 *     {@code mq/NAME} of the local name service (kind {@code mq}, id the queue's inode, address
 *     {@code mq:/NAME}) and {@code unlink} removes it. The binder is the queue's owner, with its
 *     liveness; unknown when the name was bound by a process that only opened the queue (attribute
 *     {@code creator=unknown}) or for an earlier queue of that name (the inode differs);</li>
 * <li>queues another name of the local name service points to (a record whose address is
 *     {@code mq:/NAME}); that name's owner is shown as the queue's owner;</li>
 * <li>when {@code /dev/mqueue} is mounted, every queue of this IPC namespace (like {@code ipcs -q});
 *     owner unknown.</li>
 * </ul>
 * A queue is never stale: like a durable mailbox it is meant to outlive every process, so a queue
 * whose creator exited shows its owner {@code dead} and stays; {@code jipc gc} never removes one,
 * {@code jipc rm mq:/NAME} unlinks it (and its name). A name whose queue no longer exists (unlinked by
 * a C program, say) lists no queue; {@link NameLister} shows such an {@code mq/} name as dangling, and
 * {@code gc} removes it.
 *
 * <p>A queue belongs to an IPC namespace, the jipc root may be shared by several: an {@code mq/} name
 * records its binder's namespace (attribute {@value #IPC_NAMESPACE}, {@code ipc:[<inode>]}), and one
 * bound in another namespace than this process's ({@link #ofAnotherIpcNamespace}) lists no queue here
 * (its queue is not the one of that name this process would see); {@link NameLister} shows it as in
 * another namespace, never dangling. A name without the attribute is taken for this namespace's.
 *
 * <p>Capacity and depth are messages ({@code mq_getattr}); mode and user come from {@code fstat} of
 * the queue descriptor, users from the processes whose descriptors show the queue's inode
 * ({@link QueueStatus}); all read on a descriptor opened and closed at once, which never takes a
 * message.
 */
final class PosixQueueLister implements Lister {
    static final Path DIRECTORY = Path.of("/dev/mqueue");
    private static final String JIPC_NAMES = "mq/";
    /** The attribute of an {@code mq/} name that holds its binder's IPC namespace (jipc-mq's {@code MqNames}). */
    static final String IPC_NAMESPACE = "ipc-namespace";

    /** Who owns a queue, as a name says, and what the row adds to its details. */
    private record Owner(long pid, OwnerState state, String note) {
        static final Owner UNKNOWN = new Owner(0, OwnerState.UNKNOWN, "");

        static Owner of(NameEntry e, String note) {
            return new Owner(e.owner().pid(), OwnerState.of(e.liveness()), note);
        }
    }

    /**
     * What is known of a queue without opening it: from its file under {@code /dev/mqueue} if that is
     * mounted, else nothing.
     */
    private record Seen(String path, List<Long> users, String mode, String user) {
        static Seen of(ObjectFile file) {
            return new Seen(file.path().toString(), file.users(), file.mode(), file.user());
        }

        static Seen of(ObjectRow kernel, NameEntry e) {
            return kernel == null ? new Seen("named " + e.name(), List.of(), "?", "?")
                    : new Seen(kernel.path(), kernel.users(), kernel.mode(), kernel.user());
        }
    }

    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        Map<String, ObjectRow> rows = new LinkedHashMap<>();
        ObjectFile.rowsOf(DIRECTORY, name -> "mq:/" + name, "mq", scan,
                file -> describe(file.uri(), Seen.of(file), scan, Owner.UNKNOWN, status -> Owner.UNKNOWN)
                        .orElseThrow(() -> new JipcException("unlinked while listed")))
                .forEach(r -> rows.put(r.uri(), r));
        for (NameEntry e : namedQueues()) {
            if (isJipcName(e) && ofAnotherIpcNamespace(e) != null) {
                continue; // its queue is not the one of that name here
            }
            String uri = e.record().address();
            Owner named = Owner.of(e, isJipcName(e) ? "" : ", named " + e.name());
            describe(uri, Seen.of(rows.get(uri), e), scan, named, status -> isJipcName(e) ? creator(e, status) : named)
                    .ifPresent(r -> rows.put(uri, r)); // absent: the name dangles, there is no queue
        }
        return List.copyOf(rows.values());
    }

    /**
     * The row of queue {@code uri} ({@code mq:/NAME}) straight from the kernel, owner unknown: for a
     * queue the listing misses (its name cannot be a name of the service and {@code /dev/mqueue} is not
     * mounted). Empty if there is no such queue, or {@code uri} is no queue name.
     */
    static Optional<ObjectRow> probe(String uri, ProcessScan scan) {
        String name = uri.substring("mq:".length());
        try {
            PosixMessageQueue.checkName(name);
        } catch (IllegalArgumentException notAQueueName) {
            return Optional.empty();
        }
        if (!QueueStatus.exists(name)) {
            return Optional.empty();
        }
        return describe(uri, new Seen("not named in the name service", List.of(), "?", "?"), scan, Owner.UNKNOWN,
                status -> Owner.UNKNOWN);
    }

    /** Whether {@code e} is the name jipc binds for a queue it created ({@code mq/NAME}, kind {@code mq}). */
    static boolean isJipcName(NameEntry e) {
        return e.name().startsWith(JIPC_NAMES) && e.record().kind().equals("mq")
                && e.record().address().equals("mq:/" + e.name().substring(JIPC_NAMES.length()));
    }

    /**
     * The IPC namespace of the queue of jipc's name {@code e} ({@code ipc:[<inode>]}) if it is not this
     * process's, else null: also for a name that does not say (bound before the namespace was recorded),
     * and where this process cannot read its own ({@code /proc/self/ns/ipc}).
     */
    static String ofAnotherIpcNamespace(NameEntry e) {
        String bound = e.record().attributes().get(IPC_NAMESPACE);
        if (bound == null) {
            return null;
        }
        try {
            return bound.equals(Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString()) ? null : bound;
        } catch (java.io.IOException | RuntimeException unreadable) {
            return null;
        }
    }

    /** The names pointing at queues; jipc's own {@code mq/} names last, so that they decide the owner. */
    private static List<NameEntry> namedQueues() {
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            return names.list("").stream().filter(e -> e.record().address().startsWith("mq:/"))
                    .sorted(Comparator.comparing(PosixQueueLister::isJipcName)).toList();
        } catch (JipcException | IllegalArgumentException unavailable) {
            return List.of();
        }
    }

    /**
     * The creator of a queue jipc named {@code mq/NAME}: the binder, unless the name was bound by a
     * process that opened the queue, or for an earlier queue of that name (its id is another inode).
     */
    private static Owner creator(NameEntry e, QueueStatus status) {
        if ("unknown".equals(e.record().attributes().get("creator"))) {
            return new Owner(0, OwnerState.UNKNOWN, ", creator unknown: " + e.name() + " was bound by pid "
                    + e.owner().pid() + ", which opened the queue");
        }
        if (!e.record().id().equals(Long.toHexString(status.file().inode()))) {
            return new Owner(0, OwnerState.UNKNOWN, ", creator unknown: " + e.name()
                    + " was bound for an earlier queue of this name");
        }
        return Owner.of(e, "");
    }

    /**
     * The row of queue {@code uri}, owned as {@code owner} says; empty if there is no such queue. A
     * queue that exists but cannot be opened (another user's) is a row owned as {@code ifUnreadable}
     * says, with what {@code seen} and the kernel's file say.
     */
    private static Optional<ObjectRow> describe(String uri, Seen seen, ProcessScan scan, Owner ifUnreadable,
                                                Function<QueueStatus, Owner> owner) {
        Optional<QueueStatus> status;
        try {
            status = QueueStatus.read(uri.substring("mq:".length()));
        } catch (JipcException | IllegalArgumentException notOurs) {
            return Optional.of(new ObjectRow("mq", uri, seen.path(), ifUnreadable.pid(), ifUnreadable.state(),
                    seen.users(), -1, -1, "msgs", -1, seen.mode(), seen.user(),
                    kernelLine(Path.of(seen.path())) + ifUnreadable.note(), true));
        }
        return status.map(s -> {
            Owner o = owner.apply(s);
            return new ObjectRow("mq", uri, seen.path(), o.pid(), o.state(), scan.users(s.file().device(), s.file().inode()),
                    s.maxMessages(), s.currentMessages(), "msgs", -1, FileStatus.octal(s.file().permissions()), s.user(),
                    "messages up to " + s.messageSize() + " B" + o.note(), true)
                    .withUid(Integer.toUnsignedLong(s.file().uid()));
        });
    }

    /** The kernel's own line, {@code QSIZE:<bytes> NOTIFY:...}, when the queue cannot be opened. */
    private static String kernelLine(Path path) {
        try {
            return String.join(" ", Files.readString(path).trim().split("\\s+"));
        } catch (java.io.IOException | RuntimeException e) {
            return "not readable by this user";
        }
    }
}
