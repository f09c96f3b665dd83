package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.JipcException;
import io.jipc.naming.CorruptNameEntryException;
import io.jipc.naming.Lifetime;
import io.jipc.naming.NameEntry;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.naming.spi.NameEntryCodec;
import io.jipc.naming.spi.NameSyntax;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.segment.JipcRoot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Names of the host's own name service ({@code local:/}, files under {@code <jipc root>/names}),
 * {@code name:NAME}. The service itself removes a name of a dead owner when anyone reads it, so an
 * owner-bound name shows up alive (or disappears); a persistent name ({@code bind}) stays, is shown
 * with its owner's state, and is never stale — except a dangling one, stale whatever its owner,
 * which {@code jipc gc} removes: a name {@code mq/NAME} that jipc bound for a queue which no longer
 * exists (unlinked behind jipc's back, e.g. by a C program), or a name {@code mailbox/NAME} that jipc
 * bound for a mailbox whose file is gone (removed behind jipc's back, or a process killed while it
 * destroyed the mailbox). An {@code mq/NAME} name bound in another IPC namespace than this process's
 * (a process of {@code unshare --ipc} or a container sharing the jipc root) is never dangling: its
 * queue cannot be seen from here, so the name is shown as of another namespace and {@code gc} leaves
 * it (once that namespace is gone, with its queues, {@code jipc rm name:mq/NAME} removes it). An entry
 * the service skips as corrupt or foreign is an error row
 * ({@link #corruptEntries}), which {@code jipc rm name:NAME} removes as the exception of a
 * {@code register} over it advises ("unregister the name to remove it").
 */
final class NameLister implements Lister {
    @Override
    public List<ObjectRow> list(ProcessScan scan) {
        List<NameEntry> entries;
        try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
            entries = names.list("");
        } catch (JipcException | IllegalArgumentException unavailable) {
            return List.of();
        }
        List<ObjectRow> rows = new ArrayList<>(entries.stream().map(NameLister::row).toList());
        rows.addAll(corruptEntries(entries.stream().map(NameEntry::name).collect(Collectors.toSet()), scan));
        return rows;
    }

    /**
     * The error rows of the entries of {@code <jipc root>/names} that the name service skipped as corrupt
     * or foreign ({@code name:NAME}, owner unknown, never stale, so {@code gc} leaves them): a file
     * that is not an entry of its name (another program's, a later major format, too long, another
     * name's), and an entry that is no regular file (a link, never followed; a FIFO, never opened; a
     * directory), with the words of the other kinds' error rows. {@code jipc rm name:NAME} removes one
     * through the name service's {@code unregister}. Only entries whose file names are jipc names (the
     * others cannot be named) and not the temporary files ({@code .tmp-*}) of registrants; a name that
     * was {@code listed}, or whose file is a valid entry now (registered since the listing), has no error
     * row. Does not block.
     */
    private static List<ObjectRow> corruptEntries(Set<String> listed, ProcessScan scan) {
        Path dir = JipcRoot.path("names");
        List<ObjectRow> rows = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path path : files) {
                String name = nameOf(path);
                if (name == null || listed.contains(name)) {
                    continue;
                }
                FileStatus status;
                try {
                    status = Libc.lstat(path.toString());
                } catch (ErrnoException gone) {
                    continue;
                }
                String why = status.isRegularFile() ? whyCorrupt(path, name) : FileSnapshot.notRegular(status);
                if (why != null) {
                    rows.add(new ObjectFile("name:" + name, path, status, scan.users(status.device(), status.inode()))
                            .error("name", why));
                }
            }
        } catch (IOException | RuntimeException missing) {
            // no names directory (nothing registered yet), or removed meanwhile
        }
        return rows;
    }

    /**
     * The name whose entry {@code path} is, if it is an entry of {@code <jipc root>/names} (not a
     * temporary file, and a file name that is a stored jipc name), else null.
     */
    static String nameOf(Path path) {
        String file = path.getFileName().toString();
        return file.startsWith(".") || !JipcRoot.path("names").equals(path.getParent()) ? null
                : NameSyntax.fromStorageName(file);
    }

    /**
     * Why the regular file {@code path} is no entry of {@code name}, as the name service judges it
     * ({@link NameEntryCodec#decode}: {@code not a jipc name entry}, {@code longer than 16384 bytes}, ...;
     * {@code it holds the name 'x'}), or null if it is one (registered since the listing). Read as every
     * lister reads ({@link FileSnapshot}: never a FIFO swapped in, a link, another user's file).
     */
    private static String whyCorrupt(Path path, String name) {
        byte[] bytes;
        try (FileSnapshot file = FileSnapshot.open(path)) {
            bytes = file.head(NameEntryCodec.MAX_BYTES + 1);
        } catch (FileSnapshot.CorruptFileException e) {
            return e.getMessage();
        }
        String where = path.toString();
        try {
            NameEntry entry = NameEntryCodec.decode(bytes, where);
            return entry.name().equals(name) ? null : "it holds the name '" + entry.name() + "'";
        } catch (CorruptNameEntryException e) {
            String prefix = "unreadable name entry " + where + ": ";
            return e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        }
    }

    private static ObjectRow row(NameEntry e) {
        OwnerState owner = OwnerState.of(e.liveness());
        String otherIpcNamespace = PosixQueueLister.isJipcName(e) ? PosixQueueLister.ofAnotherIpcNamespace(e) : null;
        String gone = PosixQueueLister.isJipcName(e) && otherIpcNamespace == null
                && !QueueStatus.exists(e.record().address().substring("mq:".length())) ? "the queue is gone"
                : isMailboxName(e) && !Files.exists(Path.of(e.record().address()), LinkOption.NOFOLLOW_LINKS)
                ? "the mailbox file is gone" : null;
        boolean dangling = gone != null;
        String details = e.record().kind() + " " + e.record().address()
                + (e.lifetime() == Lifetime.PERSISTENT ? ", persistent" : "")
                + (dangling ? ", dangling: " + gone : "")
                + (otherIpcNamespace != null ? ", a queue of another IPC namespace (" + otherIpcNamespace
                + "), not checked from this one" : "");
        return new ObjectRow("name", "name:" + e.name(), fileOf(e).toString(), e.owner().pid(), owner, List.of(),
                -1, -1, "", -1, "-", userOf(e), details, e.lifetime() == Lifetime.PERSISTENT,
                dangling).withUid(e.owner().uid());
    }

    /**
     * The registrant's user name, as other rows name their file's owner: the owner of the name's file
     * in {@code <jipc root>/names}, which the registrant wrote, if it has the registrant's uid; the
     * uid as text if the file cannot be read (gone meanwhile) or has another owner.
     */
    private static String userOf(NameEntry e) {
        try {
            Path file = fileOf(e);
            Object uid = Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (uid instanceof Integer u && Integer.toUnsignedLong(u) == e.owner().uid()) {
                return Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
            }
        } catch (IOException | RuntimeException unknown) {
            // the uid, below
        }
        return Long.toString(e.owner().uid());
    }

    /** The file of the name in {@code <jipc root>/names}: {@code /dev/shm/jipc-0/names/mailbox%orders} for {@code mailbox/orders}. */
    private static Path fileOf(NameEntry e) {
        return JipcRoot.path("names").resolve(NameSyntax.toStorageName(e.name()));
    }

    /** A name jipc binds for a mailbox of the jipc root ({@code mailbox/NAME}, kind mailbox, the file's absolute path). */
    private static boolean isMailboxName(NameEntry e) {
        return e.name().startsWith("mailbox/") && e.record().kind().equals("mailbox")
                && e.record().address().startsWith("/");
    }
}
