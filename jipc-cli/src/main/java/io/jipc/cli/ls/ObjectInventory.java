package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.group.GroupDescriptor;
import io.jipc.group.ProcessGroup;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.MailboxDescriptor;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mailbox.UnboundedMailboxDescriptor;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.segment.JipcRoot;
import io.jipc.shm.SharedRegion;
import io.jipc.sync.SyncFileDescriptor;
import io.jipc.sync.SyncObjects;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every IPC object this user can see, one {@link Lister} per kind: mailboxes (and durable ones in
 * use), unbounded mailboxes, named regions and
 * circular buffers (jipc names and {@code /dev/shm}), synchronization objects, process groups, names, POSIX message
 * queues, FIFOs under the jipc root, and anonymous regions in use. One call scans {@code /proc} once
 * ({@link ProcessScan}) for the processes using each object.
 *
 * <p>Only reads (except that the name service drops names of dead owners when read). Safe to call
 * while other processes use the objects; the figures are a snapshot.
 *
 * <p>The jipc root and its kind directories are checked first, as jipc checks them before it creates
 * or opens anything there ({@link #checkRoot}): the inventory never reads through a root or a kind
 * directory that is a symbolic link, another user's, or open to others (another user can plant
 * either in {@code /dev/shm}), so {@code gc} and {@code rm} never delete through one.
 */
public final class ObjectInventory {
    /** Every kind of object listed, as {@link ObjectRow#kind()} names it. */
    public static final List<String> KINDS = List.of("mailbox", "unbounded", "region", "circular-buffer", "sync",
            "group", "name", "mq", "fifo", "anonymous-region", "handoff");

    private static final List<Lister> LISTERS = List.of(
            new MailboxLister(),
            MailboxLister.durable(),
            new UnboundedMailboxLister(),
            RegionLister.jipcNames(),
            RegionLister.posix(),
            new SyncLister(),
            new GroupLister(),
            new NameLister(),
            new PosixQueueLister(),
            new FifoLister(),
            new AnonymousRegionLister(),
            new HandOffLister());

    private ObjectInventory() {
    }

    /**
     * Checks a kind asked for ({@code --kind}), in any case (as the CLI's other named values), and
     * returns it as {@link #KINDS} spell it.
     *
     * @throws IllegalArgumentException if it is none of {@link #KINDS}
     */
    public static String checkKind(String kind) {
        String lower = kind.toLowerCase(java.util.Locale.ROOT);
        if (!KINDS.contains(lower)) {
            throw new IllegalArgumentException("no kind of object '" + kind + "'; the kinds: "
                    + String.join(", ", KINDS));
        }
        return lower;
    }

    /** The URI schemes of the objects {@link #find} finds. */
    public static final List<String> SCHEMES = List.of("mailbox", "mailbox-file", "unbounded", "region", "shm", "sync",
            "group", "name", "mq", "fifo", "memfd", "handoff");

    /**
     * Checks what a user typed to name an object ({@code jipc rm}): a URI of one of {@link #SCHEMES}
     * with a name an object of that kind can have, or a bare name.
     *
     * @throws IllegalArgumentException for an empty text, another scheme, or a name no object of
     *         the scheme's kind can have (it says why)
     */
    public static String checkTarget(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("an empty name names no object");
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            return text;
        }
        String scheme = text.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        String address = text.substring(colon + 1);
        switch (scheme) {
            case "mailbox" -> Mailbox.path(address);
            case "unbounded" -> UnboundedMailbox.path(address);
            case "region" -> {
                if (SharedRegion.isPosixName(address)) {
                    throw new IllegalArgumentException("region:" + address + " is a POSIX name: say shm:" + address);
                }
                SharedRegion.path(address);
            }
            case "shm" -> SharedRegion.path(address.startsWith("/") ? address : "/" + address);
            case "sync" -> SyncObjects.exists(address);
            case "group" -> ProcessGroup.exists(address);
            case "name" -> NameSyntax.check(address);
            case "mq" -> PosixMessageQueue.checkName(address.startsWith("/") ? address : "/" + address);
            case "memfd" -> {
                if (address.isEmpty() || !address.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new IllegalArgumentException("invalid memfd:" + address
                            + ": an anonymous region's URI is memfd:INODE, as jipc ls prints it");
                }
            }
            case "handoff" -> {
                if (address.isEmpty() || address.contains("/") || address.indexOf('\0') >= 0
                        || address.equals(".") || address.equals("..")) {
                    throw new IllegalArgumentException("invalid handoff:" + address
                            + ": a hand-off socket's URI is handoff:FILE, as jipc ls prints it");
                }
            }
            case "fifo", "mailbox-file" -> {
                if (address.isEmpty() || address.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("invalid path " + io.jipc.platform.Printable.quoted(address)
                            + " in " + scheme + ":");
                }
            }
            default -> throw new IllegalArgumentException("no kind of object has URIs '" + scheme + ":'; the schemes: "
                    + String.join(", ", SCHEMES));
        }
        return text;
    }

    /**
     * The directories under the jipc root whose entries are rows of their kind ({@link ObjectFile#rowsOf}):
     * jipc puts only regular files there, so any other entry is an error row of that kind, which
     * {@link Removal} removes when named.
     */
    static final List<String> FILE_DIRECTORIES = List.of(MailboxDescriptor.DIRECTORY,
            UnboundedMailboxDescriptor.DIRECTORY, SharedRegion.DIRECTORY, SyncFileDescriptor.DIRECTORY,
            GroupDescriptor.DIRECTORY);

    /** The directories under the jipc root whose files the listers read and {@link Removal} removes. */
    static final List<String> KIND_DIRECTORIES = java.util.stream.Stream.concat(FILE_DIRECTORIES.stream(),
            java.util.stream.Stream.of("names", HandOffLister.DIRECTORY)).toList();

    /** Whether {@code path} is an entry of one of the {@link #FILE_DIRECTORIES} of the jipc root now. */
    static boolean inFileDirectory(Path path) {
        Path parent = path.getParent();
        return parent != null && FILE_DIRECTORIES.stream().anyMatch(d -> JipcRoot.path(d).equals(parent));
    }

    /**
     * Checks the jipc root and its existing kind directories ({@link JipcRoot#checkExisting}); a missing
     * root is fine (nothing to list). Any thread; does not block.
     *
     * @throws InsecureFileException if one is a symbolic link, not a directory, another user's, or open
     *         to others: the message says what to do (remove it, or set {@code JIPC_ROOT})
     */
    public static void checkRoot() {
        JipcRoot.checkExisting(KIND_DIRECTORIES.toArray(String[]::new));
    }

    /**
     * Every object found, sorted by kind and URI.
     *
     * @throws InsecureFileException if the jipc root or one of its kind directories is refused ({@link #checkRoot})
     */
    public static List<ObjectRow> list() {
        checkRoot();
        ProcessScan scan = ProcessScan.scan();
        List<ObjectRow> rows = new ArrayList<>();
        for (Lister lister : LISTERS) {
            try {
                rows.addAll(lister.list(scan));
            } catch (InsecureFileException refused) {
                throw refused; // a root planted since checkRoot: nothing under it is listed
            } catch (RuntimeException e) {
                rows.add(new ObjectRow("error", "error:" + lister.getClass().getSimpleName(), "-", 0,
                        OwnerState.UNKNOWN, List.of(), -1, -1, "", -1, "?", "?", "error: " + e, false));
            }
        }
        rows = GroupLister.withAbandonedGroupFiles(rows); // stale: their creator died making them
        rows = new ArrayList<>(GroupLister.withAbandonedInboxes(rows)); // stale: their group is gone
        Map<Path, Optional<FileStatus>> directories = new HashMap<>();
        rows.replaceAll(row -> withUninspected(row, scan, directories));
        rows.sort(Comparator.comparing(ObjectRow::kind).thenComparing(ObjectRow::uri));
        return rows;
    }

    /**
     * The row with the processes the scan could not inspect that could open its object
     * ({@link ProcessScan#uninspected}): by the row's owning uid and mode, the group of its file and
     * the directories above it, both by {@code lstat} now ({@code directories} caches those; a file
     * that is no longer the one listed, or a row of no file, has an unknown group and no
     * directories); a dangling name's object is gone, so nobody maps it. Does not block.
     */
    private static ObjectRow withUninspected(ObjectRow row, ProcessScan scan,
                                             Map<Path, Optional<FileStatus>> directories) {
        if (row.dangling()) {
            return row;
        }
        int permissions;
        try {
            permissions = Integer.parseInt(row.mode(), 8);
        } catch (NumberFormatException unknown) {
            permissions = -1;
        }
        long gid = -1;
        List<FileStatus> above = new ArrayList<>();
        if (row.file() != null) {
            try {
                Path path = Path.of(row.path()).toAbsolutePath();
                FileStatus status = Libc.lstat(path.toString());
                if (status.device() == row.file().device() && status.inode() == row.file().inode()) {
                    gid = Integer.toUnsignedLong(status.gid());
                    for (Path dir = path.getParent(); dir != null; dir = dir.getParent()) {
                        directories.computeIfAbsent(dir, ObjectInventory::directoryStatus).ifPresent(above::add);
                    }
                }
            } catch (ErrnoException | InvalidPathException gone) {
                // gone since it was listed (or a name that is no path): its group unknown
            }
        }
        List<Long> pids = scan.uninspected(row.uid(), gid, permissions, above);
        return pids.isEmpty() ? row : row.withUninspected(pids);
    }

    /** The {@code lstat} of directory {@code dir}; empty if it cannot be had or is no directory. */
    private static Optional<FileStatus> directoryStatus(Path dir) {
        try {
            FileStatus status = Libc.lstat(dir.toString());
            return status.isDirectory() ? Optional.of(status) : Optional.empty();
        } catch (ErrnoException unknown) {
            return Optional.empty();
        }
    }

    /**
     * The objects {@code text} names: a URI ({@code mailbox:orders}, {@code mq:/orders}, {@code mq:orders},
     * {@code region:x}, {@code shm:/x}, {@code sync:lock}, {@code name:svc}, {@code fifo:/path}) names at most
     * one; a bare name matches every object whose URI has that address (possibly several kinds).
     * A queue or a FIFO named by its URI is found even where {@code rows} do not list it: a queue whose
     * name the name service cannot hold (a space, a non-ASCII letter) while {@code /dev/mqueue} is not
     * mounted, a FIFO outside the jipc root.
     */
    public static List<ObjectRow> find(List<ObjectRow> rows, String text) {
        String wanted = normalize(text);
        List<ObjectRow> exact = rows.stream().filter(r -> r.uri().equals(wanted)).toList();
        if (!exact.isEmpty() || text.contains(":")) {
            return exact.isEmpty() ? probe(wanted).stream().toList() : exact;
        }
        return rows.stream().filter(r -> address(r.uri()).equals(text) || address(r.uri()).equals("/" + text)).toList();
    }

    /**
     * Why {@code text}, which {@link #find} found nothing for, names no object when a file of another
     * kind is there ({@code fifo:PATH} of a regular file: {@code PATH is not a FIFO; not removed};
     * {@code mailbox-file:PATH} of an ordinary mailbox, another jipc root's: {@code PATH is not a durable
     * mailbox ...}); empty otherwise ("no object").
     */
    public static Optional<String> whyNotFound(String text) {
        String uri = normalize(text);
        if (uri.startsWith("mailbox-file:") && uri.length() > "mailbox-file:".length() && uri.indexOf('\0') < 0) {
            return MailboxLister.notDurable(Path.of(uri.substring("mailbox-file:".length())));
        }
        return uri.startsWith("fifo:/") ? FifoLister.notAFifo(Path.of(uri.substring("fifo:".length())))
                : Optional.empty();
    }

    /** The queue or FIFO a normalized URI names, looked for where the listers do not look. */
    private static Optional<ObjectRow> probe(String uri) {
        if (uri.startsWith("mq:/")) {
            return PosixQueueLister.probe(uri, ProcessScan.scan());
        }
        if (uri.startsWith("fifo:/")) {
            return FifoLister.probe(Path.of(uri.substring("fifo:".length())), ProcessScan.scan());
        }
        return Optional.empty();
    }

    private static String normalize(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            return text;
        }
        String scheme = text.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        String address = text.substring(colon + 1);
        if ((scheme.equals("mq") || scheme.equals("shm")) && !address.startsWith("/")) {
            address = "/" + address;
        }
        if (scheme.equals("fifo")) {
            address = java.nio.file.Path.of(address).toAbsolutePath().normalize().toString();
        }
        return scheme + ":" + address;
    }

    private static String address(String uri) {
        return uri.substring(uri.indexOf(':') + 1);
    }
}
