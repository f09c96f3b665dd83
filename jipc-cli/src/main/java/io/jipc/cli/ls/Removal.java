package io.jipc.cli.ls;

import io.jipc.ErrnoException;
import io.jipc.InsecureFileException;
import io.jipc.JipcException;
import io.jipc.group.ProcessGroup;
import io.jipc.mailbox.Mailbox;
import io.jipc.mailbox.UnboundedMailbox;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.naming.NameService;
import io.jipc.naming.NamingConfiguration;
import io.jipc.platform.Errno;
import io.jipc.platform.FileIdentity;
import io.jipc.platform.FileStatus;
import io.jipc.platform.Libc;
import io.jipc.segment.SharedSegment;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Removes one object found by the inventory: unlinks its name, the way its own API does
 * ({@code Mailbox.destroy}, which also drops the mailbox's binding in the name service;
 * {@code UnboundedMailbox.destroy}, its control and segment files; the file of a
 * region, buffer, sync object or durable mailbox; a FIFO; {@code mq_unlink}; the name service's
 * unregister).
 * Processes that still map or hold the object keep using it; nobody can open it by name anymore.
 *
 * <p>Never through a link or another user's directory: right before each removal the jipc root and
 * its kind directories are checked again ({@link ObjectInventory#checkRoot}), and the object's file is
 * {@code lstat}ed: it must still be a file of its kind (a regular file; a FIFO for {@code fifo:}), not
 * a link, and this user's unless the caller allows others' ({@code jipc rm --force}). An error row
 * whose file is no regular file ({@link #notRegularEntryOf}: a link, socket, FIFO or directory planted in
 * a kind directory) is removed as that entry: the link or socket itself, an empty directory; so is the
 * error row of a corrupt name entry ({@link #corruptNameOf}), through the name service. In the
 * directories checked (this user's, mode 0700) and in sticky {@code /dev/shm}, no other user can
 * swap the name between that check and the unlink.
 *
 * <p>Only the file the row was judged from is removed: that same {@code lstat} must find the very
 * file the listing read ({@link ObjectRow#file}, device and inode). A file a process of this user
 * created under the same name since is another file: it is left alone, and the removal returns
 * false as for a file gone ({@link #replaced} tells the two apart). Only device and inode are
 * compared: on a file system that gives a new file the inode of one just deleted (ext4, a jipc root
 * under a disk's {@code /tmp}) such a new file passes as the old one; tmpfs, where the jipc root
 * normally is, numbers new files upwards. And a process can still replace the file between that
 * {@code lstat} and the unlink (microseconds; milliseconds at the first removal of a kind in a JVM,
 * which loads its API's classes there; the name service's binding of a mailbox is dropped after
 * it): nothing closes that window but the process's own lock, which a removal from outside does not
 * take.
 *
 * <p>Group inboxes, the names a process makes again most often, no longer depend on either: a
 * group's joiner chooses its incarnation before it removes any leftover, past every inbox of its
 * rank in the mailbox directory then ({@code ProcessGroup.nextIncarnation}), so the name a remover
 * listed is not the live member's unless somebody else unlinked it between the listing and the join (a second remover, or the group's own cleanup). For that case, after the
 * {@code lstat}, a mailbox named as a group inbox whose rank a live process holds at that
 * incarnation ({@link #liveGroupInbox}) is left alone (returns false) unless {@code othersToo}
 * ({@code jipc rm --force}). Until 2026-12-06 a group made anew made exactly the names of a dead
 * member's inboxes again, and a removal between its {@code lstat} and its unlink removed the live
 * member's inbox (2 runs of 11 of the explorer's probe).
 *
 * <p>A group's file, which that second layer reads, is removed (unless {@code othersToo}) only
 * through the group's own closing protocol ({@link ProcessGroup#removeIfAbandoned}: still the very
 * file listed, by the device and inode of its mapping, and no live process holding a rank when the
 * remover has marked it closing), so never under a process that holds a rank in it: a joiner that
 * took a dead member's rank in the listed file since keeps its group (false). Until 2026-12-06 it
 * was unlinked by name: such a joiner was cut off for good (13 of 200 rounds of the explorer's gc
 * loop), and on ext4 a second remover unlinked a group made anew under the inode just freed, then
 * its live member's inboxes, the second layer finding no group file. What remains, on any file
 * system: an inbox remover whose {@code lstat} came before another remover's unlink of that name,
 * that read the group's file before the joiner stored its incarnation and unlinks after the joiner
 * made its inboxes (stalled, between those few system calls, for the other's unlink and a whole
 * join); {@code othersToo}, which unlinks files by name as before; and a group file with no creator
 * recorded yet whose creator is stopped for more than the ready timeout, taken as half-made.
 * A row read from no file of its own (a POSIX queue, a name) is removed by name through its own
 * API, as before.
 *
 * <p>The caller decides whether removal is allowed ({@link ObjectRow#users()}, {@link ObjectRow#stale()});
 * this class only removes. Any thread; does not block, but that the removal of a group waits, at
 * most about a second, while a leaving member of it decides whether to remove the group itself
 * ({@link ProcessGroup#removeIfAbandoned}). (Until 2026-12-06 the removal of a mailbox named as a
 * group inbox waited up to 2 s for an unpublished group file.)
 */
public final class Removal {
    private Removal() {
    }

    /**
     * Whether an object of this row's kind can be removed at all: an anonymous region ({@code memfd:INODE},
     * a raw one or a circular buffer formatted in one) has no name.
     */
    public static boolean removable(ObjectRow row) {
        return !row.uri().startsWith("memfd:");
    }

    /**
     * Removes the object, if it is this user's; false if it was gone already, its name now refers to
     * another file than the one the row was read from, or it is the inbox of a live group member
     * (left alone).
     *
     * @throws JipcException            if the kernel or the name service refuses (permissions, a live owner's name),
     *                                  the file is another user's, or the jipc root is refused
     * @throws IllegalArgumentException if the object has no name to remove
     */
    public static boolean remove(ObjectRow row) {
        return remove(row, false);
    }

    /**
     * Removes the object; false if it was gone already, or its name now refers to another file than
     * the one the row was read from ({@link ObjectRow#file}): that one is left alone; false too,
     * unless {@code othersToo}, for the inbox of a live group member ({@link #liveGroupInbox}).
     *
     * @param othersToo whether a file another user owns may be removed (the kernel still decides), and
     *                  a live group member's inbox ({@code jipc rm --force})
     * @throws JipcException            if the kernel or the name service refuses (permissions, a live owner's name),
     *                                  the file is another user's and {@code othersToo} is false, it is no longer
     *                                  a file of its kind, or the jipc root is refused
     * @throws IllegalArgumentException if the object has no name to remove
     */
    public static boolean remove(ObjectRow row, boolean othersToo) {
        ObjectInventory.checkRoot();
        FileStatus entry = notRegularEntry(row);
        if (entry != null) {
            return removeEntry(row.path(), entry, othersToo);
        }
        if (!removable(row)) {
            throw new IllegalArgumentException(row.uri() + " has no name: it goes when the last process unmaps it");
        }
        if (row.uri().startsWith("mailbox:")) {
            String name = row.uri().substring("mailbox:".length());
            return checkFile(row, othersToo)
                    && (othersToo || !ProcessGroup.isLiveInbox(name)) // a live group member's, whatever was listed
                    && Mailbox.destroy(name); // also drops its name binding
        }
        if (row.kind().equals("group") && row.uri().startsWith("group:") && row.file() != null && !othersToo) {
            return removeGroup(row);
        }
        if (row.uri().startsWith("unbounded:")) {
            return checkFile(row, othersToo) // control and segment files
                    && UnboundedMailbox.destroy(row.uri().substring("unbounded:".length()));
        }
        return switch (row.kind()) {
            case "mq" -> PosixMessageQueue.unlink(row.uri().substring("mq:".length()));
            case "name" -> {
                if (corruptNameOf(row).isPresent() && !checkEntryOwner(row.path(), othersToo)) {
                    yield false; // gone
                }
                try (NameService names = NameService.open(NamingConfiguration.LOCAL)) {
                    yield names.unregister(row.uri().substring("name:".length()));
                }
            }
            default -> checkFile(row, othersToo) && unlink(row.path());
        };
    }

    /**
     * Removes a group's file (not {@code --force}): through the group's own closing protocol
     * ({@link ProcessGroup#removeIfAbandoned}), so that a joiner that took a dead member's rank in
     * the very file listed since keeps its group (false: left alone); a stale error row, a group
     * file its creator died making ({@code GroupLister.withAbandonedGroupFiles}), is condemned
     * ({@link SharedSegment#condemn}: left alone if it was published meanwhile) and unlinked; any
     * other error row (a damaged file, for {@code jipc rm}) is unlinked.
     */
    private static boolean removeGroup(ObjectRow row) {
        Path path = Path.of(row.path());
        if (row.details().startsWith("error: ")) {
            if (!row.stale()) {
                return checkFile(row, false) && unlink(row.path());
            }
            Object identity = FileIdentity.of(path); // then checked to be the file listed
            return identity != null && checkFile(row, false)
                    && SharedSegment.condemn(path, identity, 0600); // a group file's mode
        }
        return checkFile(row, false) && ProcessGroup.removeIfAbandoned(row.uri().substring("group:".length()),
                row.file().device(), row.file().inode());
    }

    /**
     * Whether the row's name still refers, by its {@code lstat} now, to the very file the row was
     * read from (true for a row read from no file of its own while its name is there): after a
     * {@link #remove} that returned false, the object was left alone rather than gone. Any thread;
     * does not block.
     */
    public static boolean stillThere(ObjectRow row) {
        try {
            return isFile(row, Libc.lstat(row.path()));
        } catch (ErrnoException gone) {
            return false;
        }
    }

    /**
     * Whether the row's name refers, by its {@code lstat} now, to another file than the one the row
     * was read from ({@link ObjectRow#file}): one created under that name since, which {@link #remove}
     * leaves alone. False if the name is gone, or the row was read from no file of its own. Any
     * thread; does not block.
     */
    public static boolean replaced(ObjectRow row) {
        if (row.file() == null) {
            return false;
        }
        try {
            return !isFile(row, Libc.lstat(row.path()));
        } catch (ErrnoException gone) {
            return false;
        }
    }

    /**
     * Whether the row is a mailbox named as a group member's inbox ({@code group.NAME.RANK.INCARNATION},
     * its {@code .parts}) whose rank a live process holds at that incarnation now
     * ({@link ProcessGroup#isLiveInbox}): {@link #remove} leaves it alone unless {@code othersToo}.
     * Any thread; does not block.
     */
    public static boolean liveGroupInbox(ObjectRow row) {
        return row.uri().startsWith("mailbox:") && ProcessGroup.isLiveInbox(row.uri().substring("mailbox:".length()));
    }

    /** Whether {@code status} is of the file the row was read from (true if the row records none). */
    private static boolean isFile(ObjectRow row, FileStatus status) {
        return row.file() == null
                || status.device() == row.file().device() && status.inode() == row.file().inode();
    }

    /**
     * What {@link #remove} removes for an error row whose file is not a regular file (by its
     * {@code lstat} now) in a directory of the jipc root whose entries are objects of one kind:
     * {@code PATH, a symbolic link (not followed)} (the words of {@link FileSnapshot#notRegular}); empty
     * for any other row. Such an entry is removed itself, whatever its kind's API would remove: a link
     * is unlinked (its target untouched), a FIFO or socket unlinked (never opened), a directory removed
     * only if empty. Any thread; does not block.
     */
    public static Optional<String> notRegularEntryOf(ObjectRow row) {
        FileStatus status = notRegularEntry(row);
        return status == null ? Optional.empty() : Optional.of(row.path() + ", " + FileSnapshot.notRegular(status));
    }

    /**
     * What {@link #remove} removes for the error row of a name entry the name service skips as corrupt
     * or foreign ({@code jipc ls}'s {@code name:NAME} error rows): {@code PATH, WHY} ({@code WHY} the
     * row's error, {@code a symbolic link (not followed)}, {@code not a jipc name entry}, ...); empty for
     * any other row. It is removed through the name service's {@code unregister}, under its lock, which
     * removes the entry itself (a link unlinked, never followed; a FIFO never opened; a directory only
     * if empty) and leaves a valid registration made meanwhile to the usual rules. Any thread.
     */
    public static Optional<String> corruptNameOf(ObjectRow row) {
        return row.kind().equals("name") && row.details().startsWith("error: ")
                ? Optional.of(row.path() + ", " + row.details().substring("error: ".length())) : Optional.empty();
    }

    /** Whether the entry {@code path} is there, checking it is this user's unless {@code othersToo}. */
    private static boolean checkEntryOwner(String path, boolean othersToo) {
        try {
            checkOwner(path, Libc.lstat(path), othersToo);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** The {@code lstat} of the row's file if {@link #notRegularEntryOf} applies to it, else null. */
    private static FileStatus notRegularEntry(ObjectRow row) {
        if (!row.details().startsWith("error: ") || !ObjectInventory.inFileDirectory(Path.of(row.path()))) {
            return null; // a row that shows an object, or a file outside the kind directories
        }
        try {
            FileStatus status = Libc.lstat(row.path());
            return status.isRegularFile() ? null : status;
        } catch (ErrnoException gone) {
            return null; // its kind's removal says it is gone
        }
    }

    /**
     * Removes the entry {@code path} whose {@code lstat} was {@code status}: {@code rmdir} of a directory
     * (refused unless empty: its contents are nothing jipc made), else {@code unlink}, which never follows
     * a link nor opens a FIFO; false if it was gone.
     */
    private static boolean removeEntry(String path, FileStatus status, boolean othersToo) {
        checkOwner(path, status, othersToo);
        try {
            if (status.isDirectory()) {
                Libc.rmdir(path);
            } else {
                Libc.unlink(path);
            }
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            if (e.errno() == Errno.ENOTEMPTY || e.errno() == Errno.EEXIST) {
                throw new JipcException("not removing " + path + ": a directory that is not empty (what it holds is"
                        + " nothing jipc made); look into it, and remove it with rm -r " + path, e);
            }
            throw new JipcException(e.getMessage() + owner(path), e);
        }
    }

    /**
     * Whether the row's file is still there as a file of its kind that may be removed; false if it is
     * gone or its name refers to another file than the one the row was read from.
     *
     * @throws JipcException if it is a link or another kind of file now, or another user's and
     *         {@code othersToo} is false
     */
    private static boolean checkFile(ObjectRow row, boolean othersToo) {
        FileStatus status;
        try {
            status = Libc.lstat(row.path());
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
        boolean rightKind = switch (row.kind()) {
            case "fifo" -> status.isFifo();
            case "handoff" -> status.isSocket();
            default -> status.isRegularFile();
        };
        if (!rightKind) {
            throw new InsecureFileException("not removing " + row.path() + ": it is no longer "
                    + switch (row.kind()) {
                        case "fifo" -> "a FIFO";
                        case "handoff" -> "a socket";
                        default -> "a regular file";
                    }
                    + (status.isSymbolicLink() ? " but a symbolic link" : ""));
        }
        checkOwner(row.path(), status, othersToo);
        return isFile(row, status); // not one made under its name since the listing
    }

    /** Throws unless the file of {@code status} is this user's or {@code othersToo}. */
    private static void checkOwner(String path, FileStatus status, boolean othersToo) {
        int euid = Libc.geteuid();
        if (status.uid() != euid && !othersToo) {
            throw new InsecureFileException("not removing " + path + ": owned by uid "
                    + Integer.toUnsignedString(status.uid()) + ", not by this user (uid "
                    + Integer.toUnsignedString(euid) + ")");
        }
    }

    private static boolean unlink(String path) {
        try {
            Libc.unlink(path);
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw new JipcException(e.getMessage() + owner(path), e);
        }
    }

    /** {@code " (owned by uid N)"}, or empty once the file is gone. */
    private static String owner(String path) {
        try {
            return " (owned by uid " + Integer.toUnsignedString(Libc.lstat(path).uid()) + ")";
        } catch (ErrnoException gone) {
            return "";
        }
    }
}
